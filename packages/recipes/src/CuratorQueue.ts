/**
 * Curator's queues with Curator's znodes, so that Java producers and consumers and Effect ones
 * share a queue:
 *
 * - {@link simple}: `SimpleDistributedQueue`. Each item is a node `<path>/qn-<sequence>`
 *   holding the item's bytes; `offer`, `take`, `poll`, `peek` as Curator's.
 * - {@link distributed}: `DistributedQueue` (`<path>/queue-<sequence>`), with
 *   `order: "priority"` `DistributedPriorityQueue` (`queue-<priority><sequence>`, lower numbers
 *   first), with `order: "delay"` `DistributedDelayQueue` (`queue-|<due time>|<sequence>`,
 *   each item taken once its time has come) and with `order: "id"` `DistributedIdQueue`
 *   (`queue-|<id>|<sequence>`: first in, first out, and `remove(id)` takes items out unread). A node holds one item or, from `putMulti`,
 *   several, framed as Curator's `ItemSerializer` frames them; the items' bytes are what
 *   Curator's `QueueSerializer` writes and reads on the Java side.
 *
 * ```ts
 * const jobs = yield* CuratorQueue.distributed(zk, "/jobs", { lockPath: "/jobs-locks" })
 * yield* jobs.put("resize 42")
 * yield* jobs.process((item) => resize(item))   // removed once resize succeeds; put back if it fails
 * ```
 *
 * Delivery: without a `lockPath` an item's node is deleted before the item is returned (at most
 * once, as Curator's queues without a lock path): a consumer that dies after taking it loses
 * it. With `lockPath` (Curator's `QueueBuilder.lockPath`), `process` first creates an
 * ephemeral `<lockPath>/<item node>`, runs the effect, and deletes the item's node only when the
 * effect succeeds; when it fails the node is put back at the end of the queue (Curator's default
 * `ErrorMode.REQUEUE`), and when the effect is interrupted or the session ends, the node stays
 * where it is for another consumer (at least once). Under the default `"standard"` connection
 * state policy, `process` also ends when the connection is suspended while `f` runs (`f` is
 * interrupted before the server could expire the session and let another consumer lock the
 * item), so two consumers never process one item at once (a chaos test checks it; Curator's own
 * consumer goes on running in that case). Waiting uses a one-shot children watch on the
 * queue's node (ZooKeeper 3.5+); the queue's node and the lock path are containers, as
 * Curator's, created when first needed and again when found gone (the server deletes an
 * emptied container).
 *
 * @since 0.1.0
 */
import { validate } from "@effect-zk/core/Path"
import * as Transaction from "@effect-zk/core/Transaction"
import type { OneShotWatch, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError } from "@effect-zk/core/ZooKeeperError"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { randomHex, utf8 } from "./internal/encoding.js"
import { withWatch } from "./internal/oneShot.js"
import { type QueueError, sortNames, structure } from "./internal/queueShared.js"
import type * as ConnectionStatePolicy from "./ConnectionStatePolicy.js"
import { currentSession, firstState, lossInState, removeNode } from "./internal/session.js"
import { LockLostError, MalformedDataError } from "./RecipeError.js"

/**
 * What a queue operation can fail with: a client error, the retry policy giving up, or a
 * transaction that was not applied.
 *
 * @since 0.1.0
 * @category models
 */
export type { QueueError } from "./internal/queueShared.js"

type Bytes = Transaction.Bytes

