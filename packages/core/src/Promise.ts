/**
 * The promise facade, for scripts that do not use Effect: the same client, with async
 * methods. Each promise settles in the order of the client's completion queue (at once when
 * nothing waits there), in the order the replies arrive, so a slow `.then` never delays watch
 * callbacks or state listeners, which have queues of their own. The single-request operations (get, exists, set, delete, a plain create) run
 * without a fiber. Rejections are the same tagged errors as the Effect API
 * (`err._tag === "NoNodeError"`, ...).
 *
 * Use a platform package's `connect()` (e.g. `@effect-zk/platform-node`).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import type { ACL } from "./Acl.js"
import type { ClientState, WatchedEvent } from "./ClientState.js"
import { type Handler, ZooKeeperHandler } from "./Handler.js"
import { makeClient, type Operations } from "./internal/client.js"
import type { ZnodeStat } from "./Stat.js"
import type { ZooKeeperError } from "./ZooKeeperError.js"
import type * as MultiRead from "./MultiRead.js"
import type * as Transaction from "./Transaction.js"
import type { CreateOptions, NodeData, WatcherType, ZooKeeperClient } from "./ZooKeeper.js"
import * as ZooKeeperConfig from "./ZooKeeperConfig.js"

/**
 * A watch callback of the promise facade; runs on the watch queue.
 *
 * @since 0.1.0
 * @category models
 */
export type PromiseWatchCallback = (event: WatchedEvent) => void | Promise<void>

/**
 * The client with async methods. Mirrors `ZooKeeperClient`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseZooKeeper {
  create(path: string, options?: CreateOptions): Promise<string>
  createWithStat(path: string, options?: CreateOptions): Promise<{ readonly path: string; readonly stat: ZnodeStat }>
  ensurePath(
    path: string,
    options?: { readonly acl?: ReadonlyArray<ACL>; readonly container?: boolean | undefined }
  ): Promise<void>
  exists(path: string, options?: { readonly watch?: PromiseWatchCallback }): Promise<ZnodeStat | undefined>
  get(path: string, options?: { readonly watch?: PromiseWatchCallback }): Promise<NodeData>
  getChildren(path: string, options?: { readonly watch?: PromiseWatchCallback }): Promise<ReadonlyArray<string>>
  getChildrenWithStat(
    path: string,
    options?: { readonly watch?: PromiseWatchCallback }
  ): Promise<{ readonly children: ReadonlyArray<string>; readonly stat: ZnodeStat }>
  set(path: string, data: Transaction.Bytes, options?: { readonly version?: number }): Promise<ZnodeStat>
  delete(path: string, options?: { readonly version?: number; readonly recursive?: boolean }): Promise<void>
  getAcls(path: string): Promise<{ readonly acl: ReadonlyArray<ACL>; readonly stat: ZnodeStat }>
  setAcls(path: string, acl: ReadonlyArray<ACL>, options?: { readonly version?: number }): Promise<ZnodeStat>
  addAuth(scheme: string, credential: string): Promise<void>
  sync(path: string): Promise<string>
  transaction(ops: ReadonlyArray<Transaction.Op>): Promise<ReadonlyArray<Transaction.Result>>
  multiRead(ops: ReadonlyArray<MultiRead.Op>): Promise<ReadonlyArray<MultiRead.Result>>
  /** The ensemble's configuration (`/zookeeper/config`, whatever the chroot); `ServerConfig.parseSync` reads it. */
  getConfig(options?: { readonly watch?: PromiseWatchCallback }): Promise<NodeData>
  /** Reconfigures the ensemble (ZooKeeper 3.5+); the new configuration. */
  reconfig(options: {
    readonly joining?: string
    readonly leaving?: string
    readonly newMembers?: string
    readonly fromConfig?: bigint
  }): Promise<NodeData>
  command(word: string): Promise<string>
  serverVersion(): Promise<ReadonlyArray<number>>
  getEphemerals(prefix?: string): Promise<ReadonlyArray<string>>
  getAllChildrenNumber(path: string): Promise<number>
  whoAmI(): Promise<ReadonlyArray<{ readonly scheme: string; readonly user: string }>>
  /**
   * Removes the client's one-shot watches of a type on the node; with `watch`, only that
   * callback's (the same function given to `get`, `exists`, `getChildren`...): see the Effect
   * API's `removeWatches`.
   */
  removeWatches(
    path: string,
    type: WatcherType,
    options?: { readonly local?: boolean; readonly watch?: PromiseWatchCallback }
  ): Promise<void>
  /** Calls `onEvent` (on the watch queue) for every event of a persistent watch until the returned function is called. */
  watch(
    path: string,
    onEvent: (event: WatchedEvent) => void,
    options?: { readonly recursive?: boolean; readonly onError?: (error: unknown) => void }
  ): Promise<() => Promise<void>>
  state(): Promise<ClientState>
  addListener(listener: (state: ClientState) => void): void
  removeListener(listener: (state: ClientState) => void): void
  clientId(): Promise<{ readonly sessionId: bigint; readonly password: Uint8Array } | undefined>
  restart(): Promise<void>
  /** Closes the session and the client (of every view, see `withChroot`). */
  close(): Promise<void>
  /**
   * The Effect API client behind this facade, on the same session: for the recipes' promise
   * forms (`PromiseRecipes` in `@effect-zk/recipes`) and for code that mixes both.
   */
  readonly client: ZooKeeperClient
  /** This facade's chroot (the connect string's, or a `withChroot` view's), or undefined. */
  readonly chroot: string | undefined
  /**
   * A view whose chroot is `path` under this one, on the same session and connection
   * (Curator's `usingNamespace`; the Effect API's `withChroot`): its paths, the paths it
   * returns and its watch events are relative to it. Nothing is created: make the node first
   * (`ensurePath`). State, listeners, `restart` and `close` are the session's. Throws
   * InvalidArgumentError for an invalid path.
   */
  withChroot(path: string): PromiseZooKeeper
}

