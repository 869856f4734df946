/**
 * kazoo's `DataWatch`: follow a node's data. The function is called at once with the node's
 * data and stat, then after every change, until it returns `false`; a missing node gives
 * `Option.none()` (kazoo's `None`), so it also works as an exists-watch that survives
 * reconnections and session loss. As a Stream, the same values, until the consumer stops.
 *
 * ```ts
 * // callback form, stopped when the scope closes or the function returns false
 * yield* DataWatch.make(zk, "/app/config", (node, event) =>
 *   Effect.log(Option.map(node, (n) => n.data), Option.map(event, (e) => e.type))
 * )
 *
 * // stream form
 * yield* DataWatch.stream(zk, "/app/config").pipe(Stream.take(3), Stream.runForEach(Effect.log))
 * ```
 *
 * Semantics (kazoo 2.8): the function is called the first time, then whenever the node's
 * version — its `mzxid`, or its absence — differs from the last call. `event` is the watch
 * notification behind a call, and none for the first call and for calls after a reconnection.
 * Several changes close together may be seen as one (kazoo reads the current data too).
 *
 * Under the hood: a persistent watch (ZooKeeper 3.6+) on the node, re-read after every
 * reconnection and added again after a session loss; when the watch ends (the function
 * returned false, the stream's consumer stopped, the scope closed) it is removed from the
 * server. A closed client ends the watch with `ClientClosedError`; a server older than 3.6
 * with `UnimplementedError`.
 *
 * @since 0.1.0
 */
import type { WatchedEvent } from "@effect-zk/core/ClientState"
import { validate } from "@effect-zk/core/Path"
import type { NodeData, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import {
  type CallbackResult,
  type CallbackWatch,
  currentSession,
  inbox,
  isTransient,
  runCallbackWatch,
  takeBatch
} from "./internal/watchersPersistent.js"

/**
 * One call of a data watch: the node (none when it does not exist) and the event behind the
 * call (none for the first call and after a reconnection).
 *
 * @since 0.1.0
 * @category models
 */
export interface Change {
  /** The node's data and stat, or none when the node does not exist. */
  readonly node: Option.Option<NodeData>
  /** The watch notification that led to this call, if any. */
  readonly event: Option.Option<WatchedEvent>
}

/**
 * A running data watch.
 *
 * @since 0.1.0
 * @category models
 */
export interface DataWatch<E> extends CallbackWatch<E | ZooKeeperError> {
  /** The watched path. */
  readonly path: string
}

/**
 * The function a data watch calls: with the node (none when missing) and the event behind the
 * call. Returning `false` (or an Effect of `false`) stops the watch.
 *
 * @since 0.1.0
 * @category models
 */
export type DataWatchFunction<E, R> = (
  node: Option.Option<NodeData>,
  event: Option.Option<WatchedEvent>
) => CallbackResult<E, R>

const watchedTypes: ReadonlySet<string> = new Set(["CREATED", "CHANGED", "DELETED"])

/**
 * The node's data as a Stream: the current value at once, then one element per change (see the
 * module's semantics). Never ends by itself; ending it removes the watch.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = (client: ZooKeeperClient, path: string): Stream.Stream<Change, ZooKeeperError> => {
  const bad = validate(path, { op: "DataWatch" })
  if (bad !== undefined) return Stream.fail(bad)
  return Stream.unwrapScoped(
    Effect.gen(function* () {
      const signals = yield* inbox(client, path, false)
      let ready = false
      let watchSession: bigint | undefined
      let first = true
      let needRead = false
      let version: bigint | undefined
      let pending: Option.Option<WatchedEvent> = Option.none()
      const step: Effect.Effect<Chunk.Chunk<Change>, Option.Option<ZooKeeperError>> = Effect.gen(function* () {
        for (const s of yield* takeBatch(signals)) {
          switch (s._tag) {
            case "Ready":
              ready = true
              watchSession = s.session
              needRead = true
              break
            case "Event":
              if (watchedTypes.has(s.event.type)) {
                needRead = true
                pending = Option.some(s.event)
              }
              break
            case "State":
              if (s.state === "CONNECTED") needRead = true
              break
            case "Fatal":
              return yield* Effect.fail(Option.some(s.error))
            case "Lost":
              break
          }
        }
        if (!ready || !needRead || (yield* currentSession(client)) !== watchSession) return Chunk.empty()
        const read = yield* Effect.either(client.get(path))
        let node: Option.Option<NodeData>
        if (Either.isRight(read)) node = Option.some(read.right)
        else if (read.left._tag === "NoNodeError") node = Option.none()
        else if (isTransient(read.left)) return Chunk.empty() // read again on CONNECTED / Ready
        else return yield* Effect.fail(Option.some(read.left))
        needRead = false
        const event = pending
        pending = Option.none()
        const current = Option.isSome(node) ? node.value.stat.mzxid : undefined
        if (!first && current === version) return Chunk.empty()
        first = false
        version = current
        return Chunk.of({ node, event })
      })
      return Stream.repeatEffectChunkOption(step)
    })
  )
}

/**
 * Watches the node's data, calling `f` at once and after every change until it returns
 * `false`, for the scope's lifetime (kazoo's `client.DataWatch(path, func)`). Completes once
 * `f` has been called the first time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never, R = never>(
  client: ZooKeeperClient,
  path: string,
  f: DataWatchFunction<E, R>
): Effect.Effect<DataWatch<E>, ZooKeeperError, Scope.Scope | R> => {
  const bad = validate(path, { op: "DataWatch" })
  if (bad !== undefined) return Effect.fail(bad)
  return Effect.map(
    runCallbackWatch(stream(client, path), (change: Change) => f(change.node, change.event)),
    (watch) => ({ ...watch, path })
  )
}
