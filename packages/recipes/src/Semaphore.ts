/**
 * kazoo's `Semaphore`: at most `maxLeases` holders at a time, with kazoo's znodes, so kazoo
 * processes and these share the leases.
 *
 * ```ts
 * const pool = yield* Semaphore.make(zk, "/pools/db", { identifier: "worker-1", maxLeases: 3 })
 * yield* pool.withLease(queryDatabase, { timeout: "5 seconds" })
 * ```
 *
 * The layout is kazoo's: the semaphore node `path` stores `maxLeases` as decimal text; each
 * lease is an ephemeral child `path/<32 hex digits>` holding the holder's identifier; a
 * contender first takes the lock `path-__lock__` (a kazoo {@link Lock}), takes a lease if fewer
 * than `maxLeases` exist, or else waits for the children to change while it keeps the lock, and
 * releases the lock once it holds its lease. A contender made with another `maxLeases` than the
 * stored one fails with {@link InconsistentMaxLeasesError} (kazoo's "Inconsistent max leases");
 * delete the node to change the number.
 *
 * With `layout: "curator"` the znodes are Curator's InterProcessSemaphoreV2's, so its processes
 * and these share the leases: a contender takes the lock `path/locks` (Curator's
 * InterProcessMutex layout), creates its lease `path/leases/_c_<uuid>-lease-<sequence>` (holding
 * its identifier), and holds once `path/leases` has at most `maxLeases` children; until then it
 * waits, keeping the lock and its node; it releases the lock once it holds. The number of leases
 * is not stored there: every holder must be made with the same `maxLeases`.
 *
 * Acquiring is scoped and interruptible like a lock's: interruption, timeout
 * (`LockTimeoutError`) and `cancel` (`CancelledError`) leave neither a lease, a lock node nor
 * a watch behind; a lease lost with the session (or suspended, under the default policy) is reported by
 * `Held.lost`. A second acquire on the same handle waits until the first lease is released
 * (kazoo's returns True at once and a single release then ends both, which a scope cannot honour).
 *
 * @since 0.1.0
 */
import { Path, Retry, type ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import { type CancelledError, InvalidArgumentError, type LockTimeoutError } from "@effect-zk/core/ZooKeeperError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ConnectionStatePolicy } from "./ConnectionStatePolicy.js"
import type { Held } from "./Held.js"
import { Contender, curatorExclusiveDriver, curatorLeaseDriver, exclusiveDriver, newAttempt } from "./internal/contender.js"
import { fromUtf8, parsePythonInt, randomHex, utf8 } from "./internal/encoding.js"
import * as Hold from "./internal/hold.js"
import { withWatch } from "./internal/oneShot.js"
import { retryForever } from "./internal/retry.js"
import { removeNode } from "./internal/session.js"
import { InconsistentMaxLeasesError, type LockLostError } from "./RecipeError.js"

/**
 * Options of a semaphore handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface SemaphoreOptions {
  /** This holder's name, stored in its lease node and listed by `leaseHolders`. Default "". */
  readonly identifier?: string | undefined
  /** How many holders at most (kazoo's `max_leases`). Default 1. */
  readonly maxLeases?: number | undefined
  /** What SUSPENDED means for a held lease. Default `"standard"` (it counts as lost). */
  readonly policy?: ConnectionStatePolicy | undefined
  /**
   * The znodes: `"kazoo"` (default; kazoo's Semaphore) or `"curator"` (Curator's
   * InterProcessSemaphoreV2: `path/locks` and `path/leases`). Holders must agree on the layout and,
   * with `"curator"`, on `maxLeases`, which that layout does not store.
   */
  readonly layout?: "kazoo" | "curator" | undefined
}

/**
 * What acquiring a lease can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type AcquireError = LockTimeoutError | CancelledError | InconsistentMaxLeasesError | ZooKeeperError.ZooKeeperError

/**
 * A semaphore handle (one would-be holder).
 *
 * @since 0.1.0
 * @category models
 */
