/**
 * What a successful acquire gives: a hold on a lock, a semaphore lease or leadership, bound to
 * a `Scope`. Leaving the scope releases it (the node is deleted); `lost` tells its owner when it
 * stops counting before that — the session is lost (or suspended, under the default
 * {@link ConnectionStatePolicy}), or the node was deleted — and `guard` runs an effect that is
 * interrupted at that moment.
 *
 * ```ts
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const held = yield* lock.acquire({ timeout: "5 seconds" })
 *   yield* held.guard(doExclusiveWork) // interrupted, failing with LockLostError, if the lock is lost
 * }))
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { LockLostError } from "./RecipeError.js"

/**
 * A hold on a lock, a semaphore lease or leadership.
 *
 * @since 0.1.0
 * @category models
 */
export interface Held {
  /** The recipe's path. */
  readonly path: string
  /** The znode that represents the hold (its full path, relative to the client's chroot). */
  readonly node: string
  /**
   * Fails with {@link LockLostError} once the hold is lost; never completes otherwise (nor after
   * the hold was released).
   */
  readonly lost: Effect.Effect<never, LockLostError>
  /** Whether the hold has been lost. */
  readonly isLost: Effect.Effect<boolean>
  /**
   * Runs the effect, interrupting it and failing with {@link LockLostError} if the hold is lost
   * first; a hold already lost (its session ended as it was won) does not start the effect.
   */
  readonly guard: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LockLostError, R>
  /** Releases now (idempotent; leaving the scope does the same). Deletes the node; never fails. */
  readonly release: Effect.Effect<void>
}
