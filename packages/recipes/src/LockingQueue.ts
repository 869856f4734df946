/**
 * kazoo's `LockingQueue`: a distributed queue with priorities where taking an item only locks
 * it; the item leaves the queue when it is consumed, and goes back to the others when released
 * or when the taker's session ends.
 *
 * ```ts
 * const queue = yield* LockingQueue.make(zk, "/jobs")
 * yield* queue.putAll(["a", "b"], 10)
 * const item = yield* queue.get({ timeout: "5 seconds" }) // Option: locked for us
 * if (Option.isSome(item)) {
 *   yield* process(item.value)
 *   yield* queue.consume                                  // or queue.release to give it back
 * }
 * // or as a Stream: each item consumed when `handle` succeeds, released when it fails
 * yield* queue.process(handle).pipe(Stream.runDrain)
 * ```
 *
 * kazoo's znodes, so a kazoo process and this one share a queue:
 * - items: `<path>/entries/entry-<priority, 3 digits>-<sequence>`, taken in name order;
 * - locks: `<path>/taken/<item name>`, ephemeral, holding the taker's id (32 hex digits).
 *
 * As in kazoo, `get` gives the same item again until it is consumed or released; the lock is
 * not tied to the connection state: after a session loss the lock may be gone while this handle
 * still has the item — `holdsLock` tells, and `consume` / `release` check it first (`holdsLock`
 * is false, where kazoo raises NoNodeError, when the lock node is gone). A waiting `get` watches
 * both nodes with one-shot child watches, as kazoo, and removes them when the wait ends (an item
 * taken, the timeout passed, an interruption), so waits polled in a loop leave none behind.
 * Beyond kazoo (whose `get` loses its watches on a disconnect and then waits out its timeout):
 * the wait survives a dropped connection and a session expiry (it looks again on the new
 * session; it holds nothing while it waits), and ends with the client's error when the client
 * is closed (ClientClosedError) or gives up its session for good.
 *
 * @since 0.1.0
 */
import * as Transaction from "@effect-zk/core/Transaction"
import type { OneShotWatch, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { fromUtf8, randomHex } from "./internal/encoding.js"
import { withWatch } from "./internal/oneShot.js"
import {
  checkPriority,
  DEFAULT_PRIORITY,
  structure,
  formatPriority,
  lengthOf,
  type QueueError,
  sortNames
} from "./internal/queueShared.js"

/**
 * What a queue operation can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type { QueueError } from "./internal/queueShared.js"

/**
 * A locking queue handle. One item at a time is "processing" per handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface LockingQueue {
  /** The queue's path. */
  readonly path: string
  /** This handle's id, stored in the locks it takes (kazoo's `id`). */
  readonly id: string
  /** Adds an item with a priority from 0 to 999, lower first (default 100); returns its znode path. */
  readonly put: (value: Transaction.Bytes, priority?: number) => Effect.Effect<string, QueueError>
  /** Adds several items at once (one transaction: all or none); returns their znode paths. */
  readonly putAll: (
    values: ReadonlyArray<Transaction.Bytes>,
    priority?: number
  ) => Effect.Effect<ReadonlyArray<string>, QueueError>
  /**
   * Locks and gives the next free item, waiting for one up to `timeout` (forever by default);
   * none when the timeout passed. If this handle already has an item not yet consumed or
   * released, gives that one again. The wait goes on across reconnects and session expiries; it
   * fails with ClientClosedError when the client is closed meanwhile.
   */
  readonly get: (options?: {
    readonly timeout?: Duration.DurationInput | undefined
  }) => Effect.Effect<Option.Option<Uint8Array>, QueueError>
  /** Whether this handle's lock on its current item still exists (kazoo's `holds_lock`). */
  readonly holdsLock: Effect.Effect<boolean, QueueError>
  /** Removes the current item from the queue, if this handle still holds its lock; false otherwise. */
  readonly consume: Effect.Effect<boolean, QueueError>
  /** Gives the current item back to the queue (removes the lock); false if there is nothing to release. */
  readonly release: Effect.Effect<boolean, QueueError>
  /** The number of items, locked ones included (kazoo's `len`). */
  readonly length: Effect.Effect<number, QueueError>
  /**
   * Processes every item as it comes, as a Stream of `f`'s results: each item is locked, given
   * to `f`, consumed when `f` succeeds, and released — given back to the queue — when `f` fails
   * (the stream then fails with its error) or is interrupted (the stream's consumer stopped).
   */
  readonly process: <A, E, R>(
    f: (value: Uint8Array) => Effect.Effect<A, E, R>
  ) => Stream.Stream<A, E | QueueError, R>
}

