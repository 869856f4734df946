/**
 * kazoo's `TreeCache` (Curator's): an in-memory copy of a subtree, kept up to date, with an
 * event for every change — as callbacks (kazoo's `listen` / `listen_fault`), as a Stream, and
 * as a live snapshot.
 *
 * ```ts
 * // a cache for the scope's lifetime
 * const cache = yield* TreeCache.make(zk, "/app")
 * yield* cache.listen((event) => Effect.log(event.type))
 * yield* cache.start                     // closed when the scope closes
 * yield* cache.initialized               // the first full load is done
 * yield* cache.getData("/app/config")    // Option<NodeData>
 * const all = yield* cache.snapshot      // HashMap<path, NodeData>, immutable
 *
 * // or only the events, from the first, for as long as the stream runs
 * yield* TreeCache.stream(zk, "/app").pipe(Stream.runForEach((e) => Effect.log(e)))
 * ```
 *
 * Events, kazoo's: `NODE_ADDED`, `NODE_UPDATED` (the data changed: a new `mzxid`),
 * `NODE_REMOVED` (descendants before their parent), `CONNECTION_SUSPENDED`,
 * `CONNECTION_RECONNECTED`, `CONNECTION_LOST`, and `INITIALIZED` once the tree has been loaded —
 * after `start`, and again after a session loss once the tree has been read anew. Replaying the
 * node events on an empty map gives the cache's content: no change is reported twice, and no
 * event is invented. Changes that come and go between two reads may not be seen at all (kazoo's
 * and Curator's caches behave the same); the cache always ends up equal to the server's tree.
 *
 * How: instead of kazoo's watch per node, one persistent recursive watch on the root (ZooKeeper
 * 3.6+, like Curator's CuratorCache); every notification is followed by a read, and the whole
 * tree is read again after a reconnection (a persistent watch does not replay what it missed)
 * and after a session loss (the watch is added again first). A cached stat is the one read with
 * the node's data: its child counters (`numChildren`, `cversion`, `pzxid`) may be older than
 * the node's children, as in kazoo. The root is created if missing (kazoo's `start` does so).
 *
 * @since 0.1.0
 */
import type { KazooState } from "@effect-zk/core/ClientState"
import { validate } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { type NodeData, type TreeEvent, TreeState } from "./internal/treeCacheState.js"
import { applyEvents, type Outcome, walk } from "./internal/treeCacheSync.js"
import { inbox, type Signal, takeBatch } from "./internal/watchersPersistent.js"

/**
 * A cached node: its path, data and stat (kazoo's `NodeData`).
 *
 * @since 0.1.0
 * @category models
 */
export type { NodeData } from "./internal/treeCacheState.js"

/**
 * A cache event (kazoo's `TreeEvent`): a node event carries the node (for `NODE_REMOVED`, as it
 * was last cached).
 *
 * @since 0.1.0
 * @category models
 */
export type { TreeEvent } from "./internal/treeCacheState.js"

/**
 * The kinds of {@link TreeEvent}.
 *
 * @since 0.1.0
 * @category models
 */
export type TreeEventType = TreeEvent["type"]

/**
 * `start` on a cache that was already started, or has been closed (kazoo raises
 * `KazooException('already started' / 'already closed')`).
 *
 * @since 0.1.0
 * @category errors
 */
export class TreeCacheStateError extends Data.TaggedError("TreeCacheStateError")<{
  readonly path: string
  readonly reason: "already started" | "already closed"
}> {
  override get message(): string {
    return `TreeCache ${JSON.stringify(this.path)}: ${this.reason}`
  }
}

/**
 * A tree event listener. It runs on the cache's fiber, in order; its failure goes to the fault
 * listeners.
 *
 * @since 0.1.0
 * @category models
 */
export type TreeListener = (event: TreeEvent) => Effect.Effect<void, unknown> | void

/**
 * A fault listener (kazoo's `listen_fault`): errors met while following the tree (a read the
 * server refused, a failing listener). Without any, faults are logged.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultListener = (error: unknown) => Effect.Effect<void, unknown> | void

/**
 * A tree cache.
 *
 * @since 0.1.0
 * @category models
 */
export interface TreeCache {
  /** The root of the cached subtree. */
  readonly path: string
  /** Starts following the tree, until the scope closes or `close` (kazoo's `start`). */
  readonly start: Effect.Effect<void, TreeCacheStateError | ZooKeeperError, Scope.Scope>
  /** Stops following the tree and forgets it, without events; a closed cache cannot start again. */
  readonly close: Effect.Effect<void>
  /** Adds an event listener (kazoo's `listen`); add it before `start` to see every event. */
  readonly listen: (listener: TreeListener) => Effect.Effect<void>
  /** Adds a fault listener (kazoo's `listen_fault`). */
  readonly listenFault: (listener: FaultListener) => Effect.Effect<void>
  /** Subscribes now to the events: the stream gives every event after this point, and ends when the cache closes. */
  readonly events: Effect.Effect<Stream.Stream<TreeEvent>, never, Scope.Scope>
  /** A cached node, none if not cached (kazoo's `get_data`); fails for a path outside the tree. */
  readonly getData: (path: string) => Effect.Effect<Option.Option<NodeData>, InvalidArgumentError>
  /** A cached node's child names, sorted; none if not cached (kazoo's `get_children`). */
  readonly getChildren: (path: string) => Effect.Effect<Option.Option<ReadonlyArray<string>>, InvalidArgumentError>
  /** Every cached node by path, as an immutable map: the live tree at this moment. */
  readonly snapshot: Effect.Effect<HashMap.HashMap<string, NodeData>>
  /** Whether the tree has been loaded (since the start, or since the last session loss). */
  readonly isInitialized: Effect.Effect<boolean>
  /** Waits until the tree is loaded (at once if it is). */
  readonly initialized: Effect.Effect<void>
}

