/**
 * The recipes' waits on one-shot watches (locks, semaphores, barriers, the kept node, a hold's
 * monitor, the ensemble tracker) leave no watcher on the client once they end without it firing:
 * past a timeout, interrupted, done with what they read, or ended with their scope. Before, each
 * such wait left one (and a session-loss hook) until the node next changed, so an acquire tried
 * in a loop with a short timeout gathered one per try. Counted exactly, with the in-memory
 * server's view of the client's watches; the recipes' own test files check the same against
 * the real server.
 */
import { ZooKeeperError } from "@effect-zk/core"
import { Barrier, DoubleBarrier, EnsembleTracker, Lock, PersistentNode, ReadLock, Semaphore, WriteLock } from "@effect-zk/recipes"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Scope } from "effect"

type Client = Effect.Effect.Success<ReturnType<ZooKeeperTest.InMemoryServer["client"]>>

/** The client's one-shot watchers (data, exist, child), summed over its paths. */
const oneShotWatchers = (server: ZooKeeperTest.InMemoryServer, zk: Client) =>
  Effect.map(server.clientWatches(zk), (watches) =>
    watches.filter((w) => w.kind === "data" || w.kind === "exist" || w.kind === "child").reduce((n, w) => n + w.watchers, 0)
  )

const TRIES = 10

/** Waits until `count` gives `n` (a wait has set its watch), for at most 5 seconds. */
const reaches = (count: Effect.Effect<number>, n: number) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 5_000
    while ((yield* count) !== n && Date.now() < deadline) yield* Effect.sleep("5 millis")
    expect(yield* count).toBe(n)
  })

/** A server and two clients: `zk` under test, `other` holding what `zk` waits for. */
const setup = Effect.gen(function* () {
  const server = yield* ZooKeeperTest.makeServer()
  const zk = yield* server.client()
  const other = yield* server.client()
  return { server, zk, other, watchers: oneShotWatchers(server, zk) }
})

/** A waiting acquire shows as one watcher, and its interruption removes it. */
const interruptedLeavesNone = <A, E>(acquire: Effect.Effect<A, E, Scope.Scope>, watchers: Effect.Effect<number>) =>
  Effect.gen(function* () {
    const waiting = yield* Effect.fork(Effect.scoped(acquire))
    yield* reaches(watchers, 1)
    yield* Fiber.interrupt(waiting)
    expect(yield* watchers).toBe(0)
  })