/**
 * A handle on the locking queue at `path` (kazoo's `client.LockingQueue(path)`); the path's
 * structure nodes are created when first needed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeperClient, path: string): Effect.Effect<LockingQueue> =>
  Effect.gen(function* () {
    const id = randomHex()
    const lockPath = `${path}/taken`
    const entriesPath = `${path}/entries`
    const nodes = structure(client, [lockPath, entriesPath])
    let processing: { readonly name: string; readonly value: Uint8Array } | undefined

    const entryPrefix = (priority: number) => `${entriesPath}/entry-${formatPriority(priority)}-`

    const put = (value: Transaction.Bytes, priority: number = DEFAULT_PRIORITY): Effect.Effect<string, QueueError> => {
      const bad = checkPriority(priority, "LockingQueue.put", path)
      if (bad !== undefined) return Effect.fail(bad)
      return nodes.within(client.create(entryPrefix(priority), { data: value, sequence: true }))
    }

    const putAll = (
      values: ReadonlyArray<Transaction.Bytes>,
      priority: number = DEFAULT_PRIORITY
    ): Effect.Effect<ReadonlyArray<string>, QueueError> => {
      const bad = checkPriority(priority, "LockingQueue.putAll", path)
      if (bad !== undefined) return Effect.fail(bad)
      return nodes.within(
        Effect.map(
          client.transaction(values.map((data) => Transaction.create(entryPrefix(priority), { data, sequence: true }))),
          (results) => results.map((r) => r.path)
        )
      )
    }

    /** Whether the lock node holds our id (none when it does not exist). */
    const lockIsOurs = (name: string) =>
      client.get(`${lockPath}/${name}`).pipe(
        Effect.map((node) => fromUtf8(node.data) === id),
        Effect.catchTag("NoNodeError", () => Effect.succeed(false))
      )

    /** Locks an item and reads it (kazoo's `_take`); none if someone else has it or it is gone. */
    const take = (name: string): Effect.Effect<Option.Option<Uint8Array>, QueueError> =>
      Effect.gen(function* () {
        const locked = yield* nodes.within(
          client.retry(
            client.create(`${lockPath}/${name}`, { data: id, ephemeral: true }).pipe(
              Effect.as(true),
              // Already locked: by someone else, or by us through a create whose reply was lost.
              Effect.catchTag("NodeExistsError", () => lockIsOurs(name))
            )
          )
        )
        if (!locked) return Option.none()
        const entry = yield* client
          .retry(client.get(`${entriesPath}/${name}`))
          .pipe(Effect.map(Option.some), Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none())))
        if (Option.isNone(entry)) {
          // consumed meanwhile: drop our lock
          yield* client
            .retry(client.delete(`${lockPath}/${name}`))
            .pipe(Effect.catchTag("NoNodeError", () => Effect.void))
          return Option.none()
        }
        const value = entry.value.data.slice()
        processing = { name, value }
        return Option.some(value)
      }).pipe(Effect.uninterruptible)

    /**
     * `use` on `node`'s children, listed with a one-shot watch that is removed when `use` ends,
     * unless it fired: a wait that took an item, timed out, failed or was interrupted leaves no
     * watcher behind.
     */
    const withChildrenWatch = <A, E, R>(
      node: string,
      use: (listed: { readonly children: ReadonlyArray<string> } & OneShotWatch) => Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | QueueError, R> =>
      withWatch(nodes.within(client.retry(client.getChildrenAndWatch(node))), use)

    /**
     * One look (kazoo's `check_for_updates`): the entries and the locks, each listed with a
     * watch; the first free entry we can lock is the answer (some). Otherwise waits for a change
     * of either node, until `deadline` (ms); none to look again, some(none) when the time is up.
     * A session expiry is a change (the watches are gone: look again on the new session); the
     * client closed, or its session over for good, ends the wait with that error.
     */
    const look = (deadline: number | undefined): Effect.Effect<Option.Option<Option.Option<Uint8Array>>, QueueError> =>
      withChildrenWatch(entriesPath, (entries) =>
        withChildrenWatch(lockPath, (locks) =>
          Effect.gen(function* () {
            const taken = new Set(locks.children)
            for (const name of sortNames(entries.children)) {
              if (taken.has(name)) continue
              const value = yield* take(name)
              if (Option.isSome(value)) return Option.some(value)
            }
            const changed = Effect.raceFirst(entries.event, locks.event).pipe(
              Effect.asVoid,
              Effect.catchTag("SessionExpiredError", () => Effect.void)
            )
            if (deadline === undefined) {
              yield* changed
              return Option.none()
            }
            const remaining = deadline - (yield* Clock.currentTimeMillis)
            if (remaining <= 0) return Option.some(Option.none())
            const fired = yield* Effect.timeoutOption(changed, Duration.millis(remaining))
            return Option.isSome(fired) ? Option.none() : Option.some(Option.none())
          })
        )
      )

    const get = (
      options: { readonly timeout?: Duration.DurationInput | undefined } = {}
    ): Effect.Effect<Option.Option<Uint8Array>, QueueError> =>
      Effect.gen(function* () {
        yield* nodes.ensure
        if (processing !== undefined) return Option.some(processing.value)
        const timeout = options.timeout === undefined ? undefined : Duration.toMillis(Duration.decode(options.timeout))
        const deadline = timeout === undefined ? undefined : (yield* Clock.currentTimeMillis) + timeout
        for (;;) {
          const outcome = yield* look(deadline)
          if (Option.isSome(outcome)) return outcome.value
        }
      })

    const holdsLock: Effect.Effect<boolean, QueueError> = Effect.suspend(() => {
      const current = processing
      if (current === undefined) return Effect.succeed(false)
      const node = `${lockPath}/${current.name}`
      return Effect.zipRight(client.sync(node), client.retry(lockIsOurs(current.name)))
    })

    const finish = (deleteEntry: boolean): Effect.Effect<boolean, QueueError> =>
      Effect.gen(function* () {
        const current = processing
        if (current === undefined || !(yield* holdsLock)) return false
        const ops = [Transaction.remove(`${lockPath}/${current.name}`)]
        if (deleteEntry) ops.unshift(Transaction.remove(`${entriesPath}/${current.name}`))
        yield* client.transaction(ops)
        processing = undefined
        return true
      }).pipe(Effect.uninterruptible)

    const consume = finish(true)
    const release = finish(false)
    const process = <A, E, R>(f: (value: Uint8Array) => Effect.Effect<A, E, R>): Stream.Stream<A, E | QueueError, R> =>
      Stream.repeatEffectOption(
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const value = yield* restore(get())
            if (Option.isNone(value)) return yield* Effect.die("a get without timeout gave nothing")
            const result = yield* restore(f(value.value)).pipe(Effect.onError(() => Effect.ignore(release)))
            yield* consume
            return result
          })
        ).pipe(Effect.mapError(Option.some))
      )

    return {
      path,
      id,
      put,
      putAll,
      get,
      holdsLock,
      consume,
      release,
      length: lengthOf(client, nodes, entriesPath),
      process
    } satisfies LockingQueue
  })
