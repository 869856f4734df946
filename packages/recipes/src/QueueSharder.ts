/**
 * Curator's `QueueSharder`: one logical queue spread over several queues ("shards") under one
 * node, so that no single queue node grows past what ZooKeeper handles well. Every process
 * with a sharder on the same path sees the same shards (`<path>/queue-<uuid>`, Curator's
 * names); the one leading a {@link LeaderLatch} at `leaderPath` adds a shard when one holds
 * `newQueueThreshold` items or more, up to `maxQueues`. What a shard is — a
 * {@link CuratorQueue.distributed} queue, a kazoo {@link Queue}, anything made from a path — is
 * up to the `allocate` function, as Curator's `QueueAllocator`.
 *
 * ```ts
 * const jobs = yield* QueueSharder.make(zk, "/jobs", "/jobs-leader", (path) => CuratorQueue.distributed(zk, path), {
 *   newQueueThreshold: 1_000
 * })
 * yield* Effect.flatMap(jobs.queue, (shard) => shard.put("resize 42"))   // a shard with room, at random
 * ```
 *
 * Semantics, as Curator's: `make` creates `path` and takes the shards found there, or makes
 * the first one. Every `thresholdCheck` (and on `check`) the shards' item counts are read (the
 * children counts of their nodes): a shard at the threshold or above is no longer preferred,
 * one at half the threshold or below is preferred again; `queue` picks a preferred shard at
 * random, or any shard when none is. When a shard is at the threshold, none is preferred and
 * this process leads, a new shard is made (`maxQueues` reached: a warning is logged instead).
 * Beyond Curator: a shard is added only when no shard is preferred (Curator's leader adds one
 * at every check while any shard stays full, until `maxQueues`, though new shards have room),
 * and a children watch on `path` takes new shards in as soon as the leader makes them (Curator
 * waits for its next check). Shards are allocated in the sharder's scope and closed with it;
 * their nodes stay (a queue's items outlive its consumers). The sharder's node and the shards'
 * are containers, as Curator's: the server deletes one once emptied, and the shard's queue
 * makes it again when next used.
 *
 * @since 0.1.0
 */
import { validate } from "@effect-zk/core/Path"
import type * as Retry from "@effect-zk/core/Retry"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ChildrenWatch from "./ChildrenWatch.js"
import type { ConnectionStatePolicy } from "./ConnectionStatePolicy.js"
import { uuid } from "./internal/contender.js"
import * as LeaderLatch from "./LeaderLatch.js"

/** Curator's shard name prefix. */
const SHARD_PREFIX = "queue-"

/**
 * Options of {@link make} (Curator's `QueueSharderPolicies`, with its defaults).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueSharderOptions {
  /** Items in one shard from which the leader adds a shard. Default 10,000. */
  readonly newQueueThreshold?: number | undefined
  /** How often the shards' items are counted. Default 30 seconds. */
  readonly thresholdCheck?: Duration.DurationInput | undefined
  /** At most this many shards. Default 10. */
  readonly maxQueues?: number | undefined
  /** This process's id in the leader latch. Default "". */
  readonly id?: string | undefined
  /** What a suspended connection means for the leadership (see {@link LeaderLatch}). Default `"standard"`. */
  readonly policy?: ConnectionStatePolicy | undefined
}

/**
 * What reading the shards can fail with: a client error, the retry policy giving up, or the
 * `allocate` function's error.
 *
 * @since 0.1.0
 * @category models
 */
export type QueueSharderError<E> = Retry.RetriedError<ZooKeeperError> | E

/**
 * A sharder over queues of type `Q`.
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueSharder<Q, E = never> {
  /** The node whose children are the shards. */
  readonly path: string
  /** The leader latch's path. */
  readonly leaderPath: string
  /** A shard to use: a preferred one at random, or any one when none is (Curator's `getQueue`). */
  readonly queue: Effect.Effect<Q>
  /** Every shard known, by its node's path (Curator's `getQueuePaths`; their number is `getShardQty`). */
  readonly shards: Effect.Effect<ReadonlyMap<string, Q>>
  /** The paths of the preferred shards (those `queue` picks from). */
  readonly preferred: Effect.Effect<ReadonlyArray<string>>
  /** Counts the shards' items now, as the periodic check does (and adds a shard if this process leads and none has room). */
  readonly check: Effect.Effect<void, QueueSharderError<E>>
  /** Whether this process leads, and so adds the shards. */
  readonly isLeader: Effect.Effect<boolean>
}

const positiveInteger = (value: number, argument: string): InvalidArgumentError | undefined =>
  Number.isInteger(value) && value >= 1
    ? undefined
    : new InvalidArgumentError({
        op: "QueueSharder",
        argument,
        reason: `must be an integer of 1 or more, got ${value}`
      })

