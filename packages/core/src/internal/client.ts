/**
 * The client's operations, on top of the session engine: argument checks, chroot handling,
 * watches as callbacks / Effects / Streams, transactions, spans.
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Take from "effect/Take"
import type * as Tracer from "effect/Tracer"
import * as Acl from "../Acl.js"
import type { ClientState, EventType, WatchedEvent } from "../ClientState.js"
import * as ConnectString from "../ConnectString.js"
import { makeCallbackQueue, ZooKeeperHandler } from "../Handler.js"
import * as Path from "../Path.js"
import * as Retry from "../Retry.js"
import * as Stat from "../Stat.js"
import type * as MultiRead from "../MultiRead.js"
import * as Transaction from "../Transaction.js"
import type { CreateOptions, NodeData, StateListener, WatchCallback, WatcherType, ZooKeeperClient } from "../ZooKeeper.js"
import type { Resolved } from "../ZooKeeperConfig.js"
import { measure, recordOperation } from "../ZooKeeperMetrics.js"
import {
  ClientClosedError,
  ConfigurationError,
  ConnectionLossError,
  type ErrorContext,
  fromCode,
  InvalidArgumentError,
  ProtocolError,
  type ZooKeeperError
} from "../ZooKeeperError.js"
import { type Call, Engine, type FastDecode, type WatchRequest } from "./engine.js"
import { readResults } from "./multiRead.js"
import * as R from "./records.js"
import { ReplyDecoder } from "./replies.js"
import type { WatchKind, Watcher } from "./watchRegistry.js"

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)
const toBytes = (data: Transaction.Bytes | undefined): Uint8Array =>
  data === undefined ? EMPTY : typeof data === "string" ? encoder.encode(data) : data

// removeWatches types for persistent watches (ZooKeeper 3.6+ WatcherType.Persistent / PersistentRecursive).
const WATCHER_TYPE_PERSISTENT = 4
const WATCHER_TYPE_PERSISTENT_RECURSIVE = 5
const NO_NODE = -101
const NO_WATCHER = -121
/** ZooKeeper 3.5+'s configuration node (ZooDefs.CONFIG_NODE), outside every chroot. */
const CONFIG_NODE = "/zookeeper/config"
/** The kinds a one-shot watcher can be registered under. */
const ONE_SHOT_KINDS = ["child", "data", "exist"] as const
/** The kinds of persistent watches. */
const PERSISTENT_KINDS: ReadonlyArray<WatchKind> = ["persistent", "persistentRecursive"]
/** The local kinds each removeWatches type removes. */
const REMOVED_KINDS: Readonly<Record<WatcherType, ReadonlyArray<WatchKind>>> = {
  children: ["child"],
  data: ["data", "exist"],
  any: ["data", "exist", "child"]
}

let nativeTracer: Tracer.Tracer | undefined
/** Effect's own tracer: the one a fiber has when no tracer layer was provided. */
const builtInTracer = (): Tracer.Tracer => (nativeTracer ??= Effect.runSync(Effect.tracer))

const toEffect = (result: Effect.Effect<void, unknown> | void): Effect.Effect<void, unknown> =>
  Effect.isEffect(result) ? result : Effect.void

/** Builds the client; see `ZooKeeper.make`. */
export const makeClient = (config: Resolved, waitForConnection: boolean) =>
  Effect.gen(function* () {
    const handler = yield* ZooKeeperHandler
    const scope = yield* Effect.scope
    const queues = {
      session: yield* makeCallbackQueue("session"),
      watch: yield* makeCallbackQueue("watch"),
      completion: yield* makeCallbackQueue("completion")
    }
    const stateRef = yield* SubscriptionRef.make<ClientState>({ state: "LOST", keeperState: "CONNECTING" })
    const clock = yield* Effect.clock
    const listeners = new Set<(state: ClientState) => Effect.Effect<void, unknown>>()
    const servers = config.randomizeHosts ? yield* ConnectString.shuffle(config.servers) : config.servers
    const engine = new Engine({ ...config, servers }, handler, queues, stateRef, clock, listeners)
    const chroot = Path.makeChroot(config.chroot)
    const fiber = yield* Effect.forkIn(Effect.withScheduler(engine.run, handler.scheduler), scope)
    engine.loopFiber = fiber
    yield* Effect.addFinalizer(() => Effect.zipRight(engine.close(), Fiber.interrupt(fiber)))

    const operations = makeOperations(engine, config, chroot, queues.watch, listeners, stateRef)
    if (config.chroot !== undefined) {
      // kazoo warns when the chroot does not exist: every path would fail with NoNode.
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
      const ok = yield* engine.awaitConnected(
        Math.max(config.connectTimeoutMillis * config.servers.length, config.sessionTimeoutMillis)
      )
      if (!ok) {
        if (engine.terminal === undefined && engine.lastAttemptError !== undefined) {
          yield* Effect.logWarning(`effect-zk: no connection to ${config.hosts}; last attempt: ${engine.lastAttemptError}`)
        }
        return yield* engine.terminal ?? new ConnectionLossError({ op: "connect", path: undefined })
      }
    }
    return { ...operations, queues }
  })

