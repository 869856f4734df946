/**
 * The in-memory client: the `ZooKeeperClient` service over an {@link Engine}, operation by
 * operation as the real client does it (same argument checks, error contexts, chroot handling,
 * spans, watches as callbacks / Effects / Streams, kazoo's recursive delete and makepath), so
 * code under test cannot tell the difference.
 */
import {
  Acl,
  type ClientState,
  ConnectString,
  Handler,
  Path,
  Retry,
  type Stat,
  type ZooKeeper,
  type ZooKeeperConfig,
  ZooKeeperError,
  ZooKeeperMetrics
} from "@effect-zk/core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Take from "effect/Take"
import { Engine, type WatchRequest } from "./engine.js"
import {
  checkPath,
  checkVersion,
  createBody,
  EMPTY,
  readOps,
  readResults,
  toBytes,
  transactionOps,
  transactionResults
} from "./requests.js"
import type { Server } from "./server.js"
import type { WatchKind, Watcher } from "./watches.js"

type Error = ZooKeeperError.ZooKeeperError
type WatchedEvent = ClientState.WatchedEvent
type ACL = Acl.ACL

const NO_NODE = -101
const NO_WATCHER = -121
/** The local kinds each removeWatches type removes. */
const REMOVED_KINDS: Readonly<Record<ZooKeeper.WatcherType, ReadonlyArray<WatchKind>>> = {
  children: ["child"],
  data: ["data", "exist"],
  any: ["data", "exist", "child"]
}

const toEffect = (result: Effect.Effect<void, unknown> | void): Effect.Effect<void, unknown> =>
  Effect.isEffect(result) ? result : Effect.void

const tracedOnly = <A, E, R>(op: string, path: string | undefined, effect: Effect.Effect<A, E, R>) =>
  Effect.withSpan(effect, `zk.${op}`, {
    kind: "client",
    attributes:
      path === undefined
        ? { "db.system.name": "zookeeper", "db.operation.name": op }
        : { "db.system.name": "zookeeper", "db.operation.name": op, "zk.path": path }
  })

/** `tracedOnly`, also counted and timed (ZooKeeperMetrics) for a client made with `metrics: true`, as the real client does. */
const tracedFor =
  (metrics: boolean) =>
  <A, E, R>(op: string, path: string | undefined, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    metrics ? ZooKeeperMetrics.measure(op, tracedOnly(op, path, effect)) : tracedOnly(op, path, effect)

/** A client of the in-memory server, closed with the scope. */
export const makeClient = (server: Server, config: ZooKeeperConfig.Resolved, waitForConnection: boolean) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const sessionQueue = yield* Handler.makeCallbackQueue("session")
    const watchQueue = yield* Handler.makeCallbackQueue("watch")
    const stateRef = yield* SubscriptionRef.make<ClientState.ClientState>({ state: "LOST", keeperState: "CONNECTING" })
    const listeners = new Set<(state: ClientState.ClientState) => Effect.Effect<void, unknown>>()
    const clock = yield* Effect.clock
    const engine = new Engine(server, config, clock, { session: sessionQueue }, stateRef, listeners)
    const chroot = Path.makeChroot(config.chroot)
    server.endpoints.add(engine)
    engine.loopFiber = yield* Effect.forkIn(engine.run, scope)
    yield* Effect.addFinalizer(() => engine.close())
    const client = operations(engine, config, chroot, watchQueue, listeners, stateRef)
    engine.client = client
    if (config.chroot !== undefined) {
      const root = config.chroot
      yield* Effect.forkIn(
        Effect.gen(function* () {
          if (!(yield* engine.awaitConnected(config.sessionTimeoutMillis))) return
          const exists = yield* Effect.either(engine.request("exists", { path: root, watch: false }, { op: "exists", path: "/" }))
          if (exists._tag === "Left" && exists.left._tag === "NoNodeError") {
            yield* Effect.logWarning(`effect-zk: the chroot ${root} does not exist; create it (e.g. ensurePath without chroot) before use`)
          }
        }),
        scope
      )
    }
    if (waitForConnection) {
      const ok = yield* engine.awaitConnected(Math.max(config.connectTimeoutMillis * config.servers.length, config.sessionTimeoutMillis))
      if (!ok) return yield* engine.terminal ?? new ZooKeeperError.ConnectionLossError({ op: "connect", path: undefined })
    }
    return { client, engine }
  })

