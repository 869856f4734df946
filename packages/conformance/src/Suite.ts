/**
 * The conformance suite: what every platform layer must pass against a real ZooKeeper —
 * connecting, every operation, one-shot and persistent watches, transactions, state
 * transitions, recovery after a dropped socket, the promise facade and the socket seam
 * itself. Written once, without a test runner or runtime API, and run under Node (vitest),
 * Bun and Deno (see `Runner.ts`).
 *
 * Each case gets the connect string of a running server and the platform under test, works
 * in a fresh chroot and bounds every wait.
 *
 * @since 0.1.0
 */
import {
  Acl,
  Handler,
  type PromiseClient,
  Transaction,
  ZooKeeper,
  type ZooKeeperConfig
} from "@effect-zk/core"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { equal, failsWith, matches, ok } from "./Assert.js"
import {
  client,
  type Event,
  firstServer,
  listenTo,
  nextId,
  noTls,
  overTls,
  quiet,
  recorder,
  registration,
  rootClient,
  text,
  within
} from "./internal/helpers.js"

/**
 * The platform under test: its layer and its promise facade's `connect`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Platform {
  /** `"node"`, `"bun"` or `"deno"`. */
  readonly name: string
  readonly layer: Layer.Layer<Handler.ZooKeeperHandler>
  readonly connect: (options: ZooKeeperConfig.Options) => Promise<PromiseClient.PromiseZooKeeper>
}

/**
 * A TLS endpoint in front of the same ZooKeeper (see `NodeTlsProxy.ts`): PEM CA of its
 * certificate, and a client certificate and key it accepts.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsEndpoint {
  /** `host:port`. */
  readonly hosts: string
  readonly ca: string
  readonly cert: string
  readonly key: string
  /** The same key encrypted with `passphrase` (PKCS#8, PBES2), for the encrypted-key case. */
  readonly encryptedKey?: string | undefined
  readonly passphrase?: string | undefined
}

/**
 * What a case runs against.
 *
 * @since 0.1.0
 * @category models
 */
export interface Env {
  /** Connect string of a running ZooKeeper (3.6 or newer), without chroot. */
  readonly hosts: string
  readonly platform: Platform
  /** The TLS cases run when this is given. */
  readonly tls?: TlsEndpoint | undefined
}

/**
 * The TLS endpoint given by `ZK_CONFORMANCE_TLS_HOSTS`, `ZK_CONFORMANCE_TLS_CA`,
 * `ZK_CONFORMANCE_TLS_CERT` and `ZK_CONFORMANCE_TLS_KEY` (PEM; optionally
 * `ZK_CONFORMANCE_TLS_ENCRYPTED_KEY` and `ZK_CONFORMANCE_TLS_PASSPHRASE`), read with the
 * runtime's `get`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tlsFromEnv = (get: (name: string) => string | undefined): TlsEndpoint | undefined => {
  const [hosts, ca, cert, key, encryptedKey, passphrase] = [
    "ZK_CONFORMANCE_TLS_HOSTS",
    "ZK_CONFORMANCE_TLS_CA",
    "ZK_CONFORMANCE_TLS_CERT",
    "ZK_CONFORMANCE_TLS_KEY",
    "ZK_CONFORMANCE_TLS_ENCRYPTED_KEY",
    "ZK_CONFORMANCE_TLS_PASSPHRASE"
  ].map(get)
  return hosts && ca && cert && key ? { hosts, ca, cert, key, encryptedKey, passphrase } : undefined
}

/**
 * One conformance case.
 *
 * @since 0.1.0
 * @category models
 */
export interface Case {
  readonly name: string
  /** Why the case cannot run against `env`, if it cannot. */
  readonly skip?: ((env: Env) => string | undefined) | undefined
  readonly run: (env: Env) => Effect.Effect<void, unknown, Scope.Scope>
}

/**
 * The cases, in the order they run.
 *
 * @since 0.1.0
 * @category cases
 */