/**
 * A handle on a `SimpleDistributedQueue`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimpleQueue {
  /** The queue's path. */
  readonly path: string
  /** Adds an item at the tail (Curator's `offer`); its node's path. */
  readonly offer: (item: Bytes) => Effect.Effect<string, QueueError>
  /** The head item, left in the queue; none when the queue is empty (Curator's `peek`). */
  readonly peek: Effect.Effect<Option.Option<Uint8Array>, QueueError>
  /** Removes the head item and returns it; none when the queue is empty (Curator's `poll()`). */
  readonly poll: Effect.Effect<Option.Option<Uint8Array>, QueueError>
  /** Waits for an item, then removes and returns it (Curator's `take`). */
  readonly take: Effect.Effect<Uint8Array, QueueError>
  /** As `take`, waiting at most `timeout`; none when none came (Curator's `poll(timeout, unit)`). */
  readonly takeWithin: (timeout: Duration.DurationInput) => Effect.Effect<Option.Option<Uint8Array>, QueueError>
  /** The number of nodes in the queue. */
  readonly length: Effect.Effect<number, QueueError>
}

/**
 * Options of {@link distributed}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DistributedOptions {
  /**
   * The node names and the order they are taken in: `"fifo"` (default; Curator's
   * `buildQueue`), `"priority"` (`buildPriorityQueue`: `put`'s `priority`, lower first, then
   * first in, first out), `"delay"` (`buildDelayQueue`: `put`'s `delayUntil`, earliest first,
   * none before its time) or `"id"` (`buildIdQueue`: `put`'s `id`, first in first out; `remove`).
   */
  readonly order?: "fifo" | "priority" | "delay" | "id" | undefined
  /**
   * Curator's lock path: `process` locks an item with an ephemeral node under it and removes the
   * item only once processed (see the module documentation). Without it, an item is removed
   * when taken.
   */
  readonly lockPath?: string | undefined
  /**
   * With a lock path: what ends `process`'s hold on an item (see {@link ConnectionStatePolicy}).
   * `"standard"` (default): a suspended connection, as Curator's default error policy; `"session"`:
   * only a lost session. `f` is then interrupted, the item left for another consumer, and
   * `process` fails with LockLostError, so that no two consumers run `f` on one item at once.
   */
  readonly connectionStatePolicy?: ConnectionStatePolicy.ConnectionStatePolicy | undefined
  /**
   * Curator's `maxItems`: `put` and `putMulti` wait while the queue holds this many nodes (or
   * more); bound the wait with `Effect.timeout`. Producers that put at the same moment can pass
   * the bound by a few nodes, as with Curator.
   */
  readonly maxItems?: number | undefined
}

/**
 * Options of a `put`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PutOptions {
  /** A priority queue's priority: a 32-bit integer, lower taken first (default 0). */
  readonly priority?: number | undefined
  /** A delay queue's due time, ms since the epoch, or a Date (default: now). */
  readonly delayUntil?: number | Date | undefined
  /** An id queue's item id (required there; `/` and `|` become `_`, as Curator's). */
  readonly id?: string | undefined
}

/**
 * A handle on a `DistributedQueue`, `DistributedPriorityQueue` or `DistributedDelayQueue`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DistributedQueue {
  /** The queue's path. */
  readonly path: string
  /** Adds an item (Curator's `put`); its node's path. */
  readonly put: (item: Bytes, options?: PutOptions) => Effect.Effect<string, QueueError | InvalidArgumentError>
  /** Adds several items in one node, taken together by one consumer (Curator's `putMulti`). */
  readonly putMulti: (
    items: ReadonlyArray<Bytes>,
    options?: PutOptions
  ) => Effect.Effect<string, QueueError | InvalidArgumentError>
  /**
   * Waits for the next node, removes it, and runs `f` on each of its items in order. With a
   * `lockPath`, the node is removed only once every `f` has succeeded, put back at the end of
   * the queue when one fails (`process` then fails with that error), and left in place when `f`
   * is interrupted, or when the connection is lost while it runs (`f` is interrupted then, and
   * `process` fails with LockLostError; see `connectionStatePolicy`). A node whose bytes are not
   * Curator's framing is removed and reported as a MalformedDataError.
   */
  readonly process: <E, R>(
    f: (item: Uint8Array) => Effect.Effect<void, E, R>
  ) => Effect.Effect<void, E | QueueError | MalformedDataError | LockLostError, R>
  /**
   * Waits for the next item and returns it, its node removed (at most once; the other items of
   * a `putMulti` node are kept by this handle and returned by the next calls).
   */
  readonly take: Effect.Effect<Uint8Array, QueueError | MalformedDataError>
  /** As `take`, waiting at most `timeout`; none when none came. */
  readonly takeWithin: (
    timeout: Duration.DurationInput
  ) => Effect.Effect<Option.Option<Uint8Array>, QueueError | MalformedDataError>
  /** Every item as it comes (`take` repeated). */
  readonly items: Stream.Stream<Uint8Array, QueueError | MalformedDataError>
  /** The number of nodes in the queue, due or not (a `putMulti` node counts once). */
  readonly length: Effect.Effect<number, QueueError>
  /**
   * An id queue's `remove`: deletes the nodes put with that id (unread, unless a consumer takes
   * one first); how many it deleted. Refused for the other orders.
   */
  readonly remove: (id: string) => Effect.Effect<number, QueueError | InvalidArgumentError>
}

