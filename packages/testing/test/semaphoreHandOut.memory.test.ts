/**
 * Semaphore (@effect-zk/recipes) where only the in-memory server can put it: a contender that has
 * won a lease, but whose session ends while its lock node is still being removed (the deletes
 * fail), must not be handed a hold: its lease went with the session, and another contender may
 * already have the place. (Found by the chaos test: a body ran beside two others for a moment.)
 */
import { ZooKeeperError } from "@effect-zk/core"
import { Semaphore } from "@effect-zk/recipes"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option } from "effect"

/** Polls `check` every 5 ms, for at most 10 s. */
const waitUntil = <E>(check: Effect.Effect<boolean, E>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 2_000; i++) {
      if (yield* check) return
      yield* Effect.sleep("5 millis")
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

describe("Semaphore: a lease won as the session ends is not handed out", () => {
  for (const layout of ["kazoo", "curator"] as const) {
    const lockDir = layout === "curator" ? "/s/locks" : "/s-__lock__"
    it.live(`${layout} layout: the body does not run; the acquire fails with LockLostError`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const server = yield* ZooKeeperTest.makeServer()
          const a = yield* server.client()
          const c = yield* server.client()
          const held = yield* Effect.flatMap(Semaphore.make(a, "/s", { layout }), (s) => s.acquire())
          const semC = yield* Semaphore.make(c, "/s", { layout })
          let ran = false
          const waiter = yield* Effect.fork(semC.withLease(Effect.sync(() => (ran = true))))
          // c waits, holding the semaphore's lock
          yield* waitUntil(Effect.map(a.getChildren(lockDir), (names) => names.length === 1), "c's lock node")
          // c's lock node cannot be deleted: the release of the lock keeps retrying
          let failedDeletes = 0
          yield* server.failNext(
            { op: "delete", client: c, path: (p) => p.startsWith(`${lockDir}/`) },
            (call) => {
              failedDeletes++
              return new ZooKeeperError.ConnectionLossError(call)
            },
            { times: 1_000 }
          )
          yield* held.release
          yield* waitUntil(Effect.sync(() => failedDeletes > 0), "c releasing its lock")
          expect(ran).toBe(false)
          // the session ends while it does: c's lease and lock node go with it
          yield* server.expireSession(c)
          yield* server.clearFailures
          const exit = yield* Fiber.await(waiter).pipe(Effect.timeout("10 seconds"))
          expect(ran).toBe(false)
          const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          expect(Option.map(failure, (e) => e._tag)).toEqual(Option.some("LockLostError"))
        })
      )
    )
  }
})
