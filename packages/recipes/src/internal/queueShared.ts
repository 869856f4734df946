/**
 * What Queue and LockingQueue share: kazoo's entry names, the priority check, the structure
 * nodes created once, and the queue's length.
 */
import type { Retry } from "@effect-zk/core"
import type { TransactionFailedError } from "@effect-zk/core/Transaction"
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
 * Creates the structure paths once per handle (kazoo's `_ensure_paths`): an Effect that does
 * the work the first time it succeeds and nothing after.
 */
export const ensureOnce = (client: ZooKeeperClient, paths: ReadonlyArray<string>): Effect.Effect<void, QueueError> => {
  let ensured = false
  return Effect.suspend(() =>
    ensured
      ? Effect.void
      : Effect.tap(
          Effect.forEach(paths, (p) => client.ensurePath(p), { discard: true }),
          () =>
            Effect.sync(() => {
              ensured = true
            })
        )
  )
}

/** The number of entries (kazoo's `len`): the children count of the entries node. */
export const lengthOf = (
  client: ZooKeeperClient,
  ensure: Effect.Effect<void, QueueError>,
  entriesPath: string
): Effect.Effect<number, QueueError> =>
  Effect.zipRight(
    ensure,
    Effect.map(client.retry(client.get(entriesPath)), (node) => node.stat.numChildren)
  )

/** Python's `sorted()` of ASCII names: code-unit order. */
export const sortNames = (names: ReadonlyArray<string>): Array<string> =>
  [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