const SIMPLE_PREFIX = "qn-"
const QUEUE_PREFIX = "queue-"
/** Curator's ItemSerializer: a version, then (1, length, bytes) per item, then 2. */
const FRAMING_VERSION = 0x00010001
const ITEM = 1
const END = 2
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

const toBytes = (b: Bytes): Uint8Array => (typeof b === "string" ? utf8(b) : b)

/**
 * Curator's `ItemSerializer` framing of a node's items.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeItems = (items: ReadonlyArray<Uint8Array>): Uint8Array => {
  let size = 5
  for (const item of items) size += 5 + item.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setInt32(0, FRAMING_VERSION)
  let at = 4
  for (const item of items) {
    out[at] = ITEM
    view.setInt32(at + 1, item.length)
    out.set(item, at + 5)
    at += 5 + item.length
  }
  out[at] = END
  return out
}

/**
 * Reads Curator's `ItemSerializer` framing; a MalformedDataError says what is wrong.
 *
 * @since 0.1.0
 * @category encoding
 */
export const decodeItems = (path: string, data: Uint8Array): ReadonlyArray<Uint8Array> | MalformedDataError => {
  const bad = (reason: string) => new MalformedDataError({ path, reason: `not Curator's queue item framing: ${reason}` })
  if (data.length < 5) return bad(`${data.length} bytes`)
  const view = new DataView(data.buffer, data.byteOffset, data.length)
  const version = view.getInt32(0)
  if (version !== FRAMING_VERSION) return bad(`version ${version}, not ${FRAMING_VERSION}`)
  const items: Array<Uint8Array> = []
  let at = 4
  for (;;) {
    if (at >= data.length) return bad("no end marker")
    const op = data[at]!
    if (op === END) return items
    if (op !== ITEM) return bad(`opcode ${op} at byte ${at}`)
    if (at + 5 > data.length) return bad(`an item's length cut short at byte ${at + 1}`)
    const length = view.getInt32(at + 1)
    if (length < 0 || at + 5 + length > data.length) return bad(`an item of ${length} bytes at byte ${at + 5} of ${data.length}`)
    items.push(data.slice(at + 5, at + 5 + length))
    at += 5 + length
  }
}

const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, "0")

/** DistributedPriorityQueue's name part: "1" or "0" by sign, then the 32 bits in hex. */
const priorityPart = (priority: number): string => `${priority < 0 ? "0" : "1"}${hex8(priority >>> 0)}`

/** DistributedDelayQueue's name part: `|<due time in hex>|`. */
const delayPart = (epochMillis: number): string => `|${hex8(epochMillis)}|`

/** DistributedIdQueue's id as it goes in a name: `/` and `|` become `_`. */
const fixId = (id: string): string => id.replace(/[/|]/g, "_")