export const cases: ReadonlyArray<Case> = [
  {
    name: "connects: CONNECTED, with a session, a server and its version",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* equal(yield* zk.state, { state: "CONNECTED", keeperState: "CONNECTED" }, "state")
        yield* ok(yield* zk.connected, "connected")
        const id = yield* zk.clientId
        yield* ok(Option.isSome(id) && id.value.sessionId !== 0n && id.value.password.length === 16, "session id")
        yield* ok(Option.isSome(yield* zk.connectedServer), "connected server")
        const version = yield* zk.serverVersion
        yield* ok(version.length === 3 && version[0] === 3 && version[1]! >= 6, `server version ${version.join(".")}`)
      })
  },
  {
    name: "create, get, set, exists and delete, with kazoo's stat fields",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* equal(yield* zk.create("/node", { data: "hello" }), "/node", "created path")
        const first = yield* zk.get("/node")
        yield* equal(text(first.data), "hello", "data")
        yield* matches(first.stat, { version: 0, dataLength: 5, numChildren: 0, ephemeralOwner: 0n }, "stat")
        const stat = yield* zk.set("/node", new TextEncoder().encode("world"), { version: 0 })
        yield* equal(stat.version, 1, "version after set")
        yield* ok(stat.mzxid > first.stat.mzxid, "mzxid grows")
        yield* equal(text((yield* zk.get("/node")).data), "world", "data after set")
        const exists = yield* zk.exists("/node")
        yield* ok(Option.isSome(exists) && exists.value.version === 1, "exists")
        const withStat = yield* zk.createWithStat("/other", { data: "x" })
        yield* matches(withStat, { path: "/other" }, "createWithStat")
        yield* equal(withStat.stat.dataLength, 1, "createWithStat stat")
        yield* zk.delete("/node", { version: 1 })
        yield* ok(Option.isNone(yield* zk.exists("/node")), "deleted")
        yield* equal((yield* zk.get("/other")).data.length, 1, "empty-ish data")
        yield* zk.create("/empty")
        yield* equal((yield* zk.get("/empty")).data.length, 0, "empty data")
      })
  },
  {
    name: "errors: NoNode, NodeExists, BadVersion, NotEmpty, NoChildrenForEphemerals, InvalidArgument",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        const missing = yield* failsWith(zk.get("/missing"), "NoNodeError")
        yield* matches(missing, { op: "get", path: "/missing" }, "error fields")
        yield* failsWith(zk.create("/a/b"), "NoNodeError")
        yield* zk.create("/a")
        yield* failsWith(zk.create("/a"), "NodeExistsError")
        yield* failsWith(zk.set("/a", "x", { version: 7 }), "BadVersionError")
        yield* failsWith(zk.delete("/a", { version: 3 }), "BadVersionError")
        yield* zk.create("/a/child")
        yield* failsWith(zk.delete("/a"), "NotEmptyError")
        yield* zk.create("/eph", { ephemeral: true })
        yield* failsWith(zk.create("/eph/child"), "NoChildrenForEphemeralsError")
        yield* failsWith(zk.create("relative"), "InvalidArgumentError")
        yield* failsWith(zk.create("/big", { data: new Uint8Array(0xfffff + 1) }), "InvalidArgumentError")
      })
  },
  {
    name: "makepath, ensurePath, children, counts and recursive delete",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* equal(yield* zk.create("/x/y/z", { data: "deep", makepath: true }), "/x/y/z", "makepath")
        yield* zk.ensurePath("/x/y/z")
        yield* zk.ensurePath("/p/q/r")
        yield* ok(Option.isSome(yield* zk.exists("/p/q/r")), "ensurePath")
        yield* zk.create("/x/y/z2")
        yield* equal([...(yield* zk.getChildren("/x/y"))].sort(), ["z", "z2"], "children")
        const withStat = yield* zk.getChildrenWithStat("/x/y")
        yield* equal(withStat.stat.numChildren, 2, "numChildren")
        yield* equal(yield* zk.getAllChildrenNumber("/x"), 3, "all children")
        yield* zk.delete("/x", { recursive: true })
        yield* ok(Option.isNone(yield* zk.exists("/x")), "recursive delete")
        yield* zk.delete("/x", { recursive: true })
      })
  },
  {
    name: "sequence and ephemeral nodes; ephemerals vanish with their session",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/seq")
        yield* equal(yield* zk.create("/seq/item-", { sequence: true }), "/seq/item-0000000000", "first")
        yield* equal(yield* zk.create("/seq/item-", { sequence: true, ephemeral: true }), "/seq/item-0000000001", "second")
        yield* equal(yield* zk.getEphemerals(), ["/seq/item-0000000001"], "getEphemerals")
        const observer = yield* rootClient(env)
        const path = yield* Effect.scoped(
          Effect.gen(function* () {
            const other = yield* rootClient(env)
            const p = yield* other.create(`${zk.chroot}/seq/e`, { ephemeral: true })
            const stat = yield* observer.exists(p)
            yield* ok(Option.isSome(stat) && stat.value.ephemeralOwner !== 0n, "ephemeral owner")
            return p
          })
        )
        yield* ok(Option.isNone(yield* observer.exists(path)), "ephemeral gone with its session")
      })
  },
  {
    name: "ACLs and digest auth: getAcls, setAcls, addAuth, whoAmI, NoAuth, InvalidACL",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/open")
        const { acl, stat } = yield* zk.getAcls("/open")
        yield* equal(acl, Acl.OPEN_ACL_UNSAFE, "default acl")
        yield* equal(stat.aversion, 0, "aversion")
        const cred = yield* Acl.makeDigestAcl("alice", "secret", { all: true })
        yield* zk.create("/locked", { data: "s", acl: [cred] })
        yield* failsWith(zk.get("/locked"), "NoAuthError")
        yield* failsWith(zk.create("/bad", { acl: [{ perms: 31, id: { scheme: "nope", id: "x" } }] }), "InvalidACLError")
        yield* zk.addAuth("digest", "alice:secret")
        yield* equal(text((yield* zk.get("/locked")).data), "s", "data after auth")
        yield* ok((yield* zk.whoAmI).some((w) => w.scheme === "digest" && w.user === "alice"), "whoAmI")
        const readOnly = [{ perms: Acl.Perms.READ | Acl.Perms.ADMIN, id: Acl.ANYONE_ID_UNSAFE }]
        yield* equal((yield* zk.setAcls("/open", readOnly, { version: 0 })).aversion, 1, "setAcls")
        yield* failsWith(zk.set("/open", "w"), "NoAuthError")
      })
  },
  {
    name: "sync and four-letter words (a socket the server closes)",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/s")
        yield* equal(yield* zk.sync("/s"), "/s", "sync")
        yield* equal(yield* zk.command("ruok"), "imok", "ruok")
        const srvr = yield* zk.command("srvr")
        yield* ok(srvr.includes("Zookeeper version"), "srvr")
      })
  },
  {
    name: "large data: 1 MB nodes go out and come back whole, 8 MB written in one go",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        const size = 0xfffff - 1024
        const data = new Uint8Array(size)
        for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 8)) & 0xff
        yield* zk.create("/big", { data })
        const [a, b] = yield* Effect.all([zk.get("/big"), zk.get("/big")], { concurrency: 2 })
        yield* equal(a.data.length, size, "length")
        yield* ok(a.data.every((x, i) => x === data[i]) && b.data.every((x, i) => x === data[i]), "same bytes")
        // 8 MB in one tick: more than a socket takes at once, so writes are partial and resumed.
        const stats = yield* Effect.forEach(
          Array.from({ length: 8 }, (_, i) => i),
          (i) => zk.set("/big", b.data.subarray(0, size - i)),
          { concurrency: "unbounded" }
        )
        yield* equal(stats.map((s) => s.dataLength), Array.from({ length: 8 }, (_, i) => size - i), "sizes written")
        yield* equal((yield* zk.exists("/big")).pipe(Option.map((s) => s.dataLength)), Option.some(size - 7), "stat")
      })
  },
  {
    name: "pipelining: 2,000 concurrent requests each get their own reply",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/pipe")
        yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => zk.create(`/pipe/n${i}`, { data: `value-${i}`.repeat(i % 7) }),
          { concurrency: "unbounded", discard: true }
        )
        const results = yield* Effect.forEach(
          Array.from({ length: 2000 }, (_, i) => (i * 31) % 50),
          (i) => Effect.map(zk.get(`/pipe/n${i}`), ({ data }) => text(data) === `value-${i}`.repeat(i % 7)),
          { concurrency: "unbounded" }
        )
        yield* equal(results.filter((r) => !r).length, 0, "mismatched replies")
      })
  },
  {
    name: "one-shot watches: data, exists and child watches fire once, as callbacks and as Effects",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        const rec = yield* recorder
        yield* zk.create("/w", { data: "1" })
        yield* zk.get("/w", { watch: rec.callback })
        yield* zk.set("/w", "2")
        yield* equal(yield* rec.next, { type: "CHANGED", state: "CONNECTED", path: "/w" }, "data watch")
        yield* zk.set("/w", "3")
        yield* quiet(zk, "/w")
        yield* equal(yield* rec.size, 0, "fired once")
        yield* ok(Option.isNone(yield* zk.exists("/later", { watch: rec.callback })), "no /later yet")
        yield* zk.create("/later")
        yield* matches(yield* rec.next, { type: "CREATED", path: "/later" }, "exists watch")
        yield* equal(yield* zk.getChildren("/w", { watch: rec.callback }), [], "no children")
        yield* zk.create("/w/kid")
        yield* matches(yield* rec.next, { type: "CHILD", path: "/w" }, "child watch")
        const watched = yield* zk.getAndWatch("/w/kid")
        yield* zk.delete("/w/kid")
        yield* matches(yield* within(watched.event, 10, "getAndWatch"), { type: "DELETED", path: "/w/kid" }, "getAndWatch")
        const pending = yield* zk.existsAndWatch("/e")
        yield* ok(Option.isNone(pending.stat), "existsAndWatch stat")
        const fiber = yield* Effect.fork(pending.event)
        yield* zk.create("/e")
        yield* matches(yield* within(Fiber.join(fiber), 10, "existsAndWatch"), { type: "CREATED", path: "/e" }, "existsAndWatch")
        const kids = yield* zk.getChildrenAndWatch("/e")
        yield* zk.create("/e/x")
        yield* matches(yield* within(kids.event, 10, "getChildrenAndWatch"), { type: "CHILD", path: "/e" }, "children event")
      })
  },
  {
    name: "removeWatches removes a watch on the server and tells the watcher",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        const rec = yield* recorder
        yield* zk.create("/rm")
        yield* zk.get("/rm", { watch: rec.callback })
        yield* zk.removeWatches("/rm", "data")
        yield* matches(yield* rec.next, { type: "DATA_WATCH_REMOVED", path: "/rm" }, "removed event")
        yield* zk.set("/rm", "x")
        yield* quiet(zk, "/rm")
        yield* equal(yield* rec.size, 0, "no event after removal")
        yield* failsWith(zk.removeWatches("/rm", "children"), "NoWatcherError")
      })
  },
  {
    name: "persistent and recursive watches as Streams; removed when the stream ends",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/p")
        yield* zk.create("/r")
        // Two watches of different modes on one node would replace each other on the server.
        const persistent = yield* Effect.fork(zk.watch("/p").pipe(Stream.take(3), Stream.runCollect))
        const recursive = yield* Effect.fork(zk.watch("/r", { recursive: true }).pipe(Stream.take(4), Stream.runCollect))
        yield* registration(zk, ["/p", "/r"])
        yield* zk.set("/p", "1")
        yield* zk.create("/p/c")
        yield* zk.set("/p", "2")
        yield* zk.create("/r/a")
        yield* zk.create("/r/a/b", { data: "x" })
        yield* zk.set("/r/a/b", "y")
        yield* zk.delete("/r/a/b")
        const got = Chunk.toReadonlyArray(yield* within(Fiber.join(persistent), 10, "persistent watch"))
        yield* equal(got.map((e) => `${e.type} ${e.path}`), ["CHANGED /p", "CHILD /p", "CHANGED /p"], "persistent")
        const deep = Chunk.toReadonlyArray(yield* within(Fiber.join(recursive), 10, "recursive watch"))
        yield* equal(
          deep.map((e) => `${e.type} ${e.path}`),
          ["CREATED /r/a", "CREATED /r/a/b", "CHANGED /r/a/b", "DELETED /r/a/b"],
          "recursive"
        )
        yield* quiet(zk, "/p")
        yield* failsWith(zk.removeWatches("/p", "any"), "NoWatcherError")
      })
  },
  {
    name: "withChroot: a view on the same session, its paths, results and watch events relative to its chroot",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.ensurePath("/ns/app")
        const view = yield* zk.withChroot("/ns")
        yield* equal(view.chroot, `${zk.chroot}/ns`, "the view's chroot")
        yield* equal(yield* view.create("/app/x", { data: "1" }), "/app/x", "create")
        yield* equal(text((yield* zk.get("/ns/app/x")).data), "1", "seen from the parent")
        yield* equal(yield* view.create("/app/s-", { sequence: true, ephemeral: true }), "/app/s-0000000001", "sequential")
        yield* equal(yield* view.getEphemerals("/app"), ["/app/s-0000000001"], "getEphemerals")
        const results = yield* view.transaction([Transaction.create("/app/t"), Transaction.setData("/app/x", "2")])
        yield* matches(results[0], { path: "/app/t" }, "transaction")
        // one session: the same id, the same ephemerals
        yield* equal(yield* view.clientId, yield* zk.clientId, "session")
        // nested, and the root view
        const nested = yield* view.withChroot("/app")
        yield* equal([...(yield* nested.getChildren("/"))].sort(), ["s-0000000001", "t", "x"], "nested")
        yield* equal((yield* zk.withChroot("/")).chroot, zk.chroot, "withChroot('/')")
        // watch events carry the view's paths
        const watched = yield* nested.getAndWatch("/x")
        const recursive = yield* Effect.fork(view.watch("/app", { recursive: true }).pipe(Stream.take(1), Stream.runCollect))
        yield* registration(view, ["/app"])
        yield* zk.set("/ns/app/x", "3")
        yield* matches(yield* within(watched.event, 10, "nested getAndWatch"), { type: "CHANGED", path: "/x" }, "one-shot")
        const got = Chunk.toReadonlyArray(yield* within(Fiber.join(recursive), 10, "recursive watch"))
        yield* equal(got.map((e) => `${e.type} ${e.path}`), ["CHANGED /app/x"], "recursive")
        yield* failsWith(zk.withChroot("relative"), "InvalidArgumentError")
        yield* failsWith(view.get("/none"), "NoNodeError")
      })
  },
  {
    name: "transactions: all applied, or none with the failing operation's index",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        yield* zk.create("/t", { data: "0" })
        const results = yield* zk.transaction([
          Transaction.create("/t/a", { data: "a" }),
          Transaction.check("/t", 0),
          Transaction.setData("/t", "1", { version: 0 }),
          Transaction.create("/t/s-", { sequence: true }),
          Transaction.create("/t/b"),
          Transaction.remove("/t/b")
        ])
        yield* equal(results.map((r) => r._tag), ["Created", "Checked", "DataSet", "Created", "Created", "Deleted"], "results")
        yield* matches(results[3], { path: "/t/s-0000000001" }, "sequence in a transaction")
        const failure = yield* failsWith(
          zk.transaction([Transaction.create("/t/c"), Transaction.setData("/t", "2", { version: 0 })]),
          "TransactionFailedError"
        )
        yield* matches(failure, { failedIndex: 1 }, "failed index")
        yield* ok(Option.isNone(yield* zk.exists("/t/c")), "nothing applied")
        yield* equal(text((yield* zk.get("/t")).data), "1", "data unchanged")
      })
  },
  {
    name: "state transitions: SUSPENDED then CONNECTED on a dropped socket, LOST when closed",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env)
        // stateChanges starts with the current state.
        const states = yield* zk.stateChanges.pipe(Stream.take(4), Stream.runCollect, Effect.fork)
        const l = yield* listenTo(zk)
        yield* zk.restart
        yield* equal(yield* l.next, "SUSPENDED", "after restart")
        yield* equal(yield* l.next, "CONNECTED", "after reconnect")
        yield* ok(yield* zk.awaitConnected(10_000), "awaitConnected")
        yield* zk.close
        yield* equal(yield* l.next, "LOST", "after close")
        yield* equal(yield* zk.state, { state: "LOST", keeperState: "CLOSED" }, "closed state")
        const seen = Chunk.toReadonlyArray(yield* within(Fiber.join(states), 10, "stateChanges"))
        yield* equal(seen.map((s) => s.state), ["CONNECTED", "SUSPENDED", "CONNECTED", "LOST"], "stateChanges")
        yield* failsWith(zk.get("/"), "ClientClosedError")
      })
  },
  {
    name: "recovery after a dropped socket: same session, ephemerals kept, watches re-registered, queued requests sent",
    run: (env) =>
      Effect.gen(function* () {
        const zk = yield* client(env, { sessionTimeout: "10 seconds" })
        const other = yield* rootClient(env)
        yield* zk.create("/eph", { ephemeral: true })
        yield* zk.create("/watched", { data: "0" })
        yield* zk.create("/persistent")
        const before = Option.getOrThrow(yield* zk.clientId)
        const watched = yield* zk.getAndWatch("/watched")
        // A persistent watch is re-registered without replaying missed changes: change its node after.
        const persistent = yield* Effect.fork(zk.watch("/persistent").pipe(Stream.take(1), Stream.runCollect))
        yield* registration(zk, ["/persistent"])
        const l = yield* listenTo(zk)
        yield* zk.restart
        yield* equal(yield* l.next, "SUSPENDED", "suspended")
        yield* other.set(`${zk.chroot}/watched`, "1")
        const queued = yield* Effect.fork(
          Effect.all(
            Array.from({ length: 20 }, (_, i) => zk.create(`/q${i}`, { data: `${i}` })),
            { concurrency: "unbounded" }
          )
        )
        yield* equal(yield* l.next, "CONNECTED", "reconnected")
        yield* matches(yield* within(watched.event, 10, "re-registered watch"), { type: "CHANGED", path: "/watched" }, "watch")
        yield* equal((yield* within(Fiber.join(queued), 10, "queued requests")).length, 20, "queued requests")
        yield* equal(Option.getOrThrow(yield* zk.clientId).sessionId, before.sessionId, "same session")
        yield* ok(Option.isSome(yield* zk.exists("/eph")), "ephemeral kept")
        yield* other.set(`${zk.chroot}/persistent`, "1")
        const events = Chunk.toReadonlyArray(yield* within(Fiber.join(persistent), 10, "persistent watch"))
        yield* equal(events.map((e) => `${e.type} ${e.path}`), ["CHANGED /persistent"], "persistent watch across the drop")
      })
  },
  {
    name: "the promise facade: connect(), async methods, tagged rejections, watches, withChroot, close",
    run: (env) =>
      Effect.promise(async () => {
        const zk = await env.platform.connect({ hosts: env.hosts })
        try {
          const base = `/conformance-promise-${env.platform.name}-${Date.now().toString(36)}-${nextId()}`
          await zk.ensurePath(base)
          const created = await zk.create(`${base}/a`, { data: "1" })
          const got = await zk.get(`${base}/a`)
          const rejected = await zk.get(`${base}/missing`).then(
            () => undefined,
            (e: unknown) => e
          )
          const fired = new Promise<Event>((resolve) => {
            void zk.exists(`${base}/a`, { watch: resolve })
          })
          await zk.set(`${base}/a`, "2")
          const event = await Promise.race([
            fired,
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))
          ])
          // removeWatches with a callback: that callback's watch goes and it is told so
          let onRemoved: (e: Event) => void = () => {}
          const removedFired = new Promise<Event>((resolve) => {
            onRemoved = resolve
          })
          await zk.get(`${base}/a`, { watch: onRemoved })
          await zk.removeWatches(`${base}/a`, "data", { watch: onRemoved })
          const removed = await Promise.race([
            removedFired,
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))
          ])
          // a withChroot view: the same session, paths relative to base
          const view = zk.withChroot(base)
          const viewCreated = await view.create("/v", { data: "v" })
          const viewData = text((await view.get("/a")).data)
          const viewFired = new Promise<Event>((resolve) => {
            void view.exists("/v", { watch: resolve })
          })
          await zk.set(`${base}/v`, "w")
          const viewEvent = await Promise.race([
            viewFired,
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))
          ])
          let invalid: unknown
          try {
            view.withChroot("relative")
          } catch (e) {
            invalid = e
          }
          const children = [...(await zk.getChildren(base))].sort()
          await zk.delete(base, { recursive: true })
          return {
            created,
            data: text(got.data),
            rejected,
            event,
            removed,
            children,
            view: { chroot: view.chroot, base, created: viewCreated, data: viewData, event: viewEvent, invalid }
          }
        } finally {
          await zk.close()
        }
      }).pipe(
        Effect.flatMap((r) =>
          Effect.all([
            equal(r.created.endsWith("/a"), true, "created"),
            equal(r.data, "1", "data"),
            matches(r.rejected, { _tag: "NoNodeError", op: "get" }, "rejection"),
            ok(r.rejected instanceof Error, "rejections are Errors"),
            matches(r.event, { type: "CHANGED" }, "watch callback"),
            matches(r.removed, { type: "DATA_WATCH_REMOVED" }, "removeWatches with a callback"),
            equal(r.children, ["a", "v"], "children"),
            equal(r.view.chroot?.endsWith(r.view.base), true, "withChroot: the view's chroot"),
            equal(r.view.created, "/v", "withChroot: create"),
            equal(r.view.data, "2", "withChroot: get"),
            matches(r.view.event, { type: "CHANGED", path: "/v" }, "withChroot: watch event path"),
            matches(r.view.invalid, { _tag: "InvalidArgumentError" }, "withChroot: invalid path")
          ])
        )
      )
  },
  {
    name: "the socket seam: a refused connection fails with SocketError",
    run: (env) =>
      Effect.gen(function* () {
        const handler = yield* Effect.provide(Handler.ZooKeeperHandler, env.platform.layer)
        const error = yield* failsWith(
          handler.connector.connect(
            { host: "127.0.0.1", port: 1, connectTimeoutMillis: 5000 },
            { onData: () => {}, onClose: () => {} }
          ),
          "SocketError"
        )
        yield* matches(error, { address: "127.0.0.1:1" }, "address")
      })
  },
  {
    name: "the socket seam: a peer close is reported once with an error, a local close once without",
    run: (env) =>
      Effect.gen(function* () {
        const handler = yield* Effect.provide(Handler.ZooKeeperHandler, env.platform.layer)
        const server = firstServer(env.hosts)
        const options = { ...server, connectTimeoutMillis: 5000 }
        // The server answers a four-letter word and closes the connection.
        const received: Array<Uint8Array> = []
        const peerClosed = yield* Deferred.make<ReadonlyArray<unknown>>()
        const closes: Array<unknown> = []
        const socket = yield* handler.connector.connect(options, {
          onData: (chunk) => received.push(chunk),
          onClose: (error) => {
            closes.push(error)
            Deferred.unsafeDone(peerClosed, Exit.succeed(closes))
          }
        })
        yield* ok(socket.remoteAddress.endsWith(`:${server.port}`), "remoteAddress")
        socket.write([new TextEncoder().encode("ru"), new TextEncoder().encode("ok")])
        yield* within(Deferred.await(peerClosed), 10, "peer close")
        yield* equal(received.map(text).join(""), "imok", "answer")
        socket.close()
        socket.write([new Uint8Array(1)])
        yield* Effect.sleep("100 millis")
        yield* equal(closes.length, 1, "peer close reported once")
        yield* matches(closes[0], { _tag: "SocketError" }, "peer close error")
        // A local close: onClose(undefined), once.
        const localClosed = yield* Deferred.make<void>()
        const localCloses: Array<unknown> = []
        const local = yield* handler.connector.connect(options, {
          onData: () => {},
          onClose: (error) => {
            localCloses.push(error)
            Deferred.unsafeDone(localClosed, Exit.void)
          }
        })
        local.close()
        local.close()
        yield* within(Deferred.await(localClosed), 10, "local close")
        yield* Effect.sleep("100 millis")
        yield* equal(localCloses, [undefined], "local close reported once, without error")
      })
  },
  {
    name: "TLS: a session over TLS with a client certificate, verified against the CA",
    skip: noTls,
    run: (env) =>
      Effect.gen(function* () {
        const endpoint = env.tls!
        const zk = yield* ZooKeeper.make({ hosts: endpoint.hosts }).pipe(Effect.provide(overTls(env, endpoint)))
        const base = `/conformance-tls-${env.platform.name}-${Date.now().toString(36)}-${nextId()}`
        yield* zk.create(base, { data: "secret" })
        yield* equal(text((yield* zk.get(base)).data), "secret", "data over TLS")
        const watched = yield* zk.getAndWatch(base)
        yield* zk.set(base, "changed")
        yield* matches(yield* within(watched.event, 10, "watch over TLS"), { type: "CHANGED", path: base }, "watch")
        yield* equal(yield* zk.command("ruok"), "imok", "four-letter word over TLS")
        const l = yield* listenTo(zk)
        yield* zk.restart
        yield* equal(yield* l.next, "SUSPENDED", "dropped")
        yield* equal(yield* l.next, "CONNECTED", "reconnected over TLS")
        yield* zk.delete(base)
      })
  },
  {
    name: "TLS: a client key protected by a passphrase gives the session its x509 identity; a wrong passphrase fails make",
    skip: (env) =>
      noTls(env) ??
      (env.tls?.encryptedKey === undefined || env.tls.passphrase === undefined ? "no encrypted key given" : undefined),
    run: (env) =>
      Effect.gen(function* () {
        const endpoint = env.tls!
        const make = (passphrase: string) =>
          ZooKeeper.make({
            hosts: endpoint.hosts,
            sessionTimeout: "2 seconds",
            connectTimeout: "2 seconds",
            tls: { ca: endpoint.ca, cert: endpoint.cert, key: endpoint.encryptedKey!, passphrase }
          }).pipe(Effect.provide(env.platform.layer))
        const zk = yield* make(endpoint.passphrase!)
        yield* ok((yield* zk.whoAmI).some((w) => w.scheme === "x509"), "an x509 identity from the decrypted key")
        yield* ok(Option.isSome(yield* zk.exists("/")), "requests over TLS")
        yield* failsWith(make(`${endpoint.passphrase!}-wrong`), "ConnectionLossError")
      })
  },
  {
    name: "TLS: a server certificate the platform does not trust fails the connect with SocketError",
    skip: noTls,
    run: (env) =>
      Effect.gen(function* () {
        const endpoint = env.tls!
        const handler = yield* Effect.provide(Handler.ZooKeeperHandler, env.platform.layer)
        const server = firstServer(endpoint.hosts)
        yield* failsWith(
          handler.connector.connect(
            { ...server, connectTimeoutMillis: 5000, tls: { cert: endpoint.cert, key: endpoint.key } },
            { onData: () => {}, onClose: () => {} }
          ),
          "SocketError"
        )
      })
  }
]