type Lifecycle = "latent" | "started" | "closed"

const toEffect = (r: Effect.Effect<void, unknown> | void): Effect.Effect<void, unknown> =>
  Effect.isEffect(r) ? r : Effect.void

/** Which signals of a batch need a full walk, given whether the watch is live before it. */
const lastWalkIndex = (batch: ReadonlyArray<Signal>, live: boolean): number => {
  let last = -1
  batch.forEach((s, i) => {
    if (s._tag === "Ready") {
      live = true
      last = i
    } else if (s._tag === "Lost" || s._tag === "Fatal") live = false
    else if (s._tag === "State" && s.state === "CONNECTED" && live) last = i
  })
  return last
}

const stateEvent: Record<KazooState, TreeEvent> = {
  SUSPENDED: { type: "CONNECTION_SUSPENDED" },
  CONNECTED: { type: "CONNECTION_RECONNECTED" },
  LOST: { type: "CONNECTION_LOST" }
}

/**
 * A tree cache of the subtree at `path`, not started yet (kazoo's `TreeCache(client, path)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeperClient, path: string): Effect.Effect<TreeCache, InvalidArgumentError> =>
  Effect.map(build(client, path), (built) => built.cache)

const build = (
  client: ZooKeeperClient,
  path: string
): Effect.Effect<
  { readonly cache: TreeCache; readonly fatal: Effect.Effect<never, ZooKeeperError> },
  InvalidArgumentError
> =>
  Effect.gen(function* () {
    const bad = validate(path, { op: "TreeCache" })
    if (bad !== undefined) return yield* bad
    const listeners: Array<TreeListener> = []
    const faultListeners: Array<FaultListener> = []
    const pubsub = yield* PubSub.unbounded<TreeEvent>()
    const initializedRef = yield* SubscriptionRef.make(false)
    const fatal = yield* Deferred.make<never, ZooKeeperError>()
    let lifecycle: Lifecycle = "latent"
    let scope: Scope.CloseableScope | undefined
    const pending: Array<TreeEvent> = []
    const state = new TreeState(path, (event) => pending.push(event))

    const fault = (error: unknown): Effect.Effect<void> =>
      faultListeners.length === 0
        ? Effect.logWarning(`TreeCache ${path}: ${error instanceof Error ? error.message : String(error)}`)
        : Effect.forEach(
            [...faultListeners],
            (l) => Effect.catchAllCause(Effect.suspend(() => toEffect(l(error))), (c) => Effect.logError(c)),
            { discard: true }
          )

    /** Hands the events gathered so far to the subscribers and the listeners, in order. */
    const flush: Effect.Effect<void> = Effect.gen(function* () {
      while (pending.length > 0) {
        const batch = pending.splice(0, pending.length)
        if (lifecycle === "closed") return
        yield* PubSub.publishAll(pubsub, batch)
        for (const event of batch) {
          for (const l of [...listeners]) {
            yield* Effect.catchAllCause(Effect.suspend(() => toEffect(l(event))), (c) => fault(Cause.squash(c)))
          }
        }
      }
    })

    const publish = (event: TreeEvent) =>
      Effect.suspend(() => {
        pending.push(event)
        return flush
      })

    const follow = (signals: Queue.Queue<Signal>) =>
      Effect.gen(function* () {
        let live = false
        let initialized = false
        let dirty = false
        const report = (outcome: Outcome) =>
          Effect.gen(function* () {
            yield* flush
            for (const error of outcome.errors) yield* fault(error)
            dirty = !outcome.complete
          })
        const fullWalk = Effect.gen(function* () {
          const outcome = yield* walk(client, state)
          yield* report(outcome)
          if (outcome.complete && !initialized) {
            initialized = true
            yield* SubscriptionRef.set(initializedRef, true)
            yield* publish({ type: "INITIALIZED" })
          }
        })
        for (;;) {
          const batch = dirty
            ? Option.getOrElse(yield* Effect.timeoutOption(takeBatch(signals), "200 millis"), () => [])
            : yield* takeBatch(signals)
          const walkAt = lastWalkIndex(batch, live)
          let events: Array<Signal & { readonly _tag: "Event" }> = []
          const applyPending = Effect.suspend(() => {
            if (events.length === 0) return Effect.void
            const now = events.map((s) => s.event)
            events = []
            return Effect.flatMap(applyEvents(client, state, now), report)
          })
          for (let i = 0; i < batch.length; i++) {
            const s = batch[i]!
            switch (s._tag) {
              case "Event":
                if (i > walkAt) events.push(s) // earlier ones are covered by the walk
                break
              case "State":
                yield* applyPending
                if (s.state === "LOST") {
                  initialized = false
                  yield* SubscriptionRef.set(initializedRef, false)
                }
                yield* publish(stateEvent[s.state])
                if (i === walkAt) yield* fullWalk
                break
              case "Ready":
                live = true
                yield* applyPending
                if (i === walkAt) yield* fullWalk
                break
              case "Lost":
                live = false
                break
              case "Fatal":
                live = false
                yield* fault(s.error)
                yield* Deferred.fail(fatal, s.error)
                break
            }
          }
          yield* applyPending
          if (dirty && live && (yield* client.connected)) yield* fullWalk
        }
      })

    const close: Effect.Effect<void> = Effect.uninterruptible(Effect.suspend(() => {
      if (lifecycle !== "started") return Effect.void // kazoo: closing a cache not started does nothing
      lifecycle = "closed"
      const s = scope
      scope = undefined
      return Effect.gen(function* () {
        if (s !== undefined) yield* Scope.close(s, Exit.void)
        state.clear()
        pending.length = 0
        yield* SubscriptionRef.set(initializedRef, false)
        yield* PubSub.shutdown(pubsub)
      })
    }))

    const start: Effect.Effect<void, TreeCacheStateError | ZooKeeperError, Scope.Scope> = Effect.gen(function* () {
      if (lifecycle !== "latent") {
        return yield* new TreeCacheStateError({
          path,
          reason: lifecycle === "started" ? "already started" : "already closed"
        })
      }
      lifecycle = "started"
      yield* Effect.addFinalizer(() => close)
      yield* client.ensurePath(path)
      const own = yield* Scope.make()
      scope = own
      const signals = yield* Scope.extend(inbox(client, path, true), own)
      yield* Effect.forkIn(
        Effect.catchAllCause(follow(signals), (cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : fault(Cause.squash(cause))
        ),
        own
      )
    })

    const locate = (p: string, op: string): Effect.Effect<string, InvalidArgumentError> => {
      const invalid = validate(p, { op })
      if (invalid !== undefined) return Effect.fail(invalid)
      if (!state.inside(p)) {
        return Effect.fail(
          new InvalidArgumentError({ op, path: p, argument: "path", reason: `outside of the tree at ${path}` })
        )
      }
      return Effect.succeed(p)
    }

    const cache: TreeCache = {
      path,
      start,
      close,
      listen: (listener) => Effect.sync(() => void listeners.push(listener)),
      listenFault: (listener) => Effect.sync(() => void faultListeners.push(listener)),
      events: Effect.map(PubSub.subscribe(pubsub), (queue) => Stream.fromQueue(queue)),
      getData: (p) => Effect.map(locate(p, "TreeCache.getData"), (q) => Option.fromNullable(state.get(q))),
      getChildren: (p) =>
        Effect.map(locate(p, "TreeCache.getChildren"), (q) =>
          state.has(q) ? Option.some([...state.children(q)].sort()) : Option.none()
        ),
      snapshot: Effect.sync(() => state.snapshot),
      isInitialized: SubscriptionRef.get(initializedRef),
      initialized: initializedRef.changes.pipe(Stream.filter((b) => b), Stream.runHead, Effect.asVoid)
    }
    return { cache, fatal: Deferred.await(fatal) }
  })

