import { PatientChildrenWatch } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Fiber, Option, Queue, Stream } from "effect"
import { expect } from "vitest"
import { clients } from "./helpers.js"
import { awaitNoServerWatch, NO_WATCH, serverWatchesOn, takeWithin } from "./recipesII.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("PatientChildrenWatch", (it) => {
  it.scoped("gives the children once they stopped changing for the time boundary; changed completes at the next change", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* other.create("/party")
      const started = Date.now()
      const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function* () {
        const settled = yield* PatientChildrenWatch.start(zk, "/party", "1 second")
        const at = Date.now()
        const changed = yield* Effect.fork(settled.changed)
        yield* Effect.sleep("200 millis")
        const early = yield* Fiber.poll(changed)
        yield* other.create("/party/late")
        yield* Fiber.join(changed).pipe(Effect.timeout("5 seconds"))
        return { children: [...settled.children].sort(), at, early }
      })))
      // changes every 250 ms keep it waiting
      for (const name of ["a", "b", "c"]) {
        yield* Effect.sleep("250 millis")
        yield* other.create(`/party/${name}`)
      }
      const lastChange = Date.now()
      const result = yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))
      expect(result.children).toEqual(["a", "b", "c"])
      // a time boundary after the last change (measured on another connection: give it slack)
      expect(result.at - lastChange).toBeGreaterThanOrEqual(700)
      expect(result.at - started).toBeGreaterThanOrEqual(1700)
      expect(Option.isNone(result.early)).toBe(true)
      // the scope closed: no watch left
      yield* awaitNoServerWatch(zk, "/party", "the watch's removal")
    })
  )

  it.scoped("a missing node fails with NoNodeError; the Stream gives every settled list", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const missing = yield* Effect.flip(Effect.scoped(PatientChildrenWatch.start(zk, "/none", "100 millis")))
      expect(missing._tag).toBe("NoNodeError")
      yield* other.create("/s")
      const lists = yield* Queue.unbounded<ReadonlyArray<string>>()
      const fiber = yield* Effect.fork(
        PatientChildrenWatch.stream(zk, "/s", "400 millis").pipe(
          Stream.take(2),
          Stream.runForEach((l) => Queue.offer(lists, [...l].sort()))
        )
      )
      expect(yield* takeWithin(lists, "first settled list")).toEqual([])
      yield* other.create("/s/x")
      yield* Effect.sleep("100 millis")
      yield* other.create("/s/y")
      expect(yield* takeWithin(lists, "second settled list")).toEqual(["x", "y"])
      yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
      expect(yield* serverWatchesOn(zk, "/s")).toEqual(NO_WATCH)
    })
  )
})
