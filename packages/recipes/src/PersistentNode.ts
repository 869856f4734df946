/**
 * An ephemeral node that stays there for a scope's lifetime (Curator's `PersistentNode`; its
 * persistent, container and TTL modes are below): created at once, created again whenever it goes — deleted by someone, or
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
 * Semantics: the node is created (missing parents as empty containers, as Curator's; `parents:
 * "persistent"` for persistent ones) while the client is
 * connected; while it exists it is watched, and its deletion or the end of its session starts
 * a new creation (under the new session). A connection lost and regained within the session
 * changes nothing. A fixed-path node that is not ours (another session's, or a persistent node)
 * is waited on until it is gone, with `lastError` showing the NodeExists. An error the server will keep giving (no permission, a parent that cannot have
 * children) is logged, shown by `lastError`, and tried again with a growing delay (up to 30 s).
 * Closing the scope stops all of it and deletes the node (retried over connection losses, for
 * at most a minute, or until the session ends).
 *
 * With `mode: "persistent"` (or `"container"`, `"ttl"`: Curator's PersistentNode in those
 * modes) the node is of that kind: a session expiry leaves it be, its deletion (by someone, or
 * by the server for an empty container or an expired TTL node) makes it again, a node already
 * at a fixed path is taken over (its data set to ours, as Curator does), and closing the scope
 * deletes it (retried over connection losses for at most a minute).
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
import { withWatch } from "./internal/oneShot.js"
import { currentSession, firstState, parked, removeNode, sessionGone } from "./internal/session.js"

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
  /**
   * Curator's other modes: `"persistent"`, `"container"` or `"ttl"` (with `ttl`) keep a node of
   * that kind instead of an ephemeral one (see the module documentation). Default `"ephemeral"`.
   */
  readonly mode?: "ephemeral" | "persistent" | "container" | "ttl" | undefined
  /** A `"ttl"` node's time to live (ZooKeeper deletes it once it has had no child for that long). */
  readonly ttl?: Duration.DurationInput | undefined
  /**
   * What missing parents are made as: `"containers"` (default, Curator's
   * `creatingParentContainersIfNeeded`: the server deletes them once empty) or `"persistent"`.
   */
  readonly parents?: "containers" | "persistent" | undefined
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
 * its parent; with `mode`, a node of that kind) until the scope closes. Returns at once; {@link PersistentNode.awaitPresent} waits
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
    const mode = options.mode ?? "ephemeral"
    const invalid = (argument: string, reason: string) =>
      Effect.fail(new InvalidArgumentError({ op: "PersistentNode", path, argument, reason }))
    if (path === "/") return yield* invalid("path", `the root cannot be kept as a ${mode} node`)
    if (mode !== "ephemeral" && mode !== "persistent" && mode !== "container" && mode !== "ttl") {
      return yield* invalid("mode", `${JSON.stringify(mode)} is not ephemeral, persistent, container or ttl`)
    }
    if (mode === "container" && sequential) return yield* invalid("sequential", "ZooKeeper has no sequential containers")
    if ((mode === "ttl") !== (options.ttl !== undefined)) return yield* invalid("ttl", "a ttl goes with mode \"ttl\", and only with it")
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
            makepath: options.parents === "persistent" ? true : "containers"
          })
        )
        if (Either.isRight(created)) return created.right
        const error = created.left
        if (error._tag !== "NodeExistsError" || sequential) return yield* Effect.fail(error)
        const ours = yield* findOurs(session)
        if (ours !== undefined) return ours
        // Someone else's node (another session's): wait until it is gone, then try again.
        yield* Ref.set(lastError, Option.some(error))
        // (the watch goes when the wait ends: the node gone, the session over, the scope closed)
        yield* withWatch(client.existsAndWatch(path), (watched) =>
          Option.isSome(watched.stat)
            ? Effect.raceFirst(Effect.ignore(watched.event), sessionGone(client, session))
            : Effect.void
        )
        return yield* Effect.fail(error)
      })

    /** Completes once the node at `node` is gone or its session has ended. */
    const watchUntilGone = (node: string, session: bigint): Effect.Effect<void> => {
      // a look's watch goes when it ends (gone, another's node, the session over, the scope closed)
      const once: Effect.Effect<boolean> = withWatch(client.existsAndWatch(node), (watched) =>
        Option.isNone(watched.stat) || watched.stat.value.ephemeralOwner !== session
          ? Effect.succeed(true)
          : Effect.map(Effect.either(watched.event), (event) => Either.isLeft(event) || event.right.type === "DELETED")
      ).pipe(
        Effect.catchAll((error) =>
          !isTransient(error) || error._tag === "SessionExpiredError"
            ? Effect.succeed(true)
            : Effect.as(Effect.sleep("100 millis"), false)
        )
      )
      return Effect.raceFirst(Effect.repeat(once, { until: (gone) => gone }), sessionGone(client, session))
    }

    const connected = firstState(client, (s) =>
      s.state === "CONNECTED" ? Effect.map(currentSession(client), (id) => (id === 0n ? Option.none() : Option.some(id))) : Effect.succeed(Option.none())
    )

    const writeData = dataWriter(client, dataRef)
    const keep = keepLoop({
      createPath,
      connected,
      create,
      // the other session's node being waited on
      again: (error) => error._tag === "NodeExistsError",
      untilGone: watchUntilGone,
      dataRef,
      current,
      lastError,
      writeData
    })

    if (mode !== "ephemeral") {
      return yield* keepNonEphemeral(client, path, { ...options, mode }, { createPath, prefix, parent, dataRef, current, lastError })
    }

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

    return handle(path, current, dataRef, lastError, writeData)
  })

