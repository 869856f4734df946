/**
 * kazoo's `Lock`: an exclusive lock over a znode path, with kazoo's znodes (so a kazoo process
 * and this one exclude each other), acquired as a scoped resource.
 *
 * ```ts
 * const zk = yield* ZooKeeper.ZooKeeper
 * const lock = yield* Lock.make(zk, "/locks/report", { identifier: "worker-1" })
 *
 * // hold it for the body; the body is interrupted (LockLostError) if the lock is lost
 * yield* lock.withLock(writeReport, { timeout: "10 seconds" })
 *
 * // or hold it for a scope
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const held = yield* lock.acquire()
 *   yield* held.guard(writeReport)
 * }))
 * ```
 *
 * Waiting is interruptible: interrupting a waiting acquire, its timeout (`LockTimeoutError`)
 * and `cancel` (`CancelledError`) all remove our node and our watch before they complete. Like
 * kazoo's, the lock is not re-entrant: a second acquire on the same handle waits until the first
 * hold is released (or gives none / times out). Use one handle per holder.
 *
 * @since 0.1.0
 */
import type { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import type { CancelledError, LockTimeoutError } from "@effect-zk/core/ZooKeeperError"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ConnectionStatePolicy } from "./ConnectionStatePolicy.js"
import type { Held } from "./Held.js"
import { curatorExclusiveDriver, exclusiveDriver } from "./internal/contender.js"
import { makeWithDriver, withLockOf } from "./internal/lockHandle.js"
import type { LockLostError } from "./RecipeError.js"

/**
 * Options of a lock handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** This contender's name, stored in its node and listed by `contenders` (kazoo's `identifier`). Default "". */
  readonly identifier?: string | undefined
  /**
   * More node names that count as contenders (kazoo's `extra_lock_patterns`), e.g. `"-lock-"`
   * to interoperate with Curator's locks. Matched literally, followed by a 10-digit sequence.
   */
  readonly extraLockPatterns?: ReadonlyArray<string> | undefined
  /** What SUSPENDED means for a held lock. Default `"standard"` (it counts as lost). */
  readonly policy?: ConnectionStatePolicy | undefined
  /**
   * The znodes: `"kazoo"` (default: `<32 hex digits>__lock__<sequence>`, shared with kazoo's
   * Lock) or `"curator"` (`_c_<uuid>-lock-<sequence>`, shared with Curator's InterProcessMutex,
   * which sorts by what follows `lock-`). Contenders must agree on the layout to exclude each other.
   * For ReadLock and WriteLock, `"curator"` is Curator's InterProcessReadWriteLock:
   * `_c_<uuid>-__READ__<sequence>` and `_c_<uuid>-__WRIT__<sequence>`.
   */
  readonly layout?: "kazoo" | "curator" | undefined
}

/**
 * Options of an acquire.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireOptions {
  /** Fail with `LockTimeoutError` (leaving nothing behind) if not acquired within this long. Default: wait forever. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Create an ephemeral node (default true). A persistent one survives the session: release it yourself. */
  readonly ephemeral?: boolean | undefined
}

/**
 * What acquiring can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type AcquireError = LockTimeoutError | CancelledError | ZooKeeperError.ZooKeeperError

/**
 * The `withLock(path, options)` combinator of a lock kind: runs an effect holding the lock on
 * `path`, with the client from the context.
 *
 * @since 0.1.0
 * @category models
 */
export type WithLock<O> = (
  path: string,
  options?: O & AcquireOptions
) => <A, E, R>(
  self: Effect.Effect<A, E, R>
) => Effect.Effect<A, E | AcquireError | LockLostError, R | ZooKeeper.ZooKeeper>

/**
 * A lock handle (one contender). Read and write locks have the same shape.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock {
  /** The lock's path. */
  readonly path: string
  /** This contender's identifier. */
  readonly identifier: string
  /** The name prefix of our nodes: the random part and the node name (kazoo's `prefix`). */
  readonly prefix: string
  /** Waits for the lock and holds it until the scope closes (or `release`). */
  readonly acquire: (options?: AcquireOptions) => Effect.Effect<Held, AcquireError, Scope.Scope>
  /** Takes the lock only if it is free now (kazoo's `blocking=False`); none otherwise, leaving nothing behind. */
  readonly tryAcquire: (
    options?: Pick<AcquireOptions, "ephemeral">
  ) => Effect.Effect<Option.Option<Held>, CancelledError | ZooKeeperError.ZooKeeperError, Scope.Scope>
  /** Runs the effect holding the lock; interrupted, failing with LockLostError, if the lock is lost. */
  readonly withLock: <A, E, R>(
    self: Effect.Effect<A, E, R>,
    options?: AcquireOptions
  ) => Effect.Effect<A, E | AcquireError | LockLostError, R>
  /** Releases the lock now if this handle holds it; false if it held nothing (kazoo's `release`). */
  readonly release: Effect.Effect<boolean>
  /** Makes the acquires waiting on this handle now fail with CancelledError (kazoo's `cancel`). */
  readonly cancel: Effect.Effect<void>
  /** Whether this handle holds the lock (kazoo's `is_acquired`). */
  readonly isAcquired: Effect.Effect<boolean>
  /** The identifiers of all contenders, in lock order; "" for those without one (kazoo's `contenders`). */
  readonly contenders: Effect.Effect<ReadonlyArray<string>, ZooKeeperError.ZooKeeperError>
}

/**
 * An exclusive lock handle on `path` (kazoo's `client.Lock(path, identifier)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeper.ZooKeeperClient, path: string, options: LockOptions = {}): Effect.Effect<Lock> =>
  makeWithDriver(
    client,
    path,
    options.layout === "curator"
      ? curatorExclusiveDriver(options.extraLockPatterns ?? [])
      : exclusiveDriver(options.extraLockPatterns ?? []),
    options
  )

/**
 * Runs an effect holding the exclusive lock on `path`, with the client from the context.
 *
 * ```ts
 * yield* doWork.pipe(Lock.withLock("/locks/job", { timeout: "5 seconds" }))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: WithLock<LockOptions> = (path, options = {}) => withLockOf(make)(path, options)