const makeOperations = (
  engine: Engine,
  config: Resolved,
  chroot: ReturnType<typeof Path.makeChroot>,
  watchQueue: { readonly offer: (task: Effect.Effect<void, unknown>) => void },
  listeners: Set<(state: ClientState) => Effect.Effect<void, unknown>>,
  stateRef: SubscriptionRef.SubscriptionRef<ClientState>
): Operations => {
  const defaultAcl = config.defaultAcl ?? Acl.OPEN_ACL_UNSAFE

  // The span of every operation. Under Effect's built-in tracer (no tracer layer provided),
  // whose spans are never exported, it is skipped: making one (random ids, an attribute map,
  // a span context set and restored) costs more client CPU than the request itself. Any other
  // tracer (OpenTelemetry, a test's recorder) gets every span.
  const tracedOnly = <A, E, R>(
    op: string,
    path: string | undefined,
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) =>
      fiber.currentTracer === builtInTracer()
        ? effect
        : Effect.withSpan(effect, `zk.${op}`, {
            kind: "client",
            attributes:
              path === undefined
                ? { "db.system.name": "zookeeper", "db.operation.name": op }
                : { "db.system.name": "zookeeper", "db.operation.name": op, "zk.path": path }
          })
    )

  // With `metrics: true`, every operation is also counted and timed (ZooKeeperMetrics); the
  // choice is made once per client, so a client without metrics pays nothing for them.
  const traced: typeof tracedOnly = config.metrics
    ? (op, path, effect) => measure(op, tracedOnly(op, path, effect))
    : tracedOnly

  /**
   * `traced` for a prepared call, made when the effect runs (validation included): no
   * `Effect.suspend` between the span check and the request.
   */
  const tracedCallOnly = <K extends R.OpName, A>(
    op: string,
    path: string,
    make: () => Call<K, A> | ZooKeeperError
  ): Effect.Effect<A, ZooKeeperError> =>
    Effect.withFiberRuntime((fiber) => {
      const call = make()
      const effect = "body" in call ? engine.callNow(call) : Effect.fail(call)
      return fiber.currentTracer === builtInTracer()
        ? effect
        : Effect.withSpan(effect, `zk.${op}`, {
            kind: "client",
            attributes: { "db.system.name": "zookeeper", "db.operation.name": op, "zk.path": path }
          })
    })
  const tracedCall: typeof tracedCallOnly = config.metrics
    ? (op, path, make) => measure(op, tracedCallOnly(op, path, make))
    : tracedCallOnly

  // The last path found valid (not for a sequential create): a client mostly repeats paths,
  // and validity does not depend on the operation.
  let lastValidPath = "/"
  const checkPath = (path: string, op: string, sequential = false): InvalidArgumentError | undefined => {
    if (!sequential && path === lastValidPath) return undefined
    const bad = Path.validate(path, { op, sequential })
    if (bad === undefined && !sequential) lastValidPath = path
    return bad
  }

  const checkVersion = (version: number | undefined, op: string, path: string) =>
    version === undefined ? undefined : Path.validateVersion(version, { op, path })

  const stat = (record: R.Stat) => Stat.fromRecord(record)
  // Reply mappers for `engine.requestMap`: built once, run as each reply is read.
  const someStat = (r: { readonly stat: R.Stat }) => Option.some(stat(r.stat))
  const statOf = (r: { readonly stat: R.Stat }) => stat(r.stat)
  const toNodeData = (r: { readonly data: Uint8Array | null; readonly stat: R.Stat }): NodeData => ({
    data: r.data ?? EMPTY,
    stat: stat(r.stat)
  })
  const toVoid = (): void => undefined
  const createdPathOnly = (r: { readonly path: string }): string => chroot.strip(r.path)
  // The same, straight from the reply's bytes (the mappers above stay the fallback).
  const replies = new ReplyDecoder()
  const fastNodeData: FastDecode<NodeData> = (b, o, end) => replies.dataReply(b, o, end, EMPTY)
  const fastStat: FastDecode<Stat.ZnodeStat> = (b, o, end) => replies.statReply(b, o, end)
  const fastSomeStat: FastDecode<Option.Option<Stat.ZnodeStat>> = (b, o, end) => {
    const stat = replies.statReply(b, o, end)
    return stat === undefined ? undefined : Option.some(stat)
  }
  const createdPath = (r: { readonly path: string }): { path: string; stat: Stat.ZnodeStat | undefined } => ({
    path: chroot.strip(r.path),
    stat: undefined
  })

  /** A WatchCallback as a registry watcher; the same callback maps to the same watcher (kazoo's sets). */
  const callbackWatchers = new WeakMap<WatchCallback, Watcher>()
  const watcherOf = (callback: WatchCallback): Watcher => {
    let w = callbackWatchers.get(callback)
    if (w === undefined) {
      w = (type: EventType, serverPath: string) => {
        const event: WatchedEvent = { type, state: engine.currentKeeperState, path: chroot.strip(serverPath) }
        watchQueue.offer(Effect.suspend(() => toEffect(callback(event))))
      }
      callbackWatchers.set(callback, w)
    }
    return w
  }

  /**
   * A one-shot watch on `serverPath` as an Effect; fails if the session is lost before it fires.
   * `unwatch` removes this watcher only (under whichever kind the reply registered it) and tells
   * it so, unless it fired already; run when the request fails or is interrupted too, it drops
   * the session-loss hook (and a watcher registered just before an interruption).
   */
  const deferredWatch = (serverPath: string) => {
    const deferred = Deferred.unsafeMake<WatchedEvent, ZooKeeperError>(FiberId.none)
    const lost = (error: ZooKeeperError) => {
      Deferred.unsafeDone(deferred, Exit.fail(error))
    }
    engine.onSessionLost.add(lost)
    const watcher: Watcher = (type, serverPath) => {
      engine.onSessionLost.delete(lost)
      Deferred.unsafeDone(
        deferred,
        Exit.succeed({ type, state: engine.currentKeeperState, path: chroot.strip(serverPath) })
      )
    }
    const unwatch = Effect.sync(() => {
      engine.onSessionLost.delete(lost)
      for (const kind of ONE_SHOT_KINDS) {
        if (engine.watches.remove(kind, serverPath, watcher)) {
          watcher(kind === "child" ? "CHILD_WATCH_REMOVED" : "DATA_WATCH_REMOVED", serverPath)
          return
        }
      }
    })
    return { watcher, event: Deferred.await(deferred), unwatch }
  }

  const existsKind = (err: number): WatchKind | undefined =>
    err === 0 ? "data" : err === NO_NODE ? "exist" : undefined
  const dataKind = (err: number): WatchKind | undefined => (err === 0 ? "data" : undefined)
  const childKind = (err: number): WatchKind | undefined => (err === 0 ? "child" : undefined)

  // The hot operations as prepared calls (validated, chroot applied), run as Effects here and
  // sent without a fiber by the promise facade (`direct`).
  /** A read that may leave a watch (exists, getData): the same request body, watch and context shape. */
  const watchedRead =
    <K extends "exists" | "getData", A>(
      op: K,
      ctxOp: string,
      kindFor: (err: number) => WatchKind | undefined,
      map: (response: R.Responses[K]) => A,
      fast: FastDecode<A>
    ) =>
    (path: string, watcher: Watcher | undefined): Call<K, A> | InvalidArgumentError => {
      const bad = checkPath(path, ctxOp)
      if (bad !== undefined) return bad
      const serverPath = chroot.prefix(path)
      return {
        op,
        body: { path: serverPath, watch: watcher !== undefined },
        ctx: { op: ctxOp, path },
        watch: watcher === undefined ? undefined : { serverPath, watcher, kindFor },
        map,
        fast
      }
    }
  const existsCall = watchedRead("exists", "exists", existsKind, someStat, fastSomeStat)
  const isNoNode = (e: ZooKeeperError): e is ZooKeeperError => e._tag === "NoNodeError"
  const none = () => Effect.succeed(Option.none())
  const existsRaw = (
    path: string,
    watcher: Watcher | undefined
  ): Effect.Effect<Option.Option<Stat.ZnodeStat>, ZooKeeperError> => {
    const call = existsCall(path, watcher)
    return call instanceof InvalidArgumentError ? Effect.fail(call) : Effect.catchIf(engine.call(call), isNoNode, none)
  }

  const getCall = watchedRead("getData", "get", dataKind, toNodeData, fastNodeData)
  /** getData of the ensemble's configuration node, outside any chroot (the Java client's getConfig). */
  const configCall = (watcher: Watcher | undefined): Call<"getData", NodeData> => ({
    op: "getData",
    body: { path: CONFIG_NODE, watch: watcher !== undefined },
    ctx: { op: "getConfig", path: CONFIG_NODE },
    watch: watcher === undefined ? undefined : { serverPath: CONFIG_NODE, watcher, kindFor: dataKind },
    map: toNodeData,
    fast: fastNodeData
  })
  const getRaw = (path: string, watcher: Watcher | undefined): Effect.Effect<NodeData, ZooKeeperError> => {
    const call = getCall(path, watcher)
    return call instanceof InvalidArgumentError ? Effect.fail(call) : engine.call(call)
  }

  const setCall = (
    path: string,
    data: Transaction.Bytes,
    version: number | undefined
  ): Call<"setData", Stat.ZnodeStat> | ZooKeeperError => {
    const bad = checkPath(path, "set") ?? checkVersion(version, "set", path)
    if (bad !== undefined) return bad
    const bytes = toBytes(data)
    const tooBig = Path.validateData(bytes, config.maxDataLength, { op: "set", path })
    if (tooBig !== undefined) return tooBig
    return {
      op: "setData",
      body: { path: chroot.prefix(path), data: bytes, version: version ?? -1 },
      ctx: { op: "set", path },
      watch: undefined,
      map: statOf,
      fast: fastStat
    }
  }

  /** A plain delete (not recursive). */
  const deleteCall = (path: string, version: number | undefined): Call<"delete", void> | ZooKeeperError => {
    const bad = checkPath(path, "delete") ?? checkVersion(version, "delete", path)
    if (bad !== undefined) return bad
    const reserved = Path.validateWrite(chroot.prefix(path), "delete", { op: "delete", path })
    if (reserved !== undefined) return reserved
    return {
      op: "delete",
      body: { path: chroot.prefix(path), version: version ?? -1 },
      ctx: { op: "delete", path },
      watch: undefined,
      map: toVoid,
      fast: undefined
    }
  }

  const childrenRaw = (
    path: string,
    watcher: Watcher | undefined
  ): Effect.Effect<{ readonly children: ReadonlyArray<string>; readonly stat: Stat.ZnodeStat }, ZooKeeperError> => {
    const bad = checkPath(path, "getChildren")
    if (bad !== undefined) return Effect.fail(bad)
    const serverPath = chroot.prefix(path)
    const watch: WatchRequest | undefined =
      watcher === undefined ? undefined : { serverPath, watcher, kindFor: childKind }
    return Effect.map(
      engine.request(
        "getChildren2",
        { path: serverPath, watch: watcher !== undefined },
        { op: "getChildren", path },
        watch
      ),
      (r) => ({ children: r.children, stat: stat(r.stat) })
    )
  }

  const createFlags = (
    options: Transaction.CreateOptions,
    op: string,
    path: string
  ): { flags: number; kind: "create" | "createContainer" | "createTTL"; ttl: bigint } | InvalidArgumentError => {
    const invalid = (reason: string) => new InvalidArgumentError({ op, path, argument: "options", reason })
    if (options.container === true) {
      if (options.ephemeral === true || options.sequence === true || options.ttl !== undefined) {
        return invalid("a container node cannot be ephemeral, sequential or have a TTL")
      }
      return { flags: R.CreateFlags.CONTAINER, kind: "createContainer", ttl: -1n }
    }
    if (options.ttl !== undefined) {
      if (options.ephemeral === true) return invalid("a TTL node cannot be ephemeral")
      const d = Duration.decodeUnknown(options.ttl)
      const ms = Option.isSome(d) && Duration.isFinite(d.value) ? Duration.toMillis(d.value) : Number.NaN
      if (!Number.isSafeInteger(ms) || ms <= 0) return invalid(`ttl must be a positive whole number of milliseconds`)
      return {
        flags: options.sequence === true ? R.CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL : R.CreateFlags.PERSISTENT_WITH_TTL,
        kind: "createTTL",
        ttl: BigInt(ms)
      }
    }
    return {
      flags: (options.ephemeral === true ? 1 : 0) | (options.sequence === true ? 2 : 0),
      kind: "create",
      ttl: -1n
    }
  }

  /** kazoo: an empty ACL list on create means the client's default ACL. */
  const aclOrDefault = (acl: ReadonlyArray<Acl.ACL> | undefined) =>
    acl === undefined || acl.length === 0 ? defaultAcl : acl

  const ensurePathRaw = (
    path: string,
    acl: ReadonlyArray<Acl.ACL>,
    container: boolean
  ): Effect.Effect<void, ZooKeeperError> =>
    Effect.suspend(() => {
      if (path === "/") return Effect.void
      const serverPath = chroot.prefix(path)
      const ctx: ErrorContext = { op: "ensurePath", path }
      const once: Effect.Effect<unknown, ZooKeeperError> = container
        ? engine.request("createContainer", { path: serverPath, data: EMPTY, acl, flags: R.CreateFlags.CONTAINER }, ctx)
        : engine.request("create", { path: serverPath, data: EMPTY, acl, flags: 0 }, ctx)
      return once.pipe(
        Effect.asVoid,
        Effect.catchIf(
          (e): e is ZooKeeperError => e._tag === "NodeExistsError" || e._tag === "NoNodeError",
          (e) =>
            e._tag === "NodeExistsError"
              ? Effect.void
              : Effect.zipRight(ensurePathRaw(Path.parent(path), acl, container), ensurePathRaw(path, acl, container))
        )
      )
    })

  /** Whether a create is one plain create request (no makepath, container or TTL). */
  const isPlainCreate = (options: CreateOptions): boolean =>
    (options.makepath === undefined || options.makepath === false) && options.container !== true && options.ttl === undefined

  /** A plain create (the caller has checked `isPlainCreate`). */
  const createCall = (path: string, options: CreateOptions): Call<"create", string> | ZooKeeperError => {
    const bad = checkPath(path, "create", options.sequence === true)
    if (bad !== undefined) return bad
    const data = toBytes(options.data)
    const tooBig = Path.validateData(data, config.maxDataLength, { op: "create", path })
    if (tooBig !== undefined) return tooBig
    const mode = createFlags(options, "create", path)
    if (mode instanceof InvalidArgumentError) return mode
    return {
      op: "create",
      body: { path: chroot.prefix(path, options.sequence === true), data, acl: aclOrDefault(options.acl), flags: mode.flags },
      ctx: { op: "create", path },
      watch: undefined,
      map: createdPathOnly,
      fast: undefined
    }
  }

  const createRaw = (path: string, options: CreateOptions, withStat: boolean) =>
    Effect.suspend(() => {
      const op = withStat ? "createWithStat" : "create"
      const bad = checkPath(path, op, options.sequence === true)
      if (bad !== undefined) return Effect.fail(bad)
      const data = toBytes(options.data)
      const tooBig = Path.validateData(data, config.maxDataLength, { op, path })
      if (tooBig !== undefined) return Effect.fail(tooBig)
      const acl = aclOrDefault(options.acl)
      const mode = createFlags(options, op, path)
      if (mode instanceof InvalidArgumentError) return Effect.fail(mode)
      // a sequential "/" is the chroot's child, not its sibling
      const serverPath = chroot.prefix(path, options.sequence === true)
      const ctx: ErrorContext = { op, path }
      const once: Effect.Effect<{ path: string; stat: Stat.ZnodeStat | undefined }, ZooKeeperError> =
        mode.kind === "createContainer"
          ? Effect.map(
              engine.request("createContainer", { path: serverPath, data, acl, flags: mode.flags }, ctx),
              (r) => ({ path: chroot.strip(r.path), stat: stat(r.stat) })
            )
          : mode.kind === "createTTL"
            ? Effect.map(
                engine.request("createTTL", { path: serverPath, data, acl, flags: mode.flags, ttl: mode.ttl }, ctx),
                (r) => ({ path: chroot.strip(r.path), stat: stat(r.stat) })
              )
            : withStat
              ? Effect.map(engine.request("create2", { path: serverPath, data, acl, flags: mode.flags }, ctx), (r) => ({
                  path: chroot.strip(r.path),
                  stat: stat(r.stat)
                }))
              : engine.requestMap("create", { path: serverPath, data, acl, flags: mode.flags }, ctx, undefined, createdPath)
      if (options.makepath === undefined || options.makepath === false) return once
      const containers = options.makepath === "containers"
      return Effect.catchIf(
        once,
        (e): e is ZooKeeperError => e._tag === "NoNodeError",
        () => Effect.zipRight(ensurePathRaw(Path.parent(path), acl, containers), once)
      )
    })

  const deleteRecursive = (path: string): Effect.Effect<void, ZooKeeperError> =>
    Effect.gen(function* () {
      const serverPath = chroot.prefix(path)
      const children = yield* engine
        .request("getChildren", { path: serverPath, watch: false }, { op: "delete", path })
        .pipe(
          Effect.map((r) => r.children),
          Effect.catchIf(
            (e): e is ZooKeeperError => e._tag === "NoNodeError",
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
        .pipe(Effect.catchIf((e): e is ZooKeeperError => e._tag === "NoNodeError", () => Effect.void))
    })

  const transactionRaw = (
    ops: ReadonlyArray<Transaction.Op>
  ): Effect.Effect<ReadonlyArray<Transaction.Result>, Transaction.TransactionFailedError | ZooKeeperError> =>
    Effect.suspend(() => {
      const multi: Array<R.MultiOp> = []
      for (const op of ops) {
        const bad = checkPath(op.path, "transaction", op._tag === "Create" && op.options.sequence === true)
        if (bad !== undefined) return Effect.fail(bad)
        const serverPath = chroot.prefix(op.path, op._tag === "Create" && op.options.sequence === true)
        switch (op._tag) {
          case "Create": {
            const data = toBytes(op.options.data)
            const tooBig = Path.validateData(data, config.maxDataLength, { op: "transaction", path: op.path })
            if (tooBig !== undefined) return Effect.fail(tooBig)
            const acl = aclOrDefault(op.options.acl)
            const mode = createFlags(op.options, "transaction", op.path)
            if (mode instanceof InvalidArgumentError) return Effect.fail(mode)
            multi.push(
              mode.kind === "createTTL"
                ? { op: "createTTL", request: { path: serverPath, data, acl, flags: mode.flags, ttl: mode.ttl } }
                : mode.kind === "createContainer"
                  ? { op: "createContainer", request: { path: serverPath, data, acl, flags: mode.flags } }
                  : { op: "create2", request: { path: serverPath, data, acl, flags: mode.flags } }
            )
            break
          }
          case "Delete": {
            const badV = checkVersion(op.version, "transaction", op.path)
            if (badV !== undefined) return Effect.fail(badV)
            multi.push({ op: "delete", request: { path: serverPath, version: op.version } })
            break
          }
          case "SetData": {
            const data = toBytes(op.data)
            const tooBig = Path.validateData(data, config.maxDataLength, { op: "transaction", path: op.path })
            if (tooBig !== undefined) return Effect.fail(tooBig)
            const badV = checkVersion(op.version, "transaction", op.path)
            if (badV !== undefined) return Effect.fail(badV)
            multi.push({ op: "setData", request: { path: serverPath, data, version: op.version } })
            break
          }
          case "Check": {
            const badV = checkVersion(op.version, "transaction", op.path)
            if (badV !== undefined) return Effect.fail(badV)
            multi.push({ op: "check", request: { path: serverPath, version: op.version } })
            break
          }
        }
      }
      if (multi.length === 0) return Effect.succeed([])
      return Effect.flatMap(
        engine.request("multi", { ops: multi }, { op: "transaction", path: ops[0]?.path }),
        (
          response
        ): Effect.Effect<
          ReadonlyArray<Transaction.Result>,
          Transaction.TransactionFailedError | ZooKeeperError
        > => {
          const results = response.results
          const failedIndex = results.findIndex((r) => r.op === "error" && r.err !== 0 && r.err !== -2)
          if (failedIndex >= 0 || results.some((r) => r.op === "error")) {
            const index = Math.max(failedIndex, 0)
            const outcomes: Array<Transaction.Outcome> = ops.map((op, i) => {
              const r = results[i]
              return i === index && r !== undefined && r.op === "error"
                ? { _tag: "Failed", path: op.path, error: fromCode(r.err, { op: "transaction", path: op.path }) }
                : { _tag: "RolledBack", path: op.path }
            })
            const failed = outcomes[index]
            return Effect.fail(
              new Transaction.TransactionFailedError({
                failedIndex: index,
                error:
                  failed !== undefined && failed._tag === "Failed"
                    ? failed.error
                    : fromCode(-2, { op: "transaction", path: ops[index]?.path }),
                outcomes
              })
            )
          }
          if (results.length !== ops.length) {
            return Effect.fail(
              new InvalidArgumentError({
                op: "transaction",
                argument: "reply",
                reason: `server returned ${results.length} results for ${ops.length} operations`
              })
            )
          }
          return Effect.succeed(
            results.map((r, i): Transaction.Result => {
              const path = ops[i]!.path
              switch (r.op) {
                case "create":
                  return { _tag: "Created", path: chroot.strip(r.path), stat: undefined }
                case "create2":
                  return { _tag: "Created", path: chroot.strip(r.path), stat: stat(r.stat) }
                case "delete":
                  return { _tag: "Deleted", path }
                case "setData":
                  return { _tag: "DataSet", path, stat: stat(r.stat) }
                default:
                  return { _tag: "Checked", path }
              }
            })
          )
        }
      )
    })

  const multiReadRaw = (
    ops: ReadonlyArray<MultiRead.Op>
  ): Effect.Effect<ReadonlyArray<MultiRead.Result>, ZooKeeperError> =>
    Effect.suspend(() => {
      const reads: Array<R.MultiOp> = []
      for (const op of ops) {
        if (op._tag !== "GetData" && op._tag !== "GetChildren") {
          const what = JSON.stringify((op as { readonly _tag?: unknown })._tag)
          return Effect.fail(new InvalidArgumentError({ op: "multiRead", argument: "ops", reason: `${what} is not a read` }))
        }
        const bad = checkPath(op.path, "multiRead")
        if (bad !== undefined) return Effect.fail(bad)
        reads.push({ op: op._tag === "GetData" ? "getData" : "getChildren", request: { path: chroot.prefix(op.path) } })
      }
      if (reads.length === 0) return Effect.succeed([])
      return Effect.flatMap(
        engine.request("multiRead", { ops: reads }, { op: "multiRead", path: ops[0]?.path }),
        (response): Effect.Effect<ReadonlyArray<MultiRead.Result>, ZooKeeperError> => {
          const results = readResults(ops, response.results)
          return results instanceof ProtocolError ? Effect.fail(results) : Effect.succeed(results)
        }
      )
    })

  const command = (word: string): Effect.Effect<string, ZooKeeperError> =>
    Effect.gen(function* () {
      if (!/^[a-z]{4}$/.test(word)) {
        return yield* new InvalidArgumentError({
          op: "command",
          argument: "word",
          reason: `a four-letter word is four lower-case letters, got ${JSON.stringify(word)}`
        })
      }
      if (engine.closing) return yield* new ClientClosedError({ op: "command" })
      const target =
        engine.connectedServer !== undefined ? ConnectString.parseSync(engine.connectedServer) : undefined
      const server =
        target === undefined || target instanceof ConfigurationError ? config.servers[0]! : target.servers[0]!
      return yield* engine.fourLetterWord(server, word)
    })

  /**
   * Removes the one-shot watchers of the kinds on the path (only `watcher`, when given) and tells
   * each so, once per event type: DATA_WATCH_REMOVED for data and exist, CHILD_WATCH_REMOVED for child.
   */
  const removeLocal = (serverPath: string, kinds: ReadonlyArray<WatchKind>, watcher?: Watcher) => {
    const removed = { DATA_WATCH_REMOVED: new Set<Watcher>(), CHILD_WATCH_REMOVED: new Set<Watcher>() }
    for (const kind of kinds) {
      const into = removed[kind === "child" ? "CHILD_WATCH_REMOVED" : "DATA_WATCH_REMOVED"]
      if (watcher !== undefined) {
        if (engine.watches.remove(kind, serverPath, watcher)) into.add(watcher)
        continue
      }
      const set = engine.watches.table(kind).get(serverPath)
      if (set === undefined) continue
      engine.watches.table(kind).delete(serverPath)
      for (const w of set) into.add(w)
    }
    for (const type of ["CHILD_WATCH_REMOVED", "DATA_WATCH_REMOVED"] as const) {
      for (const w of removed[type]) w(type, serverPath)
    }
  }

  /**
   * removeWatches of one callback (the Java client's `removeWatches(path, watcher, type, local)`):
   * NoWatcher unless it has a watch of the kinds there. The server holds one watch per session,
   * node and table (data: getData and exists; child: getChildren), shared by all our watchers
   * of it, so it is asked to remove a table's watch only when the callback was our last watcher
   * feeding it, with no read that would set one awaiting its reply and no persistent watch on the
   * node (ZooKeeper 3.6–3.8 drop those along with a data or children watch).
   */
  const removeOne = (
    path: string,
    serverPath: string,
    kinds: ReadonlyArray<WatchKind>,
    callback: WatchCallback,
    local: boolean
  ): Effect.Effect<void, ZooKeeperError> => {
    const ctx = { op: "removeWatches", path }
    const watcher = callbackWatchers.get(callback)
    const holds = (kind: WatchKind) => watcher !== undefined && engine.watches.table(kind).get(serverPath)?.has(watcher) === true
    const held = kinds.filter(holds)
    if (watcher === undefined || held.length === 0) return Effect.fail(fromCode(NO_WATCHER, ctx))
    const removeHere = Effect.sync(() => removeLocal(serverPath, kinds, watcher))
    if (local) return removeHere
    const lastOf = (table: ReadonlyArray<WatchKind>) => {
      if (!held.some((k) => table.includes(k))) return false
      for (const kind of table) {
        const set = engine.watches.table(kind).get(serverPath)
        if (set !== undefined && (set.size > 1 || !set.has(watcher))) return false
      }
      return (
        !engine.watches.has(PERSISTENT_KINDS, serverPath) &&
        !engine.watchAwaited(serverPath, [...table, ...PERSISTENT_KINDS])
      )
    }
    const data = lastOf(["data", "exist"])
    const child = lastOf(["child"])
    if (!data && !child) return removeHere
    const type = data && child ? R.WatcherType.Any : data ? R.WatcherType.Data : R.WatcherType.Children
    return Effect.zipRight(engine.request("removeWatches", { path: serverPath, type }, ctx), removeHere)
  }

  /** Registers a persistent watch for the scope's lifetime; resolves once the server has it. */
  const addWatchScoped = (
    path: string,
    recursive: boolean,
    onEvent: (event: WatchedEvent) => void,
    onLost: (error: ZooKeeperError) => void
  ): Effect.Effect<void, ZooKeeperError, Scope.Scope> =>
    Effect.gen(function* () {
      const bad = checkPath(path, "watch")
      if (bad !== undefined) return yield* bad
      const serverPath = chroot.prefix(path)
      const kind: WatchKind = recursive ? "persistentRecursive" : "persistent"
      const watcher: Watcher = (type, p) => {
        onEvent({ type, state: engine.currentKeeperState, path: chroot.strip(p) })
      }
      engine.onSessionLost.add(onLost)
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          engine.onSessionLost.delete(onLost)
          engine.watches.remove(kind, serverPath, watcher)
          if (engine.watches.table(kind).has(serverPath) || engine.closed || engine.conn === undefined) {
            return Effect.void
          }
          const ctx = { op: "removeWatches", path }
          // ZooKeeper 3.9+ removes one persistent mode; 3.6–3.8 only know Any, which would also
          // drop our one-shot watches on the node, so it is used only when there are none.
          return engine
            .request(
              "removeWatches",
              { path: serverPath, type: recursive ? WATCHER_TYPE_PERSISTENT_RECURSIVE : WATCHER_TYPE_PERSISTENT },
              ctx
            )
            .pipe(
              Effect.catchAll(() =>
                engine.watches.has(["data", "exist", "child", "persistent", "persistentRecursive"], serverPath)
                  ? Effect.void
                  : engine.request("removeWatches", { path: serverPath, type: R.WatcherType.Any }, ctx)
              ),
              Effect.ignore
            )
        })
      )
      // A registration whose reply was lost with the connection is sent again once connected (the
      // same session: adding a persistent watch twice is adding it once), so that a watch started
      // just before a dropped connection survives it as any other does.
      yield* engine
        .request(
          "addWatch",
          { path: serverPath, mode: recursive ? R.AddWatchMode.PERSISTENT_RECURSIVE : R.AddWatchMode.PERSISTENT },
          { op: "watch", path },
          { serverPath, watcher, kindFor: (err) => (err === 0 ? kind : undefined) }
        )
        .pipe(Effect.retry({ times: 3, while: (e) => e._tag === "ConnectionLossError" }))
    }).pipe((eff) => traced("addWatch", path, eff))

  const watchStream = (path: string, recursive: boolean): Stream.Stream<WatchedEvent, ZooKeeperError> =>
    Stream.asyncScoped<WatchedEvent, ZooKeeperError>((emit) =>
      addWatchScoped(
        path,
        recursive,
        (event) => {
          void emit.single(event)
        },
        (error) => {
          void emit.fail(error)
        }
      )
    )

  const addWatch = (
    path: string,
    recursive: boolean
  ): Effect.Effect<Stream.Stream<WatchedEvent, ZooKeeperError>, ZooKeeperError, Scope.Scope> =>
    Effect.gen(function* () {
      const events = yield* Queue.unbounded<Take.Take<WatchedEvent, ZooKeeperError>>()
      // added first, so it runs after the watch's own finalizer: the stream ends with the scope
      yield* Effect.addFinalizer(() => Queue.offer(events, Take.end))
      yield* addWatchScoped(
        path,
        recursive,
        (event) => Queue.unsafeOffer(events, Take.of(event)),
        (error) => Queue.unsafeOffer(events, Take.fail(error))
      )
      return Stream.flattenTake(Stream.fromQueue(events))
    })

  const listenerWrappers = new Map<StateListener, (state: ClientState) => Effect.Effect<void, unknown>>()
  const addListener = (listener: StateListener) =>
    Effect.sync(() => {
      if (listenerWrappers.has(listener)) return
      const wrapped = (state: ClientState) => Effect.suspend(() => toEffect(listener(state)))
      listenerWrappers.set(listener, wrapped)
      listeners.add(wrapped)
    })
  const removeListener = (listener: StateListener) =>
    Effect.sync(() => {
      const wrapped = listenerWrappers.get(listener)
      if (wrapped === undefined) return
      listenerWrappers.delete(listener)
      listeners.delete(wrapped)
    })

  const client: ZooKeeperClient = {
    create: (path, options = {}) =>
      isPlainCreate(options)
        ? tracedCall("create", path, () => createCall(path, options))
        : traced("create", path, Effect.map(createRaw(path, options, false), (r) => r.path)),
    createWithStat: (path, options = {}) =>
      traced(
        "create",
        path,
        Effect.flatMap(createRaw(path, options, true), (r) =>
          r.stat === undefined
            ? Effect.flatMap(existsRaw(r.path, undefined), (s) =>
                Option.isSome(s)
                  ? Effect.succeed({ path: r.path, stat: s.value })
                  : Effect.fail(fromCode(NO_NODE, { op: "create", path: r.path }))
              )
            : Effect.succeed({ path: r.path, stat: r.stat })
        )
      ),
    ensurePath: (path, options = {}) =>
      traced(
        "ensurePath",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "ensurePath")
          if (bad !== undefined) return Effect.fail(bad)
          return ensurePathRaw(path, aclOrDefault(options.acl), options.container === true)
        })
      ),
    exists: (path, options) =>
      traced("exists", path, existsRaw(path, options?.watch === undefined ? undefined : watcherOf(options.watch))),
    existsAndWatch: (path) =>
      traced(
        "exists",
        path,
        Effect.suspend(() => {
          const w = deferredWatch(chroot.prefix(path))
          return existsRaw(path, w.watcher).pipe(
            Effect.map((s) => ({ stat: s, event: w.event, unwatch: w.unwatch })),
            Effect.onError(() => w.unwatch)
          )
        })
      ),
    get: (path, options) =>
      tracedCall("get", path, () => getCall(path, options?.watch === undefined ? undefined : watcherOf(options.watch))),
    getAndWatch: (path) =>
      traced(
        "get",
        path,
        Effect.suspend(() => {
          const w = deferredWatch(chroot.prefix(path))
          return getRaw(path, w.watcher).pipe(
            Effect.map((d) => ({ ...d, event: w.event, unwatch: w.unwatch })),
            Effect.onError(() => w.unwatch)
          )
        })
      ),
    getConfig: (options) =>
      tracedCall("getConfig", CONFIG_NODE, () =>
        configCall(options?.watch === undefined ? undefined : watcherOf(options.watch))
      ),
    getConfigAndWatch: traced(
      "getConfig",
      CONFIG_NODE,
      Effect.suspend(() => {
        const w = deferredWatch(CONFIG_NODE)
        return engine.call(configCall(w.watcher)).pipe(
          Effect.map((d) => ({ ...d, event: w.event, unwatch: w.unwatch })),
          Effect.onError(() => w.unwatch)
        )
      })
    ),
    getChildren: (path, options = {}) =>
      traced(
        "getChildren",
        path,
        Effect.map(
          childrenRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch)),
          (r) => r.children
        )
      ),
    getChildrenWithStat: (path, options = {}) =>
      traced("getChildren", path, childrenRaw(path, options.watch === undefined ? undefined : watcherOf(options.watch))),
    getChildrenAndWatch: (path) =>
      traced(
        "getChildren",
        path,
        Effect.suspend(() => {
          const w = deferredWatch(chroot.prefix(path))
          return childrenRaw(path, w.watcher).pipe(
            Effect.map((r) => ({ ...r, event: w.event, unwatch: w.unwatch })),
            Effect.onError(() => w.unwatch)
          )
        })
      ),
    set: (path, data, options) => tracedCall("set", path, () => setCall(path, data, options?.version)),
    delete: (path, options = {}) =>
      options.recursive !== true
        ? tracedCall("delete", path, () => deleteCall(path, options.version))
        : traced(
            "delete",
            path,
            Effect.suspend(() => {
              const bad = checkPath(path, "delete") ?? checkVersion(options.version, "delete", path)
              if (bad !== undefined) return Effect.fail(bad)
              const reserved = Path.validateWrite(chroot.prefix(path), "delete", { op: "delete", path })
              if (reserved !== undefined) return Effect.fail(reserved)
              return deleteRecursive(path)
            })
          ),
    getAcls: (path) =>
      traced(
        "getAcls",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "getAcls")
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.map(engine.request("getACL", { path: chroot.prefix(path) }, { op: "getAcls", path }), (r) => ({
            acl: r.acl,
            stat: stat(r.stat)
          }))
        })
      ),
    setAcls: (path, acl, options = {}) =>
      traced(
        "setAcls",
        path,
        Effect.suspend(() => {
          const bad =
            checkPath(path, "setAcls") ?? checkVersion(options.version, "setAcls", path)
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.map(
            engine.request(
              "setACL",
              { path: chroot.prefix(path), acl, version: options.version ?? -1 },
              { op: "setAcls", path }
            ),
            (r) => stat(r.stat)
          )
        })
      ),
    addAuth: (scheme, credential) =>
      traced(
        "addAuth",
        undefined,
        Effect.suspend(() => {
          if (scheme.length === 0) {
            return Effect.fail(
              new InvalidArgumentError({ op: "addAuth", argument: "scheme", reason: "must not be empty" })
            )
          }
          return engine.addAuth(scheme, typeof credential === "string" ? Redacted.make(credential) : credential)
        })
      ),
    sync: (path) =>
      traced(
        "sync",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "sync")
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.map(engine.request("sync", { path: chroot.prefix(path) }, { op: "sync", path }), (r) =>
            chroot.strip(r.path)
          )
        })
      ),
    transaction: (ops) => traced("transaction", ops[0]?.path, transactionRaw(ops)),
    multiRead: (ops) => traced("multiRead", ops[0]?.path, multiReadRaw(ops)),
    reconfig: (options) =>
      traced(
        "reconfig",
        undefined,
        Effect.map(
          engine.request(
            "reconfig",
            {
              joiningServers: options.joining ?? null,
              leavingServers: options.leaving ?? null,
              newMembers: options.newMembers ?? null,
              curConfigId: options.fromConfig ?? -1n
            },
            { op: "reconfig" }
          ),
          (r) => ({ data: r.data ?? EMPTY, stat: stat(r.stat) })
        )
      ),
    command: (word) => traced("command", undefined, command(word)),
    serverVersion: traced(
      "serverVersion",
      undefined,
      // kazoo asks again (up to 3 more times) when the reply cannot be parsed.
      Effect.flatMap(command("srvr"), (text) => {
        const m = /version:\s*(\d+)\.(\d+)\.(\d+)/i.exec(text)
        return m === null
          ? Effect.fail(
              new InvalidArgumentError({
                op: "serverVersion",
                argument: "reply",
                reason: `no version in the server's srvr reply: ${JSON.stringify(text.slice(0, 80))}`
              })
            )
          : Effect.succeed([Number(m[1]), Number(m[2]), Number(m[3])])
      }).pipe(Effect.retry({ times: 3, while: (e) => e._tag === "InvalidArgumentError" }))
    ),
    getEphemerals: (prefix = "/") =>
      traced(
        "getEphemerals",
        prefix,
        Effect.suspend(() => {
          const bad = checkPath(prefix, "getEphemerals")
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.map(
            engine.request("getEphemerals", { prefixPath: chroot.prefix(prefix) }, { op: "getEphemerals", path: prefix }),
            (r) => r.ephemerals.map((p) => chroot.strip(p))
          )
        })
      ),
    getAllChildrenNumber: (path) =>
      traced(
        "getAllChildrenNumber",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "getAllChildrenNumber")
          if (bad !== undefined) return Effect.fail(bad)
          return Effect.map(
            engine.request("getAllChildrenNumber", { path: chroot.prefix(path) }, { op: "getAllChildrenNumber", path }),
            (r) => r.totalNumber
          )
        })
      ),
    whoAmI: traced(
      "whoAmI",
      undefined,
      Effect.map(engine.request("whoAmI", {}, { op: "whoAmI" }), (r) =>
        r.clientInfo.map((c) => ({ scheme: c.authScheme, user: c.user }))
      )
    ),
    watch: (path, options = {}) => watchStream(path, options.recursive === true),
    addWatch: (path, options = {}) => addWatch(path, options.recursive === true),
    removeWatches: (path, type, options = {}) =>
      traced(
        "removeWatches",
        path,
        Effect.suspend(() => {
          const bad = checkPath(path, "removeWatches")
          if (bad !== undefined) return Effect.fail(bad)
          // a closed client has dropped its watches: say why there are none
          if (engine.closing) return Effect.fail(new ClientClosedError({ op: "removeWatches", path }))
          const serverPath = chroot.prefix(path)
          const kinds = REMOVED_KINDS[type]
          if (options.watch !== undefined) return removeOne(path, serverPath, kinds, options.watch, options.local === true)
          if (options.local === true) return Effect.sync(() => removeLocal(serverPath, kinds))
          if (
            engine.watches.has(PERSISTENT_KINDS, serverPath) ||
            engine.watchAwaited(serverPath, PERSISTENT_KINDS)
          ) {
            // ZooKeeper 3.6-3.8 would drop the persistent watch along with the type's: ours go
            // here only, and the server's fires to no one at the next change.
            if (!engine.watches.has(kinds, serverPath)) {
              return Effect.fail(fromCode(NO_WATCHER, { op: "removeWatches", path }))
            }
            return Effect.sync(() => removeLocal(serverPath, kinds))
          }
          const code = type === "children" ? R.WatcherType.Children : type === "data" ? R.WatcherType.Data : R.WatcherType.Any
          return Effect.zipRight(
            engine.request("removeWatches", { path: serverPath, type: code }, { op: "removeWatches", path }),
            Effect.sync(() => removeLocal(serverPath, kinds))
          )
        })
      ),
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
          return yield* new ConfigurationError({
            field: "hosts",
            reason: `the chroot cannot change at run time (is ${config.chroot ?? "none"}, got ${cs.chroot ?? "none"})`
          })
        }
        const servers = config.randomizeHosts ? yield* ConnectString.shuffle(cs.servers) : cs.servers
        engine.setServers(servers)
      }),
    restart: Effect.sync(() => engine.dropConnection()),
    close: engine.close(),
    chroot: chroot.chroot,
    withChroot: (path) =>
      Effect.suspend(() => {
        const made = view(path)
        return "client" in made ? Effect.succeed(made.client) : Effect.fail(made)
      }),
    unchroot: (serverPath) => chroot.strip(serverPath),
    connectedServer: Effect.sync(() => Option.fromNullable(engine.connectedServer)),
    awaitConnected: (timeoutMillis) => engine.awaitConnected(timeoutMillis)
  }
  /**
   * The single-request operations for the promise facade, run without a fiber (`engine.submit`):
   * `done` gets the result, an invalid argument at once. `create` returns false, doing nothing,
   * for what is more than one plain create request (makepath, containers, TTL nodes): the
   * facade runs those as Effects.
   */
  const direct: DirectCalls = {
    get: (path, watch, done) => submit("get", getCall(path, watch === undefined ? undefined : watcherOf(watch)), done),
    exists: (path, watch, done) =>
      submit("exists", existsCall(path, watch === undefined ? undefined : watcherOf(watch)), done),
    set: (path, data, version, done) => submit("set", setCall(path, data, version), done),
    delete: (path, version, done) => submit("delete", deleteCall(path, version), done),
    create: (path, options, done) => {
      if (!isPlainCreate(options)) return false
      submit("create", createCall(path, options), done)
      return true
    }
  }
  const submit = <K extends R.OpName, A>(
    op: string,
    call: Call<K, A> | ZooKeeperError,
    done: (exit: Exit.Exit<A, ZooKeeperError>) => void
  ): void => {
    let settle = done
    if (config.metrics) {
      const start = performance.now()
      settle = (exit) => {
        recordOperation(op, start, exit)
        done(exit)
      }
    }
    if ("body" in call) engine.submit(call, settle)
    else settle(Exit.fail(call))
  }
  const view = (path: string): Operations | InvalidArgumentError => {
    const bad = checkPath(path, "withChroot")
    if (bad !== undefined) return bad
    return makeOperations(engine, config, Path.makeChroot(chroot.prefix(path)), watchQueue, listeners, stateRef)
  }
  return { client, addWatchScoped, direct, view }
}

