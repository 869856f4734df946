import { ZooKeeper } from "@effect-zk/core"
import { Lock, ReadLock, WriteLock } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Scope } from "effect"
import { expect } from "vitest"
import {
  childrenOf,
  client,
  clients,
  expirableClient,
  newChroot,
  recordStates,
  tagOf,
  WaitTimeout,
  waitUntil,
  watchedAfterReconnect
} from "./helpers.js"

const LOCK_NODE = /^[0-9a-f]{32}__lock__\d{10}$/
const RLOCK_NODE = /^[0-9a-f]{32}__rlock__\d{10}$/

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Lock, ReadLock, WriteLock", (it) => {
  it.scoped("is exclusive; kazoo's node names; contenders in order; release lets the next in", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock", { identifier: "alice" })
      const lb = yield* Lock.make(b!, "/lock", { identifier: "bob" })
      const held = yield* la.acquire()
      expect(held.node).toMatch(/^\/lock\/[0-9a-f]{32}__lock__0000000000$/)
      expect(yield* la.isAcquired).toBe(true)
      const waiting = yield* Effect.fork(Effect.scoped(Effect.map(lb.acquire(), (h) => h.node)))
      yield* waitUntil(Effect.map(childrenOf(a!, "/lock"), (c) => c.length === 2), "bob's node")
      const children = yield* childrenOf(a!, "/lock")
      expect(children.every((c) => LOCK_NODE.test(c))).toBe(true)
      expect(yield* lb.contenders).toEqual(["alice", "bob"])
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      expect(yield* la.release).toBe(true)
      expect(yield* la.release).toBe(false)
      const bobs = yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      expect(bobs).toMatch(/__lock__0000000001$/)
      // bob's scope closed: nothing left
      expect(yield* childrenOf(a!, "/lock")).toEqual([])
    })
  )

  it.scoped("layout 'curator': Curator's protected lock- nodes, exclusive as ever", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const first = yield* Lock.make(a, "/clock", { identifier: "a", layout: "curator" })
      const second = yield* Lock.make(b, "/clock", { identifier: "b", layout: "curator" })
      expect(first.prefix).toMatch(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lock-$/)
      const held = yield* first.acquire()
      expect(Option.isNone(yield* Effect.scoped(second.tryAcquire()))).toBe(true)
      const waiting = yield* Effect.fork(Effect.scoped(second.acquire()))
      yield* waitUntil(Effect.map(childrenOf(a, "/clock"), (c) => c.length === 2), "the second node")
      for (const name of yield* childrenOf(a, "/clock")) expect(name).toMatch(/-lock-\d{10}$/)
      expect(yield* second.contenders).toEqual(["a", "b"])
      yield* held.release
      yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      expect(yield* childrenOf(a, "/clock")).toEqual([])
    })
  )

  it.scoped("tryAcquire gives none when held, leaving nothing behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock")
      const lb = yield* Lock.make(b!, "/lock")
      yield* la.acquire()
      expect(Option.isNone(yield* Effect.scoped(lb.tryAcquire()))).toBe(true)
      expect((yield* childrenOf(a!, "/lock")).length).toBe(1)
      yield* la.release
      const got = yield* Effect.scoped(Effect.map(lb.tryAcquire(), Option.isSome))
      expect(got).toBe(true)
      expect(yield* childrenOf(a!, "/lock")).toEqual([])
    })
  )

  it.scoped("interrupting a waiting acquire removes its node", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock")
      const lb = yield* Lock.make(b!, "/lock")
      yield* la.acquire()
      const waiting = yield* Effect.fork(Effect.scoped(lb.acquire()))
      yield* waitUntil(Effect.map(childrenOf(a!, "/lock"), (c) => c.length === 2), "the waiter's node")
      yield* Fiber.interrupt(waiting)
      // the interruption completed only once the node was gone
      expect((yield* childrenOf(a!, "/lock")).length).toBe(1)
      expect(yield* lb.isAcquired).toBe(false)
    })
  )

  it.scoped("leaving the scope releases; withLock releases after the body", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock")
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* la.acquire()
          expect((yield* childrenOf(b!, "/lock")).length).toBe(1)
        })
      )
      expect(yield* childrenOf(b!, "/lock")).toEqual([])
      expect(yield* la.isAcquired).toBe(false)
      const inside = yield* la.withLock(childrenOf(b!, "/lock"))
      expect(inside.length).toBe(1)
      expect(yield* childrenOf(b!, "/lock")).toEqual([])
      // a failing body releases too
      const failed = yield* Effect.exit(la.withLock(Effect.fail("boom")))
      expect(Exit.isFailure(failed)).toBe(true)
      expect(yield* childrenOf(b!, "/lock")).toEqual([])
    })
  )

  it.scoped("a timeout fails with LockTimeoutError and leaves nothing behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock")
      const lb = yield* Lock.make(b!, "/lock")
      yield* la.acquire()
      const started = Date.now()
      const exit = yield* Effect.exit(Effect.scoped(lb.acquire({ timeout: "400 millis" })))
      expect(tagOf(exit)).toBe("LockTimeoutError")
      expect(Date.now() - started).toBeLessThan(5000)
      expect((yield* childrenOf(a!, "/lock")).length).toBe(1)
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toMatchObject({ path: "/lock", timeoutMillis: 400 })
    })
  )

  it.scoped("acquires that time out or are interrupted leave no watch behind (a lock tried in a loop)", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const held = yield* (yield* Lock.make(a!, "/lock")).acquire()
      const lb = yield* Lock.make(b!, "/lock")
      // what the check sees of a watch the client still has: a waiting acquire's
      const waiting = yield* Effect.fork(Effect.scoped(lb.acquire()))
      yield* waitUntil(watchedAfterReconnect(b!, held.node, "data"), "the waiter's watch")
      yield* Fiber.interrupt(waiting)
      for (let i = 0; i < 5; i++) {
        expect(tagOf(yield* Effect.exit(Effect.scoped(lb.acquire({ timeout: "50 millis" }))))).toBe("LockTimeoutError")
      }
      expect(yield* watchedAfterReconnect(b!, held.node, "data")).toBe(false)
      // the same for a write lock waiting behind a reader
      const reader = yield* (yield* ReadLock.make(a!, "/rw")).acquire()
      const writer = yield* WriteLock.make(b!, "/rw")
      for (let i = 0; i < 5; i++) {
        expect(tagOf(yield* Effect.exit(Effect.scoped(writer.acquire({ timeout: "50 millis" }))))).toBe("LockTimeoutError")
      }
      expect(yield* watchedAfterReconnect(b!, reader.node, "data")).toBe(false)
    })
  )

  it.scoped("cancel makes a waiting acquire fail with CancelledError and leaves nothing behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const la = yield* Lock.make(a!, "/lock")
      const lb = yield* Lock.make(b!, "/lock")
      yield* la.acquire()
      const waiting = yield* Effect.fork(Effect.scoped(lb.acquire()))
      yield* waitUntil(Effect.map(childrenOf(a!, "/lock"), (c) => c.length === 2), "the waiter's node")
      yield* lb.cancel
      expect(tagOf(yield* Fiber.await(waiting))).toBe("CancelledError")
      expect((yield* childrenOf(a!, "/lock")).length).toBe(1)
      // cancel only concerns acquires waiting at the time
      yield* la.release
      yield* Effect.scoped(lb.acquire({ timeout: "5 seconds" }))
    })
  )

  it.scoped("kazoo's re-entry: a second acquire on the same handle waits for the first hold", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const lock = yield* Lock.make(zk, "/lock")
      yield* lock.acquire()
      expect(Option.isNone(yield* Effect.scoped(lock.tryAcquire()))).toBe(true)
      expect(tagOf(yield* Effect.exit(Effect.scoped(lock.acquire({ timeout: "300 millis" }))))).toBe("LockTimeoutError")
      expect((yield* childrenOf(zk, "/lock")).length).toBe(1)
      const second = yield* Effect.fork(Effect.scoped(Effect.map(lock.acquire(), (h) => h.node)))
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      yield* lock.release
      expect(yield* Fiber.join(second).pipe(Effect.timeout("5 seconds"))).toMatch(/__lock__0000000001$/)
    })
  )

  it.scoped("Lock.withLock takes the client from the context", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const seen = yield* childrenOf(zk, "/ctx").pipe(Lock.withLock("/ctx"), Effect.provideService(ZooKeeper.ZooKeeper, zk))
      expect(seen.length).toBe(1)
      expect(yield* childrenOf(zk, "/ctx")).toEqual([])
    })
  )

  it.scoped("many contenders take turns, one at a time", () =>
    Effect.gen(function* () {
      const zks = yield* clients(3)
      const inside = yield* Ref.make(0)
      const maxInside = yield* Ref.make(0)
      const order: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: 6 }, (_, i) => i),
        (i) =>
          Effect.flatMap(Lock.make(zks[i % 3]!, "/turns", { identifier: `c${i}` }), (lock) =>
            lock.withLock(
              Effect.gen(function* () {
                const n = yield* Ref.updateAndGet(inside, (k) => k + 1)
                yield* Ref.update(maxInside, (m) => Math.max(m, n))
                order.push(i)
                yield* Effect.sleep("20 millis")
                yield* Ref.update(inside, (k) => k - 1)
              })
            )
          ),
        { concurrency: "unbounded" }
      )
      expect(yield* Ref.get(maxInside)).toBe(1)
      expect(order.length).toBe(6)
      expect(yield* childrenOf(zks[0]!, "/turns")).toEqual([])
    })
  )

  it.scoped("session expiry while holding: the holder is told, withLock's body is interrupted, nothing stale remains", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const observer = yield* client({ chroot })
      const lock = yield* Lock.make(zk, "/lock", { identifier: "holder" })
      const started = yield* Deferred.make<void>()
      const body = yield* Effect.fork(
        lock.withLock(Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))
      )
      yield* Deferred.await(started)
      yield* expire
      const exit = yield* Fiber.await(body).pipe(Effect.timeout("15 seconds"))
      expect(tagOf(exit)).toBe("LockLostError")
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toMatchObject({ path: "/lock" })
      expect(["LOST", "SUSPENDED"]).toContain(error !== undefined && "reason" in error ? error.reason : undefined)
      expect(yield* childrenOf(observer, "/lock")).toEqual([])
      expect(yield* lock.isAcquired).toBe(false)
      // the handle works again on the new session
      yield* Effect.scoped(lock.acquire({ timeout: "5 seconds" }))
    })
  )

  it.scoped("held.lost reports LOST under the session policy when the session expires", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const lock = yield* Lock.make(zk, "/lock", { policy: "session" })
      const held = yield* lock.acquire()
      const lost = yield* Effect.fork(Effect.flip(held.lost))
      yield* expire
      const error = yield* Fiber.join(lost).pipe(Effect.timeout("15 seconds"))
      expect(error).toMatchObject({ _tag: "LockLostError", reason: "LOST", node: held.node })
      expect(yield* held.isLost).toBe(true)
    })
  )

  it.scoped("a dropped connection: lost (SUSPENDED) under the standard policy, kept under the session policy", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "6 seconds" })
      const standard = yield* Lock.make(zk, "/standard")
      const session = yield* Lock.make(zk, "/session", { policy: "session" })
      const h1 = yield* standard.acquire()
      const h2 = yield* session.acquire()
      yield* proxy.cut
      yield* Effect.sleep("300 millis")
      yield* proxy.heal
      const error = yield* Effect.flip(h1.lost).pipe(Effect.timeout("10 seconds"))
      expect(error.reason).toBe("SUSPENDED")
      yield* waitUntil(zk.connected, "reconnection")
      yield* Effect.sleep("300 millis")
      expect(yield* h2.isLost).toBe(false)
      // the suspended hold's node is still there (same session) until it is released
      expect((yield* childrenOf(zk, "/standard")).length).toBe(1)
      yield* h1.release
      expect(yield* childrenOf(zk, "/standard")).toEqual([])
    })
  )

  it.scoped("a hold whose node is deleted by someone else is lost (DELETED)", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const lock = yield* Lock.make(a!, "/lock")
      const held = yield* lock.acquire()
      yield* b!.delete(held.node)
      const error = yield* Effect.flip(held.lost).pipe(Effect.timeout("10 seconds"))
      expect(error.reason).toBe("DELETED")
    })
  )

  it.scoped("a waiter whose session expires contends again with a new node and gets the lock", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const holder = yield* client({ chroot })
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const la = yield* Lock.make(holder, "/lock")
      const lb = yield* Lock.make(zk, "/lock", { identifier: "waiter" })
      yield* la.acquire()
      const waiting = yield* Effect.fork(Effect.scoped(Effect.map(lb.acquire(), (h) => h.node)))
      yield* waitUntil(Effect.map(childrenOf(holder, "/lock"), (c) => c.length === 2), "the waiter's node")
      const before = (yield* childrenOf(holder, "/lock")).find((c) => c.endsWith("0000000001"))
      yield* expire
      yield* waitUntil(
        Effect.map(childrenOf(holder, "/lock"), (c) => c.length === 2 && !c.includes(before ?? "")),
        "the waiter's new node"
      )
      yield* la.release
      const node = yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      expect(node).toMatch(/__lock__0000000002$/)
      expect(yield* childrenOf(holder, "/lock")).toEqual([])
    })
  )

  it.scoped("an acquire interrupted while cut off removes its node once the connection is back", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const holder = yield* client({ chroot })
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "10 seconds" })
      yield* Effect.flatMap(Lock.make(holder, "/lock"), (l) => l.acquire())
      const waiter = yield* Lock.make(zk, "/lock")
      const waiting = yield* Effect.fork(Effect.scoped(waiter.acquire()))
      yield* waitUntil(Effect.map(childrenOf(holder, "/lock"), (c) => c.length === 2), "the waiter's node")
      yield* proxy.cut
      const interrupting = yield* Effect.fork(Fiber.interrupt(waiting))
      yield* Effect.sleep("500 millis")
      // the clean-up cannot reach the server yet: the interruption waits for it
      expect(Option.isNone(yield* Fiber.poll(interrupting))).toBe(true)
      expect((yield* childrenOf(holder, "/lock")).length).toBe(2)
      yield* proxy.heal
      yield* Fiber.join(interrupting).pipe(Effect.timeout("15 seconds"))
      expect((yield* childrenOf(holder, "/lock")).length).toBe(1)
    })
  )

  it.scoped("a release after the client has called its session lost does not wait for a connection: the server removes the node", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const observer = yield* client({ chroot })
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const states = yield* recordStates(zk)
      const scope = yield* Scope.make()
      const held = yield* Effect.flatMap(Lock.make(zk, "/lock"), (l) => l.acquire()).pipe(Scope.extend(scope))
      yield* proxy.cut
      yield* states.waitFor("LOST")
      // still cut off: closing the hold's scope ends (it used to retry until the one-minute cap)
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* Fiber.join(closing).pipe(
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new WaitTimeout("the release to end while cut off") })
      )
      expect(yield* held.isLost).toBe(true)
      // the server expired the session: its node is gone
      yield* waitUntil(Effect.map(childrenOf(observer, "/lock"), (c) => c.length === 0), "the node gone with the session")
      yield* proxy.heal
    })
  )

  it.scoped("a persistent lock node (ephemeral: false) is released on scope exit", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const lock = yield* Lock.make(zk, "/lock")
      yield* Effect.scoped(
        Effect.gen(function* () {
          const held = yield* lock.acquire({ ephemeral: false })
          const stat = yield* zk.exists(held.node)
          expect(Option.isSome(stat) && stat.value.ephemeralOwner).toBe(0n)
        })
      )
      expect(yield* childrenOf(zk, "/lock")).toEqual([])
    })
  )

  it.scoped("ReadLock/WriteLock: readers share; a writer waits for earlier readers; a reader waits for an earlier writer", () =>
    Effect.gen(function* () {
      const [a, b, c] = yield* clients(3)
      const r1 = yield* ReadLock.make(a!, "/rw", { identifier: "r1" })
      const r2 = yield* ReadLock.make(b!, "/rw", { identifier: "r2" })
      const w = yield* WriteLock.make(c!, "/rw", { identifier: "w" })
      const h1 = yield* r1.acquire({ timeout: "5 seconds" })
      expect(h1.node).toMatch(/__rlock__0000000000$/)
      const h2 = yield* r2.acquire({ timeout: "5 seconds" })
      const writer = yield* Effect.fork(Effect.scoped(Effect.map(w.acquire(), (h) => h.node)))
      yield* waitUntil(Effect.map(childrenOf(a!, "/rw"), (ch) => ch.length === 3), "the writer's node")
      expect(yield* w.contenders).toEqual(["r1", "r2", "w"])
      const names = yield* childrenOf(a!, "/rw")
      expect(names.filter((n) => RLOCK_NODE.test(n)).length).toBe(2)
      expect(names.filter((n) => LOCK_NODE.test(n)).length).toBe(1)
      // a reader arriving after the waiting writer waits for it
      const r3 = yield* ReadLock.make(a!, "/rw")
      expect(Option.isNone(yield* Effect.scoped(r3.tryAcquire()))).toBe(true)
      yield* h1.release
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(writer))).toBe(true)
      yield* h2.release
      expect(yield* Fiber.join(writer).pipe(Effect.timeout("10 seconds"))).toMatch(/__lock__\d{10}$/)
    })
  )

  it.scoped("ReadLock/WriteLock: no deadlock when a writer arrives between a waiting reader and a held write lock (kazoo #649)", () =>
    Effect.gen(function* () {
      const [a, b, c] = yield* clients(3)
      const w1 = yield* WriteLock.make(a!, "/rw")
      const r = yield* ReadLock.make(b!, "/rw")
      const w2 = yield* WriteLock.make(c!, "/rw")
      const h = yield* w1.acquire()
      const reader = yield* Effect.fork(r.withLock(Effect.sleep("100 millis")))
      yield* waitUntil(Effect.map(childrenOf(a!, "/rw"), (ch) => ch.length === 2), "the reader's node")
      const writer = yield* Effect.fork(w2.withLock(Effect.void))
      yield* waitUntil(Effect.map(childrenOf(a!, "/rw"), (ch) => ch.length === 3), "the second writer's node")
      yield* h.release
      yield* Fiber.join(reader).pipe(Effect.timeout("10 seconds"))
      yield* Fiber.join(writer).pipe(Effect.timeout("10 seconds"))
      expect(yield* childrenOf(a!, "/rw")).toEqual([])
    })
  )

  it.scoped("ReadLock/WriteLock with layout 'curator': Curator's __READ__/__WRIT__ nodes; readers share, writers wait their turn", () =>
    Effect.gen(function* () {
      const [a, b, c] = yield* clients(3)
      const layout = "curator" as const
      const r1 = yield* ReadLock.make(a, "/crw", { identifier: "r1", layout })
      const r2 = yield* ReadLock.make(b, "/crw", { identifier: "r2", layout })
      const w = yield* WriteLock.make(c, "/crw", { identifier: "w", layout })
      expect(r1.prefix).toMatch(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-__READ__$/)
      expect(w.prefix).toMatch(/^_c_[0-9a-f-]{36}-__WRIT__$/)
      const h1 = yield* r1.acquire({ timeout: "5 seconds" })
      expect(h1.node).toMatch(/^\/crw\/_c_[0-9a-f-]{36}-__READ__0000000000$/)
      const h2 = yield* r2.acquire({ timeout: "5 seconds" })
      const writer = yield* Effect.fork(Effect.scoped(Effect.map(w.acquire(), (h) => h.node)))
      yield* waitUntil(Effect.map(childrenOf(a, "/crw"), (ch) => ch.length === 3), "the writer's node")
      expect(yield* w.contenders).toEqual(["r1", "r2", "w"])
      // a reader arriving after the waiting writer waits for it; so does another writer
      const r3 = yield* ReadLock.make(a, "/crw", { layout })
      expect(Option.isNone(yield* Effect.scoped(r3.tryAcquire()))).toBe(true)
      const w2 = yield* WriteLock.make(b, "/crw", { layout })
      expect(Option.isNone(yield* Effect.scoped(w2.tryAcquire()))).toBe(true)
      yield* h1.release
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(writer))).toBe(true)
      yield* h2.release
      expect(yield* Fiber.join(writer).pipe(Effect.timeout("10 seconds"))).toMatch(/^\/crw\/_c_[0-9a-f-]{36}-__WRIT__0000000002$/)
      expect(yield* childrenOf(a, "/crw")).toEqual([])
      // the layouts do not mix: a kazoo-layout writer does not see Curator-layout readers
      yield* r1.acquire()
      const kazooWriter = yield* WriteLock.make(b, "/crw")
      expect(Option.isSome(yield* Effect.scoped(kazooWriter.tryAcquire()))).toBe(true)
    })
  )

  it.scoped("the withLock combinators take the client from the context and release at the end", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const inside = (zk: typeof a) => Effect.map(childrenOf(zk, "/combo"), (c) => c.length)
      // each holds its lock (one node) while the effect runs, and none is left afterwards
      expect(yield* inside(b).pipe(Lock.withLock("/combo"), Effect.provideService(ZooKeeper.ZooKeeper, a))).toBe(1)
      expect(yield* inside(b).pipe(ReadLock.withLock("/combo", { layout: "curator" }), Effect.provideService(ZooKeeper.ZooKeeper, a))).toBe(1)
      expect(yield* inside(b).pipe(WriteLock.withLock("/combo", { timeout: "5 seconds" }), Effect.provideService(ZooKeeper.ZooKeeper, a))).toBe(1)
      expect(yield* childrenOf(b, "/combo")).toEqual([])
    })
  )

  it.scoped("several locks in one scope (Curator's InterProcessMultiLock): all or none", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const [la, lb] = [yield* Lock.make(a, "/multi-1"), yield* Lock.make(a, "/multi-2")]
      // someone else holds the second: taking both times out, and the first is given back
      const other = yield* Lock.make(b, "/multi-2")
      const otherScope = yield* Scope.make()
      yield* other.acquire().pipe(Scope.extend(otherScope))
      const both = Effect.scoped(
        Effect.zipRight(Effect.all([la.acquire({ timeout: "300 millis" }), lb.acquire({ timeout: "300 millis" })]), Effect.void)
      )
      expect(tagOf(yield* Effect.exit(both))).toBe("LockTimeoutError")
      expect(yield* childrenOf(a, "/multi-1")).toEqual([])
      expect(yield* la.isAcquired).toBe(false)
      // once it is free, both are held together, and released together
      yield* Scope.close(otherScope, Exit.void)
      const held = yield* Effect.scoped(
        Effect.map(Effect.all([la.acquire(), lb.acquire()]), () => true).pipe(
          Effect.tap(() => Effect.map(Effect.all([childrenOf(b, "/multi-1"), childrenOf(b, "/multi-2")]), ([x, y]) => expect(x.length + y.length).toBe(2)))
        )
      )
      expect(held).toBe(true)
      expect([...(yield* childrenOf(b, "/multi-1")), ...(yield* childrenOf(b, "/multi-2"))]).toEqual([])
    })
  )

  it.scoped("ReadLock/WriteLock: an exclusive Lock and a WriteLock on one path exclude each other", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const lock = yield* Lock.make(a!, "/rw")
      const w = yield* WriteLock.make(b!, "/rw")
      yield* lock.acquire()
      expect(Option.isNone(yield* Effect.scoped(w.tryAcquire()))).toBe(true)
    })
  )
})
