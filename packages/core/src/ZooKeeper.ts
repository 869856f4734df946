/**
 * The ZooKeeper client service: every operation of kazoo's `KazooClient` as an Effect, plus
 * the ZooKeeper 3.5+ operations kazoo lacks (persistent watches, getEphemerals,
 * getAllChildrenNumber, whoAmI, removeWatches, containers and TTL nodes).
 *
 * ```ts
 * const program = Effect.gen(function* () {
 *   const zk = yield* ZooKeeper
 *   yield* zk.ensurePath("/app/config")
 *   const { data, stat } = yield* zk.get("/app/config")
 * })
 * program.pipe(Effect.provide(ZooKeeper.layer({ hosts: "127.0.0.1:2181" })), Effect.provide(NodeZooKeeper.layer))
 * ```
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ACL } from "./Acl.js"
import type { ClientState, WatchedEvent } from "./ClientState.js"
import type { ZooKeeperHandler } from "./Handler.js"
import { makeClient } from "./internal/client.js"
import type * as MultiRead from "./MultiRead.js"
import type * as Retry from "./Retry.js"
import type { ZnodeStat } from "./Stat.js"
import type * as Transaction from "./Transaction.js"
import type { ClientId, Options } from "./ZooKeeperConfig.js"
import * as ZooKeeperConfig from "./ZooKeeperConfig.js"
import type { ConfigurationError, InvalidArgumentError, ZooKeeperError } from "./ZooKeeperError.js"

/**
 * A node's data and stat, as kazoo's `get` returns them.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeData {
  /** The node's data (empty when the node has none). A view: copy it to keep it mutable. */
  readonly data: Uint8Array
  /** The node's stat. */
  readonly stat: ZnodeStat
}

/**
 * A one-shot watch callback. It runs on the client's watch queue, once, with the event. When
 * the session ends first (it expired, credentials were refused, connection retries gave up),
 * the watch goes with it and the callback gets a `NONE` event for the watched path instead,
 * its state saying why (`EXPIRED_SESSION`, `AUTH_FAILED`, `CLOSED`), as kazoo's do.
 *
 * @since 0.1.0
 * @category models
 */
export type WatchCallback = (event: WatchedEvent) => Effect.Effect<void, unknown> | void

/**
 * A one-shot watch as Effects, returned by the `...AndWatch` operations with what they read.
 *
 * @since 0.1.0
 * @category models
 */
export interface OneShotWatch {
  /** Completes with the next event on the node; fails if the session is lost before it fires. */
  readonly event: Effect.Effect<WatchedEvent, ZooKeeperError>
  /**
   * Removes this watch when it is no longer wanted (a wait that timed out or was interrupted):
   * this one only, the client's other watches on the node stay; `event` then completes with a
   * `CHILD_WATCH_REMOVED` or `DATA_WATCH_REMOVED` event. Does nothing once the watch has fired;
   * never fails. It is done on the client only, as the Java client's `removeWatches(path,
   * watcher, type, true)`: the server keeps one watch per session and node, whatever the number
   * of watchers behind it, which fires to no one at the next change (a reconnect drops it).
   */
  readonly unwatch: Effect.Effect<void>
}

/**
 * A state listener (kazoo's `add_listener`). It runs on the session-event queue for every
 * change of the application state (CONNECTED, SUSPENDED, LOST).
 *
 * @since 0.1.0
 * @category models
 */
export type StateListener = (state: ClientState) => Effect.Effect<void, unknown> | void

/**
 * Which watches `removeWatches` removes.
 *
 * @since 0.1.0
 * @category models
 */
export type WatcherType = "children" | "data" | "any"

/**
 * Options of `create`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions extends Transaction.CreateOptions {
  /**
   * Create missing parent nodes (with the same ACL, empty): `true` makes them persistent (kazoo's
   * `makepath`), `"containers"` makes them container nodes (ZooKeeper 3.5+; Curator's
   * `creatingParentContainersIfNeeded`), which the server deletes once their last child goes.
   */
  readonly makepath?: boolean | "containers" | undefined
}

/**
 * The client. Every operation validates its arguments before sending anything (an invalid
 * path, oversized data or a version below -1 fails with `InvalidArgumentError`), runs in a span
 * `zk.<op>` carrying the path, and fails with a tagged error naming the operation and path.
 * Paths are relative to the chroot of the connect string, if any.
 *
 * @since 0.1.0
 * @category models
 */