/** What makeOperations gives: the client and the facade's ways in, for one chroot. */
export interface Operations {
  readonly client: ZooKeeperClient
  /** A persistent watch held for the scope (the facade's `watch`). */
  readonly addWatchScoped: (
    path: string,
    recursive: boolean,
    onEvent: (event: WatchedEvent) => void,
    onLost: (error: ZooKeeperError) => void
  ) => Effect.Effect<void, ZooKeeperError, Scope.Scope>
  readonly direct: DirectCalls
  /** The same for a chroot of `path` under this one (`withChroot`), or why `path` is not one. */
  readonly view: (path: string) => Operations | InvalidArgumentError
}

/** See `direct` in makeOperations. */
export interface DirectCalls {
  readonly get: (
    path: string,
    watch: WatchCallback | undefined,
    done: (exit: Exit.Exit<NodeData, ZooKeeperError>) => void
  ) => void
  readonly exists: (
    path: string,
    watch: WatchCallback | undefined,
    done: (exit: Exit.Exit<Option.Option<Stat.ZnodeStat>, ZooKeeperError>) => void
  ) => void
  readonly set: (
    path: string,
    data: Transaction.Bytes,
    version: number | undefined,
    done: (exit: Exit.Exit<Stat.ZnodeStat, ZooKeeperError>) => void
  ) => void
  readonly delete: (
    path: string,
    version: number | undefined,
    done: (exit: Exit.Exit<void, ZooKeeperError>) => void
  ) => void
  readonly create: (
    path: string,
    options: CreateOptions,
    done: (exit: Exit.Exit<string, ZooKeeperError>) => void
  ) => boolean
}
