/**
 * Keeps the client's host list in step with the ensemble's configuration (Curator's
 * `EnsembleTracker`): it reads `/zookeeper/config` (ZooKeeper 3.5+), watches it, and after each
 * reconfig gives the members' client addresses to `setHosts` (the chroot kept), so that the
 * next connection can reach a member added since the client started, and stops trying one that
 * left. The current connection is not dropped.
 *
 * ```ts
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const tracker = yield* EnsembleTracker.make(zk)
 *   yield* serve                               // the host list follows reconfigs meanwhile
 * }))
 * ```
 *
 * A configuration with no member that accepts clients (a standalone server's is empty) changes
 * nothing; nor does one older than the last applied (by its `version=`). A failed read, an
 * unreadable configuration or a refused host list is logged, kept in `lastError` and tried
 * again with a growing delay; a session loss reads the configuration again under the new session.
 *
 * @since 0.1.0
 */
import * as ServerConfig from "@effect-zk/core/ServerConfig"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ConfigurationError, ProtocolError, ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { withWatch } from "./internal/oneShot.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnsembleTrackerOptions {
  /** Leave observers out of the host list. Default false (observers serve clients too). */
  readonly participantsOnly?: boolean | undefined
}

/**
 * A running tracker; see the module documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface EnsembleTracker {
  /** The host list last given to `setHosts` (without the chroot); none before the first. */
  readonly hosts: Effect.Effect<Option.Option<string>>
  /** The host list given to `setHosts`: the current one (if any) at once, then each new one. */
  readonly changes: Stream.Stream<string>
  /** The configuration version last applied. */
  readonly version: Effect.Effect<Option.Option<bigint>>
  /** The error the last attempt ended with; none once one succeeded. */
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError | ProtocolError | ConfigurationError>>
}

const backoff = (n: number): Duration.Duration => Duration.millis(Math.min(30_000, 250 * 2 ** Math.min(n, 7)))

/**
 * Tracks the ensemble's configuration for the scope's lifetime. Returns at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  options: EnsembleTrackerOptions = {}
): Effect.Effect<EnsembleTracker, never, Scope.Scope> =>
  Effect.gen(function* () {
    const applied = yield* SubscriptionRef.make<Option.Option<string>>(Option.none())
    const version = yield* Ref.make<Option.Option<bigint>>(Option.none())
    const lastError = yield* Ref.make<Option.Option<ZooKeeperError | ProtocolError | ConfigurationError>>(Option.none())
    const participantsOnly = options.participantsOnly === true

    /** Applies one configuration; then waits for the next change (or the session's end). */
    const round = withWatch(client.getConfigAndWatch, ({ data, event }) =>
      Effect.gen(function* () {
        const config = yield* ServerConfig.parse(data)
        const hosts = ServerConfig.clientConnectString(config, { participantsOnly })
        const last = yield* Ref.get(version)
        const older = config.version !== undefined && Option.isSome(last) && config.version < last.value
        if (hosts !== "" && !older) {
          if (Option.getOrUndefined(yield* SubscriptionRef.get(applied)) !== hosts) {
            yield* client.setHosts(`${hosts}${client.chroot ?? ""}`)
            yield* SubscriptionRef.set(applied, Option.some(hosts))
            yield* Effect.logDebug(`effect-zk EnsembleTracker: hosts now ${hosts}`)
          }
          if (config.version !== undefined) yield* Ref.set(version, Option.some(config.version))
        }
        yield* Ref.set(lastError, Option.none())
        // A change, or a session loss (the watch goes with it): either way, read again. A round
        // that fails first, or ends with the scope, removes its watch.
        yield* Effect.ignore(event)
      })
    )

    const loop = Effect.gen(function* () {
      let failures = 0
      for (;;) {
        while (!(yield* client.awaitConnected(60_000))) {
          // keep waiting: the client reconnects on its own, or the scope ends
        }
        const exit = yield* Effect.either(round)
        if (exit._tag === "Right") {
          failures = 0
          continue
        }
        const error = exit.left
        if (error._tag === "ClientClosedError") return
        yield* Ref.set(lastError, Option.some(error))
        yield* Effect.logWarning(`effect-zk EnsembleTracker: ${error.message}`)
        yield* Effect.sleep(backoff(failures++))
      }
    })
    yield* Effect.forkScoped(loop)

    return {
      hosts: SubscriptionRef.get(applied),
      changes: Stream.filterMap(applied.changes, (o) => o),
      version: Ref.get(version),
      lastError: Ref.get(lastError)
    }
  })
