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
      const completion = yield* makeCallbackQueue("completion")
      const watch = yield* makeCallbackQueue("watch")
      const gate = yield* Deferred.make<void>()
      const ran = yield* Ref.make<ReadonlyArray<string>>([])
      completion.offer(Deferred.await(gate))
      completion.offer(Ref.update(ran, (xs) => [...xs, "completion-after-gate"]))
      watch.offer(Effect.fail("boom"))
      watch.offer(Effect.die("worse"))
      watch.offer(Ref.update(ran, (xs) => [...xs, "watch"]))
      yield* watch.drained
      expect(yield* Ref.get(ran)).toEqual(["watch"])
      yield* Deferred.succeed(gate, undefined)
      yield* completion.drained
      expect(yield* Ref.get(ran)).toEqual(["watch", "completion-after-gate"])
    })
  )

  it.scoped("plain functions (offerSync) keep their place among Effect tasks; one that throws is logged and the queue goes on", () =>
    Effect.gen(function* () {
      const queue = yield* makeCallbackQueue("completion")
      const order: Array<string> = []
      const gate = yield* Deferred.make<void>()
      queue.offer(Deferred.await(gate))
      queue.offerSync(() => void order.push("sync 1"))
      queue.offer(Effect.sync(() => void order.push("effect 2")))
      queue.offerSync(() => {
        throw new Error("boom")
      })
      queue.offerSync(() => void order.push("sync 3"))
      queue.offerSync(() => void order.push("sync 4"))
      queue.offer(Effect.sync(() => void order.push("effect 5")))
      // nothing runs while the task in front is blocked
      yield* Effect.yieldNow()
      expect(order).toEqual([])
      yield* Deferred.succeed(gate, undefined)
      yield* queue.drained
      expect(order).toEqual(["sync 1", "effect 2", "sync 3", "sync 4", "effect 5"])
    })
  )

  it.scoped("isIdle: only while nothing is queued or running and the worker waits; never once closed", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const queue = yield* Scope.extend(makeCallbackQueue("completion"), scope)
      yield* queue.drained
      yield* Effect.yieldNow()
      expect(queue.isIdle()).toBe(true)
      const gate = yield* Deferred.make<void>()
      const idleWhileRunning: Array<boolean> = []
      queue.offer(Deferred.await(gate))
      queue.offerSync(() => void idleWhileRunning.push(queue.isIdle()))
      expect(queue.isIdle()).toBe(false)
      yield* Effect.yieldNow()
      expect(queue.isIdle()).toBe(false)
      yield* Deferred.succeed(gate, undefined)
      yield* queue.drained
      yield* Effect.yieldNow()
      expect(idleWhileRunning).toEqual([false])
      expect(queue.isIdle()).toBe(true)
      yield* Scope.close(scope, Exit.void)
      expect(queue.isIdle()).toBe(false)
    })
  )

  it.live("a queue made where nothing can be interrupted (in a finalizer, say) still stops when its scope closes", () =>
    Effect.gen(function* () {
      const stopped = yield* Effect.uninterruptible(
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const queue = yield* Scope.extend(makeCallbackQueue("completion"), scope)
          const ran: Array<number> = []
          queue.offerSync(() => void ran.push(1))
          yield* queue.drained
          yield* Scope.close(scope, Exit.void)
          return ran
        })
      ).pipe(Effect.disconnect, Effect.timeout("5 seconds"))
      expect(stopped).toEqual([1])
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
      expect(queue.offer(Ref.update(ran, (n) => n + 1))).toBe(false)
      expect(queue.offerSync(() => Effect.runSync(Ref.update(ran, (n) => n + 1)))).toBe(false)
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