/** Writes the current data to the node (gone meanwhile: it gets the data when made again). */
const dataWriter =
  (client: ZooKeeperClient, dataRef: Ref.Ref<Uint8Array>) =>
  (node: string): Effect.Effect<void, Retry.RetriedError<ZooKeeperError>> =>
    Effect.flatMap(Ref.get(dataRef), (data) =>
      client.retry(Effect.catchTag(Effect.asVoid(client.set(node, data)), "NoNodeError", () => Effect.void))
    )

/**
 * The keeper, whatever the mode: once connected (`connected` gives what `create` and
 * `untilGone` need, the session for an ephemeral node), make the node; when that fails, try
 * again at once after a transient error or one `again` accepts, else note it, log it and back
 * off; once made, publish it, write data set meanwhile, and wait until it is gone.
 */
const keepLoop = <S>(k: {
  readonly createPath: string
  readonly connected: Effect.Effect<S>
  readonly create: (s: S) => Effect.Effect<string, ZooKeeperError>
  readonly again: (error: ZooKeeperError) => boolean
  readonly untilGone: (node: string, s: S) => Effect.Effect<void>
  readonly dataRef: Ref.Ref<Uint8Array>
  readonly current: SubscriptionRef.SubscriptionRef<Option.Option<string>>
  readonly lastError: Ref.Ref<Option.Option<ZooKeeperError>>
  readonly writeData: (node: string) => Effect.Effect<void, Retry.RetriedError<ZooKeeperError>>
}): Effect.Effect<never> =>
  Effect.gen(function* () {
    let failures = 0
    while (true) {
      const s = yield* k.connected
      const created = yield* Effect.either(k.create(s))
      if (Either.isLeft(created)) {
        const error = created.left
        // a closed client will not connect again: nothing to keep until the scope closes
        if (error._tag === "ClientClosedError") return yield* parked
        if (isTransient(error) || k.again(error)) {
          yield* Effect.sleep("50 millis")
          continue
        }
        failures++
        yield* Ref.set(k.lastError, Option.some(error))
        yield* Effect.logWarning(`effect-zk recipes: PersistentNode could not create ${k.createPath}; trying again`, error)
        yield* Effect.sleep(backoff(failures))
        continue
      }
      failures = 0
      const node = created.right
      const used = yield* Ref.get(k.dataRef)
      yield* Ref.set(k.lastError, Option.none())
      yield* SubscriptionRef.set(k.current, Option.some(node))
      // setData may have changed the data while the create was on its way
      if ((yield* Ref.get(k.dataRef)) !== used) yield* Effect.ignore(k.writeData(node))
      yield* k.untilGone(node, s)
      yield* SubscriptionRef.set(k.current, Option.none())
    }
  })

