/**
 * kazoo's `PatientChildrenWatch`: a node's children once they have stopped changing for a
 * while. `start` waits until the children have not changed for `timeBoundary`, then gives them
 * with `changed`, an Effect that completes at the next change after that. The Stream form gives
 * every settled list: settle, emit, wait for a change, settle again.
 *
 * ```ts
 * const { children, changed } = yield* PatientChildrenWatch.start(zk, "/party", "5 seconds")
 * yield* Effect.raceFirst(doWork(children), changed) // stop working when the party changes
 * ```
 *
 * As in kazoo, a dropped connection counts as a change (kazoo fires its watches with a NONE
 * event then), and the node must exist: its absence fails with `NoNodeError`. Under the hood:
 * a persistent watch (ZooKeeper 3.6+) on the node for the scope's lifetime (the Stream's),
 * removed from the server when it ends.
 *
 * @since 0.1.0
 */
import { validate } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { awaitConnected, inbox, isTransient, takeBatch } from "./internal/watchersPersistent.js"

/**
 * Children that have settled, and the next change.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settled {
  /** The children, unchanged for the time boundary, in the server's order. */
  readonly children: ReadonlyArray<string>
  /** Completes at the first change of the children (or dropped connection) after they settled. */
  readonly changed: Effect.Effect<void>
}

/**
 * kazoo's default time boundary: 30 seconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTimeBoundary: Duration.Duration = Duration.seconds(30)

interface Watcher {
  readonly settle: Effect.Effect<{ readonly children: ReadonlyArray<string>; readonly mark: number }, ZooKeeperError>
  readonly changedSince: (mark: number) => Effect.Effect<void>
}

const makeWatcher = (
  client: ZooKeeperClient,
  path: string,
  timeBoundary: Duration.DurationInput
): Effect.Effect<Watcher, ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const bad = validate(path, { op: "PatientChildrenWatch" })
    if (bad !== undefined) return yield* bad
    const signals = yield* inbox(client, path, false)
    const changes = yield* SubscriptionRef.make(0)
    const ready = yield* Deferred.make<void, ZooKeeperError>()
    let fatal: ZooKeeperError | undefined
    const bump = SubscriptionRef.update(changes, (n) => n + 1)
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.gen(function* () {
          for (const s of yield* takeBatch(signals)) {
            switch (s._tag) {
              case "Ready":
                yield* Deferred.succeed(ready, undefined)
                if (s.generation > 0) yield* bump
                break
              case "Event":
                if (s.event.type === "CHILD" || s.event.type === "DELETED") yield* bump
                break
              case "State":
                if (s.state !== "CONNECTED") yield* bump
                break
              case "Lost":
                yield* bump
                break
              case "Fatal":
                fatal = s.error
                yield* Deferred.fail(ready, s.error)
                yield* bump
                break
            }
          }
        })
      )
    )
    yield* Deferred.await(ready)
    const changedSince = (mark: number): Effect.Effect<void> =>
      changes.changes.pipe(
        Stream.filter((n) => n !== mark),
        Stream.runHead,
        Effect.asVoid
      )
    const settle = Effect.gen(function* () {
      for (;;) {
        if (fatal !== undefined) return yield* Effect.fail(fatal)
        const mark = yield* SubscriptionRef.get(changes)
        const read = yield* Effect.either(client.getChildren(path))
        if (Either.isLeft(read)) {
          if (!isTransient(read.left)) return yield* Effect.fail(read.left)
          yield* awaitConnected(client)
          continue
        }
        yield* Effect.sleep(timeBoundary)
        if ((yield* SubscriptionRef.get(changes)) === mark) return { children: read.right, mark }
      }
    })
    return { settle, changedSince }
  })

/**
 * Waits until the node's children have not changed for `timeBoundary` (default 30 s) and gives
 * them, with an Effect completing at the next change; the watch lives until the scope closes
 * (kazoo's `PatientChildrenWatch(client, path, time_boundary).start()`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  client: ZooKeeperClient,
  path: string,
  timeBoundary: Duration.DurationInput = defaultTimeBoundary
): Effect.Effect<Settled, ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const watcher = yield* makeWatcher(client, path, timeBoundary)
    const { children, mark } = yield* watcher.settle
    return { children, changed: watcher.changedSince(mark) }
  })

/**
 * Every settled list of the node's children: the first once they have been stable for
 * `timeBoundary`, then one after each change, once stable again. Ending the stream removes the
 * watch.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = (
  client: ZooKeeperClient,
  path: string,
  timeBoundary: Duration.DurationInput = defaultTimeBoundary
): Stream.Stream<ReadonlyArray<string>, ZooKeeperError> =>
  Stream.unwrapScoped(
    Effect.map(makeWatcher(client, path, timeBoundary), (watcher) => {
      let last: number | undefined
      return Stream.repeatEffectOption(
        Effect.gen(function* () {
          if (last !== undefined) yield* watcher.changedSince(last)
          const { children, mark } = yield* watcher.settle
          last = mark
          return children
        }).pipe(Effect.mapError(Option.some))
      )
    })
  )
