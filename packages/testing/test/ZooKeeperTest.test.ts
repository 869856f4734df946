/**
 * What only the in-memory server does: its layers, the test controls (expire, drop, cut off,
 * stop, injected failures, inspection) and time under a TestClock (stat times, session
 * timeouts, TTL and container sweeps).
 */
import { Acl, type ClientState, Transaction, ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Option, Queue, Stream, TestClock } from "effect"

const tagOf = (e: { readonly _tag: string }) => e._tag

/** Lets the fibers woken by the server or the TestClock run. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

const states = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<string>()
    yield* zk.addListener((s) => Queue.offer(queue, s.state))
    return { all: Effect.map(Effect.zipRight(settle, Queue.takeAll(queue)), Chunk.toReadonlyArray) }
  })

describe("ZooKeeperTest", () => {
  it.effect("layer provides the ZooKeeper service and its TestServer; make starts a server of its own", () =>
    Effect.gen(function* () {
      const zk = yield* ZooKeeper.ZooKeeper
      const server = yield* ZooKeeperTest.TestServer
      yield* zk.create("/a", { data: "x" })
      const dump = yield* server.dump()
      expect(dump.map((n) => n.path)).toEqual(["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config", "/a"])
      const alone = yield* Effect.scoped(Effect.flatMap(ZooKeeperTest.make(), (other) => other.exists("/a")))
      expect(Option.isNone(alone)).toBe(true)
      const shared = yield* Effect.scoped(Effect.flatMap(ZooKeeperTest.make({ server }), (other) => other.exists("/a")))
      expect(Option.isSome(shared)).toBe(true)
    }).pipe(Effect.provide(ZooKeeperTest.layer()))
  )

  it.effect("stat times come from the Clock, so a TestClock sets them", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000_000)
      const zk = yield* ZooKeeper.ZooKeeper
      const { stat } = yield* zk.createWithStat("/t")
      expect(stat.ctime).toBe(1_000_000)
      yield* TestClock.adjust("5 seconds")
      expect((yield* zk.set("/t", "x")).mtime).toBe(1_005_000)
    }).pipe(Effect.provide(ZooKeeperTest.layer()))
  )

  it.scoped("TTL nodes go at the container sweep once unchanged and childless for longer than their TTL", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer({ containerCheckInterval: "1 minute" })
      const zk = yield* server.client()
      const watched = yield* zk.existsAndWatch("/ttl")
      yield* zk.create("/ttl", { ttl: "10 seconds" })
      yield* zk.create("/busy", { ttl: "10 seconds" })
      yield* zk.create("/busy/child")
      yield* TestClock.adjust("59 seconds")
      yield* settle
      expect(Option.isSome(yield* zk.exists("/ttl"))).toBe(true)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(Option.isNone(yield* zk.exists("/ttl"))).toBe(true)
      expect(Option.isSome(yield* zk.exists("/busy"))).toBe(true)
      expect(yield* watched.event).toMatchObject({ type: "CREATED" })
      // a change restarts the count; checkContainers sweeps now
      yield* zk.delete("/busy/child")
      yield* TestClock.adjust("5 seconds")
      yield* zk.set("/busy", "touched")
      yield* TestClock.adjust("9 seconds")
      expect(yield* server.checkContainers).toEqual([])
      yield* TestClock.adjust("2 seconds")
      expect(yield* server.checkContainers).toEqual(["/busy"])
    })
  )

  it.scoped("containers go once their last child is gone; one that never had children stays", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      yield* zk.create("/box", { container: true })
      yield* zk.create("/unused", { container: true })
      yield* zk.create("/box/item")
      expect(yield* server.checkContainers).toEqual([])
      const gone = yield* zk.existsAndWatch("/box")
      yield* zk.delete("/box/item")
      yield* TestClock.adjust("60 seconds")
      yield* settle
      expect(yield* gone.event).toMatchObject({ type: "DELETED", path: "/box" })
      expect(Option.isSome(yield* zk.exists("/unused"))).toBe(true)
    })
  )

  it.scoped("makepath: 'containers' and ensurePath with container make container parents; makepath: true persistent ones", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      yield* zk.create("/c/a/leaf", { makepath: "containers" })
      yield* zk.create("/p/a/leaf", { makepath: true })
      yield* zk.ensurePath("/e/a", { container: true })
      yield* zk.create("/e/a/leaf")
      for (const leaf of ["/c/a/leaf", "/p/a/leaf", "/e/a/leaf"]) yield* zk.delete(leaf)
      // each sweep takes the containers the one before left empty
      expect([...(yield* server.checkContainers)].sort()).toEqual(["/c/a", "/e/a"])
      expect([...(yield* server.checkContainers)].sort()).toEqual(["/c", "/e"])
      expect(yield* server.checkContainers).toEqual([])
      expect([...(yield* zk.getChildren("/"))].sort()).toEqual(["p", "zookeeper"])
      expect(Option.isSome(yield* zk.exists("/p/a"))).toBe(true)
    })
  )

  it.scoped("a client cut off longer than its session timeout: LOST, its ephemerals gone, a new session once it is back", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client({ sessionTimeout: "6 seconds" })
      const observer = yield* server.client()
      const seen = yield* states(zk)
      const before = Option.getOrThrow(yield* zk.clientId).sessionId
      expect((yield* server.sessions).find((s) => s.sessionId === before)?.timeout).toBe(6000)
      yield* zk.create("/mine", { ephemeral: true })
      const gone = yield* observer.existsAndWatch("/mine")
      yield* server.disconnect(zk)
      yield* TestClock.adjust("5 seconds")
      expect(yield* seen.all).toEqual(["SUSPENDED"])
      expect(Option.isSome(yield* observer.exists("/mine"))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      expect(yield* gone.event).toMatchObject({ type: "DELETED", path: "/mine" })
      expect(yield* seen.all).toEqual(["LOST"])
      yield* server.reconnect(zk)
      expect(yield* zk.awaitConnected(1000)).toBe(true)
      expect(yield* seen.all).toEqual(["CONNECTED"])
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).not.toBe(before)
    })
  )

  it.scoped("a dropped connection keeps the session; requests made meanwhile wait and go through", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      const seen = yield* states(zk)
      const before = yield* ZooKeeperTest.sessionIdOf(zk)
      yield* server.dropConnection(zk)
      expect(yield* zk.create("/after")).toBe("/after")
      expect(yield* seen.all).toEqual(["SUSPENDED", "CONNECTED"])
      expect(yield* ZooKeeperTest.sessionIdOf(zk)).toEqual(before)
      yield* server.stop
      const pending = yield* Effect.fork(zk.create("/later"))
      yield* settle
      expect(yield* seen.all).toEqual(["SUSPENDED"])
      expect(yield* zk.command("ruok").pipe(Effect.flip, Effect.map(tagOf))).toBe("ConnectionLossError")
      yield* server.start
      expect(yield* Fiber.join(pending)).toBe("/later")
      expect(yield* seen.all).toEqual(["CONNECTED"])
    })
  )

  it.scoped("expireSession: the client sees LOST, then CONNECTED with a new session; its watches end", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      const seen = yield* states(zk)
      const before = Option.getOrThrow(yield* ZooKeeperTest.sessionIdOf(zk))
      yield* zk.create("/eph", { ephemeral: true })
      const watched = yield* zk.getAndWatch("/eph")
      const told = yield* Deferred.make<ClientState.WatchedEvent>()
      yield* zk.exists("/eph", { watch: (event) => Deferred.succeed(told, event) })
      const stream = yield* Effect.fork(Stream.runDrain(zk.watch("/", { recursive: true })))
      yield* settle
      expect((yield* server.watches).map((w) => [w.path, w.table, w.mode])).toEqual([
        ["/eph", "data", "standard"],
        ["/", "data", "persistentRecursive"]
      ])
      expect(yield* server.clientWatches(zk)).toEqual([
        { kind: "data", path: "/eph", watchers: 2 },
        { kind: "persistentRecursive", path: "/", watchers: 1 }
      ])
      yield* server.expireSession(before)
      expect(tagOf(yield* Effect.flip(watched.event))).toBe("SessionExpiredError")
      expect(tagOf(yield* Effect.flip(Fiber.join(stream)))).toBe("SessionExpiredError")
      expect(yield* Deferred.await(told)).toEqual({ type: "NONE", state: "EXPIRED_SESSION", path: "/eph" })
      expect(yield* zk.awaitConnected(1000)).toBe(true)
      expect(yield* seen.all).toEqual(["SUSPENDED", "LOST", "CONNECTED"])
      expect(Option.isNone(yield* zk.exists("/eph"))).toBe(true)
      expect(yield* server.watches).toEqual([])
    })
  )

  it.scoped("failNext: the next matching call fails once, optionally after the change or with the connection", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      const other = yield* server.client()
      yield* server.failNext({ op: "create", path: "/x" }, new ZooKeeperError.ConnectionLossError({ op: "create", path: "/x" }))
      yield* other.create("/y")
      expect(tagOf(yield* Effect.flip(zk.create("/x")))).toBe("ConnectionLossError")
      expect(Option.isNone(yield* zk.exists("/x"))).toBe(true)
      expect(yield* zk.create("/x")).toBe("/x")
      // the create happened, its reply was lost (kazoo's create_tried case)
      yield* server.failNext({ op: "create" }, (call) => new ZooKeeperError.ConnectionLossError(call), { afterApply: true })
      const lost = yield* Effect.flip(zk.create("/seq-", { sequence: true, ephemeral: true }))
      expect(lost).toMatchObject({ _tag: "ConnectionLossError", op: "create", path: "/seq-" })
      expect(yield* zk.getEphemerals()).toEqual(["/seq-0000000002"])
      // only one client's calls, twice, by pattern, with the connection dropped
      const seen = yield* states(zk)
      yield* server.failNext(
        { path: /^\/z/, client: zk },
        (call) => new ZooKeeperError.OperationTimeoutError(call),
        { times: 2, dropConnection: true }
      )
      expect(Option.isNone(yield* other.exists("/z"))).toBe(true)
      expect(tagOf(yield* Effect.flip(zk.exists("/z")))).toBe("OperationTimeoutError")
      expect(tagOf(yield* Effect.flip(zk.get("/z1")))).toBe("OperationTimeoutError")
      expect(Option.isNone(yield* zk.exists("/z"))).toBe(true)
      expect(yield* seen.all).toEqual(["SUSPENDED", "CONNECTED", "SUSPENDED", "CONNECTED"])
      // client.retry goes through injected connection losses (its waits run on the TestClock)
      yield* server.failNext({ op: "set" }, (call) => new ZooKeeperError.ConnectionLossError(call), { times: 3 })
      const retried = yield* Effect.fork(zk.retry(zk.set("/x", "v")))
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(retried)).version).toBe(1)
      yield* server.failNext({ op: "get" }, new ZooKeeperError.NoAuthError({ op: "get", path: "/x" }))
      yield* server.clearFailures
      expect((yield* zk.get("/x")).stat.version).toBe(1)
    })
  )

  it.scoped("dump and render show the tree; sessions list their ephemerals and identities", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      const zk = yield* server.client()
      yield* zk.create("/app/config", { data: "on", makepath: true })
      yield* zk.create("/app/lock-", { ephemeral: true, sequence: true })
      yield* zk.create("/app/jobs", { container: true })
      yield* zk.addAuth("digest", "alice:secret")
      const app = yield* server.dump("/app")
      expect(app.map((n) => [n.path, n.kind])).toEqual([
        ["/app", "persistent"],
        ["/app/config", "persistent"],
        ["/app/lock-0000000001", "ephemeral"],
        ["/app/jobs", "container"]
      ])
      expect(new TextDecoder().decode(app[1]!.data)).toBe("on")
      expect(app[2]!.owner).toBe(Option.getOrThrow(yield* ZooKeeperTest.sessionIdOf(zk)))
      expect(yield* server.render("/app")).toBe(
        ['  /app', '    /app/config "on"', "    /app/lock-0000000001 [ephemeral]", "    /app/jobs [container]"].join("\n")
      )
      const [session] = yield* server.sessions
      expect(session?.ephemerals).toEqual(["/app/lock-0000000001"])
      expect(session?.ids.map((id) => id.scheme)).toEqual(["digest", "ip"])
      expect(yield* server.lastZxid).toBeGreaterThan(0n)
    })
  )

  it.scoped("server options: TTL nodes off, a super user, the reported version, session timeout bounds", () =>
    Effect.gen(function* () {
      const superDigest = yield* Acl.makeDigestAclCredential("super", "admin")
      const server = yield* ZooKeeperTest.makeServer({
        extendedTypesEnabled: false,
        superDigest,
        version: [3, 9, 2],
        tickTime: 1000
      })
      const zk = yield* server.client({ sessionTimeout: "1 minute" })
      expect(tagOf(yield* Effect.flip(zk.create("/ttl", { ttl: 1000 })))).toBe("UnimplementedError")
      expect(yield* zk.serverVersion).toEqual([3, 9, 2])
      expect((yield* server.sessions)[0]?.timeout).toBe(20_000)
      yield* zk.create("/locked", { data: "s", acl: [yield* Acl.makeDigestAcl("bob", "pw", { all: true })] })
      expect(tagOf(yield* Effect.flip(zk.get("/locked")))).toBe("NoAuthError")
      yield* zk.addAuth("digest", "super:admin")
      expect(new TextDecoder().decode((yield* zk.get("/locked")).data)).toBe("s")
      const results = yield* zk.transaction([Transaction.setData("/locked", "t"), Transaction.remove("/locked")])
      expect(results.map((r) => r._tag)).toEqual(["DataSet", "Deleted"])
    })
  )

  it.effect("a client of a stopped server fails to start with ConnectionLoss once its bound passes", () =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.makeServer()
      yield* server.stop
      const fiber = yield* Effect.fork(Effect.either(server.client({ sessionTimeout: "4 seconds" })))
      yield* TestClock.adjust("4 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result._tag === "Left" && result.left._tag).toBe("ConnectionLossError")
    }).pipe(Effect.scoped)
  )
})