/**
 * Makes and starts a tree cache for the scope's lifetime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = (
  client: ZooKeeperClient,
  path: string
): Effect.Effect<TreeCache, TreeCacheStateError | ZooKeeperError, Scope.Scope> =>
  Effect.tap(make(client, path), (cache) => cache.start)

/**
 * Makes and starts a tree cache for the scope's lifetime, and waits until the tree is loaded;
 * fails with the error that stops the cache first (the client closed, a server older than 3.6,
 * no permission to watch), where `initialized` would wait on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const loaded = (
  client: ZooKeeperClient,
  path: string
): Effect.Effect<TreeCache, TreeCacheStateError | ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const { cache, fatal } = yield* build(client, path)
    yield* cache.start
    yield* Effect.raceFirst(cache.initialized, fatal)
    return cache
  })

/**
 * The events of a tree cache that lives as long as the stream: every event from the first
 * (`NODE_ADDED` for each node, then `INITIALIZED`, then the changes). The stream fails if the
 * cache cannot go on (the client was closed, the server is older than 3.6).
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = (client: ZooKeeperClient, path: string): Stream.Stream<TreeEvent, TreeCacheStateError | ZooKeeperError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { cache, fatal } = yield* build(client, path)
      const events = yield* cache.events
      yield* cache.start
      return Stream.merge(events, Stream.drain(Stream.fromEffect(fatal)), { haltStrategy: "either" })
    })
  )
