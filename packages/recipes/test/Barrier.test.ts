import { Barrier, DoubleBarrier } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Fiber, Option } from "effect"
import { expect } from "vitest"
import { childrenOf, clients, tagOf, waitUntil, watchedAfterReconnect } from "./helpers.js"

layer(TestCluster.layer({}), { excludeTestServices: true })("Barrier and DoubleBarrier", (it) => {
  it.scoped("Barrier: wait passes when down, waits while up (data changes do not end it), times out", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const coordinator = yield* Barrier.make(a, "/gates/deploy")
      const worker = yield* Barrier.make(b, "/gates/deploy")
      expect(yield* worker.wait()).toBe(true)
      yield* coordinator.create
      yield* coordinator.create
      expect(yield* worker.wait({ timeout: "200 millis" })).toBe(false)
      const waiting = yield* Effect.fork(worker.wait({ timeout: "10 seconds" }))
      yield* Effect.sleep("100 millis")
      yield* a.set("/gates/deploy", "still up")
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      expect(yield* coordinator.remove).toBe(true)
      expect(yield* Fiber.join(waiting)).toBe(true)
      expect(yield* coordinator.remove).toBe(false)
    })
  )

  it.scoped("Barrier and DoubleBarrier: waits that time out or are interrupted leave no watch behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      yield* (yield* Barrier.make(a, "/gate")).create
      const worker = yield* Barrier.make(b, "/gate")
      // what the check sees of a watch the client still has: a waiting wait's
      const waiting = yield* Effect.fork(worker.wait())
      yield* waitUntil(watchedAfterReconnect(b, "/gate", "data"), "the waiting watch")
      yield* Fiber.interrupt(waiting)
      // a barrier polled in a loop
      for (let i = 0; i < 5; i++) expect(yield* worker.wait({ timeout: "50 millis" })).toBe(false)
      expect(yield* watchedAfterReconnect(b, "/gate", "data")).toBe(false)
      // an enter that times out watched `ready` (not there: an exists watch)
      const lonely = yield* DoubleBarrier.make(b, "/double", 2)
      for (let i = 0; i < 5; i++) expect(tagOf(yield* Effect.exit(lonely.enter({ timeout: "50 millis" })))).toBe("LockTimeoutError")
      expect(yield* watchedAfterReconnect(b, "/double/ready", "data")).toBe(false)
    })
  )

  it.scoped("DoubleBarrier: nobody proceeds until all have entered, nobody leaves until all have left", () =>
    Effect.gen(function* () {
      const zks = yield* clients(3)
      const members = yield* Effect.forEach(zks, (zk, i) => DoubleBarrier.make(zk, "/double", 3, { identifier: `m${i}` }))
      const first = yield* Effect.fork(Effect.all([members[0]!.enter(), members[1]!.enter()], { concurrency: 2 }))
      yield* waitUntil(Effect.map(childrenOf(zks[0]!, "/double"), (c) => c.length === 2), "two members")
      expect(Option.isNone(yield* Fiber.poll(first))).toBe(true)
      yield* members[2]!.enter({ timeout: "10 seconds" })
      yield* Fiber.join(first).pipe(Effect.timeout("10 seconds"))
      expect(yield* members[0]!.participating).toBe(true)
      expect(yield* childrenOf(zks[0]!, "/double")).toContain("ready")
      const leaving = yield* Effect.fork(Effect.all([members[0]!.leave(), members[1]!.leave()], { concurrency: 2 }))
      yield* Effect.sleep("300 millis")
      expect(Option.isNone(yield* Fiber.poll(leaving))).toBe(true)
      yield* members[2]!.leave({ timeout: "10 seconds" })
      yield* Fiber.join(leaving).pipe(Effect.timeout("10 seconds"))
      expect(yield* childrenOf(zks[0]!, "/double")).toEqual([])
      expect(yield* members[1]!.participating).toBe(false)
    })
  )

  it.scoped("DoubleBarrier: a timed-out or interrupted enter removes our node", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const lonely = yield* DoubleBarrier.make(a, "/double", 2)
      expect(tagOf(yield* Effect.exit(lonely.enter({ timeout: "300 millis" })))).toBe("LockTimeoutError")
      expect(yield* childrenOf(a, "/double")).toEqual([])
      expect(yield* lonely.participating).toBe(false)
      const interrupted = yield* Effect.fork(lonely.enter())
      yield* waitUntil(Effect.map(childrenOf(b, "/double"), (c) => c.length === 1), "its node")
      yield* Fiber.interrupt(interrupted)
      expect(yield* childrenOf(b, "/double")).toEqual([])
      expect(tagOf(yield* Effect.exit(DoubleBarrier.make(a, "/x", 0)))).toBe("InvalidArgumentError")
    })
  )
})
