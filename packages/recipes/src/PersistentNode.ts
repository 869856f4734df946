/**
 * An ephemeral node that stays there for a scope's lifetime (Curator's `PersistentNode` in its
 * ephemeral modes): created at once, created again whenever it goes — deleted by someone, or
 * removed by the server with an expired session — and deleted when the scope closes. What a
 * service registers itself with: a plain ephemeral node is gone for good after a session loss.
 *
 * ```ts
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const node = yield* PersistentNode.make(zk, "/services/api/host-1", { data: "10.0.0.1:8080" })
 *   yield* node.awaitPresent                 // the node exists
 *   yield* node.setData("10.0.0.1:8081")     // written now, and used for every re-creation
 *   yield* serve                             // the node is kept until the scope closes
 * }))
 * ```
 *
 * With `sequential: true` the node is `<parent>/_c_<32 hex digits>-<name><10-digit sequence>`,
 * Curator's "protected" name: the random part lets the recipe find its own node after a create
 * whose reply was lost with the connection, instead of leaving a second one behind. Each
 * re-creation gets a new sequence number.
 *
 * Semantics: the node is created (parents as needed, persistent and empty) while the client is
 * connected; while it exists it is watched, and its deletion or the end of its session starts
 * a new creation (under the new session). A connection lost and regained within the session
 * changes nothing. A fixed-path node that is not ours (another session's, or a persistent node)
 * is waited on until it is gone, with `lastError` showing the NodeExists. An error the server will keep giving (no permission, a parent that cannot have
 * children) is logged, shown by `lastError`, and tried again with a growing delay (up to 30 s).
 * Closing the scope stops all of it and deletes the node (retried over connection losses, for
 * at most a minute, or until the session ends).
 *
 * @since 0.1.0
 */
import type { Retry } from "@effect-zk/core"
import type { ACL } from "@effect-zk/core/Acl"
import {
  basename,
  defaultMaxDataBytes,
  join as joinPath,
  parent as parentOf,
  validate,
  validateData
} from "@effect-zk/core/Path"
import type { Bytes } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { randomHex, utf8 } from "./internal/encoding.js"
import { currentSession, firstState, removeNode, sessionGone } from "./internal/session.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The node's data (empty by default); {@link PersistentNode.setData} changes it. */
  readonly data?: Bytes | undefined
  /** The node's ACL; the client's default ACL when absent. */
  readonly acl?: ReadonlyArray<ACL> | undefined
  /** A protected sequential node: `path` names the parent and the name's prefix. Default false. */
  readonly sequential?: boolean | undefined
}

/**
 * A node kept in place; see the module documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistentNode {
  /** The path given to {@link make}. */
  readonly path: string
  /** The node's path while it exists (a sequential node's full name), none while it is being (re)created. */
  readonly current: Effect.Effect<Option.Option<string>>
  /** Waits until the node exists; its path. */
  readonly awaitPresent: Effect.Effect<string>
  /** The node's path or none, at once and after every change. */
  readonly changes: Stream.Stream<Option.Option<string>>
  /** The data the node is (re)created with. */
  readonly data: Effect.Effect<Uint8Array>
  /**
   * Changes the node's data: written to the node now when it exists, and used for every later
   * creation. Data over ZooKeeper's default limit (`jute.maxbuffer`, 1 MiB − 1) is refused with
   * InvalidArgumentError and changes nothing. Fails only with an error of the write itself (connection losses are retried by
   * the client's retry policy, whose giving up is the other failure); a node that is gone
   * meanwhile gets the data when created again.
   */
  readonly setData: (data: Bytes) => Effect.Effect<void, Retry.RetriedError<ZooKeeperError>>
  /** The last error a creation ended with, none once the node exists. */
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError>>
}

const toBytes = (data: Bytes | undefined): Uint8Array =>
  data === undefined ? new Uint8Array(0) : typeof data === "string" ? utf8(data) : data

/** Errors a creation can meet that say nothing about the node: the connection, the session. */
const isTransient = (e: ZooKeeperError): boolean =>
  e._tag === "ConnectionLossError" || e._tag === "SessionExpiredError" || e._tag === "OperationTimeoutError"

/** How long to wait after the n-th failed creation in a row that was not transient. */
const backoff = (n: number): Duration.Duration => Duration.millis(Math.min(30_000, 250 * 2 ** Math.min(n, 7)))

