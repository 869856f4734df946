/**
 * The errors of the recipes, beyond the client's own (`ZooKeeperError`): losing what was held,
 * a semaphore configured differently from the one on the server, and node data a recipe
 * cannot read. `LockTimeoutError` and `CancelledError` come from `@effect-zk/core` and are
 * re-exported here for convenience.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
/**
 * `LockTimeoutError` (a recipe could not acquire what it waited for within its timeout; nothing
 * was left behind) and `CancelledError` (a wait was cancelled by its owner's `cancel`): the
 * classes of `@effect-zk/core`'s `ZooKeeperError`, re-exported.
 *
 * @since 0.1.0
 * @category errors
 */
export { CancelledError, LockTimeoutError } from "@effect-zk/core/ZooKeeperError"

/**
 * Why a hold (a lock, a semaphore lease, leadership) ended without being released:
 *
 * - `SUSPENDED`: the connection dropped and the hold's {@link ConnectionStatePolicy} treats that
 *   as lost (the session, and so the node, may still be alive: it is removed on release);
 * - `LOST`: the session that owned the node expired or the client was closed;
 * - `DELETED`: someone else deleted the node.
 *
 * @since 0.1.0
 * @category models
 */
export type LostReason = "SUSPENDED" | "LOST" | "DELETED"

/**
 * What was held — a lock, a semaphore lease, leadership — was lost: `node` is the znode that
 * represented the hold and `reason` why it no longer counts.
 *
 * @since 0.1.0
 * @category errors
 */
export class LockLostError extends Data.TaggedError("LockLostError")<{
  readonly path: string
  readonly node: string
  readonly reason: LostReason
}> {
  override get message(): string {
    return `the hold on ${JSON.stringify(this.path)} (${this.node}) was lost: ${this.reason}`
  }
}

/**
 * A semaphore's node stores another number of leases than this contender was made with
 * (kazoo raises `ValueError("Inconsistent max leases")`). Delete the semaphore's node to change
 * the number.
 *
 * @since 0.1.0
 * @category errors
 */
export class InconsistentMaxLeasesError extends Data.TaggedError("InconsistentMaxLeasesError")<{
  readonly path: string
  readonly stored: number
  readonly expected: number
}> {
  override get message(): string {
    return `inconsistent max leases on ${JSON.stringify(this.path)}: ${this.stored}, expected: ${this.expected}`
  }
}

/**
 * A node holds data the recipe cannot read (a counter that is not a number of its kind, a lease
 * record that is not kazoo's JSON).
 *
 * @since 0.1.0
 * @category errors
 */
export class MalformedDataError extends Data.TaggedError("MalformedDataError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `malformed data in ${JSON.stringify(this.path)}: ${this.reason}`
  }
}
