import {
  Barrier,
  Counter,
  DoubleBarrier,
  Election,
  Lock,
  MultiNonBlockingLease,
  NonBlockingLease,
  ReadLock,
  Semaphore,
  WriteLock
} from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Fiber, Option } from "effect"
import { expect } from "vitest"
import { childrenOf, client, hosts, newChroot, tagOf, text, waitUntil } from "./helpers.js"
import { kazoo } from "./kazoo.js"

/** Our client and a kazoo process in the same fresh chroot. */
const both = Effect.gen(function* () {
  const chroot = yield* newChroot
  const zk = yield* client({ chroot })
  const kz = yield* kazoo(`${yield* hosts}${chroot}`)
  return { zk, kz }
})

/** Whether a fiber is still running after a short while. */
const stillWaiting = <A, E>(fiber: Fiber.Fiber<A, E>) =>
  Effect.zipRight(Effect.sleep("300 millis"), Effect.map(Fiber.poll(fiber), Option.isNone))

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("interop with kazoo 2.8", (it) => {
  it.scoped("Lock: kazoo holds, ours blocks until kazoo releases; same contenders on both sides", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("lock", { name: "k", path: "/lock", identifier: "kazoo" })
      expect(yield* kz.call("acquire", { name: "k" })).toBe(true)
      const ours = yield* Lock.make(zk, "/lock", { identifier: "effect" })
      const acquired = yield* Deferred.make<void>()
      const waiting = yield* Effect.fork(ours.withLock(Deferred.succeed(acquired, undefined)))
      yield* waitUntil(Effect.map(childrenOf(zk, "/lock"), (c) => c.length === 2), "our node")
      expect(yield* stillWaiting(waiting)).toBe(true)
      expect(yield* ours.contenders).toEqual(["kazoo", "effect"])
      expect(yield* kz.call("contenders", { name: "k" })).toEqual(["kazoo", "effect"])
      expect(yield* kz.call("release", { name: "k" })).toBe(true)
      yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      expect(yield* Deferred.isDone(acquired)).toBe(true)
      expect(yield* childrenOf(zk, "/lock")).toEqual([])
    })
  )

  it.scoped("Lock: ours holds, kazoo times out, then blocks until ours releases", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      const ours = yield* Lock.make(zk, "/lock", { identifier: "effect" })
      const held = yield* ours.acquire()
      yield* kz.call("lock", { name: "k", path: "/lock", identifier: "kazoo" })
      expect(yield* kz.call("acquire", { name: "k", blocking: false })).toBe(false)
      const timedOut = yield* Effect.flip(kz.call("acquire", { name: "k", timeout: 0.5 }))
      expect(timedOut.message).toContain("LockTimeout")
      // kazoo cleaned up after itself, as we do
      expect((yield* childrenOf(zk, "/lock")).length).toBe(1)
      const kazooWaits = yield* kz.start("acquire", { name: "k" })
      yield* waitUntil(Effect.map(childrenOf(zk, "/lock"), (c) => c.length === 2), "kazoo's node")
      const kazooNode = (yield* childrenOf(zk, "/lock")).find((c) => !held.node.endsWith(c))
      expect(kazooNode).toMatch(/^[0-9a-f]{32}__lock__\d{10}$/)
      yield* held.release
      expect(yield* kazooWaits("10 seconds")).toBe(true)
      // now kazoo holds: ours cannot
      expect(Option.isNone(yield* Effect.scoped(ours.tryAcquire()))).toBe(true)
      expect(yield* kz.call("release", { name: "k" })).toBe(true)
    })
  )

  it.scoped("ReadLock/WriteLock: kazoo's write lock blocks our read lock, and ours blocks kazoo's read lock", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("lock", { name: "kw", kind: "WriteLock", path: "/rw", identifier: "kazoo-writer" })
      yield* kz.call("lock", { name: "kr", kind: "ReadLock", path: "/rw", identifier: "kazoo-reader" })
      expect(yield* kz.call("acquire", { name: "kw" })).toBe(true)
      const reader = yield* ReadLock.make(zk, "/rw", { identifier: "effect-reader" })
      const reading = yield* Effect.fork(reader.withLock(Effect.void))
      yield* waitUntil(Effect.map(childrenOf(zk, "/rw"), (c) => c.length === 2), "our read node")
      expect((yield* childrenOf(zk, "/rw")).some((c) => /__rlock__\d{10}$/.test(c))).toBe(true)
      expect(yield* stillWaiting(reading)).toBe(true)
      expect(yield* reader.contenders).toEqual(["kazoo-writer", "effect-reader"])
      expect(yield* kz.call("release", { name: "kw" })).toBe(true)
      yield* Fiber.join(reading).pipe(Effect.timeout("10 seconds"))

      // the reverse: our write lock blocks kazoo's reader; kazoo's reader and ours share
      const writer = yield* WriteLock.make(zk, "/rw", { identifier: "effect-writer" })
      const held = yield* writer.acquire()
      expect(yield* kz.call("acquire", { name: "kr", blocking: false })).toBe(false)
      const kazooReads = yield* kz.start("acquire", { name: "kr" })
      yield* waitUntil(Effect.map(childrenOf(zk, "/rw"), (c) => c.length === 2), "kazoo's read node")
      yield* held.release
      expect(yield* kazooReads("10 seconds")).toBe(true)
      const shared = yield* Effect.scoped(Effect.map(reader.tryAcquire(), Option.isSome))
      expect(shared).toBe(true)
      expect(Option.isNone(yield* Effect.scoped(writer.tryAcquire()))).toBe(true)
      expect(yield* kz.call("release", { name: "kr" })).toBe(true)
    })
  )

  it.scoped("Counter: incremented alternately by both ends, int and float, in kazoo's encoding", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      const ours = yield* Counter.make(zk, "/int")
      yield* kz.call("counter", { name: "c", path: "/int" })
      for (let i = 0; i < 5; i++) {
        const mine = yield* ours.add(2)
        expect(mine).toEqual({ preValue: i * 5, postValue: i * 5 + 2 })
        expect(yield* kz.call("counter_add", { name: "c", value: 3 })).toEqual({
          pre: String(i * 5 + 2),
          post: String(i * 5 + 5)
        })
      }
      expect(yield* ours.value).toBe(25)
      expect(yield* kz.call("get", { path: "/int" })).toBe("25")
      yield* ours.subtract(30)
      expect(yield* kz.call("counter_value", { name: "c" })).toBe("-5")

      const floats = yield* Counter.make(zk, "/float", { kind: "float", default: 1 })
      yield* kz.call("counter", { name: "f", path: "/float", kind: "float", default: "1.0" })
      expect(yield* floats.add(2)).toEqual({ preValue: 1, postValue: 3 })
      expect(yield* kz.call("get", { path: "/float" })).toBe("3.0")
      expect(yield* kz.call("counter_add", { name: "f", value: "0.1" })).toEqual({ pre: "3.0", post: "3.1" })
      expect(yield* floats.add(1e16)).toEqual({ preValue: 3.1, postValue: 3.1 + 1e16 })
      expect(yield* kz.call("get", { path: "/float" })).toBe("1.0000000000000004e+16")
      yield* floats.subtract(1e16)
      expect(yield* kz.call("counter_value", { name: "f" })).toBe("4.0")
      expect(yield* kz.call("counter_add", { name: "f", value: "-4.00001" })).toEqual({ pre: "4.0", post: "-9.999999999621423e-06" })
      expect(yield* floats.value).toBe(4 - 4.00001)

      // many concurrent increments from both ends all count
      yield* Effect.all(
        [
          Effect.forEach(Array.from({ length: 10 }), () => ours.add(1), { concurrency: 5 }),
          Effect.forEach(Array.from({ length: 10 }), () => kz.call("counter_add", { name: "c", value: 1 }), {
            concurrency: 5
          })
        ],
        { concurrency: 2 }
      )
      expect(yield* ours.value).toBe(15)
    })
  )

  it.scoped("Counter: Curator's encoding (kazoo's support_curator)", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      const ours = yield* Counter.make(zk, "/cur", { curator: true })
      yield* kz.call("counter", { name: "c", path: "/cur", curator: true })
      yield* ours.add(300)
      expect(yield* kz.call("counter_add", { name: "c", value: -1 })).toEqual({ pre: "300", post: "299" })
      const raw = (yield* zk.get("/cur")).data
      expect([...raw]).toEqual([0, 0, 1, 43])
      expect(yield* ours.value).toBe(299)
    })
  )

  it.scoped("Election: the same contenders in the same order; kazoo leads, then ours", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("election", { name: "e", path: "/election", identifier: "kazoo" })
      const kazooRuns = yield* kz.start("election_run", { name: "e" })
      yield* kz.nextEvent("elected")
      const ours = yield* Election.make(zk, "/election", { identifier: "effect" })
      const led = yield* Deferred.make<void>()
      const running = yield* Effect.fork(ours.run(Effect.as(Deferred.succeed(led, undefined), "led")))
      yield* waitUntil(Effect.map(ours.contenders, (c) => c.length === 2), "two contenders")
      expect(yield* ours.contenders).toEqual(["kazoo", "effect"])
      expect(yield* kz.call("contenders", { name: "e" })).toEqual(["kazoo", "effect"])
      expect(yield* stillWaiting(running)).toBe(true)
      yield* kz.call("resign", { name: "e" })
      expect(yield* kazooRuns("10 seconds")).toBe(true)
      expect(yield* Fiber.join(running).pipe(Effect.timeout("10 seconds"))).toEqual(Option.some("led"))
      expect(yield* Deferred.isDone(led)).toBe(true)
      expect(yield* ours.contenders).toEqual([])
    })
  )

  it.scoped("Semaphore: leases are shared; kazoo and ours see the same holders; a max_leases mismatch is detected", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("semaphore", { name: "s", path: "/sem", identifier: "kazoo", max_leases: 2 })
      expect(yield* kz.call("acquire", { name: "s" })).toBe(true)
      expect(text((yield* zk.get("/sem")).data)).toBe("2")
      const ours = yield* Semaphore.make(zk, "/sem", { identifier: "effect", maxLeases: 2 })
      const held = yield* ours.acquire({ timeout: "10 seconds" })
      const holders = [...(yield* ours.leaseHolders)].sort()
      expect(holders).toEqual(["effect", "kazoo"])
      expect([...((yield* kz.call("lease_holders", { name: "s" })) as Array<string>)].sort()).toEqual(holders)
      // full: a third holder (kazoo) waits until ours releases
      yield* kz.call("semaphore", { name: "s3", path: "/sem", identifier: "kazoo-3", max_leases: 2 })
      expect(yield* kz.call("acquire", { name: "s3", blocking: false })).toBe(false)
      const third = yield* kz.start("acquire", { name: "s3" })
      yield* Effect.sleep("300 millis")
      yield* held.release
      expect(yield* third("10 seconds")).toBe(true)
      // full again: ours waits until kazoo releases
      const waiting = yield* Effect.fork(ours.withLease(Effect.void))
      expect(yield* stillWaiting(waiting)).toBe(true)
      expect(yield* kz.call("release", { name: "s" })).toBe(true)
      yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))
      // mismatches, both ways
      const wrong = yield* Semaphore.make(zk, "/sem", { maxLeases: 3 })
      const mismatch = yield* Effect.flip(Effect.scoped(wrong.acquire()))
      expect(mismatch).toMatchObject({ _tag: "InconsistentMaxLeasesError", stored: 2, expected: 3 })
      yield* Effect.scoped(Effect.flatMap(Semaphore.make(zk, "/sem5", { maxLeases: 5 }), (s) => s.acquire()))
      yield* kz.call("semaphore", { name: "bad", path: "/sem5", max_leases: 4 })
      const kazooMismatch = yield* Effect.flip(kz.call("acquire", { name: "bad" }))
      expect(kazooMismatch.message).toContain("Inconsistent max leases")
      expect(yield* childrenOf(zk, "/sem5")).toEqual([])
    })
  )

  it.scoped("NonBlockingLease and MultiNonBlockingLease: one record format, honoured by both", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      expect(yield* kz.call("lease", { path: "/lease", seconds: 60, identifier: "kazoo-host" })).toBe(true)
      const record = JSON.parse(text((yield* zk.get("/lease/lease_holder")).data)) as Record<string, unknown>
      expect(record).toMatchObject({ version: 1, holder: "kazoo-host" })
      const other = yield* NonBlockingLease.obtain(zk, "/lease", "1 minute", { identifier: "effect-host" })
      expect(other.obtained).toBe(false)
      expect(other.holder).toBe("kazoo-host")
      expect(other.expires !== undefined && other.expires.getTime() > Date.now()).toBe(true)
      // renewing with kazoo's identity works from our side
      expect((yield* NonBlockingLease.obtain(zk, "/lease", "2 minutes", { identifier: "kazoo-host" })).obtained).toBe(true)
      // ours, written in kazoo's bytes, is honoured by kazoo
      const ours = yield* NonBlockingLease.obtain(zk, "/own", "1 minute", { identifier: "effect-host" })
      expect(ours.obtained).toBe(true)
      const raw = (yield* kz.call("get", { path: "/own/lease_holder" })) as string
      expect(raw).toMatch(/^\{"version": 1, "holder": "effect-host", "end": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"\}$/)
      expect(yield* kz.call("lease", { path: "/own", seconds: 60, identifier: "kazoo-host" })).toBe(false)
      // an expired lease goes to whoever asks
      expect(yield* kz.call("lease", { path: "/short", seconds: 1, identifier: "kazoo-host" })).toBe(true)
      yield* Effect.sleep("2100 millis")
      expect((yield* NonBlockingLease.obtain(zk, "/short", "1 minute", { identifier: "effect-host" })).obtained).toBe(true)
      // multi: kazoo takes slot 0, ours slot 1, a third party none of two
      expect(yield* kz.call("multi_lease", { count: 2, path: "/multi", seconds: 60, identifier: "kazoo-host" })).toBe(true)
      const slot = yield* MultiNonBlockingLease.obtain(zk, 2, "/multi", "1 minute", { identifier: "effect-host" })
      expect(slot).toMatchObject({ obtained: true, path: "/multi/1" })
      expect(yield* kz.call("multi_lease", { count: 2, path: "/multi", seconds: 60, identifier: "third" })).toBe(false)
      expect(yield* childrenOf(zk, "/multi/0")).toEqual(["lease_holder"])
    })
  )

  it.scoped("Barrier and DoubleBarrier across kazoo and ours", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("barrier_create", { path: "/gate" })
      const barrier = yield* Barrier.make(zk, "/gate")
      expect(yield* barrier.wait({ timeout: "200 millis" })).toBe(false)
      const waiting = yield* Effect.fork(barrier.wait({ timeout: "10 seconds" }))
      expect(yield* stillWaiting(waiting)).toBe(true)
      expect(yield* kz.call("barrier_remove", { path: "/gate" })).toBe(true)
      expect(yield* Fiber.join(waiting)).toBe(true)
      yield* barrier.create
      const kazooWaits = yield* kz.start("barrier_wait", { path: "/gate", timeout: 10 })
      yield* Effect.sleep("200 millis")
      expect(yield* barrier.remove).toBe(true)
      expect(yield* kazooWaits("15 seconds")).toBe(true)

      yield* kz.call("double_barrier", { name: "d", path: "/double", num_clients: 2, identifier: "kazoo" })
      const ours = yield* DoubleBarrier.make(zk, "/double", 2, { identifier: "effect" })
      const kazooEnters = yield* kz.start("enter", { name: "d" })
      yield* waitUntil(Effect.map(childrenOf(zk, "/double"), (c) => c.length === 1), "kazoo's node")
      yield* ours.enter({ timeout: "10 seconds" })
      expect(yield* kazooEnters("10 seconds")).toBe(true)
      expect(yield* ours.participating).toBe(true)
      const kazooLeaves = yield* kz.start("leave", { name: "d" })
      yield* ours.leave({ timeout: "10 seconds" })
      expect(yield* kazooLeaves("10 seconds")).toBe(false)
      expect(yield* childrenOf(zk, "/double")).toEqual([])
    })
  )

  it.scoped("an interrupted acquire of ours never leaves kazoo waiting on a ghost", () =>
    Effect.gen(function* () {
      const { zk, kz } = yield* both
      yield* kz.call("lock", { name: "k", path: "/lock", identifier: "kazoo" })
      expect(yield* kz.call("acquire", { name: "k" })).toBe(true)
      const ours = yield* Lock.make(zk, "/lock")
      const waiting = yield* Effect.fork(Effect.scoped(ours.acquire()))
      yield* waitUntil(Effect.map(childrenOf(zk, "/lock"), (c) => c.length === 2), "our node")
      yield* Fiber.interrupt(waiting)
      yield* kz.call("lock", { name: "k2", path: "/lock", identifier: "kazoo-2" })
      const second = yield* kz.start("acquire", { name: "k2" })
      yield* kz.call("release", { name: "k" })
      expect(yield* second("10 seconds")).toBe(true)
      expect(tagOf(yield* Effect.exit(Effect.scoped(ours.acquire({ timeout: "300 millis" }))))).toBe("LockTimeoutError")
      expect(yield* kz.call("contenders", { name: "k2" })).toEqual(["kazoo-2"])
    })
  )
})