/**
 * Starts a sharder on `path` for the scope's lifetime, with `allocate` making the queue of a
 * shard's path (run once per shard, in the sharder's scope). Takes part in the leader latch at
 * `leaderPath`. Fails for an invalid path or option, when `path` cannot be read or created, or
 * when `allocate` fails for a shard found at the start.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <Q, E = never, R = never>(
  client: ZooKeeperClient,
  path: string,
  leaderPath: string,
  allocate: (shardPath: string) => Effect.Effect<Q, E, R>,
  options: QueueSharderOptions = {}
): Effect.Effect<QueueSharder<Q, E>, InvalidArgumentError | QueueSharderError<E>, R | Scope.Scope> =>
  Effect.gen(function* () {
    const threshold = options.newQueueThreshold ?? 10_000
    const maxQueues = options.maxQueues ?? 10
    const interval = Duration.decode(options.thresholdCheck ?? "30 seconds")
    const bad =
      validate(path, { op: "QueueSharder" }) ??
      validate(leaderPath, { op: "QueueSharder", argument: "leaderPath" }) ??
      (leaderPath === path || leaderPath.startsWith(path === "/" ? "/" : `${path}/`)
        ? new InvalidArgumentError({
            op: "QueueSharder",
            path: leaderPath,
            argument: "leaderPath",
            reason: `the leader latch cannot be at or under ${path}, whose children are the shards`
          })
        : undefined) ??
      positiveInteger(threshold, "newQueueThreshold") ??
      positiveInteger(maxQueues, "maxQueues") ??
      (Duration.greaterThan(interval, Duration.zero)
        ? undefined
        : new InvalidArgumentError({ op: "QueueSharder", argument: "thresholdCheck", reason: "must be more than zero" }))
    if (bad !== undefined) return yield* Effect.fail(bad)

    const context: Context.Context<R> = yield* Effect.context<R>()
    const shards = new Map<string, Q>()
    const preferred = new Set<string>()
    const lock = yield* Effect.makeSemaphore(1)
    const childPath = (name: string) => (path === "/" ? `/${name}` : `${path}/${name}`)

    const addIfNeeded = (shardPath: string): Effect.Effect<void, E> =>
      Effect.suspend(() =>
        shards.has(shardPath)
          ? Effect.void
          : Effect.map(Effect.provide(allocate(shardPath), context), (queue) => {
              shards.set(shardPath, queue)
              preferred.add(shardPath)
            })
      )
    const addNew = Effect.suspend(() => {
      const shardPath = childPath(`${SHARD_PREFIX}${uuid()}`)
      return Effect.zipRight(client.retry(client.ensurePath(shardPath, { container: true })), addIfNeeded(shardPath))
    })

    // The shards' node is gone once the server has deleted it as an empty container: no shards.
    const listShards = Effect.catchTag(client.retry(client.getChildren(path)), "NoNodeError", () =>
      Effect.succeed([] as ReadonlyArray<string>)
    )
    yield* client.retry(client.ensurePath(path, { container: true }))
    yield* lock.withPermits(1)(
      Effect.gen(function* () {
        const children = yield* listShards
        for (const name of children) yield* addIfNeeded(childPath(name))
        if (shards.size === 0) yield* addNew
      })
    )

    const latch = yield* LeaderLatch.make(client, leaderPath, { id: options.id, policy: options.policy })

    const check: Effect.Effect<void, QueueSharderError<E>> = lock.withPermits(1)(
      Effect.gen(function* () {
        const children = yield* listShards
        for (const name of children) yield* addIfNeeded(childPath(name))
        const stats = yield* Effect.forEach(children, (name) => client.retry(client.exists(childPath(name))), {
          concurrency: "unbounded"
        })
        let full: Option.Option<number> = Option.none()
        children.forEach((name, i) => {
          const stat = stats[i]
          if (stat === undefined || Option.isNone(stat)) return
          const count = stat.value.numChildren
          if (count >= threshold) {
            full = Option.some(count)
            preferred.delete(childPath(name))
          } else if (count <= Math.floor(threshold / 2)) {
            preferred.add(childPath(name))
          }
        })
        if (Option.isNone(full) || preferred.size > 0 || !(yield* latch.isLeader)) return
        if (shards.size < maxQueues) {
          yield* Effect.logInfo(
            `effect-zk QueueSharder ${path}: adding a shard, one holds ${full.value} items (threshold ${threshold})`
          )
          yield* addNew
        } else {
          yield* Effect.logWarning(`effect-zk QueueSharder ${path}: ${maxQueues} shards, the most allowed (maxQueues)`)
        }
      })
    )

    // The periodic check; a failure is logged and the next check tries again.
    yield* Effect.sleep(interval).pipe(
      Effect.zipRight(
        Effect.catchAllCause(check, (cause) =>
          Effect.logWarning(`effect-zk QueueSharder ${path}: checking the shards failed`, cause)
        )
      ),
      Effect.forever,
      Effect.forkScoped
    )
    // New shards as soon as they appear.
    const follow = ChildrenWatch.stream(client, path).pipe(
      Stream.runForEach((change) =>
        lock.withPermits(1)(Effect.forEach(change.children, (name) => addIfNeeded(childPath(name)), { discard: true }))
      ),
      Effect.catchAllCause((cause) => Effect.logDebug(`effect-zk QueueSharder ${path}: following the shards`, cause))
    )
    yield* Effect.forever(Effect.zipRight(follow, Effect.sleep("1 second"))).pipe(Effect.forkScoped)

    const pick = (paths: ReadonlyArray<string>): Q => shards.get(paths[Math.floor(Math.random() * paths.length)]!)!
    return {
      path,
      leaderPath,
      queue: Effect.sync(() => (preferred.size > 0 ? pick([...preferred]) : pick([...shards.keys()]))),
      shards: Effect.sync(() => new Map(shards) as ReadonlyMap<string, Q>),
      preferred: Effect.sync(() => [...preferred] as ReadonlyArray<string>),
      check,
      isLeader: latch.isLeader
    }
  })