describe("recipes: a wait that ends without its watch firing removes it", () => {
  for (const layout of ["kazoo", "curator"] as const) {
    it.live(`Lock (${layout}): acquires that time out or are interrupted leave no watcher`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { zk, other, watchers } = yield* setup
          yield* (yield* Lock.make(other, "/lock", { layout })).acquire()
          const lock = yield* Lock.make(zk, "/lock", { layout })
          for (let i = 0; i < TRIES; i++) {
            const error = yield* Effect.flip(Effect.scoped(lock.acquire({ timeout: "10 millis" })))
            expect(error._tag).toBe("LockTimeoutError")
          }
          expect(yield* watchers).toBe(0)
          yield* interruptedLeavesNone(lock.acquire(), watchers)
        })
      )
    )

    it.live(`ReadLock and WriteLock (${layout}): acquires that time out leave no watcher`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { zk, other, watchers } = yield* setup
          const held = yield* Scope.make()
          yield* Scope.extend((yield* WriteLock.make(other, "/rw", { layout })).acquire(), held)
          const reader = yield* ReadLock.make(zk, "/rw", { layout })
          for (let i = 0; i < TRIES; i++) {
            expect((yield* Effect.flip(Effect.scoped(reader.acquire({ timeout: "10 millis" }))))._tag).toBe("LockTimeoutError")
          }
          expect(yield* watchers).toBe(0)
          yield* Scope.close(held, Exit.void)
          yield* (yield* ReadLock.make(other, "/rw", { layout })).acquire()
          const writer = yield* WriteLock.make(zk, "/rw", { layout })
          for (let i = 0; i < TRIES; i++) {
            expect((yield* Effect.flip(Effect.scoped(writer.acquire({ timeout: "10 millis" }))))._tag).toBe("LockTimeoutError")
          }
          expect(yield* watchers).toBe(0)
          yield* interruptedLeavesNone(writer.acquire(), watchers)
        })
      )
    )

    it.live(`Semaphore (${layout}): acquires that time out, tries that find no lease and interrupted acquires leave no watcher`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { zk, other, watchers } = yield* setup
          yield* (yield* Semaphore.make(other, "/sem", { layout })).acquire()
          const semaphore = yield* Semaphore.make(zk, "/sem", { layout })
          for (let i = 0; i < TRIES; i++) {
            const error = yield* Effect.flip(Effect.scoped(semaphore.acquire({ timeout: "10 millis" })))
            expect(error._tag).toBe("LockTimeoutError")
            expect(yield* Effect.scoped(semaphore.tryAcquire)).toEqual(Option.none())
          }
          expect(yield* watchers).toBe(0)
          yield* interruptedLeavesNone(semaphore.acquire(), watchers)
        })
      )
    )
  }

  it.live("Barrier: waits that time out or are interrupted leave no watcher", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { zk, other, watchers } = yield* setup
        yield* (yield* Barrier.make(other, "/barrier")).create
        const barrier = yield* Barrier.make(zk, "/barrier")
        for (let i = 0; i < TRIES; i++) expect(yield* barrier.wait({ timeout: "10 millis" })).toBe(false)
        expect(yield* watchers).toBe(0)
        yield* interruptedLeavesNone(barrier.wait(), watchers)
      })
    )
  )

  it.live("DoubleBarrier: enters that time out leave no watcher", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { zk, watchers } = yield* setup
        const ours = yield* DoubleBarrier.make(zk, "/db", 2)
        for (let i = 0; i < TRIES; i++) {
          expect((yield* Effect.flip(ours.enter({ timeout: "10 millis" })))._tag).toBe("LockTimeoutError")
        }
        expect(yield* watchers).toBe(0)
      })
    )
  )

  it.live("DoubleBarrier: an enter that finds the barrier ready, and a leave that times out, leave no watcher", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { zk, other, watchers } = yield* setup
        const ours = yield* DoubleBarrier.make(zk, "/db", 2)
        const theirs = yield* DoubleBarrier.make(other, "/db", 2)
        // we enter first and wait; the other completes the count: our next look finds `ready`
        const entering = yield* Effect.fork(ours.enter({ timeout: "5 seconds" }))
        yield* reaches(watchers, 1)
        yield* theirs.enter({ timeout: "5 seconds" })
        yield* Fiber.join(entering)
        expect(yield* watchers).toBe(0)
        // the other stays: our leave waits for it
        expect((yield* Effect.flip(ours.leave({ timeout: "30 millis" })))._tag).toBe("LockTimeoutError")
        expect(yield* watchers).toBe(0)
      })
    )
  )

  it.live("PersistentNode: waiting for another session's node to go, it leaves no watcher when its scope closes", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { zk, other, watchers } = yield* setup
        yield* other.create("/kept", { ephemeral: true })
        const scope = yield* Scope.make()
        const node = yield* Scope.extend(PersistentNode.make(zk, "/kept"), scope)
        yield* reaches(watchers, 1)
        expect(Option.map(yield* node.lastError, (e) => e._tag)).toEqual(Option.some("NodeExistsError"))
        yield* Scope.close(scope, Exit.void)
        expect(yield* watchers).toBe(0)
      })
    )
  )

  for (const mode of ["ephemeral", "persistent"] as const) {
    it.live(`PersistentNode (${mode}): closed while keeping its node, it leaves no watcher even when the node could not be deleted`, () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { server, zk, watchers } = yield* setup
          const scope = yield* Scope.make()
          const node = yield* Scope.extend(PersistentNode.make(zk, "/kept", { mode }), scope)
          yield* node.awaitPresent.pipe(Effect.timeout("5 seconds"))
          yield* reaches(watchers, 1)
          // the delete is refused (not retried): the node stays, the keeper's watch must not
          yield* server.failNext({ op: "delete", path: "/kept" }, (call) => new ZooKeeperError.NoAuthError(call), { times: 10 })
          yield* Scope.close(scope, Exit.void)
          yield* server.clearFailures
          expect(Option.isSome(yield* zk.exists("/kept"))).toBe(true)
          expect(yield* watchers).toBe(0)
        })
      )
    )
  }

  it.live("a hold's monitor: released, it removes its watch on our node even when the node could not be deleted", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { server, zk, watchers } = yield* setup
        const lock = yield* Lock.make(zk, "/held")
        const scope = yield* Scope.make()
        const held = yield* Scope.extend(lock.acquire(), scope)
        yield* reaches(watchers, 1)
        // the delete is refused (not retried): the node stays, the monitor's watch must not
        yield* server.failNext({ op: "delete", path: held.node }, (call) => new ZooKeeperError.NoAuthError(call), {
          times: 10
        })
        yield* Scope.close(scope, Exit.void)
        yield* server.clearFailures
        expect(Option.isSome(yield* zk.exists(held.node))).toBe(true)
        expect(yield* watchers).toBe(0)
      })
    )
  )

  it.live("EnsembleTracker: its watch on the configuration goes with its scope", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const { zk, watchers } = yield* setup
        const scope = yield* Scope.make()
        yield* Scope.extend(EnsembleTracker.make(zk), scope)
        yield* reaches(watchers, 1)
        yield* Scope.close(scope, Exit.void)
        expect(yield* watchers).toBe(0)
      })
    )
  )
})
