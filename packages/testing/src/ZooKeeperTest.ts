/**
 * An in-memory ZooKeeper for unit tests (kazoo's "Zake"): the same `ZooKeeper` service as
 * `ZooKeeper.layer`, from a tree in memory that behaves like a ZooKeeper 3.8 standalone server
 * — stats and zxids, sequential / ephemeral / container / TTL nodes, ACLs and digest auth,
 * transactions, one-shot and persistent watches with ZooKeeper's trigger and ordering rules,
 * sessions, chroot, four-letter words — plus controls a real server does not give: expire a
 * session, drop or cut a connection, stop the server, make the next call fail, look at the tree
 * and the watches. Every difference from a real server that this package knows of is a failing
 * test in its shared suite, which runs against both.
 *
 * ```ts
 * it.effect("a lease expires", () =>
 *   Effect.gen(function* () {
 *     const zk = yield* ZooKeeper.ZooKeeper
 *     const server = yield* ZooKeeperTest.TestServer
 *     yield* zk.create("/lease", { ephemeral: true })
 *     yield* server.expireSession(zk)
 *     expect(Option.isNone(yield* zk.exists("/lease"))).toBe(true)
 *   }).pipe(Effect.provide(ZooKeeperTest.layer())))
 * ```
 *
 * Time comes from the Effect `Clock`: under a `TestClock`, session timeouts, TTLs and the
 * container sweep advance with `TestClock.adjust`, and stat times are the TestClock's.
 *
 * @since 0.1.0
 */
import { type Acl, type Stat, ZooKeeper, ZooKeeperConfig, type ZooKeeperError } from "@effect-zk/core"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { makeClient } from "./internal/client.js"
import type { Engine } from "./internal/engine.js"
import { Server } from "./internal/server.js"
import { Conn } from "./internal/sessions.js"
import { decodeUtf8 } from "./internal/text.js"
import type { NodeKind } from "./internal/tree.js"

/**
 * Options of an in-memory server. Defaults are a ZooKeeper 3.8 standalone server's, except
 * that TTL nodes are enabled.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions {
  /** The version `srvr` and `serverVersion` report. Default `[3, 8, 0]`. */
  readonly version?: readonly [number, number, number] | undefined
  /** zoo.cfg `tickTime` in ms. Default 2000. */
  readonly tickTime?: number | undefined
  /** Shortest session timeout granted, in ms. Default 2 ticks. */
  readonly minSessionTimeout?: number | undefined
  /** Longest session timeout granted, in ms. Default 20 ticks. */
  readonly maxSessionTimeout?: number | undefined
  /** TTL nodes (`zookeeper.extendedTypesEnabled`); without, creating one is Unimplemented. Default true. */
  readonly extendedTypesEnabled?: boolean | undefined
  /** How often empty containers and expired TTL nodes are removed (`znode.container.checkIntervalMs`). Default 60 s. */
  readonly containerCheckInterval?: Duration.DurationInput | undefined
  /** `zookeeper.DigestAuthenticationProvider.superDigest`: `super:<base64 sha1>`; who authenticates as it may do anything. */
  readonly superDigest?: string | undefined
}

/**
 * Options of a client: the real client's options, all optional. `hosts` defaults to
 * `127.0.0.1:2181`; only its chroot matters (which, as on a real server, must exist).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientOptions = Partial<ZooKeeperConfig.Options> & {
  /** Wait for the first connection (as `ZooKeeper.make`). Default true. */
  readonly waitForConnection?: boolean | undefined
}

/**
 * Whose session or connection a control acts on: a client of this server, or a session id.
 *
 * @since 0.1.0
 * @category models
 */
export type Target = ZooKeeper.ZooKeeperClient | bigint

/**
 * Which calls an injected failure applies to; every given field must match.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureMatch {
  /**
   * The operation as errors name it: `create`, `createWithStat`, `ensurePath`, `exists`, `get`,
   * `getChildren`, `set`, `delete`, `getAcls`, `setAcls`, `sync`, `transaction`, `multiRead`, `watch`,
   * `removeWatches`, `getEphemerals`, `getAllChildrenNumber`, `whoAmI`, `reconfig`.
   */
  readonly op?: string | undefined
  /** The path as the caller wrote it (relative to its chroot), a pattern or a predicate. */
  readonly path?: string | RegExp | ((path: string) => boolean) | undefined
  /** Only calls of this client. */
  readonly client?: ZooKeeper.ZooKeeperClient | undefined
}

