/**
 * kazoo's `ChildrenWatch`: follow a node's children. The function is called at once with the
 * list of children, then after every change, until it returns `false`. As a Stream, the same
 * lists, until the consumer stops.
 *
 * ```ts
 * yield* ChildrenWatch.make(zk, "/workers", (children) => Effect.log(`${children.length} workers`))
 *
 * yield* ChildrenWatch.stream(zk, "/workers", { sendEvent: true }).pipe(
 *   Stream.runForEach(({ children, event }) => Effect.log(children, event))
 * )
 * ```
 *
 * Semantics (kazoo 2.8):
 * - the node must exist: when it does not (or once it is deleted) the watch stops quietly —
 *   the function is not called, the stream ends;
 * - each notification calls the function with the children read after it; after a
 *   reconnection or a session loss the children are read again and the function is called only
 *   if they differ from the last call;
 * - `sendEvent` (default false): pass the notification behind a call as `event` (none for the
 *   first call and after reconnections); without it `event` is always none;
 * - `allowSessionLost` (default true): keep watching across a session loss; with false the
 *   watch stops when the session is lost.
 *
 * Children come in the server's order, as kazoo gives them. Under the hood: a persistent
 * watch (ZooKeeper 3.6+) on the node, removed from the server when the watch ends. A closed
 * client ends the watch with `ClientClosedError` (kazoo stops quietly).
 *
 * @since 0.1.0
 */
import type { WatchedEvent } from "@effect-zk/core/ClientState"
import { validate } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
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
 * One call of a children watch.
 *
 * @since 0.1.0
 * @category models
 */
export interface Change {
  /** The node's children, in the server's order. */
  readonly children: ReadonlyArray<string>
  /** The notification behind this call, with `sendEvent` only; none otherwise. */
  readonly event: Option.Option<WatchedEvent>
}

/**
 * Options of a children watch.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildrenWatchOptions {
  /** Keep watching across a session loss (kazoo's `allow_session_lost`). Default true. */
  readonly allowSessionLost?: boolean | undefined
  /** Pass the notification behind each call (kazoo's `send_event`). Default false. */
  readonly sendEvent?: boolean | undefined
}

/**
 * A running children watch.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildrenWatch<E> extends CallbackWatch<E | ZooKeeperError> {
  /** The watched path. */
  readonly path: string
}

/**
 * The function a children watch calls. Returning `false` (or an Effect of `false`) stops it.
 *
 * @since 0.1.0
 * @category models
 */
export type ChildrenWatchFunction<E, R> = (
  children: ReadonlyArray<string>,
  event: Option.Option<WatchedEvent>
) => CallbackResult<E, R>

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((c) => set.has(c))
}

/**
 * The node's children as a Stream: the current list at once, then one list per change (see
 * the module's semantics). Ends when the node does not exist or is deleted, and — without
 * `allowSessionLost` — when the session is lost. Ending it removes the watch.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = (
  client: ZooKeeperClient,
  path: string,
  options: ChildrenWatchOptions = {}
): Stream.Stream<Change, ZooKeeperError> => {
  const bad = validate(path, { op: "ChildrenWatch" })
  if (bad !== undefined) return Stream.fail(bad)
  const allowSessionLost = options.allowSessionLost ?? true
  const sendEvent = options.sendEvent ?? false
  return Stream.unwrapScoped(
    Effect.gen(function* () {
      const signals = yield* inbox(client, path, false)
      let ready = false
      let needRead = false
      let established = false
      let prior: ReadonlyArray<string> | undefined
      let pending: Option.Option<WatchedEvent> = Option.none()
      let owner: bigint | undefined
      let watchSession: bigint | undefined
      const end = Effect.fail(Option.none())
      const step: Effect.Effect<Chunk.Chunk<Change>, Option.Option<ZooKeeperError>> = Effect.gen(function* () {
        for (const s of yield* takeBatch(signals)) {
          switch (s._tag) {
            case "Ready": {
              const session = s.session
              watchSession = session
              if (s.generation === 0) owner = session
              else if (!allowSessionLost && session !== owner) return yield* end // a new session
              ready = true
              needRead = true
              if (s.generation > 0) established = false
              break
            }
            case "Event":
              if (s.event.type === "CHILD" || s.event.type === "DELETED") {
                needRead = true
                if (sendEvent) pending = Option.some(s.event)
              }
              break
            case "State":
              if (s.state === "CONNECTED") {
                if (!established) needRead = true
              } else {
                established = false
                if (s.state === "LOST" && !allowSessionLost) return yield* end
              }
              break
            case "Fatal":
              return yield* Effect.fail(Option.some(s.error))
            case "Lost":
              break
          }
        }
        if (!ready || !needRead || (yield* currentSession(client)) !== watchSession) return Chunk.empty()
        const read = yield* Effect.either(client.getChildren(path))
        if (Either.isLeft(read)) {
          if (read.left._tag === "NoNodeError") return yield* end
          if (isTransient(read.left)) return Chunk.empty() // read again on CONNECTED / Ready
          return yield* Effect.fail(Option.some(read.left))
        }
        needRead = false
        const children = read.right
        const event = pending
        pending = Option.none()
        if (!established) {
          established = true
          if (prior !== undefined && sameSet(prior, children)) return Chunk.empty()
        }
        prior = children
        return Chunk.of({ children, event })
      })
      return Stream.repeatEffectChunkOption(step)
    })
  )
}

/**
 * Watches the node's children, calling `f` at once and after every change until it returns
 * `false`, for the scope's lifetime (kazoo's `client.ChildrenWatch(path, func, allow_session_lost,
 * send_event)`). Completes once `f` has been called the first time, or at once if the node does
 * not exist (the watch is then already stopped).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never, R = never>(
  client: ZooKeeperClient,
  path: string,
  f: ChildrenWatchFunction<E, R>,
  options: ChildrenWatchOptions = {}
): Effect.Effect<ChildrenWatch<E>, ZooKeeperError, Scope.Scope | R> => {
  const bad = validate(path, { op: "ChildrenWatch" })
  if (bad !== undefined) return Effect.fail(bad)
  return Effect.map(
    runCallbackWatch(stream(client, path, options), (change: Change) => f(change.children, change.event)),
    (watch) => ({ ...watch, path })
  )
}