const operations = (
  engine: Engine,
  config: ZooKeeperConfig.Resolved,
  chroot: Path.Chroot,
  watchQueue: Handler.CallbackQueue,
  listeners: Set<(state: ClientState.ClientState) => Effect.Effect<void, unknown>>,
  stateRef: SubscriptionRef.SubscriptionRef<ClientState.ClientState>
): ZooKeeper.ZooKeeperClient => {
  const traced = tracedFor(config.metrics)
  const defaultAcl = config.defaultAcl ?? Acl.OPEN_ACL_UNSAFE
  /** kazoo: an empty ACL list means the client's default ACL. */
  const aclOf = (acl: ReadonlyArray<ACL> | undefined) => (acl === undefined || acl.length === 0 ? defaultAcl : acl)

  /** The same callback on the same node is one watcher (kazoo's watcher sets). */
  const callbackWatchers = new WeakMap<ZooKeeper.WatchCallback, Watcher>()
  const watcherOf = (callback: ZooKeeper.WatchCallback): Watcher => {
    let w = callbackWatchers.get(callback)
    if (w === undefined) {
      w = (type, serverPath) => {
        const event: WatchedEvent = { type, state: engine.currentKeeperState, path: chroot.strip(serverPath) }
        watchQueue.offer(Effect.suspend(() => toEffect(callback(event))))
      }
      callbackWatchers.set(callback, w)
    }
    return w
  }

  /**
   * A one-shot watch on `serverPath` as an Effect; fails when the session is lost first.
   * `unwatch` removes this watcher only and tells it so, unless it fired (as the real client's).
   */
  const deferredWatch = (serverPath: string) => {
    const deferred = Deferred.unsafeMake<WatchedEvent, Error>(FiberId.none)
    const lost = (error: Error) => {
      Deferred.unsafeDone(deferred, Exit.fail(error))
    }
    engine.onSessionLost.add(lost)
    const watcher: Watcher = (type, serverPath) => {
      engine.onSessionLost.delete(lost)
      Deferred.unsafeDone(deferred, Exit.succeed({ type, state: engine.currentKeeperState, path: chroot.strip(serverPath) }))
    }
    const unwatch = Effect.sync(() => {
      engine.onSessionLost.delete(lost)
      for (const kind of ["child", "data", "exist"] as const) {
        if (engine.registry.remove(kind, serverPath, watcher)) {
          watcher(kind === "child" ? "CHILD_WATCH_REMOVED" : "DATA_WATCH_REMOVED", serverPath)
          return
        }
      }
    })
    return { watcher, event: Deferred.await(deferred), unwatch }
  }

  const watchRequest = (serverPath: string, watcher: Watcher | undefined, kindFor: (err: number) => WatchKind | undefined) =>
    watcher === undefined ? undefined : ({ serverPath, watcher, kindFor } satisfies WatchRequest)

  const existsRaw = (path: string, watcher: Watcher | undefined): Effect.Effect<Option.Option<Stat.ZnodeStat>, Error> => {
    const bad = checkPath(path, "exists")
    if (bad !== undefined) return Effect.fail(bad)
    const serverPath = chroot.prefix(path)
    const watch = watchRequest(serverPath, watcher, (err) => (err === 0 ? "data" : err === NO_NODE ? "exist" : undefined))
    return engine.request("exists", { path: serverPath, watch: watcher !== undefined }, { op: "exists", path }, watch).pipe(
      Effect.map((r) => Option.some(r.stat)),
      Effect.catchIf(
        (e): e is Error => e._tag === "NoNodeError",
        () => Effect.succeed(Option.none())
      )
    )
  }

  const getRaw = (path: string, watcher: Watcher | undefined): Effect.Effect<ZooKeeper.NodeData, Error> => {
    const bad = checkPath(path, "get")
    if (bad !== undefined) return Effect.fail(bad)
    const serverPath = chroot.prefix(path)
    const watch = watchRequest(serverPath, watcher, (err) => (err === 0 ? "data" : undefined))
    return engine.request("getData", { path: serverPath, watch: watcher !== undefined }, { op: "get", path }, watch)
  }

  /** getData of `/zookeeper/config`, outside any chroot, as the real client's getConfig. */
  const configRaw = (watcher: Watcher | undefined): Effect.Effect<ZooKeeper.NodeData, Error> => {
    const serverPath = "/zookeeper/config"
    const watch = watchRequest(serverPath, watcher, (err) => (err === 0 ? "data" : undefined))
    return engine.request("getData", { path: serverPath, watch: watcher !== undefined }, { op: "getConfig", path: serverPath }, watch)
  }

  const childrenRaw = (path: string, watcher: Watcher | undefined) => {
    const bad = checkPath(path, "getChildren")
    if (bad !== undefined) return Effect.fail(bad)
    const serverPath = chroot.prefix(path)
    const watch = watchRequest(serverPath, watcher, (err) => (err === 0 ? "child" : undefined))
    return engine.request("getChildren", { path: serverPath, watch: watcher !== undefined }, { op: "getChildren", path }, watch)
  }

  const ensurePathRaw = (path: string, acl: ReadonlyArray<ACL>, container: boolean): Effect.Effect<void, Error> =>
    Effect.suspend(() => {
      if (path === "/") return Effect.void
      const kind = container ? "container" : "persistent"
      const body = { path: chroot.prefix(path), data: EMPTY, acl, kind, sequential: false, ttl: 0 } as const
      return engine.request("create", body, { op: "ensurePath", path }).pipe(
        Effect.asVoid,
        Effect.catchIf(
          (e): e is Error => e._tag === "NodeExistsError" || e._tag === "NoNodeError",
          (e) =>
            e._tag === "NodeExistsError"
              ? Effect.void
              : Effect.zipRight(ensurePathRaw(Path.parent(path), acl, container), ensurePathRaw(path, acl, container))
        )
      )
    })

  const createRaw = (path: string, options: ZooKeeper.CreateOptions, withStat: boolean) =>
    Effect.suspend(() => {
      const op = withStat ? "createWithStat" : "create"
      const acl = aclOf(options.acl)
      const body = createBody(path, chroot.prefix(path, options.sequence === true), options, op, config.maxDataLength, acl)
      if (body instanceof ZooKeeperError.InvalidArgumentError) return Effect.fail(body)
      const once = Effect.map(engine.request("create", body, { op, path }), (r) => ({
        path: chroot.strip(r.path),
        stat: r.stat
      }))
      if (options.makepath === undefined || options.makepath === false) return once
      const containers = options.makepath === "containers"
      return Effect.catchIf(
        once,
        (e): e is Error => e._tag === "NoNodeError",
        () => Effect.zipRight(ensurePathRaw(Path.parent(path), acl, containers), once)
      )
    })

  const deleteRecursive = (path: string): Effect.Effect<void, Error> =>
    Effect.gen(function* () {
      const serverPath = chroot.prefix(path)
      const children = yield* engine.request("getChildren", { path: serverPath, watch: false }, { op: "delete", path }).pipe(
        Effect.map((r) => r.children),
        Effect.catchIf(
          (e): e is Error => e._tag === "NoNodeError",
          () => Effect.succeed([] as ReadonlyArray<string>)
        )
      )
      yield* Effect.forEach(children, (child) => deleteRecursive(path === "/" ? `/${child}` : `${path}/${child}`), {
        concurrency: 16,
        discard: true
      })
      if (path === "/") return
      yield* engine
        .request("delete", { path: serverPath, version: -1 }, { op: "delete", path })
        .pipe(Effect.catchIf((e): e is Error => e._tag === "NoNodeError", () => Effect.void))
    })

  const command = (word: string): Effect.Effect<string, Error> =>
    Effect.suspend((): Effect.Effect<string, Error> => {
      if (!/^[a-z]{4}$/.test(word)) {
        return Effect.fail(
          new ZooKeeperError.InvalidArgumentError({
            op: "command",
            argument: "word",
            reason: `a four-letter word is four lower-case letters, got ${JSON.stringify(word)}`
          })
        )
      }
      if (engine.closing) return Effect.fail(new ZooKeeperError.ClientClosedError({ op: "command" }))
      // A separate connection: it needs the server to be reachable, not the session.
      if (!engine.server.canConnect(engine)) return Effect.fail(new ZooKeeperError.ConnectionLossError({ op: "command" }))
      return Effect.succeed(engine.server.command(word))
    })

  /** Removes the one-shot watchers of the kinds on the path (only `watcher`, when given), telling each once per event type, as the real client. */
  const removeLocal = (serverPath: string, kinds: ReadonlyArray<WatchKind>, watcher?: Watcher) => {
    const removed = { DATA_WATCH_REMOVED: new Set<Watcher>(), CHILD_WATCH_REMOVED: new Set<Watcher>() }
    for (const kind of kinds) {
      const into = removed[kind === "child" ? "CHILD_WATCH_REMOVED" : "DATA_WATCH_REMOVED"]
      if (watcher !== undefined) {
        if (engine.registry.remove(kind, serverPath, watcher)) into.add(watcher)
        continue
      }
      const set = engine.registry.table(kind).get(serverPath)
      if (set === undefined) continue
      engine.registry.table(kind).delete(serverPath)
      for (const w of set) into.add(w)
    }
    for (const type of ["CHILD_WATCH_REMOVED", "DATA_WATCH_REMOVED"] as const) {
      for (const w of removed[type]) w(type, serverPath)
    }
  }

  /**
   * removeWatches of one callback, as the real client: NoWatcher unless it has a watch of the
   * kinds there; the server is asked to remove a table's watch (data: getData and exists; child:
   * getChildren) only when the callback was our last watcher feeding it and no persistent watch
   * is on the node (ZooKeeper 3.8 drops those with it). A connected request is answered at once
   * here, so no read that sets a watch awaits its reply (those waiting for a connection are not
   * looked at).
   */
  const removeOne = (
    path: string,
    serverPath: string,
    kinds: ReadonlyArray<WatchKind>,
    callback: ZooKeeper.WatchCallback,
    local: boolean
  ): Effect.Effect<void, Error> => {
    const ctx = { op: "removeWatches", path }
    const watcher = callbackWatchers.get(callback)
    const held = kinds.filter((kind) => watcher !== undefined && engine.registry.table(kind).get(serverPath)?.has(watcher) === true)
    if (watcher === undefined || held.length === 0) return Effect.fail(ZooKeeperError.fromCode(NO_WATCHER, ctx))
    const removeHere = Effect.sync(() => removeLocal(serverPath, kinds, watcher))
    if (local) return removeHere
    const lastOf = (table: ReadonlyArray<WatchKind>) => {
      if (!held.some((k) => table.includes(k))) return false
      for (const kind of table) {
        const set = engine.registry.table(kind).get(serverPath)
        if (set !== undefined && (set.size > 1 || !set.has(watcher))) return false
      }
      return !engine.registry.has(["persistent", "persistentRecursive"], serverPath)
    }
    const data = lastOf(["data", "exist"])
    const child = lastOf(["child"])
    if (!data && !child) return removeHere
    const type = data && child ? "any" : data ? "data" : "children"
    return Effect.zipRight(engine.request("removeWatches", { path: serverPath, type }, ctx), removeHere)
  }

  /** A persistent watch for the scope's lifetime, as the real client keeps it (ZooKeeper 3.8 rules for its removal). */
  const addWatchScoped = (
    path: string,
    recursive: boolean,
    onEvent: (event: WatchedEvent) => void,
    onLost: (error: Error) => void
  ): Effect.Effect<void, Error, Scope.Scope> =>
    Effect.gen(function* () {
      const bad = checkPath(path, "watch")
      if (bad !== undefined) return yield* bad
      const serverPath = chroot.prefix(path)
      const kind: WatchKind = recursive ? "persistentRecursive" : "persistent"
      const watcher: Watcher = (type, p) => onEvent({ type, state: engine.currentKeeperState, path: chroot.strip(p) })
      engine.onSessionLost.add(onLost)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          engine.onSessionLost.delete(onLost)
          engine.registry.remove(kind, serverPath, watcher)
          if (engine.registry.table(kind).has(serverPath) || engine.closed || engine.conn === undefined) return Effect.void
          // ZooKeeper 3.8 cannot remove one persistent mode; removing "any" would also drop our
          // one-shot watches on the node, so it is only done when there are none.
          if (engine.registry.has(["data", "exist", "child", "persistent", "persistentRecursive"], serverPath)) return Effect.void
          return engine
            .request("removeWatches", { path: serverPath, type: "any" }, { op: "removeWatches", path })
            .pipe(Effect.ignore)
        })
      )
      // as the real client: a registration whose reply was lost is sent again once connected
      yield* engine
        .request(
          "addWatch",
          { path: serverPath, recursive },
          { op: "watch", path },
          { serverPath, watcher, kindFor: (err) => (err === 0 ? kind : undefined) }
        )
        .pipe(Effect.retry({ times: 3, while: (e) => e._tag === "ConnectionLossError" }))
    }).pipe((eff) => traced("addWatch", path, eff))

  const listenerWrappers = new Map<ZooKeeper.StateListener, (state: ClientState.ClientState) => Effect.Effect<void, unknown>>()
  const addListener = (listener: ZooKeeper.StateListener) =>
    Effect.sync(() => {
      if (listenerWrappers.has(listener)) return
      const wrapped = (state: ClientState.ClientState) => Effect.suspend(() => toEffect(listener(state)))
      listenerWrappers.set(listener, wrapped)
      listeners.add(wrapped)
    })
  const removeListener = (listener: ZooKeeper.StateListener) =>
    Effect.sync(() => {
      const wrapped = listenerWrappers.get(listener)
      if (wrapped === undefined) return
      listenerWrappers.delete(listener)
      listeners.delete(wrapped)
    })

  const withPath = <A>(op: string, path: string, run: () => Effect.Effect<A, Error>) =>
    traced(
      op,
      path,
      Effect.suspend(() => {
        const bad = checkPath(path, op)
        return bad === undefined ? run() : Effect.fail(bad)
      })
    )

  const oneShot = <A>(op: string, path: string, serverPath: string, run: (watcher: Watcher) => Effect.Effect<A, Error>) =>
    traced(
      op,
      path,
      Effect.suspend(() => {
        const w = deferredWatch(serverPath)
        return run(w.watcher).pipe(
          Effect.map((value) => ({ ...value, event: w.event, unwatch: w.unwatch })),
          Effect.onError(() => w.unwatch)
        )
      })
    )

  return {
    create: (path, options = {}) => traced("create", path, Effect.map(createRaw(path, options, false), (r) => r.path)),
    createWithStat: (path, options = {}) => traced("create", path, createRaw(path, options, true)),
    ensurePath: (path, options = {}) =>
      withPath("ensurePath", path, () => ensurePathRaw(path, aclOf(options.acl), options.container === true)),
    exists: (path, options = {}) =>
      traced("exists", path, existsRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch))),
    existsAndWatch: (path) =>
      traced(
        "exists",
        path,
        Effect.suspend(() => {
          const w = deferredWatch(chroot.prefix(path))
          return existsRaw(path, w.watcher).pipe(
            Effect.map((stat) => ({ stat, event: w.event, unwatch: w.unwatch })),
            Effect.onError(() => w.unwatch)
          )
        })
      ),
    get: (path, options = {}) =>
      traced("get", path, getRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch))),
    getAndWatch: (path) => oneShot("get", path, chroot.prefix(path), (w) => getRaw(path, w)),
    getConfig: (options = {}) =>
      traced("getConfig", "/zookeeper/config", configRaw(options.watch === undefined ? undefined : watcherOf(options.watch))),
    getConfigAndWatch: oneShot("getConfig", "/zookeeper/config", "/zookeeper/config", configRaw),
    getChildren: (path, options = {}) =>
      traced(
        "getChildren",
        path,
        Effect.map(childrenRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch)), (r) => r.children)
      ),
    getChildrenWithStat: (path, options = {}) =>
      traced("getChildren", path, childrenRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch))),
    getChildrenAndWatch: (path) => oneShot("getChildren", path, chroot.prefix(path), (w) => childrenRaw(path, w)),
    set: (path, data, options = {}) =>
      traced(
        "set",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "set") ?? checkVersion(options.version, "set", path)
          if (bad !== undefined) return Effect.fail(bad)
          const bytes = toBytes(data)
          const tooBig = Path.validateData(bytes, config.maxDataLength, { op: "set", path })
          if (tooBig !== undefined) return Effect.fail(tooBig)
          const body = { path: chroot.prefix(path), data: bytes, version: options.version ?? -1 }
          return Effect.map(engine.request("setData", body, { op: "set", path }), (r) => r.stat)
        })
      ),
    delete: (path, options = {}) =>
      traced(
        "delete",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "delete") ?? checkVersion(options.version, "delete", path)
          if (bad !== undefined) return Effect.fail(bad)
          const reserved = Path.validateWrite(chroot.prefix(path), "delete", { op: "delete", path })
          if (reserved !== undefined) return Effect.fail(reserved)
          if (options.recursive === true) return deleteRecursive(path)
          const body = { path: chroot.prefix(path), version: options.version ?? -1 }
          return Effect.asVoid(engine.request("delete", body, { op: "delete", path }))
        })
      ),
    getAcls: (path) =>
      withPath("getAcls", path, () => engine.request("getACL", { path: chroot.prefix(path) }, { op: "getAcls", path })),
    setAcls: (path, acl, options = {}) =>
      traced(
        "setAcls",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "setAcls") ?? checkVersion(options.version, "setAcls", path)
          if (bad !== undefined) return Effect.fail(bad)
          const body = { path: chroot.prefix(path), acl, version: options.version ?? -1 }
          return Effect.map(engine.request("setACL", body, { op: "setAcls", path }), (r) => r.stat)
        })
      ),
    addAuth: (scheme, credential) =>
      traced(
        "addAuth",
        undefined,
        Effect.suspend(() =>
          scheme.length === 0
            ? Effect.fail(new ZooKeeperError.InvalidArgumentError({ op: "addAuth", argument: "scheme", reason: "must not be empty" }))
            : engine.addAuth(scheme, typeof credential === "string" ? Redacted.make(credential) : credential)
        )
      ),
    sync: (path) =>
      withPath("sync", path, () =>
        Effect.map(engine.request("sync", { path: chroot.prefix(path) }, { op: "sync", path }), (r) => chroot.strip(r.path))
      ),
    transaction: (ops) =>
      traced(
        "transaction",
        ops[0]?.path,
        Effect.suspend(() => {
          const multi = transactionOps(ops, chroot.prefix, config.maxDataLength, aclOf)
          if (multi instanceof ZooKeeperError.InvalidArgumentError) return Effect.fail(multi)
          if (multi.length === 0) return Effect.succeed([])
          return Effect.flatMap(
            engine.request("multi", { ops: multi }, { op: "transaction", path: ops[0]?.path }),
            (r) => transactionResults(ops, r.results, chroot.strip)
          )
        })
      ),
    multiRead: (ops) =>
      traced(
        "multiRead",
        ops[0]?.path,
        Effect.suspend(() => {
          const reads = readOps(ops, chroot.prefix)
          if (reads instanceof ZooKeeperError.InvalidArgumentError) return Effect.fail(reads)
          if (reads.length === 0) return Effect.succeed([])
          return Effect.map(engine.request("multiRead", { ops: reads }, { op: "multiRead", path: ops[0]?.path }), (r) =>
            readResults(ops, r.results)
          )
        })
      ),
    reconfig: () =>
      traced(
        "reconfig",
        undefined,
        Effect.flatMap(engine.request("reconfig", {}, { op: "reconfig" }), () =>
          Effect.fail(ZooKeeperError.fromCode(-123, { op: "reconfig" }))
        )
      ),
    command: (word) => traced("command", undefined, command(word)),
    serverVersion: traced(
      "serverVersion",
      undefined,
      Effect.flatMap(command("srvr"), (text) => {
        const m = /version:\s*(\d+)\.(\d+)\.(\d+)/i.exec(text)
        return m === null
          ? Effect.fail(
              new ZooKeeperError.InvalidArgumentError({
                op: "serverVersion",
                argument: "reply",
                reason: `no version in the server's srvr reply: ${JSON.stringify(text.slice(0, 80))}`
              })
            )
          : Effect.succeed([Number(m[1]), Number(m[2]), Number(m[3])])
      }).pipe(Effect.retry({ times: 3, while: (e) => e._tag === "InvalidArgumentError" }))
    ),
    getEphemerals: (prefix = "/") =>
      withPath("getEphemerals", prefix, () =>
        Effect.map(
          engine.request("getEphemerals", { prefix: chroot.prefix(prefix) }, { op: "getEphemerals", path: prefix }),
          (r) => r.paths.map((p) => chroot.strip(p))
        )
      ),
    getAllChildrenNumber: (path) =>
      withPath("getAllChildrenNumber", path, () =>
        Effect.map(
          engine.request("getAllChildrenNumber", { path: chroot.prefix(path) }, { op: "getAllChildrenNumber", path }),
          (r) => r.count
        )
      ),
    whoAmI: traced("whoAmI", undefined, Effect.map(engine.request("whoAmI", {}, { op: "whoAmI" }), (r) => r.ids)),
    addWatch: (path, options = {}) =>
      Effect.gen(function* () {
        const events = yield* Queue.unbounded<Take.Take<WatchedEvent, Error>>()
        // added first, so it runs after the watch's own finalizer: the stream ends with the scope
        yield* Effect.addFinalizer(() => Queue.offer(events, Take.end))
        yield* addWatchScoped(
          path,
          options.recursive === true,
          (event) => Queue.unsafeOffer(events, Take.of(event)),
          (error) => Queue.unsafeOffer(events, Take.fail(error))
        )
        return Stream.flattenTake(Stream.fromQueue(events))
      }),
    watch: (path, options = {}) =>
      Stream.asyncScoped<WatchedEvent, Error>((emit) =>
        addWatchScoped(
          path,
          options.recursive === true,
          (event) => {
            void emit.single(event)
          },
          (error) => {
            void emit.fail(error)
          }
        )
      ),
    removeWatches: (path, type, options = {}) =>
      withPath("removeWatches", path, () => {
        if (engine.closing) return Effect.fail(new ZooKeeperError.ClientClosedError({ op: "removeWatches", path }))
        const serverPath = chroot.prefix(path)
        const kinds = REMOVED_KINDS[type]
        if (options.watch !== undefined) return removeOne(path, serverPath, kinds, options.watch, options.local === true)
        if (options.local === true) return Effect.sync(() => removeLocal(serverPath, kinds))
        if (engine.registry.has(["persistent", "persistentRecursive"], serverPath)) {
          // as the real client: ZooKeeper 3.8 would drop the persistent watch too, so ours go here only
          if (!engine.registry.has(kinds, serverPath)) {
            return Effect.fail(ZooKeeperError.fromCode(NO_WATCHER, { op: "removeWatches", path }))
          }
          return Effect.sync(() => removeLocal(serverPath, kinds))
        }
        return Effect.zipRight(
          engine.request("removeWatches", { path: serverPath, type }, { op: "removeWatches", path }),
          Effect.sync(() => removeLocal(serverPath, kinds))
        )
      }),
    retry: (effect) => Retry.retry(effect, config.commandRetry),
    state: SubscriptionRef.get(stateRef),
    stateChanges: stateRef.changes,
    connected: Effect.map(SubscriptionRef.get(stateRef), (s) => s.state === "CONNECTED"),
    clientId: Effect.sync(() =>
      engine.sessionId === 0n ? Option.none() : Option.some({ sessionId: engine.sessionId, password: engine.password })
    ),
    addListener,
    removeListener,
    listen: (listener) => Effect.acquireRelease(addListener(listener), () => removeListener(listener)),
    setHosts: (hosts) =>
      Effect.gen(function* () {
        const cs = yield* ConnectString.parse(hosts)
        if (cs.chroot !== config.chroot) {
          return yield* new ZooKeeperError.ConfigurationError({
            field: "hosts",
            reason: `the chroot cannot change at run time (is ${config.chroot ?? "none"}, got ${cs.chroot ?? "none"})`
          })
        }
      }),
    restart: Effect.sync(() => engine.dropConnection()),
    close: engine.close(),
    chroot: chroot.chroot,
    withChroot: (path) =>
      Effect.suspend(() => {
        const bad = Path.validate(path, { op: "withChroot" })
        if (bad !== undefined) return Effect.fail(bad)
        return Effect.succeed(
          operations(engine, config, Path.makeChroot(chroot.prefix(path)), watchQueue, listeners, stateRef)
        )
      }),
    unchroot: (serverPath) => chroot.strip(serverPath),
    connectedServer: Effect.sync(() => Option.fromNullable(engine.connectedServer)),
    awaitConnected: (timeoutMillis) => engine.awaitConnected(timeoutMillis)
  }
}