/**
 * How an injected failure happens.
 *
 * @since 0.1.0
 * @category models
 */
export interface FailureOptions {
  /** How many matching calls fail. Default 1. */
  readonly times?: number | undefined
  /** The server applies the request and the reply is lost (a create that happened although the caller saw ConnectionLoss). Default false. */
  readonly afterApply?: boolean | undefined
  /** The connection drops too (SUSPENDED, then CONNECTED again), as on a real connection loss. Default false. */
  readonly dropConnection?: boolean | undefined
}

/**
 * One node of the tree, as {@link InMemoryServer.dump} shows it.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeSnapshot {
  readonly path: string
  readonly data: Uint8Array
  readonly stat: Stat.ZnodeStat
  readonly acl: ReadonlyArray<Acl.ACL>
  readonly kind: NodeKind
  /** The owner session of an ephemeral node. */
  readonly owner: bigint | undefined
  /** A TTL node's time to live in ms. */
  readonly ttl: number | undefined
}

/**
 * One watch the server holds for a session's connection: `wchp`/`wchc` as data, and the children
 * watches they leave out (ZooKeeper 3.8 lists its data table only).
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchSnapshot {
  readonly sessionId: bigint
  readonly path: string
  /** The server's table: data watches (exists, getData) or child watches (getChildren). */
  readonly table: "data" | "child"
  readonly mode: "standard" | "persistent" | "persistentRecursive"
}

/**
 * A live session.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionSnapshot {
  readonly sessionId: bigint
  /** The negotiated timeout in ms. */
  readonly timeout: number
  readonly connected: boolean
  readonly ephemerals: ReadonlyArray<string>
  /** Identities: `ip:127.0.0.1` and what it authenticated as. */
  readonly ids: ReadonlyArray<{ readonly scheme: string; readonly id: string }>
}

/**
 * An in-memory ZooKeeper server, with the controls tests need.
 *
 * @since 0.1.0
 * @category models
 */
export interface InMemoryServer {
  /** A client with its own session, closed with the scope. */
  readonly client: (
    options?: ClientOptions
  ) => Effect.Effect<ZooKeeper.ZooKeeperClient, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError, Scope.Scope>
  /**
   * Expires the session now: its ephemeral nodes go; its client sees LOST, then CONNECTED with a
   * new session. Like kazoo's harness, it returns once the client has that new session (at once
   * when the client cannot reconnect: cut off, server stopped).
   */
  readonly expireSession: (target: Target) => Effect.Effect<void>
  /** Drops the client's connection: SUSPENDED, then at once CONNECTED again with the same session. */
  readonly dropConnection: (target: Target) => Effect.Effect<void>
  /** Cuts the client off until {@link reconnect}: SUSPENDED; once it has been away longer than its session timeout, LOST. */
  readonly disconnect: (target: Target) => Effect.Effect<void>
  /** Lets a cut-off client connect again. */
  readonly reconnect: (target: Target) => Effect.Effect<void>
  /** Stops the server: every client is cut off; sessions are kept and get a fresh timeout on {@link start}. */
  readonly stop: Effect.Effect<void>
  /** Starts a stopped server. */
  readonly start: Effect.Effect<void>
  /** Makes the next matching call(s) fail with `error` (built from the call's `op` and `path` when a function). */
  readonly failNext: (
    match: FailureMatch,
    error:
      | ZooKeeperError.ZooKeeperError
      | ((call: { readonly op: string; readonly path?: string | undefined }) => ZooKeeperError.ZooKeeperError),
    options?: FailureOptions
  ) => Effect.Effect<void>
  /** Forgets the injected failures not yet used. */
  readonly clearFailures: Effect.Effect<void>
  /** The nodes from `path` (server path, default `/`) down, parents first. */
  readonly dump: (path?: string) => Effect.Effect<ReadonlyArray<NodeSnapshot>>
  /** The tree as text: one line per node, `path [kind] data`, indented. */
  readonly render: (path?: string) => Effect.Effect<string>
  /** The watches the server holds. */
  readonly watches: Effect.Effect<ReadonlyArray<WatchSnapshot>>
  /** The watches a client holds on its side: kind (`data`, `exist`, `child`, `persistent`, `persistentRecursive`), server path, number of watchers. */
  readonly clientWatches: (
    client: ZooKeeper.ZooKeeperClient
  ) => Effect.Effect<ReadonlyArray<{ readonly kind: string; readonly path: string; readonly watchers: number }>>
  /** The live sessions. */
  readonly sessions: Effect.Effect<ReadonlyArray<SessionSnapshot>>
  /** Runs the container/TTL sweep now; returns the paths removed. */
  readonly checkContainers: Effect.Effect<ReadonlyArray<string>>
  /** The last zxid. */
  readonly lastZxid: Effect.Effect<bigint>
  /** A four-letter word, as `client.command` sends it (`wchp`, `dump`, `mntr`, ...), without a client. */
  readonly command: (word: string) => Effect.Effect<string>
}

