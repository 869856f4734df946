/**
 * kazoo's `Election`: contenders line up on a kazoo {@link Lock}; the one holding it is the
 * leader and runs its effect. The znodes are the lock's, so kazoo contenders and these take
 * part in the same election and list the same contenders in the same order.
 *
 * ```ts
 * const election = yield* Election.make(zk, "/election/scheduler", { identifier: "node-1" })
 * // waits until elected, then runs the leader's effect; interrupted if leadership is lost
 * yield* election.run(scheduleForever)
 * ```
 *
 * Beyond kazoo: leadership ends when the leader's session is LOST (or SUSPENDED, under the
 * default {@link ConnectionStatePolicy}) or its node is deleted; the leader's effect is then
 * interrupted and `run` fails with `LockLostError`. Interrupting `run` while it waits leaves no
 * node behind; `cancel` makes a waiting `run` return none (kazoo's `run` returns then too).
 * Once elected, the leadership lasts until the leader's effect ends, whatever it returns.
 *
 * With `layout: "curator"` the contenders line up as Curator's `LeaderSelector` does (on an
 * InterProcessMutex: `_c_<uuid>-lock-<sequence>` nodes holding the participant's id), so Java
 * services using LeaderSelector and these take part in one election. (Curator's `LeaderLatch`
 * has a layout of its own: see {@link LeaderLatch}.)
 *
 * @since 0.1.0
 */
import type { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { ConnectionStatePolicy } from "./ConnectionStatePolicy.js"
import { curatorExclusiveDriver, exclusiveDriver } from "./internal/contender.js"
import { makeWithDriver } from "./internal/lockHandle.js"
import type { LockLostError } from "./RecipeError.js"

/**
 * Options of an election handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface ElectionOptions {
  /** This contender's name, listed by `contenders` (kazoo's `identifier`). Default "". */
  readonly identifier?: string | undefined
  /** What SUSPENDED means for the leader. Default `"standard"` (leadership ends). */
  readonly policy?: ConnectionStatePolicy | undefined
  /** The znodes: `"kazoo"` (default; kazoo's Election) or `"curator"` (Curator's LeaderSelector). */
  readonly layout?: "kazoo" | "curator" | undefined
}

/**
 * An election handle (one contender).
 *
 * @since 0.1.0
 * @category models
 */
export interface Election {
  /** The election's path. */
  readonly path: string
  /** This contender's identifier. */
  readonly identifier: string
  /**
   * Waits to be elected, then runs the leader's effect and gives up the leadership when it
   * ends: some result, or none if `cancel` stopped the wait. If leadership is lost first, the
   * effect is interrupted and `run` fails with LockLostError.
   */
  readonly run: <A, E, R>(
    leader: Effect.Effect<A, E, R>
  ) => Effect.Effect<Option.Option<A>, E | LockLostError | ZooKeeperError.ZooKeeperError, R>
  /** Stops a waiting `run` (it returns none); a running leader is not affected (kazoo's `cancel`). */
  readonly cancel: Effect.Effect<void>
  /** The identifiers of the contenders, the leader first (kazoo's `contenders`). */
  readonly contenders: Effect.Effect<ReadonlyArray<string>, ZooKeeperError.ZooKeeperError>
  /** Whether this contender is the leader now. */
  readonly isLeader: Effect.Effect<boolean>
}

/**
 * An election handle on `path` (kazoo's `client.Election(path, identifier)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  options: ElectionOptions = {}
): Effect.Effect<Election> =>
  Effect.map(
    makeWithDriver(client, path, options.layout === "curator" ? curatorExclusiveDriver() : exclusiveDriver(), options),
    (lock) => ({
      path,
      identifier: lock.identifier,
      run: <A, E, R>(leader: Effect.Effect<A, E, R>) =>
        Effect.acquireUseRelease(
          Scope.make(),
          (scope) =>
            Scope.extend(lock.acquire(), scope).pipe(
              Effect.map(Option.some),
              Effect.catchTags({
                CancelledError: () => Effect.succeed(Option.none()),
                LockTimeoutError: (e) => Effect.die(e)
              }),
              Effect.flatMap((held) =>
                Option.isNone(held) ? Effect.succeedNone : Effect.map(held.value.guard(leader), Option.some)
              )
            ),
          (scope, exit) => Scope.close(scope, exit)
        ),
      cancel: lock.cancel,
      contenders: lock.contenders,
      isLeader: lock.isAcquired
    })
  )