/** An id queue node's id and its name without it (what it is ordered by), as Curator parses them. */
const idParts = (name: string): { readonly id: string; readonly cleaned: string } => {
  const first = name.indexOf("|")
  const second = first < 0 ? -1 : name.indexOf("|", first + 1)
  if (first < 0 || second < 0) return { id: "", cleaned: name }
  return { id: name.slice(first + 1, second), cleaned: name.slice(0, first) + name.slice(second + 1) }
}

/** A delay queue node's due time (0 when its name has none, as Curator reads it). */
const dueTime = (name: string): number => {
  const second = name.lastIndexOf("|")
  const first = second > 0 ? name.lastIndexOf("|", second - 1) : -1
  if (first <= 0 || second <= first + 1) return 0
  const n = Number.parseInt(name.slice(first + 1, second), 16)
  return Number.isFinite(n) ? n : 0
}

/** A node of the queue, taken or locked, with its data. */
interface Taken {
  readonly name: string
  readonly data: Uint8Array
  readonly version: number
}

/** The prefix, ordering and due times of one kind of queue. */
interface Layout {
  readonly prefix: string
  readonly order: "fifo" | "priority" | "delay" | "id"
}

/**
 * The queue's nodes in the order they are taken: those of the layout's prefix, in name order
 * (a delay queue: by due time, then name); `due` only those whose time has come, `next` the
 * earliest time still to come.
 */
const ordered = (
  layout: Layout,
  children: ReadonlyArray<string>,
  now: number
): { readonly due: ReadonlyArray<string>; readonly next: number | undefined } => {
  const names = sortNames(children.filter((name) => name.startsWith(layout.prefix)))
  if (layout.order === "id") {
    const keyed = names.map((name) => ({ name, key: idParts(name).cleaned }))
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return { due: keyed.map((k) => k.name), next: undefined }
  }
  if (layout.order !== "delay") return { due: names, next: undefined }
  const timed = names.map((name) => ({ name, at: dueTime(name) }))
  timed.sort((a, b) => a.at - b.at)
  const due = timed.filter((t) => t.at <= now).map((t) => t.name)
  const later = timed.find((t) => t.at > now)
  return { due, next: later?.at }
}

/**
 * What both kinds share: the queue's node, the ordered listing, and waiting for a node to come
 * (a children watch, or a delay queue's next due time).
 */
