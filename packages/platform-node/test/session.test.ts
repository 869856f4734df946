import { type ClientState, ZooKeeper, type ZooKeeperConfig, ZooKeeperError } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Chunk, Effect, Exit, Fiber, Option, Queue, Ref, Stream } from "effect"
import { expect } from "vitest"
import { client, hosts, rootClient, serverAddress, tcpProxy } from "./helpers.js"

/** Records the application states a client's listener receives. */
const listenTo = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const states = yield* Queue.unbounded<ClientState.KazooState>()
    yield* zk.addListener((s) => Queue.offer(states, s.state))
    const next = Queue.take(states).pipe(Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => "no state" }))
    return { next, all: Effect.map(Queue.takeAll(states), Chunk.toReadonlyArray) }
  })

/**
 * A client behind a proxy, and a way to expire its session the kazoo way: cut it off, connect a
 * second client with the same session id and password and close that one, then let it back.
 */
const proxiedClient = (options: Partial<ZooKeeperConfig.Options> = {}) =>
  Effect.gen(function* () {
    const proxy = yield* tcpProxy(yield* serverAddress)
    const zk = yield* ZooKeeper.make({ hosts: proxy.hosts, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))
    const expire = Effect.gen(function* () {
      const id = Option.getOrThrow(yield* zk.clientId)
      yield* proxy.cut
      yield* Effect.scoped(
        Effect.flatMap(ZooKeeper.make({ hosts: yield* hosts, clientId: id }), (twin) => twin.close)
      ).pipe(Effect.provide(NodeZooKeeper.layer))
      yield* proxy.heal
    })
    return { zk, proxy, expire }
  })

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("session", (it) => {
  it.scoped("a new client is CONNECTED; closing it is LOST (CLOSED) and its listener hears it", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      expect(yield* zk.state).toEqual({ state: "CONNECTED", keeperState: "CONNECTED" })
      expect(yield* zk.connected).toBe(true)
      expect(Option.isSome(yield* zk.clientId)).toBe(true)
      expect(Option.isSome(yield* zk.connectedServer)).toBe(true)
      const l = yield* listenTo(zk)
      yield* zk.close
      expect(yield* l.next).toBe("LOST")
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "CLOSED" })
    })
  )

  it.scoped("a dropped connection is SUSPENDED then CONNECTED with the same session; ephemerals and watches survive", () =>
    Effect.gen(function* () {
      const zk = yield* client({ sessionTimeout: "6 seconds" })
      const other = yield* rootClient()
      yield* zk.create("/eph", { ephemeral: true })
      yield* zk.create("/watched", { data: "0" })
      const before = Option.getOrThrow(yield* zk.clientId)
      const watched = yield* zk.getAndWatch("/watched")
      const l = yield* listenTo(zk)
      yield* zk.restart
      expect(yield* l.next).toBe("SUSPENDED")
      // changed while we may be disconnected: the re-registered watch fires exactly once
      yield* other.set(`${zk.chroot}/watched`, "1")
      expect(yield* l.next).toBe("CONNECTED")
      expect(yield* watched.event.pipe(Effect.timeout("5 seconds"))).toMatchObject({
        type: "CHANGED",
        path: "/watched"
      })
      const after = Option.getOrThrow(yield* zk.clientId)
      expect(after.sessionId).toBe(before.sessionId)
      expect(Option.isSome(yield* zk.exists("/eph"))).toBe(true)
    })
  )

  it.scoped("requests made while disconnected wait for the connection and succeed", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      yield* zk.restart
      const results = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => zk.create(`/q${i}`, { data: `${i}` })),
        { concurrency: "unbounded" }
      )
      expect(results.length).toBe(20)
      expect((yield* zk.getChildren("/")).length).toBe(20)
    })
  )

  it.scoped("session expiry: LOST, then a new session; ephemerals gone, one-shot watches dropped, persistent streams end", () =>
    Effect.gen(function* () {
      const { zk, expire } = yield* proxiedClient({ sessionTimeout: "4 seconds" })
      yield* zk.ensurePath("/expiry")
      yield* zk.create("/mine", { ephemeral: true })
      yield* zk.delete("/keep", { recursive: true })
      yield* zk.create("/keep")
      const before = Option.getOrThrow(yield* zk.clientId)
      const watched = yield* zk.getAndWatch("/keep")
      const fired = yield* Ref.make(0)
      yield* zk.get("/keep", { watch: () => Ref.update(fired, (n) => n + 1) })
      const persistent = yield* Effect.fork(zk.watch("/keep").pipe(Stream.runDrain))
      yield* Effect.sleep("200 millis")
      const l = yield* listenTo(zk)
      yield* expire
      const states: Array<string> = []
      while (states.at(-1) !== "CONNECTED") states.push(yield* l.next)
      expect(states).toContain("LOST")
      expect(states.at(-1)).toBe("CONNECTED")
      const after = Option.getOrThrow(yield* zk.clientId)
      expect(after.sessionId).not.toBe(before.sessionId)
      expect(Option.isNone(yield* zk.exists("/mine"))).toBe(true)
      // the Effect-form watch fails with SessionExpired, the persistent stream too
      const lost = yield* Effect.exit(watched.event)
      expect(Exit.isFailure(lost) && lost.cause._tag === "Fail" && lost.cause.error._tag).toBe("SessionExpiredError")
      const ended = yield* Fiber.await(persistent)
      expect(Exit.isFailure(ended)).toBe(true)
      // the callback watch was dropped without firing
      yield* zk.set("/keep", "x")
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(fired)).toBe(0)
    })
  )

  it.scoped("resuming a session by client id (kazoo's client_id)", () =>
    Effect.gen(function* () {
      const { zk, proxy } = yield* proxiedClient()
      const id = Option.getOrThrow(yield* zk.clientId)
      const path = yield* zk.create(`/resume-${Date.now()}`, { ephemeral: true })
      yield* proxy.cut
      const twin = yield* ZooKeeper.make({ hosts: yield* hosts, clientId: id }).pipe(Effect.provide(NodeZooKeeper.layer))
      const stat = Option.getOrThrow(yield* twin.exists(path))
      expect(stat.ephemeralOwner).toBe(id.sessionId)
      expect(Option.getOrThrow(yield* twin.clientId).sessionId).toBe(id.sessionId)
    })
  )

  it.scoped("a server that is not there: start fails with ConnectionLoss within its bound", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        ZooKeeper.make({
          hosts: "127.0.0.1:1",
          connectTimeout: "200 millis",
          sessionTimeout: "1 second"
        }).pipe(Effect.provide(NodeZooKeeper.layer))
      )
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("ConnectionLossError")
    })
  )

  it.scoped("whileDisconnected: 'fail' fails at once, 'wait' fails after requestTimeout", () =>
    Effect.gen(function* () {
      const failing = yield* ZooKeeper.make({
        hosts: "127.0.0.1:1",
        waitForConnection: false,
        whileDisconnected: "fail"
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      expect((yield* Effect.flip(failing.get("/x")))._tag).toBe("ConnectionLossError")
      const waiting = yield* ZooKeeper.make({
        hosts: "127.0.0.1:1",
        waitForConnection: false,
        requestTimeout: "300 millis"
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      const error = yield* Effect.flip(waiting.get("/x"))
      expect(error._tag).toBe("ConnectionLossError")
      expect(error).toMatchObject({ op: "get", path: "/x" })
    })
  )

  it.scoped("invalid configuration is a ConfigurationError naming the field", () =>
    Effect.gen(function* () {
      const cases: Array<[Parameters<typeof ZooKeeper.make>[0], string]> = [
        [{ hosts: "" }, "hosts"],
        [{ hosts: "127.0.0.1:99999" }, "hosts"],
        [{ hosts: "127.0.0.1:2181/bad/" }, "hosts"],
        [{ hosts: "127.0.0.1", sessionTimeout: -5 }, "sessionTimeout"],
        [{ hosts: "127.0.0.1", maxFrameLength: 0 }, "maxFrameLength"],
        [{ hosts: "127.0.0.1", connectionRetry: { backoff: 0.5 } }, "connectionRetry.backoff"],
        [{ hosts: "127.0.0.1", defaultAcl: [] }, "defaultAcl"]
      ]
      for (const [options, field] of cases) {
        const exit = yield* Effect.exit(ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer)))
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("ConfigurationError")
        expect(error !== undefined && "field" in error ? error.field : undefined).toBe(field)
      }
    })
  )

  it.scoped("setHosts cannot change the chroot", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const cs = yield* hosts
      yield* zk.setHosts(`${cs}${zk.chroot}`)
      const error = yield* Effect.flip(zk.setHosts(`${cs}/elsewhere`))
      expect(error._tag).toBe("ConfigurationError")
      expect(error.field).toBe("hosts")
    })
  )

  it.scoped("the state is a stream of changes", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const seen = yield* Effect.fork(
        zk.stateChanges.pipe(
          Stream.map((s) => s.state),
          Stream.changes,
          Stream.take(3),
          Stream.runCollect,
          Effect.timeout("10 seconds")
        )
      )
      yield* Effect.sleep("100 millis")
      yield* zk.restart
      expect(Chunk.toReadonlyArray(yield* Fiber.join(seen))).toEqual(["CONNECTED", "SUSPENDED", "CONNECTED"])
    })
  )

  it.scoped("client.retry retries connection loss with the command retry policy and passes other errors through", () =>
    Effect.gen(function* () {
      const zk = yield* client({ commandRetry: { maxTries: 5, delay: "10 millis" } })
      const calls = yield* Ref.make(0)
      const flaky = Effect.flatMap(Ref.updateAndGet(calls, (n) => n + 1), (n) =>
        n < 3 ? Effect.fail(new ZooKeeperError.ConnectionLossError({ op: "create", path: "/retried" })) : zk.create("/retried")
      )
      expect(yield* zk.retry(flaky)).toBe("/retried")
      expect(yield* Ref.get(calls)).toBe(3)
      const notRetried = yield* Ref.make(0)
      const error = yield* Effect.flip(zk.retry(Effect.zipRight(Ref.update(notRetried, (n) => n + 1), zk.get("/missing"))))
      expect(error._tag).toBe("NoNodeError")
      expect(yield* Ref.get(notRetried)).toBe(1)
      const limited = yield* client({ commandRetry: { maxTries: 2, delay: "1 millis" } })
      const exhausted = yield* Effect.flip(limited.retry(Effect.fail(new ZooKeeperError.ConnectionLossError({ op: "get" }))))
      expect(exhausted).toMatchObject({ _tag: "RetryFailedError", attempts: 3 })
    })
  )

  it.scoped("close during reconnect attempts halts them", () =>
    Effect.gen(function* () {
      // A listener that accepts and immediately drops connections: the client keeps retrying.
      const attempts = yield* Ref.make(0)
      const server = yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const net = await import("node:net")
          const srv = net.createServer((socket) => {
            Effect.runSync(Ref.update(attempts, (n) => n + 1))
            socket.on("error", () => {})
            socket.destroy()
          })
          await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
          return srv
        }),
        (srv) => Effect.promise(() => new Promise<void>((resolve) => srv.close(() => resolve())))
      )
      const port = (server.address() as { port: number }).port
      const zk = yield* ZooKeeper.make({
        hosts: `127.0.0.1:${port}`,
        waitForConnection: false,
        connectionRetry: { delay: "20 millis", maxDelay: "20 millis" }
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(attempts)).toBeGreaterThan(2)
      yield* zk.close
      // let a connect that was already under way when close ran reach the listener
      yield* Effect.sleep("200 millis")
      const after = yield* Ref.get(attempts)
      yield* Effect.sleep("500 millis")
      expect(yield* Ref.get(attempts)).toBe(after)
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "CLOSED" })
    })
  )
})
