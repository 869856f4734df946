/**
 * kazoo's `Barrier`: processes wait while the barrier node exists and go on once it is
 * removed.
 *
 * ```ts
 * const barrier = yield* Barrier.make(zk, "/barriers/deploy")
 * yield* barrier.create                                  // the coordinator
 * const cleared = yield* barrier.wait({ timeout: "1 minute" }) // the workers
 * yield* barrier.remove                                  // the coordinator, later
 * ```
 *
 * Beyond kazoo: `wait` survives connection loss and session expiry (it checks again), a change
 * of the node's data does not end the watch, the node is watched with getData (no watch is
 * left behind once it is gone), and interrupting `wait` is always safe (it creates nothing, and a
 * wait that times out or is interrupted removes its watch).
 *
 * @since 0.1.0
 */
import type { Retry, ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { withWatch } from "./internal/oneShot.js"
import { retryForever } from "./internal/retry.js"

/**
 * A barrier handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface Barrier {
  /** The barrier's path. */
  readonly path: string
  /** Puts the barrier up (creates the node and its parents) if it is not up yet. */
  readonly create: Effect.Effect<void, Retry.RetriedError<ZooKeeperError.ZooKeeperError>>
  /** Takes the barrier down; false if it was not up. */
  readonly remove: Effect.Effect<boolean, Retry.RetriedError<ZooKeeperError.ZooKeeperError>>
  /** Waits until the barrier is down: true once it is, false if `timeout` passed first. */
  readonly wait: (options?: {
    readonly timeout?: Duration.DurationInput | undefined
  }) => Effect.Effect<boolean, ZooKeeperError.ZooKeeperError>
}

/**
 * A barrier handle on `path` (kazoo's `client.Barrier(path)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeper.ZooKeeperClient, path: string): Effect.Effect<Barrier> =>
  Effect.sync(() => {
    const cleared: Effect.Effect<boolean, ZooKeeperError.ZooKeeperError> = Effect.gen(function* () {
      while (true) {
        // a wait that ends first (its timeout, an interruption) removes its watch
        const deleted = yield* withWatch(client.getAndWatch(path), (read) =>
          Effect.map(read.event, (event) => event.type === "DELETED")
        ).pipe(Effect.catchTag("NoNodeError", () => Effect.succeed(true)))
        if (deleted) return true
      }
    }).pipe(retryForever)
    return {
      path,
      create: client.retry(client.ensurePath(path)),
      remove: client.retry(
        Effect.catchTag(Effect.as(client.delete(path), true), "NoNodeError", () => Effect.succeed(false))
      ),
      wait: (options = {}) =>
        options.timeout === undefined
          ? cleared
          : Effect.timeoutTo(cleared, { duration: options.timeout, onSuccess: (b) => b, onTimeout: () => false })
    }
  })