const makeCore = (client: ZooKeeperClient, path: string, layout: Layout, extraPaths: ReadonlyArray<string>) => {
  // Containers, as Curator makes them: the server deletes them once empty, and they are made
  // again when next needed.
  const nodes = structure(client, [path, ...extraPaths], { container: true })
  const ensure = nodes.ensure

  /** Tries the due nodes in order with `attempt`; the first that gives something wins. */
  const firstOf = <A, E>(
    names: ReadonlyArray<string>,
    attempt: (name: string) => Effect.Effect<Option.Option<A>, E>
  ): Effect.Effect<Option.Option<A>, E> =>
    Effect.gen(function* () {
      for (const name of names) {
        const got = yield* attempt(name)
        if (Option.isSome(got)) return got
      }
      return Option.none()
    })

  /** One look at the queue: the first node `attempt` takes, or none. */
  const once = <A, E>(attempt: (name: string) => Effect.Effect<Option.Option<A>, E>) =>
    Effect.gen(function* () {
      const children = yield* nodes.within(client.retry(client.getChildren(path)))
      return yield* firstOf(ordered(layout, children, yield* Clock.currentTimeMillis).due, attempt)
    })

  /**
   * `use` on the queue's children, listed with a watch that is removed when `use` ends, unless
   * it fired: taken, past a deadline, failed or interrupted, a wait leaves no watcher behind (a
   * queue polled in a loop would gather one per poll until it next changed).
   */
  const withChildrenWatch = <A, E, R>(
    use: (listed: { readonly children: ReadonlyArray<string> } & OneShotWatch) => Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | QueueError, R> => withWatch(nodes.within(client.retry(client.getChildrenAndWatch(path))), use)

  /**
   * Waits until `attempt` takes a node: lists the children with a watch, tries the due ones,
   * and otherwise waits for the watch (or a delay queue's next due time); `deadline` bounds it.
   */
  const waitFor = <A, E>(
    attempt: (name: string) => Effect.Effect<Option.Option<A>, E>,
    deadline: number | undefined
  ): Effect.Effect<Option.Option<A>, E | QueueError> => {
    /** One look and one wait: what to return, or none to look again. */
    const round = ({ children, event }: { readonly children: ReadonlyArray<string> } & OneShotWatch) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const { due, next } = ordered(layout, children, now)
        const got = yield* firstOf(due, attempt)
        if (Option.isSome(got) || (deadline !== undefined && now >= deadline)) return Option.some(got)
        const until = Math.min(next ?? Number.POSITIVE_INFINITY, deadline ?? Number.POSITIVE_INFINITY)
        // a watch that ends with the session is looked at again on the next round
        const changed = Effect.ignore(event)
        yield* until === Number.POSITIVE_INFINITY
          ? changed
          : Effect.raceFirst(changed, Effect.sleep(Duration.millis(Math.max(1, until - now))))
        return Option.none<Option.Option<A>>()
      })
    return Effect.gen(function* () {
      for (;;) {
        // past the deadline (a poll, or the last look): read without leaving a watch behind
        if (deadline !== undefined && (yield* Clock.currentTimeMillis) >= deadline) return yield* once(attempt)
        const outcome = yield* withChildrenWatch(round)
        if (Option.isSome(outcome)) return outcome.value
      }
    })
  }

  const deadlineOf = (timeout: Duration.DurationInput) =>
    Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(Duration.decode(timeout)))

  const length: Effect.Effect<number, QueueError> = nodes.within(
    Effect.map(client.retry(client.getChildren(path)), (children) => children.filter((n) => n.startsWith(layout.prefix)).length)
  )

  /**
   * Reads a node and deletes it (at that version); none when another consumer took it first.
   * Retried over connection losses (a delete whose reply was lost reads as taken by another).
   */
  const remove = (name: string): Effect.Effect<Option.Option<Taken>, QueueError> =>
    Effect.uninterruptible(
      client.retry(Effect.gen(function* () {
        const node = `${path}/${name}`
        const got = yield* client.get(node).pipe(
          Effect.map(Option.some),
          Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none()))
        )
        if (Option.isNone(got)) return Option.none()
        const deleted = yield* Effect.either(client.delete(node, { version: got.value.stat.version }))
        if (deleted._tag === "Left") {
          if (deleted.left._tag === "NoNodeError" || deleted.left._tag === "BadVersionError") return Option.none()
          return yield* Effect.fail(deleted.left)
        }
        return Option.some({ name, data: got.value.data.slice(), version: got.value.stat.version })
      }))
    )

  return { ensure, within: nodes.within, once, withChildrenWatch, waitFor, deadlineOf, length, remove }
}

