import { Semaphore } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Fiber, Option, Ref } from "effect"
import { expect } from "vitest"
import { childrenOf, client, clients, expirableClient, newChroot, tagOf, text, waitUntil, watchedAfterReconnect } from "./helpers.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Semaphore", (it) => {
  it.scoped("at most maxLeases holders; kazoo's layout: the count as text, one lease node per holder, a sibling lock", () =>
    Effect.gen(function* () {
      const zks = yield* clients(3)
      const sems = yield* Effect.forEach(zks, (zk, i) => Semaphore.make(zk, "/sem", { identifier: `h${i}`, maxLeases: 2 }))
      const h0 = yield* sems[0]!.acquire()
      yield* sems[1]!.acquire()
      expect(text((yield* zks[0]!.get("/sem")).data)).toBe("2")
      const leases = yield* childrenOf(zks[0]!, "/sem")
      expect(leases.length).toBe(2)
      expect(leases.every((l) => /^[0-9a-f]{32}$/.test(l))).toBe(true)
      expect(h0.node).toMatch(/^\/sem\/[0-9a-f]{32}$/)
      expect([...(yield* sems[2]!.leaseHolders)].sort()).toEqual(["h0", "h1"])
      expect(Option.isNone(yield* Effect.scoped(sems[2]!.tryAcquire))).toBe(true)
      const third = yield* Effect.fork(Effect.scoped(Effect.map(sems[2]!.acquire(), (h) => h.node)))
      // the waiter keeps the sibling lock while it waits
      yield* waitUntil(Effect.map(childrenOf(zks[0]!, "/sem-__lock__"), (c) => c.length === 1), "the waiter's lock")
      yield* h0.release
      expect(yield* Fiber.join(third).pipe(Effect.timeout("10 seconds"))).toMatch(/^\/sem\/[0-9a-f]{32}$/)
      expect(yield* childrenOf(zks[0]!, "/sem-__lock__")).toEqual([])
      expect(yield* sems[0]!.isAcquired).toBe(false)
    })
  )

  it.scoped("kazoo's layout: acquires that time out and tries that find no lease leave no watch behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      yield* (yield* Semaphore.make(a, "/sem")).acquire()
      const sem = yield* Semaphore.make(b, "/sem")
      // what the check sees of a watch the client still has: a waiting acquire's
      const waiting = yield* Effect.fork(Effect.scoped(sem.acquire()))
      yield* waitUntil(watchedAfterReconnect(b, "/sem", "children"), "the waiter's watch")
      yield* Fiber.interrupt(waiting)
      for (let i = 0; i < 5; i++) {
        expect(tagOf(yield* Effect.exit(Effect.scoped(sem.acquire({ timeout: "50 millis" }))))).toBe("LockTimeoutError")
        expect(yield* Effect.scoped(sem.tryAcquire)).toEqual(Option.none())
      }
      expect(yield* watchedAfterReconnect(b, "/sem", "children")).toBe(false)
    })
  )

  it.scoped("a max_leases mismatch fails with InconsistentMaxLeasesError; bad arguments are refused", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      yield* Effect.scoped(Effect.flatMap(Semaphore.make(zk, "/sem", { maxLeases: 2 }), (s) => s.acquire()))
      const other = yield* Semaphore.make(zk, "/sem", { maxLeases: 4 })
      expect(yield* Effect.flip(Effect.scoped(other.acquire()))).toMatchObject({
        _tag: "InconsistentMaxLeasesError",
        path: "/sem",
        stored: 2,
        expected: 4
      })
      expect(tagOf(yield* Effect.exit(Semaphore.make(zk, "/x", { maxLeases: 0 })))).toBe("InvalidArgumentError")
      // non-numeric data on an existing node is ignored, as kazoo does
      yield* zk.create("/free", { data: "not a number" })
      yield* Effect.scoped(Effect.flatMap(Semaphore.make(zk, "/free", { maxLeases: 3 }), (s) => s.acquire()))
    })
  )

  it.scoped("layout 'curator': Curator's locks/ and leases/ nodes; at most maxLeases holders; a waiter keeps the lock and its lease node", () =>
    Effect.gen(function* () {
      const zks = yield* clients(3)
      const sems = yield* Effect.forEach(zks, (zk, i) =>
        Semaphore.make(zk, "/csem", { identifier: `h${i}`, maxLeases: 2, layout: "curator" })
      )
      const h0 = yield* sems[0]!.acquire()
      expect(h0.node).toMatch(/^\/csem\/leases\/_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lease-0000000000$/)
      yield* sems[1]!.acquire()
      // nothing stores the count; the lock is free once each holder is in
      expect(text((yield* zks[0]!.get("/csem")).data)).toBe("")
      expect(yield* childrenOf(zks[0]!, "/csem/locks")).toEqual([])
      expect(yield* sems[2]!.leaseHolders).toEqual(["h0", "h1"])
      // a try that finds the leases taken leaves neither its lease nor a lock node
      expect(Option.isNone(yield* Effect.scoped(sems[2]!.tryAcquire))).toBe(true)
      expect((yield* childrenOf(zks[0]!, "/csem/leases")).length).toBe(2)
      expect(yield* childrenOf(zks[0]!, "/csem/locks")).toEqual([])
      const third = yield* Effect.fork(Effect.scoped(Effect.map(sems[2]!.acquire(), (h) => h.node)))
      // the waiter keeps the lock and its own lease node while it waits (Curator's algorithm)
      yield* waitUntil(
        Effect.map(
          Effect.zip(childrenOf(zks[0]!, "/csem/locks"), childrenOf(zks[0]!, "/csem/leases")),
          ([locks, leases]) => locks.length === 1 && leases.length === 3
        ),
        "the waiter's lock and lease"
      )
      for (const name of yield* childrenOf(zks[0]!, "/csem/locks")) expect(name).toMatch(/^_c_[0-9a-f-]{36}-lock-\d{10}$/)
      expect(yield* sems[0]!.leaseHolders).toEqual(["h0", "h1"])
      yield* h0.release
      expect(yield* Fiber.join(third).pipe(Effect.timeout("10 seconds"))).toMatch(/-lease-0000000003$/)
      expect(yield* childrenOf(zks[0]!, "/csem/locks")).toEqual([])
      expect(yield* childrenOf(zks[0]!, "/csem/leases")).toHaveLength(1)
    })
  )

  for (const layout of ["kazoo", "curator"] as const) {
    const leases = (path: string) => (layout === "curator" ? `${path}/leases` : path)
    const lockOf = (path: string) => (layout === "curator" ? `${path}/locks` : `${path}-__lock__`)

    it.scoped(`${layout} layout: interrupt, timeout and cancel of a waiting acquire leave neither a lease nor a lock node`, () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const full = yield* Semaphore.make(a!, "/sem", { layout })
        yield* full.acquire()
        const waiter = yield* Semaphore.make(b!, "/sem", { layout })
        // a waiter keeps the lock; under Curator's layout it has placed its lease node too
        const waiting = Effect.map(
          Effect.zip(childrenOf(a!, lockOf("/sem")), childrenOf(a!, leases("/sem"))),
          ([lock, leaseNodes]) => lock.length === 1 && leaseNodes.length === (layout === "curator" ? 2 : 1)
        )
        const nothingLeft = Effect.gen(function* () {
          expect((yield* childrenOf(a!, leases("/sem"))).length).toBe(1)
          expect(yield* childrenOf(a!, lockOf("/sem"))).toEqual([])
        })
        const interrupted = yield* Effect.fork(Effect.scoped(waiter.acquire()))
        yield* waitUntil(waiting, "the waiter's nodes")
        yield* Fiber.interrupt(interrupted)
        yield* nothingLeft
        expect(tagOf(yield* Effect.exit(Effect.scoped(waiter.acquire({ timeout: "300 millis" }))))).toBe("LockTimeoutError")
        yield* nothingLeft
        const cancelled = yield* Effect.fork(Effect.scoped(waiter.acquire()))
        yield* waitUntil(waiting, "the waiter's nodes")
        yield* waiter.cancel
        expect(tagOf(yield* Fiber.await(cancelled))).toBe("CancelledError")
        yield* nothingLeft
      })
    )

      it.scoped(`${layout} layout: many holders through withLease never exceed maxLeases`, () =>
      Effect.gen(function* () {
        const zks = yield* clients(2)
        const inside = yield* Ref.make(0)
        const peak = yield* Ref.make(0)
        yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) =>
            Effect.flatMap(Semaphore.make(zks[i % 2]!, "/pool", { maxLeases: 3, layout }), (sem) =>
              sem.withLease(
                Effect.gen(function* () {
                  const n = yield* Ref.updateAndGet(inside, (k) => k + 1)
                  yield* Ref.update(peak, (p) => Math.max(p, n))
                  yield* Effect.sleep("30 millis")
                  yield* Ref.update(inside, (k) => k - 1)
                })
              )
            ),
          { concurrency: "unbounded" }
        )
        expect(yield* Ref.get(peak)).toBeLessThanOrEqual(3)
        expect(yield* Ref.get(peak)).toBeGreaterThan(1)
        expect(yield* childrenOf(zks[0]!, leases("/pool"))).toEqual([])
      })
    )

    it.scoped(`${layout} layout: session expiry while holding a lease: the holder is told and the lease is gone`, () =>
      Effect.gen(function* () {
        const chroot = yield* newChroot
        const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
        const observer = yield* client({ chroot })
        const sem = yield* Semaphore.make(zk, "/sem", { identifier: "doomed", layout })
        const holding = yield* Deferred.make<void>()
        const exit = yield* Effect.fork(sem.withLease(Effect.zipRight(Deferred.succeed(holding, undefined), Effect.never)))
        yield* Deferred.await(holding)
        yield* expire
        expect(tagOf(yield* Fiber.await(exit).pipe(Effect.timeout("15 seconds")))).toBe("LockLostError")
        expect(yield* childrenOf(observer, leases("/sem"))).toEqual([])
        // the lease is free for others
        const next = yield* Semaphore.make(observer, "/sem", { layout })
        yield* Effect.scoped(next.acquire({ timeout: "5 seconds" }))
      })
    )
  }
})