/**
 * Keeps an ephemeral node at `path` (or, with `sequential`, a protected sequential one under
 * its parent) until the scope closes. Returns at once; {@link PersistentNode.awaitPresent} waits
 * for the node. Fails only for an invalid path or data over ZooKeeper's default size limit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  options: Options = {}
): Effect.Effect<PersistentNode, InvalidArgumentError, Scope.Scope> =>
  Effect.gen(function* () {
    const sequential = options.sequential === true
    const bad = validate(path, { op: "PersistentNode", sequential })
    if (bad !== undefined) return yield* Effect.fail(bad)
    if (path === "/") {
      return yield* Effect.fail(
        new InvalidArgumentError({ op: "PersistentNode", path, argument: "path", reason: "the root cannot be an ephemeral node" })
      )
    }
    const parent = parentOf(path)
    // A protected sequential name: its random part finds our node again after a lost reply.
    const prefix = `_c_${randomHex()}-`
    const createPath = sequential ? joinPath(parent, `${prefix}${basename(path)}`) : path
    const initial = toBytes(options.data)
    const tooBig = validateData(initial, defaultMaxDataBytes, { op: "PersistentNode", path })
    if (tooBig !== undefined) return yield* Effect.fail(tooBig)
    const dataRef = yield* Ref.make(initial)
    const current = yield* SubscriptionRef.make(Option.none<string>())
    const lastError = yield* Ref.make(Option.none<ZooKeeperError>())

    /** Our node, if it exists under `session`. */
    const findOurs = (session: bigint): Effect.Effect<string | undefined, ZooKeeperError> =>
      Effect.gen(function* () {
        const candidate = sequential
          ? (yield* Effect.catchTag(client.getChildren(parent), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>)))
              .filter((c) => c.startsWith(prefix))
              .map((c) => joinPath(parent, c))[0]
          : path
        if (candidate === undefined) return undefined
        const stat = yield* client.exists(candidate)
        return Option.isSome(stat) && stat.value.ephemeralOwner === session ? candidate : undefined
      })

    /** Creates the node under `session` (or finds the one a lost reply created); its path. */
    const create = (session: bigint): Effect.Effect<string, ZooKeeperError> =>
      Effect.gen(function* () {
        const found = yield* findOurs(session)
        if (found !== undefined) return found
        const data = yield* Ref.get(dataRef)
        const created = yield* Effect.either(
          client.create(createPath, {
            data,
            acl: options.acl,
            ephemeral: true,
            sequence: sequential,
            makepath: true
          })
        )
        if (Either.isRight(created)) return created.right
        const error = created.left
        if (error._tag !== "NodeExistsError" || sequential) return yield* Effect.fail(error)
        const ours = yield* findOurs(session)
        if (ours !== undefined) return ours
        // Someone else's node (another session's): wait until it is gone, then try again.
        yield* Ref.set(lastError, Option.some(error))
        const watched = yield* client.existsAndWatch(path)
        if (Option.isSome(watched.stat)) yield* Effect.raceFirst(Effect.ignore(watched.event), sessionGone(client, session))
        return yield* Effect.fail(error)
      })

    /** Completes once the node at `node` is gone or its session has ended. */
    const watchUntilGone = (node: string, session: bigint): Effect.Effect<void> => {
      const once: Effect.Effect<boolean> = Effect.gen(function* () {
        const watched = yield* Effect.either(client.existsAndWatch(node))
        if (Either.isLeft(watched)) {
          if (!isTransient(watched.left) || watched.left._tag === "SessionExpiredError") return true
          yield* Effect.sleep("100 millis")
          return false
        }
        if (Option.isNone(watched.right.stat) || watched.right.stat.value.ephemeralOwner !== session) return true
        const event = yield* Effect.either(watched.right.event)
        return Either.isLeft(event) || event.right.type === "DELETED"
      })
      return Effect.raceFirst(Effect.repeat(once, { until: (gone) => gone }), sessionGone(client, session))
    }

    const connected = firstState(client, (s) =>
      s.state === "CONNECTED" ? Effect.map(currentSession(client), (id) => (id === 0n ? Option.none() : Option.some(id))) : Effect.succeed(Option.none())
    )

    const keep: Effect.Effect<never> = Effect.gen(function* () {
      let failures = 0
      while (true) {
        const session = yield* connected
        const created = yield* Effect.either(create(session))
        if (Either.isLeft(created)) {
          const error = created.left
          // a closed client will not connect again: nothing to keep until the scope closes
          if (error._tag === "ClientClosedError") return yield* Effect.never
          if (isTransient(error) || error._tag === "NodeExistsError") {
            yield* Effect.sleep("50 millis")
            continue
          }
          failures++
          yield* Ref.set(lastError, Option.some(error))
          yield* Effect.logWarning(`effect-zk recipes: PersistentNode could not create ${createPath}; trying again`, error)
          yield* Effect.sleep(backoff(failures))
          continue
        }
        failures = 0
        const node = created.right
        const used = yield* Ref.get(dataRef)
        yield* Ref.set(lastError, Option.none())
        yield* SubscriptionRef.set(current, Option.some(node))
        // setData may have changed the data while the create was on its way
        if ((yield* Ref.get(dataRef)) !== used) yield* Effect.ignore(writeData(node))
        yield* watchUntilGone(node, session)
        yield* SubscriptionRef.set(current, Option.none())
      }
    })

    const writeData = (node: string): Effect.Effect<void, Retry.RetriedError<ZooKeeperError>> =>
      Effect.flatMap(Ref.get(dataRef), (data) =>
        client.retry(Effect.catchTag(Effect.asVoid(client.set(node, data)), "NoNodeError", () => Effect.void))
      )

    const fiber = yield* Effect.forkDaemon(keep)
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Fiber.interrupt(fiber),
        Effect.flatMap(currentSession(client), (session) =>
          removeNode(
            client,
            session === 0n ? Effect.succeed(undefined) : findOurs(session),
            true
          )
        )
      )
    )

    const awaitPresent = current.changes.pipe(
      Stream.filterMap((p) => p),
      Stream.runHead,
      Effect.flatMap((p) => (Option.isSome(p) ? Effect.succeed(p.value) : Effect.never))
    )

    return {
      path,
      current: SubscriptionRef.get(current),
      awaitPresent,
      changes: current.changes,
      data: Ref.get(dataRef),
      setData: (data: Bytes) =>
        Effect.suspend(() => {
          const bytes = toBytes(data)
          // refused before it replaces the data every later creation would use
          const bad = validateData(bytes, defaultMaxDataBytes, { op: "PersistentNode.setData", path })
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.zipRight(
            Ref.set(dataRef, bytes),
            Effect.flatMap(SubscriptionRef.get(current), (node) => (Option.isSome(node) ? writeData(node.value) : Effect.void))
          )
        }),
      lastError: Ref.get(lastError)
    }
  })