const checkPath = (path: string, op: string): InvalidArgumentError | undefined => validate(path, { op })

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * A handle on the `SimpleDistributedQueue` at `path` (Curator's
 * `new SimpleDistributedQueue(client, path)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const simple = (client: ZooKeeperClient, path: string): Effect.Effect<SimpleQueue, InvalidArgumentError> =>
  Effect.suspend(() => {
    const bad = checkPath(path, "CuratorQueue.simple")
    if (bad !== undefined) return Effect.fail(bad)
    const core = makeCore(client, path, { prefix: SIMPLE_PREFIX, order: "fifo" }, [])
    const removed = (name: string) => Effect.map(core.remove(name), Option.map((t) => t.data))
    const peekOne = (name: string) =>
      client.get(`${path}/${name}`).pipe(
        Effect.map((node) => Option.some(node.data.slice())),
        Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none<Uint8Array>()))
      )
    const queue: SimpleQueue = {
      path,
      offer: (item) =>
        core.within(client.create(`${path}/${SIMPLE_PREFIX}`, { data: toBytes(item), sequence: true })),
      peek: core.once(peekOne),
      poll: core.once(removed),
      take: Effect.map(core.waitFor(removed, undefined), Option.getOrThrow),
      takeWithin: (timeout) => Effect.flatMap(core.deadlineOf(timeout), (deadline) => core.waitFor(removed, deadline)),
      length: core.length
    }
    return Effect.succeed(queue)
  })

/**
 * A handle on the `DistributedQueue` (or priority or delay queue) at `path`; see
 * {@link DistributedOptions}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const distributed = (
  client: ZooKeeperClient,
  path: string,
  options: DistributedOptions = {}
): Effect.Effect<DistributedQueue, InvalidArgumentError> =>
  Effect.suspend(() => {
    const op = "CuratorQueue.distributed"
    const bad = checkPath(path, op) ?? (options.lockPath === undefined ? undefined : checkPath(options.lockPath, op))
    if (bad !== undefined) return Effect.fail(bad)
    const order = options.order ?? "fifo"
    if (order !== "fifo" && order !== "priority" && order !== "delay" && order !== "id") {
      const reason = `${JSON.stringify(order)} is not fifo, priority, delay or id`
      return Effect.fail(new InvalidArgumentError({ op, path, argument: "order", reason }))
    }
    const lockPath = options.lockPath
    const maxItems = options.maxItems
    if (maxItems !== undefined && (!Number.isSafeInteger(maxItems) || maxItems < 1)) {
      const reason = `${maxItems} is not a positive integer`
      return Effect.fail(new InvalidArgumentError({ op, path, argument: "maxItems", reason }))
    }
    const core = makeCore(client, path, { prefix: QUEUE_PREFIX, order }, lockPath === undefined ? [] : [lockPath])
    // the items of a putMulti node this handle took and has not returned yet
    const kept: Array<Uint8Array> = []

    const nameFor = (put: PutOptions, now: number): string | InvalidArgumentError => {
      const invalid = (argument: string, reason: string) =>
        new InvalidArgumentError({ op: "CuratorQueue.put", path, argument, reason })
      if (put.priority !== undefined && order !== "priority") return invalid("priority", `a ${order} queue has no priorities`)
      if (put.delayUntil !== undefined && order !== "delay") return invalid("delayUntil", `a ${order} queue has no delays`)
      if (put.id !== undefined && order !== "id") return invalid("id", `a ${order} queue has no ids`)
      if (order === "id") {
        if (typeof put.id !== "string" || put.id === "") return invalid("id", "an id queue's item needs an id")
        return `${QUEUE_PREFIX}|${fixId(put.id)}|`
      }
      if (order === "priority") {
        const p = put.priority ?? 0
        if (!Number.isInteger(p) || p < INT32_MIN || p > INT32_MAX) return invalid("priority", `${p} is not a 32-bit integer`)
        return `${QUEUE_PREFIX}${priorityPart(p)}`
      }
      if (order === "delay") {
        const until = put.delayUntil
        const at = until === undefined ? now : until instanceof Date ? until.getTime() : until
        if (!Number.isSafeInteger(at) || at < 0) return invalid("delayUntil", `${String(until)} is not a time since the epoch`)
        return `${QUEUE_PREFIX}${delayPart(at)}`
      }
      return QUEUE_PREFIX
    }

    const putMulti = (items: ReadonlyArray<Bytes>, put: PutOptions = {}) =>
      Effect.gen(function* () {
        const name = nameFor(put, yield* Clock.currentTimeMillis)
        if (typeof name !== "string") return yield* Effect.fail(name)
        if (maxItems !== undefined) yield* roomFor(maxItems)
        return yield* core.within(client.create(`${path}/${name}`, { data: encodeItems(items.map(toBytes)), sequence: true }))
      })

    /** Waits (a children watch, removed when the wait ends) until the queue holds fewer than `max` nodes. */
    const roomFor = (max: number): Effect.Effect<void, QueueError> =>
      Effect.gen(function* () {
        for (;;) {
          const full = yield* core.withChildrenWatch(({ children, event }) =>
            children.filter((n) => n.startsWith(QUEUE_PREFIX)).length < max
              ? Effect.succeed(false)
              : Effect.as(Effect.ignore(event), true)
          )
          if (!full) return
        }
      })

    /** The items of a node taken; a node that is not Curator's framing fails (it is gone already). */
    const itemsOf = (taken: Taken) => {
      const items = decodeItems(`${path}/${taken.name}`, taken.data)
      return items instanceof MalformedDataError ? Effect.fail(items) : Effect.succeed(items)
    }

    const takeFrom = (deadline: number | undefined) =>
      Effect.suspend(() => {
        const first = kept.shift()
        if (first !== undefined) return Effect.succeed(Option.some(first))
        return Effect.flatMap(core.waitFor(core.remove, deadline), (taken) => {
          if (Option.isNone(taken)) return Effect.succeed(Option.none<Uint8Array>())
          return Effect.map(itemsOf(taken.value), (items) => {
            kept.push(...items.slice(1))
            return Option.fromNullable(items[0])
          })
        })
      })
    // an empty putMulti node gives nothing: take the next one
    const take: Effect.Effect<Uint8Array, QueueError | MalformedDataError> = Effect.flatMap(takeFrom(undefined), (got) =>
      Option.isSome(got) ? Effect.succeed(got.value) : take
    )

    /**
     * With a lock path: the node locked by an ephemeral node, read; none if locked or gone. Runs
     * uninterruptibly and notes the lock it made, so that an interruption on the way out of the
     * wait can remove it (see processLocked).
     */
    const lock = (locks: string, locked: { current: string | undefined; owner: bigint }) => (name: string) =>
      Effect.suspend(() => {
        // this attempt's mark in the lock node (Curator's consumers ignore its data): a create
        // whose reply was lost is recognised by it, even among consumers sharing one session
        const token = utf8(randomHex())
        return Effect.uninterruptible(client.retry(Effect.gen(function* () {
        const lockNode = `${locks}/${name}`
        // the session the lock node is made under (a newer one only makes the hold end sooner)
        locked.owner = yield* currentSession(client)
        // the lock path is a container too, made again if the server deleted it while empty
        const made = yield* Effect.either(
          client.create(lockNode, { data: token, ephemeral: true, makepath: "containers" })
        )
        if (made._tag === "Left") {
          if (made.left._tag !== "NodeExistsError") return yield* Effect.fail(made.left)
          // locked already: by someone else, or by this attempt through a create whose reply was lost
          const held = yield* Effect.either(client.get(lockNode))
          const ours = held._tag === "Right" && sameBytes(held.right.data, token)
          if (!ours) return Option.none<Taken>()
        }
        locked.current = lockNode
        const read = yield* Effect.either(client.get(`${path}/${name}`))
        if (read._tag === "Right") return Option.some<Taken>({ name, data: read.right.data.slice(), version: read.right.stat.version })
        locked.current = undefined
        yield* Effect.ignore(client.delete(lockNode))
        if (read.left._tag === "NoNodeError") return Option.none<Taken>()
        return yield* Effect.fail(read.left)
      })))
      })

    const processLocked = <E, R>(locks: string, f: (item: Uint8Array) => Effect.Effect<void, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const locked = { current: undefined as string | undefined, owner: 0n }
          const taken = Option.getOrThrow(
            yield* restore(core.waitFor(lock(locks, locked), undefined)).pipe(
              Effect.onInterrupt(() =>
                locked.current === undefined ? Effect.void : Effect.ignore(client.retry(client.delete(locked.current)))
              )
            )
          )
          const node = `${path}/${taken.name}`
          const lockNode = `${locks}/${taken.name}`
          const unlock = Effect.ignore(client.retry(client.delete(lockNode)))
          const decoded = decodeItems(node, taken.data)
          if (decoded instanceof MalformedDataError) {
            yield* Effect.ignore(client.retry(client.delete(node)))
            yield* unlock
            return yield* Effect.fail(decoded)
          }
          // the hold ends with the connection (by the policy): f is interrupted, the item stays
          const loss = Effect.flatMap(
            firstState(client, lossInState(client, locked.owner, options.connectionStatePolicy ?? "standard")),
            (reason) => Effect.fail(new LockLostError({ path, node: lockNode, reason }))
          )
          const outcome = yield* Effect.exit(restore(Effect.raceFirst(Effect.forEach(decoded, f, { discard: true }), loss)))
          if (outcome._tag === "Success") {
            yield* client.retry(client.transaction([Transaction.remove(node), Transaction.remove(lockNode)])).pipe(
              Effect.catchAll(() => Effect.zipRight(Effect.ignore(client.retry(client.delete(node))), unlock))
            )
            return
          }
          const lost = Cause.failureOption(outcome.cause).pipe(Option.filter((e) => e instanceof LockLostError))
          if (Option.isSome(lost)) {
            // the item stays; the lock goes once it can (or with the session)
            yield* removeNode(client, Effect.succeed(lockNode), true)
            return yield* Effect.fail(lost.value)
          }
          // interrupted: the node stays where it is, for another consumer
          if (!Cause.isInterruptedOnly(outcome.cause)) {
            // Curator's REQUEUE: the node again, at the end of the queue, under the same name prefix
            const prefix = taken.name.slice(0, taken.name.length - 10)
            yield* client
              .retry(
                client.transaction([
                  Transaction.remove(node, { version: taken.version }),
                  Transaction.create(`${path}/${prefix}`, { data: taken.data, sequence: true })
                ])
              )
              .pipe(Effect.ignore)
          }
          yield* unlock
          return yield* Effect.failCause(outcome.cause)
        })
      )

    const processUnlocked = <E, R>(f: (item: Uint8Array) => Effect.Effect<void, E, R>) =>
      Effect.gen(function* () {
        const taken = Option.getOrThrow(yield* core.waitFor(core.remove, undefined))
        const items = yield* itemsOf(taken)
        yield* Effect.forEach(items, f, { discard: true })
      })

    const queue: DistributedQueue = {
      path,
      put: (item, put) => putMulti([item], put),
      putMulti,
      process: (f) => (lockPath === undefined ? processUnlocked(f) : processLocked(lockPath, f)),
      take,
      takeWithin: (timeout) => Effect.flatMap(core.deadlineOf(timeout), (deadline) => takeFrom(deadline)),
      items: Stream.repeatEffect(take),
      length: core.length,
      remove: (id) =>
        Effect.gen(function* () {
          if (order !== "id") {
            return yield* new InvalidArgumentError({ op: "CuratorQueue.remove", path, argument: "id", reason: `a ${order} queue has no ids` })
          }
          const wanted = fixId(id)
          const children = yield* core.within(client.retry(client.getChildren(path)))
          let removed = 0
          for (const name of children) {
            if (!name.startsWith(QUEUE_PREFIX) || idParts(name).id !== wanted) continue
            const deleted = yield* Effect.either(client.retry(client.delete(`${path}/${name}`)))
            if (deleted._tag === "Right") removed++
            else if (deleted.left._tag !== "NoNodeError") return yield* Effect.fail(deleted.left)
          }
          return removed
        })
    }
    return Effect.succeed(queue)
  })