/** The handle on a kept node, whatever its mode. */
const handle = (
  path: string,
  current: SubscriptionRef.SubscriptionRef<Option.Option<string>>,
  dataRef: Ref.Ref<Uint8Array>,
  lastError: Ref.Ref<Option.Option<ZooKeeperError>>,
  writeData: (node: string) => Effect.Effect<void, Retry.RetriedError<ZooKeeperError>>
): PersistentNode => ({
  path,
  current: SubscriptionRef.get(current),
  awaitPresent: current.changes.pipe(
    Stream.filterMap((p) => p),
    Stream.runHead,
    Effect.flatMap((p) => (Option.isSome(p) ? Effect.succeed(p.value) : Effect.never))
  ),
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
})

/** What `make` has prepared for a node of another mode than ephemeral. */
interface Prepared {
  readonly createPath: string
  readonly prefix: string
  readonly parent: string
  readonly dataRef: Ref.Ref<Uint8Array>
  readonly current: SubscriptionRef.SubscriptionRef<Option.Option<string>>
  readonly lastError: Ref.Ref<Option.Option<ZooKeeperError>>
}

/**
 * A persistent, container or TTL node kept for the scope's lifetime: made while connected (a
 * protected sequential one found again after a lost reply; a fixed-path one that exists taken
 * over), made again whenever it is deleted, deleted when the scope closes.
 */
const keepNonEphemeral = (
  client: ZooKeeperClient,
  path: string,
  options: Options & { readonly mode: "persistent" | "container" | "ttl" },
  { createPath, prefix, parent, dataRef, current, lastError }: Prepared
): Effect.Effect<PersistentNode, never, Scope.Scope> =>
  Effect.gen(function* () {
    const sequential = options.sequential === true
    const createOptions = {
      acl: options.acl,
      sequence: sequential,
      makepath: options.parents === "persistent" ? (true as const) : ("containers" as const),
      ...(options.mode === "container" ? { container: true } : {}),
      ...(options.mode === "ttl" && options.ttl !== undefined ? { ttl: options.ttl } : {})
    }

    /** Our sequential node, found by its protected prefix (a create whose reply was lost). */
    const findOurs: Effect.Effect<string | undefined, ZooKeeperError> = Effect.map(
      Effect.catchTag(client.getChildren(parent), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>)),
      (children) => {
        const name = children.find((c) => c.startsWith(prefix))
        return name === undefined ? undefined : joinPath(parent, name)
      }
    )

    const create: Effect.Effect<string, ZooKeeperError> = Effect.gen(function* () {
      if (sequential) {
        const found = yield* findOurs
        if (found !== undefined) return found
      }
      const data = yield* Ref.get(dataRef)
      const created = yield* Effect.either(client.create(createPath, { ...createOptions, data }))
      if (Either.isRight(created)) return created.right
      if (created.left._tag !== "NodeExistsError" || sequential) return yield* Effect.fail(created.left)
      // a node already there is taken over, as Curator does: our data in it
      yield* client.set(path, data)
      return path
    })

    /** Completes once the node is deleted (a session change only means watching it again). */
    const untilDeleted = (node: string): Effect.Effect<void> =>
      Effect.gen(function* () {
        for (;;) {
          // a look's watch goes when it ends (the node gone, the scope closed), unless it fired
          const watched = yield* Effect.either(
            withWatch(client.existsAndWatch(node), (read) =>
              Option.isNone(read.stat)
                ? Effect.succeed(true)
                : Effect.map(Effect.either(read.event), (event) => Either.isRight(event) && event.right.type === "DELETED")
            )
          )
          if (Either.isLeft(watched)) {
            if (watched.left._tag === "ClientClosedError") return yield* parked
            yield* Effect.sleep("100 millis")
            continue
          }
          if (watched.right) return
        }
      })

    const writeData = dataWriter(client, dataRef)
    const keep = keepLoop({
      createPath,
      connected: firstState(client, (s) => Effect.succeed(s.state === "CONNECTED" ? Option.some(undefined) : Option.none())),
      create: () => create,
      // a parent deleted while its node was being made
      again: (error) => error._tag === "NoNodeError",
      untilGone: (node) => untilDeleted(node),
      dataRef,
      current,
      lastError,
      writeData
    })

    const fiber = yield* Effect.forkDaemon(keep)
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Fiber.interrupt(fiber),
        removeNode(
          client,
          Effect.flatMap(SubscriptionRef.get(current), (node) =>
            Option.isSome(node) ? Effect.succeed(node.value) : sequential ? findOurs : Effect.succeed(path)
          ),
          false
        )
      )
    )
    return handle(path, current, dataRef, lastError, writeData)
  })