export interface ZooKeeperClient {
  /** Creates a node and returns its real path (with the sequence suffix, if any). */
  readonly create: (path: string, options?: CreateOptions) => Effect.Effect<string, ZooKeeperError>
  /** Like `create`, also returning the new node's stat (create2). */
  readonly createWithStat: (
    path: string,
    options?: CreateOptions
  ) => Effect.Effect<{ readonly path: string; readonly stat: ZnodeStat }, ZooKeeperError>
  /**
   * Creates the node and its missing parents; succeeds if it already exists. With `container`
   * the nodes it creates are containers (ZooKeeper 3.5+; Curator's `createContainers`).
   */
  readonly ensurePath: (
    path: string,
    options?: { readonly acl?: ReadonlyArray<ACL> | undefined; readonly container?: boolean | undefined }
  ) => Effect.Effect<void, ZooKeeperError>
  /** The node's stat, or none when it does not exist. With `watch`, the callback fires on its creation, change or deletion. */
  readonly exists: (
    path: string,
    options?: { readonly watch?: WatchCallback | undefined }
  ) => Effect.Effect<Option.Option<ZnodeStat>, ZooKeeperError>
  /** `exists` with a watch as an Effect that completes with the next event. */
  readonly existsAndWatch: (
    path: string
  ) => Effect.Effect<{ readonly stat: Option.Option<ZnodeStat> } & OneShotWatch, ZooKeeperError>
  /** The node's data and stat. With `watch`, the callback fires on its change or deletion. */
  readonly get: (
    path: string,
    options?: { readonly watch?: WatchCallback | undefined }
  ) => Effect.Effect<NodeData, ZooKeeperError>
  /** `get` with a watch as an Effect that completes with the next event. */
  readonly getAndWatch: (path: string) => Effect.Effect<NodeData & OneShotWatch, ZooKeeperError>
  /** The names of the node's children (unsorted, as the server returns them). */
  readonly getChildren: (
    path: string,
    options?: { readonly watch?: WatchCallback | undefined }
  ) => Effect.Effect<ReadonlyArray<string>, ZooKeeperError>
  /** The children and the node's stat (getChildren2; kazoo's `include_data=True`). */
  readonly getChildrenWithStat: (
    path: string,
    options?: { readonly watch?: WatchCallback | undefined }
  ) => Effect.Effect<{ readonly children: ReadonlyArray<string>; readonly stat: ZnodeStat }, ZooKeeperError>
  /** `getChildren` with a watch as an Effect that completes with the next event. */
  readonly getChildrenAndWatch: (path: string) => Effect.Effect<
    { readonly children: ReadonlyArray<string>; readonly stat: ZnodeStat } & OneShotWatch,
    ZooKeeperError
  >
  /** Sets the node's data, at `version` (any when -1 / absent); returns the new stat. */
  readonly set: (
    path: string,
    data: Transaction.Bytes,
    options?: { readonly version?: number | undefined }
  ) => Effect.Effect<ZnodeStat, ZooKeeperError>
  /** Deletes the node, at `version`; with `recursive`, its whole subtree first. */
  readonly delete: (
    path: string,
    options?: { readonly version?: number | undefined; readonly recursive?: boolean | undefined }
  ) => Effect.Effect<void, ZooKeeperError>
  /** The node's ACL and stat. */
  readonly getAcls: (
    path: string
  ) => Effect.Effect<{ readonly acl: ReadonlyArray<ACL>; readonly stat: ZnodeStat }, ZooKeeperError>
  /** Sets the node's ACL, at ACL `version` (any when -1 / absent). */
  readonly setAcls: (
    path: string,
    acl: ReadonlyArray<ACL>,
    options?: { readonly version?: number | undefined }
  ) => Effect.Effect<ZnodeStat, ZooKeeperError>
  /** Authenticates (e.g. `("digest", "user:password")`); replayed after every reconnect. */
  readonly addAuth: (scheme: string, credential: string | Redacted.Redacted<string>) => Effect.Effect<void, ZooKeeperError>
  /** Waits until the server we are connected to has caught up with the leader for the path. */
  readonly sync: (path: string) => Effect.Effect<string, ZooKeeperError>
  /** Applies the operations all together or not at all. */
  readonly transaction: (
    ops: ReadonlyArray<Transaction.Op>
  ) => Effect.Effect<ReadonlyArray<Transaction.Result>, Transaction.TransactionFailedError | ZooKeeperError>
  /**
   * Several reads in one request (ZooKeeper 3.6+ multiRead): a result per read, in order, each
   * its data, its children or its own error; fails only as a whole request does.
   */
  readonly multiRead: (ops: ReadonlyArray<MultiRead.Op>) => Effect.Effect<ReadonlyArray<MultiRead.Result>, ZooKeeperError>
  /** Reconfigures the ensemble (ZooKeeper 3.5+ dynamic reconfiguration); returns the new configuration. */
  readonly reconfig: (options: {
    readonly joining?: string | undefined
    readonly leaving?: string | undefined
    readonly newMembers?: string | undefined
    readonly fromConfig?: bigint | undefined
  }) => Effect.Effect<NodeData, ZooKeeperError>
  /**
   * The ensemble's configuration: the data of `/zookeeper/config` (ZooKeeper 3.5+), read
   * whatever the client's chroot, as the Java client's `getConfig` does; `ServerConfig.parse`
   * reads it. With `watch`, the callback fires when it next changes (a reconfig).
   */
  readonly getConfig: (options?: { readonly watch?: WatchCallback | undefined }) => Effect.Effect<NodeData, ZooKeeperError>
  /** `getConfig` with a watch as an Effect that completes with the next event. */
  readonly getConfigAndWatch: Effect.Effect<NodeData & OneShotWatch, ZooKeeperError>
  /** Runs a four-letter word (`ruok`, `srvr`, `stat`, ...) over a separate connection to the current server. */
  readonly command: (word: string) => Effect.Effect<string, ZooKeeperError>
  /** The version of the server we are connected to, as numbers (e.g. `[3, 8, 0]`). */
  readonly serverVersion: Effect.Effect<ReadonlyArray<number>, ZooKeeperError>
  /** Paths of this session's ephemeral nodes, optionally only under a prefix. */
  readonly getEphemerals: (prefix?: string) => Effect.Effect<ReadonlyArray<string>, ZooKeeperError>
  /** The number of all descendants of the node. */
  readonly getAllChildrenNumber: (path: string) => Effect.Effect<number, ZooKeeperError>
  /** The identities this session is authenticated as. */
  readonly whoAmI: Effect.Effect<ReadonlyArray<{ readonly scheme: string; readonly user: string }>, ZooKeeperError>
  /**
   * A persistent watch (ZooKeeper 3.6+ addWatch) as a Stream of events; `recursive` also
   * watches the whole subtree. The watch survives reconnects; the stream ends with an error
   * when the session is lost, and the watch is removed from the server when the stream ends.
   */
  readonly watch: (
    path: string,
    options?: { readonly recursive?: boolean | undefined }
  ) => Stream.Stream<WatchedEvent, ZooKeeperError>
  /**
   * Adds a persistent watch (ZooKeeper 3.6+ addWatch) for the scope's lifetime and completes
   * once the server has it, so no change made afterwards is missed; the Stream gives its events,
   * ends when the scope closes (which removes the watch) and fails when the session is lost.
   * `watch` is the lazy form, registered when the stream is run.
   */
  readonly addWatch: (
    path: string,
    options?: { readonly recursive?: boolean | undefined }
  ) => Effect.Effect<Stream.Stream<WatchedEvent, ZooKeeperError>, ZooKeeperError, Scope.Scope>
  /**
   * Removes the client's one-shot watches of a type on the node, on the server and locally (the
   * Java client's `removeAllWatches`); `local` only removes them locally. Each removed callback
   * gets a `DATA_WATCH_REMOVED` (data and exists watches) or `CHILD_WATCH_REMOVED` event. While a
   * persistent watch is on the node the removal is local too (ZooKeeper 3.6–3.8 would drop the
   * persistent watch along with the type's), and it fails with NoWatcherError when the client has
   * no one-shot watch of the type there. On a closed client every form fails with ClientClosedError.
   *
   * With `watch`, only that callback's watches of the type go (the Java client's `removeWatches`
   * with a watcher), the client's others on the node stay; it fails with NoWatcherError when the
   * callback has none there (even with `local`). The server keeps one data and one children watch
   * per session and node, whatever the number of callbacks behind them: it is asked to remove one
   * only when the callback was the client's last behind it, no read that would set it again is
   * awaiting its reply and no persistent watch is on the node (ZooKeeper 3.6–3.8 would drop that
   * too); otherwise the removal is local and the server's watch fires to no one at the next
   * change. (The Java client never asks the server, only checks that it holds the watch.) A
   * callback set through a `withChroot` view is removed through that view.
   *
   * Persistent watches (`watch`, `addWatch`) have no callback to name: they are removed by ending
   * their stream or scope.
   */
  readonly removeWatches: (
    path: string,
    type: WatcherType,
    options?: { readonly local?: boolean | undefined; readonly watch?: WatchCallback | undefined }
  ) => Effect.Effect<void, ZooKeeperError>
  /** Runs an effect with the client's command retry policy. */
  readonly retry: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, Retry.RetriedError<E>, R>
  /** The current state. */
  readonly state: Effect.Effect<ClientState>
  /** The state now and every change after. */
  readonly stateChanges: Stream.Stream<ClientState>
  /** Whether the client is connected (CONNECTED or CONNECTED_RO). */
  readonly connected: Effect.Effect<boolean>
  /** The session id and password (kazoo's `client_id`), once a session exists. */
  readonly clientId: Effect.Effect<Option.Option<ClientId>>
  /** Adds a state listener. */
  readonly addListener: (listener: StateListener) => Effect.Effect<void>
  /** Removes a state listener. */
  readonly removeListener: (listener: StateListener) => Effect.Effect<void>
  /** Adds a state listener for the lifetime of the scope. */
  readonly listen: (listener: StateListener) => Effect.Effect<void, never, Scope.Scope>
  /** Changes the servers at run time (the chroot cannot change). */
  readonly setHosts: (hosts: string) => Effect.Effect<void, ConfigurationError>
  /** Drops the current connection and reconnects, keeping the session. */
  readonly restart: Effect.Effect<void>
  /** Closes the session (ephemeral nodes go) and the client. Also done when the scope closes. */
  readonly close: Effect.Effect<void>
  /** The chroot of the connect string (for a {@link ZooKeeperClient.withChroot} view, the view's), or undefined. */
  readonly chroot: string | undefined
  /**
   * A view of this client whose chroot is `path` under this client's own, on the same session
   * and connection (Curator's `usingNamespace`): its paths, the paths it returns and its watch
   * events are relative to it, so a recipe or a subsystem can be given its own corner of the
   * tree. Nothing is created: make the node first (`ensurePath`). State, listeners, `setHosts`
   * (which takes the connection's connect string), `restart` and `close` are the session's,
   * shared by every view. Fails with InvalidArgumentError for an invalid path.
   */
  readonly withChroot: (path: string) => Effect.Effect<ZooKeeperClient, InvalidArgumentError>
  /** Removes the chroot from a server path (kazoo's `unchroot`). */
  readonly unchroot: (serverPath: string) => string
  /** The server we are connected to (`host:port`), if any. */
  readonly connectedServer: Effect.Effect<Option.Option<string>>
  /** Waits until connected; false if the timeout passed first. */
  readonly awaitConnected: (timeoutMillis: number) => Effect.Effect<boolean>
}

