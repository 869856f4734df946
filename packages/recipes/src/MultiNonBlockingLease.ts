/**
 * kazoo's `MultiNonBlockingLease`: up to `count` holders of a time-limited lease, one per slot
 * `path/0`, `path/1`, … — each slot a {@link NonBlockingLease}. An attempt tries the slots in
 * order and takes the first it can obtain (or renew, with the same identifier).
 *
 * ```ts
 * const lease = yield* MultiNonBlockingLease.obtain(zk, 3, "/leases/crawlers", "10 minutes", {
 *   identifier: "crawler on host-b"
 * })
 * if (lease.obtained) yield* crawl // lease.path is the slot, e.g. "/leases/crawlers/1"
 * ```
 *
 * @since 0.1.0
 */
import { Path, type ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import { InvalidArgumentError } from "@effect-zk/core/ZooKeeperError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as NonBlockingLease from "./NonBlockingLease.js"
import type { MalformedDataError } from "./RecipeError.js"

/**
 * Tries the `count` slots under `path` in order (kazoo's
 * `MultiNonBlockingLease(client, count, path, duration, identifier)`); the result names the slot
 * obtained, or the last one tried. Fails with InvalidArgumentError when `count` is not a
 * positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const obtain = (
  client: ZooKeeper.ZooKeeperClient,
  count: number,
  path: string,
  duration: Duration.DurationInput,
  options: NonBlockingLease.LeaseOptions
): Effect.Effect<NonBlockingLease.LeaseResult, ZooKeeperError.ZooKeeperError | MalformedDataError | InvalidArgumentError> =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(count) || count < 1) {
      return yield* new InvalidArgumentError({
        op: "MultiNonBlockingLease.obtain",
        path,
        argument: "count",
        reason: `must be a positive integer, got ${count}`
      })
    }
    let last: NonBlockingLease.LeaseResult | undefined
    for (let slot = 0; slot < count; slot++) {
      last = yield* NonBlockingLease.obtain(client, Path.join(path, String(slot)), duration, options)
      if (last.obtained) return last
    }
    return last!
  })
