import { describe, expect, it } from "@effect/vitest"
import { makeCallbackQueue } from "@effect-zk/core/Handler"
import { Deferred, Effect, Exit, Ref, Scope, TestClock } from "effect"

describe("Handler callback queues", () => {
  it.scoped("run tasks one at a time, in the order offered", () =>
    Effect.gen(function* () {
      const queue = yield* makeCallbackQueue("watch")
      const seen = yield* Ref.make<ReadonlyArray<number>>([])
      const running = yield* Ref.make(0)
      const maxRunning = yield* Ref.make(0)
      for (let i = 0; i < 50; i++) {
        queue.offer(
          Effect.gen(function* () {
            const now = yield* Ref.updateAndGet(running, (n) => n + 1)
            yield* Ref.update(maxRunning, (m) => Math.max(m, now))
            yield* Effect.yieldNow()
            yield* Ref.update(seen, (xs) => [...xs, i])
            yield* Ref.update(running, (n) => n - 1)
          })
        )
      }
      yield* queue.drained
      expect(yield* Ref.get(seen)).toEqual(Array.from({ length: 50 }, (_, i) => i))
      expect(yield* Ref.get(maxRunning)).toBe(1)
    })
  )

  it.scoped("a blocked queue does not block another; a failing task does not stop its queue", () =>
    Effect.gen(function* () {
      const session = yield* makeCallbackQueue("session")
      const watch = yield* makeCallbackQueue("watch")
      const gate = yield* Deferred.make<void>()
      const ran = yield* Ref.make<ReadonlyArray<string>>([])
      session.offer(Deferred.await(gate))
      session.offer(Ref.update(ran, (xs) => [...xs, "session-after-gate"]))
      watch.offer(Effect.fail("boom"))
      watch.offer(Effect.die("worse"))
      watch.offer(Ref.update(ran, (xs) => [...xs, "watch"]))
      yield* watch.drained
      expect(yield* Ref.get(ran)).toEqual(["watch"])
      yield* Deferred.succeed(gate, undefined)
      yield* session.drained
      expect(yield* Ref.get(ran)).toEqual(["watch", "session-after-gate"])
    })
  )

  it.effect("closing the scope runs what is queued, then stops the queue", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const queue = yield* Scope.extend(makeCallbackQueue("session"), scope)
      const ran = yield* Ref.make(0)
      for (let i = 0; i < 5; i++) queue.offer(Ref.update(ran, (n) => n + 1))
      yield* Scope.close(scope, Exit.void)
      expect(yield* Ref.get(ran)).toBe(5)
      queue.offer(Ref.update(ran, (n) => n + 1))
      yield* Effect.yieldNow()
      expect(yield* Ref.get(ran)).toBe(5)
    })
  )

  it.effect("a task that never ends is interrupted after the drain bound on close", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const queue = yield* Scope.extend(makeCallbackQueue("watch", { drainMillis: 100 }), scope)
      const interrupted = yield* Deferred.make<void>()
      queue.offer(Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))))
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("200 millis")
      yield* closing.await
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    })
  )
})