/**
 * The client service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class ZooKeeper extends Context.Tag("@effect-zk/core/ZooKeeper")<ZooKeeper, ZooKeeperClient>() {}

/**
 * Builds a client: connects in the background (the Effect completes once the first connection
 * is established, or fails after `connectTimeout` × servers with ConnectionLoss — the client
 * keeps trying in the background either way only if `waitForConnection` is false). Closing the
 * scope closes the session and stops the client's fibers and queues.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options & { readonly waitForConnection?: boolean | undefined }
): Effect.Effect<ZooKeeperClient, ConfigurationError | ZooKeeperError, Scope.Scope | ZooKeeperHandler> =>
  Effect.flatMap(ZooKeeperConfig.resolve(options), (config) =>
    Effect.map(makeClient(config, options.waitForConnection ?? true), (made) => made.client)
  )

/**
 * A layer providing {@link ZooKeeper} from options. Needs a platform's handler layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options & { readonly waitForConnection?: boolean | undefined }
): Layer.Layer<ZooKeeper, ConfigurationError | ZooKeeperError, ZooKeeperHandler> =>
  Layer.scoped(ZooKeeper, make(options))

/**
 * A layer providing {@link ZooKeeper} from Effect `Config` (by default `ZK_HOSTS`, ... from
 * the environment; see `ZooKeeperConfig.config`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> = ZooKeeperConfig.config
): Layer.Layer<
  ZooKeeper,
  ConfigurationError | ZooKeeperError | ConfigError.ConfigError,
  ZooKeeperHandler
> => Layer.scoped(ZooKeeper, Effect.flatMap(config, (options) => make(options)))