/**
 * Connects with the given platform handler (or a layer providing one); see the platform
 * packages' `connect`, which give their handler (a little quicker to start than a layer).
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = async (
  options: ZooKeeperConfig.Options,
  platform: Layer.Layer<ZooKeeperHandler> | Handler
): Promise<PromiseZooKeeper> => {
  const scope = Effect.runSync(Scope.make())
  const make = Effect.flatMap(ZooKeeperConfig.resolve(options), (config) => makeClient(config, true))
  const exit = await Effect.runPromiseExit(
    Scope.extend(
      Layer.isLayer(platform)
        ? Effect.provide(make, platform as Layer.Layer<ZooKeeperHandler>)
        : Effect.provideService(make, ZooKeeperHandler, platform as Handler),
      scope
    )
  )
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  const { queues } = exit.value
  // Every promise settles in the order of the completion queue: on it when tasks wait there,
  // at once when it is idle (settling runs no user code, so the order is the same and the
  // worker's wake-up is saved) or closed.
  const completion = queues.completion
  const settleOnQueue = <A, E>(
    resolve: (a: A) => void,
    reject: (e: unknown) => void
  ): ((result: Exit.Exit<A, E>) => void) => {
    return (result) => {
      const settle = () => (Exit.isSuccess(result) ? resolve(result.value) : reject(Cause.squash(result.cause)))
      if (completion.isIdle() || !completion.offerSync(settle)) settle()
    }
  }
  // Operations of more than one request run as Effects, each in a fiber of its own.
  const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      Effect.runCallback(effect, { onExit: settleOnQueue(resolve, reject) })
    })
  // One WatchCallback per promise callback, so that the same callback set twice on a node is
  // one watcher (as in the Effect API and kazoo); shared by the views.
  const watchCallbacks = new WeakMap<PromiseWatchCallback, (e: WatchedEvent) => Effect.Effect<void>>()
  const watchCallback = (w: PromiseWatchCallback | undefined) => {
    if (w === undefined) return undefined
    let callback = watchCallbacks.get(w)
    if (callback === undefined) {
      callback = (e: WatchedEvent) => Effect.promise(async () => w(e))
      watchCallbacks.set(w, callback)
    }
    return callback
  }
  const watchOption = (w: PromiseWatchCallback | undefined) => {
    const watch = watchCallback(w)
    return watch === undefined ? {} : { watch }
  }
  // The single-request operations: no fiber; the reader settles the promise (see settleOnQueue).
  const fast = <A>(send: (done: (exit: Exit.Exit<A, ZooKeeperError>) => void) => void): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      send(settleOnQueue(resolve, reject))
    })
  const noNodeAsUndefined =
    (done: (exit: Exit.Exit<ZnodeStat | undefined, ZooKeeperError>) => void) =>
    (exit: Exit.Exit<Option.Option<ZnodeStat>, ZooKeeperError>) =>
      done(
        Exit.isSuccess(exit)
          ? Exit.succeed(Option.getOrUndefined(exit.value))
          : exit.cause._tag === "Fail" && exit.cause.error._tag === "NoNodeError"
            ? Exit.succeed(undefined)
            : Exit.failCause(exit.cause)
      )
  const listenerMap = new Map<(state: ClientState) => void, (state: ClientState) => void>()
  let closed = false
  const facade = ({ addWatchScoped, client, direct, view }: Operations): PromiseZooKeeper => ({
    create: (path, o = {}) =>
      new Promise<string>((resolve, reject) => {
        const plain = direct.create(path, o, settleOnQueue(resolve, reject))
        if (!plain) run(client.create(path, o)).then(resolve, reject)
      }),
    createWithStat: (path, o) => run(client.createWithStat(path, o)),
    ensurePath: (path, o) => run(client.ensurePath(path, o)),
    exists: (path, o) =>
      fast<ZnodeStat | undefined>((done) => direct.exists(path, watchCallback(o?.watch), noNodeAsUndefined(done))),
    get: (path, o) =>
      fast<NodeData>((done) => direct.get(path, watchCallback(o?.watch), done)),
    getChildren: (path, o) => run(client.getChildren(path, watchOption(o?.watch))),
    getChildrenWithStat: (path, o) => run(client.getChildrenWithStat(path, watchOption(o?.watch))),
    set: (path, data, o) =>
      fast<ZnodeStat>((done) => direct.set(path, data, o?.version, done)),
    delete: (path, o) =>
      o?.recursive === true
        ? run(client.delete(path, o))
        : fast<void>((done) => direct.delete(path, o?.version, done)),
    getAcls: (path) => run(client.getAcls(path)),
    setAcls: (path, acl, o) => run(client.setAcls(path, acl, o)),
    addAuth: (scheme, credential) => run(client.addAuth(scheme, credential)),
    sync: (path) => run(client.sync(path)),
    transaction: (ops) => run(client.transaction(ops)),
    multiRead: (ops) => run(client.multiRead(ops)),
    getConfig: (o) => run(client.getConfig(watchOption(o?.watch))),
    reconfig: (o) => run(client.reconfig(o)),
    command: (word) => run(client.command(word)),
    serverVersion: () => run(client.serverVersion),
    getEphemerals: (prefix) => run(client.getEphemerals(prefix)),
    getAllChildrenNumber: (path) => run(client.getAllChildrenNumber(path)),
    whoAmI: () => run(client.whoAmI),
    removeWatches: (path, type, o) =>
      run(client.removeWatches(path, type, { local: o?.local, watch: watchCallback(o?.watch) })),
    watch: async (path, onEvent, o) => {
      const watchScope = Effect.runSync(Scope.make())
      await run(
        addWatchScoped(
          path,
          o?.recursive === true,
          (event) => queues.watch.offer(Effect.sync(() => onEvent(event))),
          (error) => queues.watch.offer(Effect.sync(() => o?.onError?.(error)))
        ).pipe(Scope.extend(watchScope), Effect.tapError(() => Scope.close(watchScope, Exit.void)))
      )
      return () => Effect.runPromise(Scope.close(watchScope, Exit.void))
    },
    state: () => run(client.state),
    addListener: (listener) => {
      const wrapped = (state: ClientState) => listener(state)
      listenerMap.set(listener, wrapped)
      Effect.runSync(client.addListener(wrapped))
    },
    removeListener: (listener) => {
      const wrapped = listenerMap.get(listener)
      if (wrapped === undefined) return
      listenerMap.delete(listener)
      Effect.runSync(client.removeListener(wrapped))
    },
    client,
    chroot: client.chroot,
    withChroot: (path) => {
      const made = view(path)
      if ("client" in made) return facade(made)
      throw made
    },
    clientId: () => run(Effect.map(client.clientId, Option.getOrUndefined)),
    restart: () => run(client.restart),
    close: async () => {
      if (closed) return
      closed = true
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })
  return facade(exit.value)
}