export interface Semaphore {
  /** The semaphore's path. */
  readonly path: string
  /** This holder's identifier. */
  readonly identifier: string
  /** The number of leases. */
  readonly maxLeases: number
  /** Waits for a lease and holds it until the scope closes (or `release`). */
  readonly acquire: (options?: {
    readonly timeout?: Duration.DurationInput | undefined
  }) => Effect.Effect<Held, AcquireError, Scope.Scope>
  /** Takes a lease only if one is free now (kazoo's `blocking=False`); none otherwise. */
  readonly tryAcquire: Effect.Effect<
    Option.Option<Held>,
    CancelledError | InconsistentMaxLeasesError | ZooKeeperError.ZooKeeperError,
    Scope.Scope
  >
  /** Runs the effect holding a lease; interrupted, failing with LockLostError, if the lease is lost. */
  readonly withLease: <A, E, R>(
    self: Effect.Effect<A, E, R>,
    options?: { readonly timeout?: Duration.DurationInput | undefined }
  ) => Effect.Effect<A, E | AcquireError | LockLostError, R>
  /** Releases the lease now if this handle holds one; false otherwise (kazoo's `release`). */
  readonly release: Effect.Effect<boolean>
  /** Makes the acquires waiting on this handle now fail with CancelledError (kazoo's `cancel`). */
  readonly cancel: Effect.Effect<void>
  /** Whether this handle holds a lease (kazoo's `is_acquired`). */
  readonly isAcquired: Effect.Effect<boolean>
  /** The identifiers of the current holders (kazoo's `lease_holders`): unordered, or with `layout: "curator"` in lease order. */
  readonly leaseHolders: Effect.Effect<ReadonlyArray<string>, ZooKeeperError.ZooKeeperError>
}