/**
 * The in-memory server of a test, as provided by {@link layer} and {@link layerServer}.
 *
 * @since 0.1.0
 * @category tags
 */
export class TestServer extends Context.Tag("@effect-zk/testing/TestServer")<TestServer, InMemoryServer>() {}

const resolveServer = (options: ServerOptions) => {
  const tickTime = options.tickTime ?? 2000
  return {
    version: options.version ?? ([3, 8, 0] as const),
    tickTime,
    minSessionTimeout: options.minSessionTimeout ?? tickTime * 2,
    maxSessionTimeout: options.maxSessionTimeout ?? tickTime * 20,
    extendedTypesEnabled: options.extendedTypesEnabled ?? true,
    containerCheckIntervalMillis: Duration.toMillis(Duration.decode(options.containerCheckInterval ?? "60 seconds")),
    superDigest: options.superDigest,
    clientAddress: "127.0.0.1"
  }
}

/**
 * Starts an in-memory server for the scope's lifetime.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeServer = (options: ServerOptions = {}): Effect.Effect<InMemoryServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const config = resolveServer(options)
    const fork = yield* FiberSet.makeRuntime<never, void, never>()
    const server = new Server(config, yield* Effect.clock, (effect) => fork(effect))
    yield* Effect.forkScoped(
      Effect.forever(
        Effect.zipRight(Effect.sleep(Duration.millis(config.containerCheckIntervalMillis)), Effect.sync(() => server.checkContainers()))
      )
    )
    const engines = new WeakMap<ZooKeeper.ZooKeeperClient, Engine>()
    const engineOf = (target: Target): Engine | undefined => {
      if (typeof target !== "bigint") return engines.get(target)
      for (const endpoint of server.endpoints) {
        const engine = engines.get(endpoint.client!)
        if (engine !== undefined && engine.sessionId === target) return engine
      }
      return undefined
    }
    const sessionOf = (target: Target) => {
      const id = typeof target === "bigint" ? target : engines.get(target)?.sessionId
      return id === undefined ? undefined : server.sessions.byId.get(id)
    }
    const snapshot = (path: string): ReadonlyArray<NodeSnapshot> =>
      server.tree.walk(path).map((node) => ({
        path: node.path,
        data: node.data.slice(),
        stat: server.tree.stat(node),
        acl: node.acl,
        kind: node.kind,
        owner: node.kind === "ephemeral" ? node.owner : undefined,
        ttl: node.kind === "ttl" ? node.ttl : undefined
      }))
    const self: InMemoryServer = {
      client: (clientOptions = {}) =>
        Effect.gen(function* () {
          const { waitForConnection, ...rest } = clientOptions
          const resolved = yield* ZooKeeperConfig.resolve({ ...rest, hosts: rest.hosts ?? "127.0.0.1:2181" })
          const { client, engine } = yield* makeClient(server, resolved, waitForConnection ?? true)
          engines.set(client, engine)
          return client
        }),
      expireSession: (target) =>
        Effect.suspend(() => {
          const session = sessionOf(target)
          if (session === undefined) return Effect.void
          // kazoo's harness: wait until the client has lost the session and has a new one.
          const engine = engineOf(target)
          const reconnected =
            engine !== undefined && !engine.closing && server.canConnect(engine) ? engine.nextSession() : Effect.void
          server.expire(session)
          return reconnected
        }),
      dropConnection: (target) =>
        Effect.sync(() => {
          const conn = engineOf(target)?.conn ?? sessionOf(target)?.conn
          if (conn !== undefined) server.closeConnection(conn)
        }),
      disconnect: (target) =>
        Effect.sync(() => {
          const engine = engineOf(target)
          if (engine === undefined) return
          engine.partitioned = true
          if (engine.conn !== undefined) server.closeConnection(engine.conn)
        }),
      reconnect: (target) =>
        Effect.sync(() => {
          const engine = engineOf(target)
          if (engine === undefined) return
          engine.partitioned = false
          server.wake()
        }),
      stop: Effect.sync(() => server.stop()),
      start: Effect.sync(() => server.start()),
      failNext: (match, error, failure = {}) =>
        Effect.sync(() => {
          server.faults.push({
            match,
            error: typeof error === "function" ? error : () => error,
            remaining: failure.times ?? 1,
            afterApply: failure.afterApply ?? false,
            dropConnection: failure.dropConnection ?? false
          })
        }),
      clearFailures: Effect.sync(() => {
        server.faults.length = 0
      }),
      dump: (path = "/") => Effect.sync(() => snapshot(path)),
      render: (path = "/") =>
        Effect.sync(() =>
          snapshot(path)
            .map((n) => {
              const depth = n.path === "/" ? 0 : n.path.split("/").length - 1
              const data = n.data.length === 0 ? "" : ` ${JSON.stringify(decodeUtf8(n.data))}`
              return `${"  ".repeat(depth)}${n.path}${n.kind === "persistent" ? "" : ` [${n.kind}]`}${data}`
            })
            .join("\n")
        ),
      watches: Effect.sync(() =>
        server.watches.entries().flatMap((e) =>
          e.connection instanceof Conn
            ? [{ sessionId: e.connection.session.id, path: e.path, table: e.table, mode: e.mode }]
            : []
        )
      ),
      clientWatches: (client) => Effect.sync(() => engines.get(client)?.registry.entries() ?? []),
      sessions: Effect.sync(() =>
        [...server.sessions.byId.values()].map((s) => ({
          sessionId: s.id,
          timeout: s.timeout,
          connected: s.conn !== undefined,
          ephemerals: server.tree.ephemeralsOf(s.id),
          ids: s.ids.map((id) => ({ scheme: id.scheme, id: id.id }))
        }))
      ),
      checkContainers: Effect.sync(() => server.checkContainers()),
      lastZxid: Effect.sync(() => server.zxid),
      command: (word) => Effect.sync(() => server.command(word))
    }
    return self
  })

/**
 * A client on an in-memory server: `options.server`'s, or a new one for the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ClientOptions & { readonly server?: InMemoryServer | undefined } = {}
): Effect.Effect<ZooKeeper.ZooKeeperClient, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const { server, ...rest } = options
    return yield* (server ?? (yield* makeServer())).client(rest)
  })

/**
 * A layer with a new in-memory server ({@link TestServer}) and a client of it (the
 * `ZooKeeper` service).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: ClientOptions & { readonly server?: ServerOptions | undefined } = {}
): Layer.Layer<ZooKeeper.ZooKeeper | TestServer, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError> => {
  const { server, ...client } = options
  return layerClient(client).pipe(Layer.provideMerge(layerServer(server)))
}

/**
 * A layer with a new in-memory server.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (options: ServerOptions = {}): Layer.Layer<TestServer> => Layer.scoped(TestServer, makeServer(options))

/**
 * A layer with a client of the {@link TestServer} in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerClient = (
  options: ClientOptions = {}
): Layer.Layer<ZooKeeper.ZooKeeper, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError, TestServer> =>
  Layer.scoped(ZooKeeper.ZooKeeper, Effect.flatMap(TestServer, (server) => server.client(options)))

/**
 * The session id of a client, if it has a session (a shorthand for `clientId`).
 *
 * @since 0.1.0
 * @category utils
 */
export const sessionIdOf = (client: ZooKeeper.ZooKeeperClient): Effect.Effect<Option.Option<bigint>> =>
  Effect.map(client.clientId, Option.map((id) => id.sessionId))
