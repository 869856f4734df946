/**
 * kazoo's `NonBlockingLease`: an exclusive, time-limited lease that never waits. Whoever holds
 * it may renew it by obtaining it again with the same identifier; anyone else gets it only
 * once it has expired. Typical use: "run this hourly job on one machine only".
 *
 * ```ts
 * const lease = yield* NonBlockingLease.obtain(zk, "/leases/hourly-cleanup", "70 minutes", {
 *   identifier: "cleanup on host-a"
 * })
 * if (lease.obtained) yield* cleanUp
 * ```
 *
 * The record is kazoo's, byte for byte: under the lock `path` (a kazoo {@link Lock}, taken while
 * the record is read and written), the persistent node `path/lease_holder` holds
 * `{"version": 1, "holder": "<identifier>", "end": "YYYY-MM-DDTHH:MM:SS"}` (Python's
 * `json.dumps`, the end in UTC to the second). The time comes from Effect's `Clock` (kazoo's
 * `utcnow` argument), so `TestClock` drives it; like kazoo's, the lease trusts the clients'
 * clocks to agree.
 *
 * @since 0.1.0
 */
import { Path, type ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { Contender, exclusiveDriver } from "./internal/contender.js"
import { utf8 } from "./internal/encoding.js"
import { decodeRecord, encodeRecord, formatEnd, parseEnd, VERSION } from "./internal/leaseRecord.js"
import type { MalformedDataError } from "./RecipeError.js"

/**
 * Options of a lease.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseOptions {
  /**
   * Who holds the lease; obtain again with the same identifier to renew it. (kazoo defaults to
   * the host name, which a runtime-agnostic package cannot read: give one.)
   */
  readonly identifier: string
}

/**
 * The outcome of an attempt.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaseResult {
  /** Whether we hold the lease now (kazoo: the lease object is truthy). */
  readonly obtained: boolean
  /** The lease's path (for a multi-lease, the slot that was obtained, or the last one tried). */
  readonly path: string
  /** The holder recorded after the attempt, if the record could be read. */
  readonly holder: string | undefined
  /** When the recorded lease expires, if the record could be read. */
  readonly expires: Date | undefined
}

/**
 * Tries to obtain (or renew) the lease on `path` for `duration` (kazoo's
 * `NonBlockingLease(client, path, duration, identifier)`): waits only for the short lock around
 * the record, never for the lease itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const obtain = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  duration: Duration.DurationInput,
  options: LeaseOptions
): Effect.Effect<LeaseResult, ZooKeeperError.ZooKeeperError | MalformedDataError> =>
  Effect.acquireUseRelease(
    Scope.make(),
    (scope) =>
      Effect.gen(function* () {
        const ident = options.identifier
        const holderPath = Path.join(path, "lease_holder")
        yield* client.ensurePath(path)
        const lock = new Contender(client, path, utf8(ident), exclusiveDriver())
        const won = yield* Effect.uninterruptibleMask((restore) =>
          Effect.tap(restore(lock.contend(true, true)), (w) =>
            Option.isSome(w) ? Scope.addFinalizer(scope, lock.remove(w.value)) : Effect.void
          )
        )
        if (Option.isNone(won)) return yield* Effect.dieMessage("a blocking lock acquire gave nothing")
        const now = yield* Clock.currentTimeMillis
        const current = yield* Effect.either(client.get(holderPath))
        if (Either.isLeft(current) && current.left._tag !== "NoNodeError") return yield* Effect.fail(current.left)
        if (Either.isRight(current)) {
          const record = yield* decodeRecord(holderPath, current.right.data)
          const expires = record.end === undefined ? undefined : new Date(record.end)
          // A record of another version: let a client that knows it take the lease.
          const refused: LeaseResult = { obtained: false, path, holder: record.holder, expires }
          if (record.version !== VERSION) return refused
          if (record.holder !== ident && record.end !== undefined && now < record.end) return refused
          yield* Effect.catchTag(client.delete(holderPath), "NoNodeError", () => Effect.void)
        }
        const end = now + Duration.toMillis(Duration.decode(duration))
        yield* client.create(holderPath, { data: encodeRecord(ident, end) })
        const result: LeaseResult = { obtained: true, path, holder: ident, expires: new Date(parseEnd(formatEnd(end)) ?? end) }
        return result
      }),
    (scope, exit) => Scope.close(scope, exit)
  )
