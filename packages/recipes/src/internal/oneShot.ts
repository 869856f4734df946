/**
 * One-shot watches that do not outlive the wait they serve. A `...AndWatch` operation leaves a
 * watcher (and a session-loss hook) on the client until the node next changes; a recipe whose
 * wait ends first — past a timeout, interrupted, failed, or simply done with what it read —
 * would leave it there, and a recipe retried in a loop (a lock tried with a short timeout, a
 * barrier polled) would gather one per attempt.
 */
import type { OneShotWatch } from "@effect-zk/core/ZooKeeper"
import * as Effect from "effect/Effect"

/**
 * `use` on what `watch` (a `...AndWatch` operation) read, its watch removed when `use` ends
 * unless it fired: however `use` ends (done, failed, interrupted), no watcher is left behind.
 * Errors of `watch` pass through, with nothing to remove (the operation removes a watcher it
 * registered before failing or being interrupted).
 */
export const withWatch = <W extends OneShotWatch, E, R, A, E2, R2>(
  watch: Effect.Effect<W, E, R>,
  use: (watched: W) => Effect.Effect<A, E2, R2>
): Effect.Effect<A, E | E2, R | R2> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(restore(watch), (watched) => Effect.ensuring(restore(use(watched)), watched.unwatch))
  )
