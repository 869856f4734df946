import { layer } from "@effect/vitest"
import { connect } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Queue, Ref } from "effect"
import { expect } from "vitest"
import { client, hosts } from "./helpers.js"

layer(TestCluster.layer({}), { excludeTestServices: true })("the three callback queues", (it) => {
  it.scoped("a watch callback that takes 2 s does not delay a state listener", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const watchRunning = yield* Ref.make(false)
      const watchStarted = yield* Deferred.make<void>()
      const listenerSawWatchRunning = yield* Queue.unbounded<boolean>()
      yield* zk.create("/slow")
      yield* zk.get("/slow", {
        watch: () =>
          Effect.gen(function* () {
            yield* Ref.set(watchRunning, true)
            yield* Deferred.succeed(watchStarted, undefined)
            yield* Effect.sleep("2 seconds")
            yield* Ref.set(watchRunning, false)
          })
      })
      yield* zk.addListener(() => Effect.flatMap(Ref.get(watchRunning), (r) => Queue.offer(listenerSawWatchRunning, r)))
      yield* zk.set("/slow", "x")
      yield* Deferred.await(watchStarted).pipe(Effect.timeout("5 seconds"))
      yield* zk.restart
      // SUSPENDED and CONNECTED both reach the listener while the watch callback still sleeps.
      const first = yield* Queue.take(listenerSawWatchRunning).pipe(Effect.timeout("5 seconds"))
      const second = yield* Queue.take(listenerSawWatchRunning).pipe(Effect.timeout("5 seconds"))
      expect([first, second]).toEqual([true, true])
    })
  )

  it.scoped("watch callbacks run one at a time in the order the events arrived", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const order = yield* Ref.make<ReadonlyArray<string>>([])
      const done = yield* Deferred.make<void>()
      const n = 30
      for (let i = 0; i < n; i++) yield* zk.create(`/n${i}`)
      for (let i = 0; i < n; i++) {
        yield* zk.get(`/n${i}`, {
          watch: (event) =>
            Effect.gen(function* () {
              // a callback that yields must still not overlap with the next one
              yield* Effect.sleep("2 millis")
              const seen = yield* Ref.updateAndGet(order, (xs) => [...xs, event.path])
              if (seen.length === n) yield* Deferred.succeed(done, undefined)
            })
        })
      }
      yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => zk.set(`/n${i}`, "x"), { discard: true })
      yield* Deferred.await(done).pipe(Effect.timeout("10 seconds"))
      expect(yield* Ref.get(order)).toEqual(Array.from({ length: n }, (_, i) => `/n${i}`))
    })
  )

  it.scoped("promise facade: watch callbacks run while a caller's continuation is still pending", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      const zk = yield* Effect.acquireRelease(
        Effect.promise(() => connect({ hosts: cs })),
        (c) => Effect.promise(() => c.close())
      )
      const base = `/facade-${Date.now()}`
      yield* Effect.promise(() => zk.ensurePath(base))
      // A continuation that waits on something else must not hold up watch delivery. (That one
      // queue never blocks another is proven on the queues themselves in core's Handler tests.)
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      const watched = new Promise<string>((resolve) => {
        void zk.get(base, { watch: (event) => resolve(event.type) })
      })
      const held = zk.exists(base).then(() => gate)
      yield* Effect.promise(() => zk.set(base, "changed"))
      const type = yield* Effect.promise(() => watched).pipe(Effect.timeout("5 seconds"))
      expect(type).toBe("CHANGED")
      release()
      yield* Effect.promise(() => held)
      yield* Effect.promise(() => zk.delete(base, { recursive: true }))
    })
  )
})
