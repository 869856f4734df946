/**
 * Curator's `PersistentTtlNode`: a node that lives while this process does and goes by itself
 * some time after it stops, without an ephemeral node's tie to one session. The node at `path`
 * is a container kept by a {@link PersistentNode} (`mode: "container"`); under it a TTL child
 * (`touch` by default) is touched every `ttl / touchFactor` (its data set, or the child made
 * again). While the process runs the child never expires and the container keeps it; once the
 * process is gone the child expires after `ttl` and the server removes the then empty container.
 * The layout is Curator's (compared with Curator 5's own in the interop tests).
 *
 * ```ts
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const node = yield* PersistentTtlNode.make(zk, "/workers/host-1", "30 seconds", { data: "10.0.0.1" })
 *   yield* node.awaitPresent
 *   yield* work                     // the node stays while this runs, and a while after a crash
 * }))
 * ```
 *
 * Closing the scope deletes the child, then the container. The server must allow TTL nodes
 * (`zookeeper.extendedTypesEnabled=true`); otherwise each touch fails with UnimplementedError,
 * which `lastTouchError` shows.
 *
 * @since 0.1.0
 */
import { join as joinPath } from "@effect-zk/core/Path"
import type { ACL } from "@effect-zk/core/Acl"
import type { Bytes } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import { checkNodeName } from "./internal/names.js"
import { removeNode } from "./internal/session.js"
import * as PersistentNode from "./PersistentNode.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The container's data (empty by default). */
  readonly data?: Bytes | undefined
  /** The ACL of both nodes; the client's default when absent. */
  readonly acl?: ReadonlyArray<ACL> | undefined
  /** Touches per `ttl` (Curator's `touchScheduleFactor`, default 2). */
  readonly touchFactor?: number | undefined
  /** The child's name (Curator's default, `touch`). */
  readonly childName?: string | undefined
}

/**
 * A kept TTL node; see the module documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistentTtlNode {
  /** The container's path. */
  readonly path: string
  /** The touched child's path. */
  readonly childPath: string
  /** Waits until the container exists. */
  readonly awaitPresent: Effect.Effect<string>
  /** The container's path while it exists, none while it is being (re)made. */
  readonly current: Effect.Effect<Option.Option<string>>
  /** Changes the container's data (see `PersistentNode.setData`). */
  readonly setData: PersistentNode.PersistentNode["setData"]
  /** Why the last touch failed, none once one succeeded. */
  readonly lastTouchError: Effect.Effect<Option.Option<ZooKeeperError>>
}

/**
 * Keeps the TTL node at `path` for the scope's lifetime (Curator's
 * `new PersistentTtlNode(client, path, ttlMs, initData)` and `start`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  ttl: Duration.DurationInput,
  options: Options = {}
): Effect.Effect<PersistentTtlNode, InvalidArgumentError, Scope.Scope> =>
  Effect.gen(function* () {
    const ttlMillis = Duration.toMillis(Duration.decode(ttl))
    const factor = options.touchFactor ?? 2
    const childName = options.childName ?? "touch"
    const invalid = (argument: string, reason: string) =>
      Effect.fail(new InvalidArgumentError({ op: "PersistentTtlNode", path, argument, reason }))
    if (!Number.isFinite(ttlMillis) || ttlMillis < 1) return yield* invalid("ttl", `${ttlMillis} ms is not a time to live`)
    if (!Number.isInteger(factor) || factor < 1) return yield* invalid("touchFactor", `${factor} is not a positive integer`)
    const badName = checkNodeName(childName, "childName", "PersistentTtlNode")
    if (badName !== undefined) return yield* Effect.fail(badName)
    // the container first: its finalizer (deleting it) runs after the child's
    const node = yield* PersistentNode.make(client, path, { data: options.data, acl: options.acl, mode: "container" })
    const childPath = joinPath(path, childName)
    const lastTouchError = yield* Ref.make(Option.none<ZooKeeperError>())
    // Curator's touch: set the child's data (its mtime is what the TTL counts from), or make it
    const touch = Effect.catchTag(Effect.asVoid(client.set(childPath, new Uint8Array(0))), "NoNodeError", () =>
      Effect.asVoid(
        Effect.catchTag(client.create(childPath, { ttl: ttlMillis, acl: options.acl }), "NodeExistsError", () => Effect.void)
      )
    ).pipe(
      Effect.zipRight(Ref.set(lastTouchError, Option.none())),
      Effect.catchAll((error) =>
        Effect.zipRight(Ref.set(lastTouchError, Option.some(error)), Effect.logDebug(`effect-zk PersistentTtlNode: could not touch ${childPath}`, error))
      )
    )
    const every = Duration.millis(Math.max(1, Math.floor(ttlMillis / factor)))
    const toucher = yield* Effect.forkDaemon(
      Effect.forever(Effect.zipRight(Effect.zipRight(node.awaitPresent, touch), Effect.sleep(every)))
    )
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Fiber.interrupt(toucher), removeNode(client, Effect.succeed(childPath), false))
    )
    const kept: PersistentTtlNode = {
      path,
      childPath,
      awaitPresent: node.awaitPresent,
      current: node.current,
      setData: node.setData,
      lastTouchError: Ref.get(lastTouchError)
    }
    return kept
  })
