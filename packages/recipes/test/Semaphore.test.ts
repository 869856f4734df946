import { Semaphore } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Fiber, Option, Ref } from "effect"
import { expect } from "vitest"
import { childrenOf, client, clients, expirableClient, newChroot, tagOf, text, waitUntil } from "./helpers.js"

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

  it.scoped("many holders through withLease never exceed maxLeases", () =>
    Effect.gen(function* () {
      const zks = yield* clients(2)
      const inside = yield* Ref.make(0)
      const peak = yield* Ref.make(0)
      yield* Effect.forEach(
        Array.from({ length: 8 }, (_, i) => i),
        (i) =>
          Effect.flatMap(Semaphore.make(zks[i % 2]!, "/pool", { maxLeases: 3 }), (sem) =>
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
      expect(yield* childrenOf(zks[0]!, "/pool")).toEqual([])
    })
  )

  it.scoped("interrupt, timeout and cancel of a waiting acquire leave neither a lease nor a lock node", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const full = yield* Semaphore.make(a!, "/sem")
      yield* full.acquire()
      const waiter = yield* Semaphore.make(b!, "/sem")
      const nothingLeft = Effect.gen(function* () {
        expect((yield* childrenOf(a!, "/sem")).length).toBe(1)
        expect(yield* childrenOf(a!, "/sem-__lock__")).toEqual([])
      })
      const interrupted = yield* Effect.fork(Effect.scoped(waiter.acquire()))
      yield* waitUntil(Effect.map(childrenOf(a!, "/sem-__lock__"), (c) => c.length === 1), "the waiter's lock")
      yield* Fiber.interrupt(interrupted)
      yield* nothingLeft
      expect(tagOf(yield* Effect.exit(Effect.scoped(waiter.acquire({ timeout: "300 millis" }))))).toBe("LockTimeoutError")
      yield* nothingLeft
      const cancelled = yield* Effect.fork(Effect.scoped(waiter.acquire()))
      yield* waitUntil(Effect.map(childrenOf(a!, "/sem-__lock__"), (c) => c.length === 1), "the waiter's lock")
      yield* waiter.cancel
      expect(tagOf(yield* Fiber.await(cancelled))).toBe("CancelledError")
      yield* nothingLeft
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

  it.scoped("session expiry while holding a lease: the holder is told and the lease is gone", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const observer = yield* client({ chroot })
      const sem = yield* Semaphore.make(zk, "/sem", { identifier: "doomed" })
      const holding = yield* Deferred.make<void>()
      const exit = yield* Effect.fork(sem.withLease(Effect.zipRight(Deferred.succeed(holding, undefined), Effect.never)))
      yield* Deferred.await(holding)
      yield* expire
      expect(tagOf(yield* Fiber.await(exit).pipe(Effect.timeout("15 seconds")))).toBe("LockLostError")
      expect(yield* childrenOf(observer, "/sem")).toEqual([])
      // the lease is free for others
      const next = yield* Semaphore.make(observer, "/sem")
      yield* Effect.scoped(next.acquire({ timeout: "5 seconds" }))
    })
  )
})
