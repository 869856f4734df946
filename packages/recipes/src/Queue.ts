/**
 * kazoo's `Queue`: a distributed queue with priorities. Items are sequential znodes
 * `<path>/entry-<priority, 3 digits>-<sequence>`, taken in name order — lowest priority number
 * first, then first in, first out — so a kazoo process and this one share a queue.
 *
 * ```ts
 * const queue = yield* Queue.make(zk, "/jobs")
 * yield* queue.put("urgent", 1)
 * yield* queue.put("later")             // priority 100
 * yield* queue.get                      // Option.some(bytes of "urgent")
 * yield* queue.items.pipe(Stream.take(10), Stream.runForEach(handle)) // wait for items as they come
 * ```
 *
 * Like kazoo's, this queue does not make consumption reliable: an item is deleted when it is
 * taken, before it is processed (use {@link LockingQueue} for that). Two consumers never get the
 * same item: only the one whose delete succeeds returns it.
 *
 * @since 0.1.0
 */
import type { Bytes } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import {
  checkPriority,
  DEFAULT_PRIORITY,
  structure,
  formatPriority,
  lengthOf,
  type QueueError,
  sortNames
} from "./internal/queueShared.js"
import { inbox, takeBatch } from "./internal/watchersPersistent.js"

/**
 * What a queue operation can fail with: a client error, the retry policy giving up, or (for
 * `putAll`) a transaction that was not applied.
 *
 * @since 0.1.0
 * @category models
 */
export type { QueueError } from "./internal/queueShared.js"

/**
 * A queue handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface Queue {
  /** The queue's path. */
  readonly path: string
  /**
   * Adds an item (bytes, or a string as UTF-8) with a priority from 0 to 999, lower first
   * (default 100); returns the item's znode path.
   */
  readonly put: (value: Bytes, priority?: number) => Effect.Effect<string, QueueError>
  /** Takes the next item and removes it from the queue; none when the queue is empty (kazoo's `get`). */
  readonly get: Effect.Effect<Option.Option<Uint8Array>, QueueError>
  /** The number of items (kazoo's `len`). */
  readonly length: Effect.Effect<number, QueueError>
  /**
   * Every item as it comes: takes what is there, then waits for more (a persistent watch on the
   * queue's node, removed when the stream ends). Each item is removed from the queue when the
   * stream emits it.
   */
  readonly items: Stream.Stream<Uint8Array, QueueError>
}

const PREFIX = "entry-"

/**
 * A handle on the queue at `path` (kazoo's `client.Queue(path)`); the path is created when
 * first needed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeperClient, path: string): Effect.Effect<Queue> =>
  Effect.sync(() => {
    const nodes = structure(client, [path])
    // kazoo keeps the sorted names it last read and works through them before reading again.
    let names: Array<string> = []

    const put = (value: Bytes, priority: number = DEFAULT_PRIORITY): Effect.Effect<string, QueueError> => {
      const bad = checkPriority(priority, "Queue.put", path)
      if (bad !== undefined) return Effect.fail(bad)
      return nodes.within(client.create(`${path}/${PREFIX}${formatPriority(priority)}-`, { data: value, sequence: true }))
    }

    // One attempt: none if the queue is empty; a lost race for the head (another consumer took
    // it) reads the names again and tries the next.
    const takeNext: Effect.Effect<Option.Option<Uint8Array>, ZooKeeperError> = Effect.gen(function* () {
      for (;;) {
        if (names.length === 0) names = sortNames(yield* client.getChildren(path))
        const name = names[0]
        if (name === undefined) return Option.none()
        const entry = `${path}/${name}`
        const taken = yield* client.get(entry).pipe(
          Effect.tap(() => client.delete(entry)),
          Effect.map((node) => Option.some(node.data.slice())),
          Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none<Uint8Array>()))
        )
        if (Option.isSome(taken)) {
          names.shift()
          return taken
        }
        names = []
      }
    })

    const get: Effect.Effect<Option.Option<Uint8Array>, QueueError> = nodes.within(
      client.retry(Effect.uninterruptible(takeNext))
    )

    const items: Stream.Stream<Uint8Array, QueueError> = Stream.unwrapScoped(
      Effect.gen(function* () {
        yield* nodes.ensure
        const signals = yield* inbox(client, path, false)
        let ready = false
        const awaitChange: Effect.Effect<void, QueueError> = Effect.gen(function* () {
          for (;;) {
            for (const s of yield* takeBatch(signals)) {
              if (s._tag === "Fatal") return yield* Effect.fail(s.error)
              if (s._tag === "Ready") ready = true
            }
            if (ready) return
          }
        })
        yield* awaitChange
        return Stream.repeatEffectOption(
          Effect.gen(function* () {
            for (;;) {
              const item = yield* get
              if (Option.isSome(item)) return item.value
              yield* awaitChange
            }
          }).pipe(Effect.mapError(Option.some))
        )
      })
    )

    return { path, put, get, length: lengthOf(client, nodes, path), items }
  })