/**
 * A semaphore handle on `path` (kazoo's `client.Semaphore(path, identifier, max_leases)`). Fails
 * with InvalidArgumentError when `maxLeases` is not a positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  options: SemaphoreOptions = {}
): Effect.Effect<Semaphore, InvalidArgumentError> =>
  Effect.gen(function* () {
    const identifier = options.identifier ?? ""
    const maxLeases = options.maxLeases ?? 1
    if (!Number.isSafeInteger(maxLeases) || maxLeases < 1) {
      return yield* new InvalidArgumentError({
        op: "Semaphore.make",
        path,
        argument: "maxLeases",
        reason: `must be a positive integer, got ${maxLeases}`
      })
    }
    const data = utf8(identifier)
    const state = yield* Hold.makeHandleState(client, path, options.policy ?? "standard")
    const leasePath = Path.join(path, randomHex())
    const lock = new Contender(client, `${path}-__lock__`, data, exclusiveDriver())
    let assured = false

    // kazoo's _ensure_path: create the node with the number of leases, or check the stored one.
    const ensureSemaphore: Effect.Effect<void, InconsistentMaxLeasesError | ZooKeeperError.ZooKeeperError> =
      Effect.suspend(() =>
        assured
          ? Effect.void
          : Effect.gen(function* () {
              let existed = Option.isSome(yield* client.exists(path))
              if (!existed) {
                const parent = Path.parent(path)
                if (parent !== "/") yield* client.ensurePath(parent)
                const created = yield* Effect.either(client.create(path, { data: String(maxLeases) }))
                if (Either.isLeft(created)) {
                  if (created.left._tag !== "NodeExistsError") return yield* Effect.fail(created.left)
                  existed = true
                }
              }
              if (existed) {
                const stored = parsePythonInt(fromUtf8((yield* client.get(path)).data))
                if (stored !== undefined && stored !== maxLeases) {
                  return yield* new InconsistentMaxLeasesError({ path, stored, expected: maxLeases })
                }
              }
              assured = true
            })
      )

    const ownLease = Effect.map(client.exists(leasePath), Option.map((stat) => ({ node: leasePath, owner: stat.ephemeralOwner })))

    const contend = (blocking: boolean) => {
      const pass = Effect.scoped(
        Effect.gen(function* () {
          yield* ensureSemaphore
          // Do we hold a lease already (a create whose reply was lost)?
          const existing = yield* ownLease
          if (Option.isSome(existing)) return existing
          const locked = yield* Effect.uninterruptibleMask((restore) =>
            Effect.tap(restore(lock.contend(blocking, true)), (won) =>
              Option.isSome(won) ? Effect.addFinalizer(() => lock.remove(won.value)) : Effect.void
            )
          )
          if (Option.isNone(locked)) return Option.none<Hold.Won>()
          const listed = Effect.catchTag(client.getChildrenAndWatch(path), "NoNodeError", () =>
            // The semaphore's node was deleted since it was made: make it again.
            Effect.zipRight(
              Effect.sync(() => {
                assured = false
              }),
              Effect.fail(new Retry.ForceRetryError({ reason: "the semaphore's node is gone" }))
            )
          )
          while (true) {
            // A look that ends without its watch firing (a lease taken, none free and not
            // blocking, a timeout, an interruption) removes it.
            const outcome = yield* withWatch(listed, ({ children, event }) =>
              Effect.gen(function* () {
                if (children.length < maxLeases) {
                  yield* Effect.catchTag(client.create(leasePath, { data, ephemeral: true }), "NodeExistsError", () =>
                    Effect.void
                  )
                }
                const mine = yield* ownLease
                if (Option.isSome(mine)) return mine
                if (!blocking) return Option.none<Hold.Won>()
                yield* event
                return undefined
              })
            )
            if (outcome !== undefined) return outcome
          }
        })
      )
      return retryForever(pass).pipe(
        Effect.onExit((exit) =>
          exit._tag === "Success" && Option.isSome(exit.value)
            ? Effect.void
            : removeNode(client, Effect.succeed(leasePath), true)
        )
      )
    }

    // Curator's InterProcessSemaphoreV2 (internalAcquire1Lease): the lock, then our lease node, then
    // wait (keeping both) until the leases are at most maxLeases.
    const curatorLock = new Contender(client, Path.join(path, "locks"), data, curatorExclusiveDriver())
    const curatorLeases = new Contender(client, Path.join(path, "leases"), data, curatorLeaseDriver)
    const curatorContend = (blocking: boolean) =>
      Effect.suspend(() => {
        const attempt = newAttempt()
        const pass = Effect.scoped(
          Effect.gen(function* () {
            const locked = yield* Effect.uninterruptibleMask((restore) =>
              Effect.tap(restore(curatorLock.contend(blocking, true)), (won) =>
                Option.isSome(won) ? Effect.addFinalizer(() => curatorLock.remove(won.value)) : Effect.void
              )
            )
            if (Option.isNone(locked)) return Option.none<Hold.Won>()
            const won = yield* curatorLeases.place(attempt, true)
            const name = attempt.name
            while (true) {
              // as above: the watch goes when the look ends, unless it fired
              const outcome = yield* withWatch(client.getChildrenAndWatch(curatorLeases.path), ({ children, event }) =>
                Effect.gen(function* () {
                  if (name === undefined || !children.includes(name)) {
                    // Our lease is gone (the session that owned it expired): start again.
                    attempt.name = undefined
                    return yield* new Retry.ForceRetryError({ reason: "our lease node is gone" })
                  }
                  if (children.length <= maxLeases) return Option.some(won)
                  if (!blocking) return Option.none<Hold.Won>()
                  yield* event
                  return undefined
                })
              )
              if (outcome !== undefined) return outcome
            }
          })
        )
        return retryForever(pass).pipe(
          Effect.onExit((exit) =>
            exit._tag === "Success" && Option.isSome(exit.value) ? Effect.void : curatorLeases.removeAttempt(attempt, true)
          )
        )
      })

    const run = (blocking: boolean, timeout: Duration.DurationInput | undefined) =>
      Hold.acquire(state, {
        blocking,
        timeout,
        contend: options.layout === "curator" ? curatorContend(blocking) : contend(blocking),
        remove: (won) => removeNode(client, Effect.succeed(won.node), true)
      })
    const acquire = (acquireOptions: { readonly timeout?: Duration.DurationInput | undefined } = {}) =>
      Effect.flatMap(run(true, acquireOptions.timeout), (held) =>
        Option.isSome(held) ? Effect.succeed(held.value) : Effect.dieMessage("a blocking acquire gave nothing")
      )

    const readAll = (parent: string, children: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const out: Array<string> = []
        for (const child of children) {
          const read = yield* Effect.either(client.get(Path.join(parent, child)))
          if (Either.isRight(read)) out.push(fromUtf8(read.right.data))
          else if (read.left._tag !== "NoNodeError") return yield* Effect.fail(read.left)
        }
        return out as ReadonlyArray<string>
      })
    const leaseHolders =
      options.layout === "curator"
        ? // The first maxLeases leases in sequence order: a contender still waiting (under the lock)
          // has a node too, and it is always the newest.
          Effect.flatMap(
            Effect.catchTag(client.getChildren(curatorLeases.path), "NoNodeError", () =>
              Effect.succeed([] as ReadonlyArray<string>)
            ),
            (children) => readAll(curatorLeases.path, curatorLeases.sorted(children).slice(0, maxLeases))
          )
        : Effect.gen(function* () {
            if (Option.isNone(yield* client.exists(path))) return [] as ReadonlyArray<string>
            return yield* readAll(path, yield* client.getChildren(path))
          })
    const semaphore: Semaphore = {
      path,
      identifier,
      maxLeases,
      acquire,
      tryAcquire: Effect.catchTag(run(false, undefined), "LockTimeoutError", (e) => Effect.die(e)),
      withLease: (self, acquireOptions) => Hold.withHeld(acquire(acquireOptions), self),
      release: Hold.releaseCurrent(state),
      cancel: Hold.cancel(state),
      isAcquired: Effect.sync(() => state.current !== undefined),
      leaseHolders
    }
    return semaphore
  })
