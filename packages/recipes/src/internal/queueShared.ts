/**
 * What Queue and LockingQueue share: kazoo's entry names, the priority check, the structure
 * nodes created once, and the queue's length.
 */
import type { Retry } from "@effect-zk/core"
import { TransactionFailedError } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
/** What a queue operation can fail with. */
export type QueueError = ZooKeeperError | Retry.RetryError | TransactionFailedError

/** kazoo's default priority. */
export const DEFAULT_PRIORITY = 100

/** kazoo's priority check: an integer from 0 to 999 (lower is served first). */
export const checkPriority = (priority: number, op: string, path: string): InvalidArgumentError | undefined =>
  Number.isInteger(priority) && priority >= 0 && priority <= 999
    ? undefined
    : new InvalidArgumentError({
        op,
        path,
        argument: "priority",
        reason: `a priority is an integer from 0 to 999, got ${priority}`
      })

/** `{priority:03d}`. */
export const formatPriority = (priority: number): string => String(priority).padStart(3, "0")

/**
 * A queue's structure nodes, created once per handle (kazoo's `_ensure_paths`) and again when
 * they are found gone: deleted by someone, or, as containers (Curator's), deleted by the server
 * once emptied.
 */
export interface Structure {
  /** Creates the paths the first time it succeeds, and nothing after (until one is found gone). */
  readonly ensure: Effect.Effect<void, QueueError>
  /**
   * `effect` after `ensure`; when it fails with NoNodeError (a structure node is gone; also a
   * transaction that failed with it, which applied nothing), the paths are made again and
   * `effect` runs once more. For operations on the structure nodes themselves and creates of
   * their children, where NoNodeError can only mean that.
   */
  readonly within: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | QueueError, R>
}

/** NoNodeError, or a transaction (which applied nothing) that failed with it. */
const isNoNode = (e: unknown): boolean =>
  typeof e === "object" &&
  e !== null &&
  "_tag" in e &&
  (e._tag === "NoNodeError" || (e instanceof TransactionFailedError && e.error._tag === "NoNodeError"))

/** The structure of a queue at `paths`; with `container`, made of container nodes (Curator's). */
export const structure = (
  client: ZooKeeperClient,
  paths: ReadonlyArray<string>,
  options: { readonly container?: boolean } = {}
): Structure => {
  let ensured = false
  const ensure: Effect.Effect<void, QueueError> = Effect.suspend(() =>
    ensured
      ? Effect.void
      : Effect.tap(
          Effect.forEach(paths, (p) => client.ensurePath(p, { container: options.container === true }), {
            discard: true
          }),
          () =>
            Effect.sync(() => {
              ensured = true
            })
        )
  )
  const within = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | QueueError, R> =>
    Effect.zipRight(
      ensure,
      Effect.catchIf(effect, isNoNode, () =>
        Effect.zipRight(
          Effect.suspend(() => {
            ensured = false
            return ensure
          }),
          effect
        )
      )
    )
  return { ensure, within }
}

/** The number of entries (kazoo's `len`): the children count of the entries node. */
export const lengthOf = (
  client: ZooKeeperClient,
  structure: Structure,
  entriesPath: string
): Effect.Effect<number, QueueError> =>
  structure.within(Effect.map(client.retry(client.get(entriesPath)), (node) => node.stat.numChildren))

/** Python's `sorted()` of ASCII names: code-unit order. */
export const sortNames = (names: ReadonlyArray<string>): Array<string> =>
  [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
