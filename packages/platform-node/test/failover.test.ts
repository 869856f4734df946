import * as net from "node:net"
import { type ClientState, ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Chunk, Effect, Either, Fiber, Logger, LogLevel, Option, Queue, Ref, Stream } from "effect"
import { expect } from "vitest"
import { tcpProxy } from "./helpers.js"

const make = (options: Parameters<typeof ZooKeeper.make>[0]) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))

/** The member id a client is connected to. */
const connectedMember = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const server = Option.getOrThrow(yield* zk.connectedServer)
    for (const id of cluster.ids) {
      const port = yield* cluster.clientPort(id)
      if (server.endsWith(`:${port}`)) return id
    }
    return yield* Effect.die(`connected to ${server}, which is no member`)
  })

/** Records the application states a client's listener receives. */
const states = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const q = yield* Queue.unbounded<ClientState.KazooState>()
    yield* zk.addListener((s) => Queue.offer(q, s.state))
    return {
      until: (state: ClientState.KazooState, seconds: number) =>
        Effect.gen(function* () {
          const seen: Array<ClientState.KazooState> = []
          while (seen.at(-1) !== state) {
            seen.push(yield* Queue.take(q).pipe(Effect.timeoutFail({ duration: `${seconds} seconds`, onTimeout: () => `no ${state} after ${seen.join(",")}` })))
          }
          return seen
        })
    }
  })

const base = (name: string) => `/failover-${name}-${Date.now()}`

layer(TestCluster.layerEnsemble(), { excludeTestServices: true })("failover on a 3-member ensemble", (it) => {
  it.scoped(
    "killing the member under 5,000 pipelined writes: successes are visible, failures are ConnectionLoss, nothing twice, same session",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        yield* cluster.awaitReady()
        const hosts = yield* cluster.connectString()
        const zk = yield* make({ hosts, sessionTimeout: "10 seconds" })
        const root = base("kill")
        yield* zk.ensurePath(root)
        const before = Option.getOrThrow(yield* zk.clientId).sessionId
        const s = yield* states(zk)
        const victim = yield* connectedMember(zk)
        const n = 5000
        const writes = yield* Effect.fork(
          Effect.forEach(
            Array.from({ length: n }, (_, i) => i),
            (i) =>
              Effect.either(
                i % 2 === 0
                  ? zk.create(`${root}/n-`, { sequence: true, data: `${i}` })
                  : zk.create(`${root}/k${i}`, { data: `${i}` })
              ),
            { concurrency: "unbounded" }
          )
        )
        yield* Effect.sleep("30 millis")
        yield* cluster.kill(victim)
        const results = yield* Fiber.join(writes)
        const seen = yield* s.until("CONNECTED", 30)
        expect(seen).toEqual(["SUSPENDED", "CONNECTED"])
        const failed = results.filter(Either.isLeft).map((r) => r.left._tag)
        expect(new Set(failed).size <= 2 && failed.every((t) => t === "ConnectionLossError" || t === "SessionExpiredError")).toBe(true)
        const succeeded = results.flatMap((r, i) => (Either.isRight(r) ? [[i, r.right] as const] : []))
        expect(succeeded.length + failed.length).toBe(n)
        expect(failed.length).toBeGreaterThan(0)
        // What the ensemble holds, read through a fresh client.
        const reader = yield* make({ hosts })
        const children = yield* reader.getChildren(root)
        const present = new Set(children.map((c) => `${root}/${c}`))
        for (const [, path] of succeeded) expect(present.has(path)).toBe(true)
        const values = yield* Effect.forEach(children, (c) => Effect.map(reader.get(`${root}/${c}`), (d) => new TextDecoder().decode(d.data)), {
          concurrency: 64
        })
        expect(new Set(values).size).toBe(values.length) // nothing applied twice
        expect(Option.getOrThrow(yield* zk.clientId).sessionId).toBe(before)
        yield* cluster.start(victim)
        yield* zk.delete(root, { recursive: true })
      }),
    120_000
  )

  it.scoped(
    "a watched node changes while our member is paused: the watch fires once after reconnecting; the same for a persistent recursive watch",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        yield* cluster.awaitReady()
        const hosts = yield* cluster.connectString()
        // long enough that a loaded machine still reconnects before the session could expire
        const zk = yield* make({ hosts, sessionTimeout: "12 seconds" })
        const root = base("pause")
        yield* zk.create(`${root}/node`, { data: "0", makepath: true })
        const fired = yield* Ref.make(0)
        yield* zk.get(`${root}/node`, { watch: () => Ref.update(fired, (n) => n + 1) })
        const watched = yield* zk.addWatch(root, { recursive: true })
        const recursive = yield* Effect.fork(watched.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("30 seconds")))
        const victim = yield* connectedMember(zk)
        const otherIds = cluster.ids.filter((id) => id !== victim)
        const other = yield* make({ hosts: yield* cluster.connectString(otherIds) })
        const s = yield* states(zk)
        yield* cluster.pause(victim)
        // if the paused member led the ensemble, the others elect a new leader first: retry
        yield* other.retry(other.set(`${root}/node`, "1"))
        yield* s.until("CONNECTED", 30)
        const events = Chunk.toReadonlyArray(yield* Fiber.join(recursive))
        expect(events.map((e) => [e.type, e.path])).toEqual([["CHANGED", `${root}/node`]])
        yield* Effect.sleep("500 millis")
        expect(yield* Ref.get(fired)).toBe(1)
        yield* cluster.resume(victim)
        yield* zk.delete(root, { recursive: true })
      }),
    120_000
  )

  it.scoped(
    "every member paused longer than the session timeout: LOST, then CONNECTED with a new session; old ephemerals gone",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        yield* cluster.awaitReady()
        const hosts = yield* cluster.connectString()
        const zk = yield* make({ hosts, sessionTimeout: "4 seconds" })
        const root = base("all-paused")
        yield* zk.ensurePath(root)
        const eph = yield* zk.create(`${root}/e`, { ephemeral: true })
        const before = Option.getOrThrow(yield* zk.clientId).sessionId
        const s = yield* states(zk)
        yield* Effect.forEach(cluster.ids, (id) => cluster.pause(id), { discard: true })
        yield* Effect.sleep("7 seconds")
        yield* Effect.forEach(cluster.ids, (id) => cluster.resume(id), { discard: true })
        const seen = yield* s.until("CONNECTED", 60)
        expect(seen).toContain("LOST")
        expect(Option.getOrThrow(yield* zk.clientId).sessionId).not.toBe(before)
        // The servers expire the old session on their own clock after resuming: wait for it.
        const gone = yield* zk.retry(zk.exists(eph)).pipe(
          Effect.tap(() => Effect.sleep("200 millis")),
          Effect.repeat({ until: Option.isNone }),
          Effect.timeout("20 seconds")
        )
        expect(Option.isNone(gone)).toBe(true)
        yield* zk.retry(zk.create(`${root}/e2`, { ephemeral: true }))
        yield* cluster.awaitReady()
        yield* zk.delete(root, { recursive: true })
      }),
    120_000
  )

  it.scoped("a session expired on purpose (kazoo's trick): the client reports LOST and recovers", () =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
      const zk = yield* make({ hosts: proxy.hosts, sessionTimeout: "4 seconds" })
      const id = Option.getOrThrow(yield* zk.clientId)
      const s = yield* states(zk)
      yield* proxy.cut
      yield* Effect.scoped(Effect.flatMap(make({ hosts: yield* cluster.connectString(), clientId: id }), (twin) => twin.close))
      yield* proxy.heal
      const seen = yield* s.until("CONNECTED", 30)
      expect(seen).toContain("LOST")
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).not.toBe(id.sessionId)
    })
  )

  it.scoped(
    "a rolling restart under a bounded read/write load: no error escapes retry, and the final data is what was acknowledged",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        yield* cluster.awaitReady()
        const hosts = yield* cluster.connectString()
        const zk = yield* make({ hosts, sessionTimeout: "10 seconds", commandRetry: { maxTries: -1, delay: "50 millis", maxDelay: "1 second" } })
        const root = base("rolling")
        const keys = 8
        yield* Effect.forEach(Array.from({ length: keys }, (_, k) => k), (k) => zk.create(`${root}/k${k}`, { data: "0", makepath: true }), { discard: true })
        const acknowledged = new Map<number, number>()
        const stop = yield* Ref.make(false)
        const load = yield* Effect.fork(
          Effect.forEach(
            Array.from({ length: keys }, (_, k) => k),
            (k) =>
              Effect.gen(function* () {
                let v = 0
                // bounded: at most 2,000 writes per key, and only until the restarts are done
                while (!(yield* Ref.get(stop)) && v < 2000) {
                  v++
                  yield* zk.retry(zk.set(`${root}/k${k}`, `${v}`))
                  acknowledged.set(k, v)
                  yield* zk.retry(zk.get(`${root}/k${k}`))
                  yield* Effect.sleep("5 millis")
                }
              }),
            { concurrency: "unbounded", discard: true }
          )
        )
        for (const id of cluster.ids) {
          yield* cluster.restart(id)
          yield* cluster.awaitReady()
        }
        yield* Ref.set(stop, true)
        yield* Fiber.join(load)
        const reader = yield* make({ hosts })
        for (let k = 0; k < keys; k++) {
          const { data } = yield* reader.get(`${root}/k${k}`)
          expect(new TextDecoder().decode(data)).toBe(`${acknowledged.get(k)}`)
        }
        yield* zk.delete(root, { recursive: true })
      }),
    150_000
  )

  it.scoped("a server that sends garbage: the connection is dropped with a protocol error and the client moves on", () =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const garbage = yield* Effect.acquireRelease(
        Effect.async<net.Server>((resume) => {
          const server = net.createServer((socket) => {
            // read what the client sends (so its close is noticed), answer with a frame header
            // announcing 2 GiB, then noise
            socket.resume()
            socket.on("error", () => {})
            socket.end(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]))
          })
          server.listen(0, "127.0.0.1", () => {
            resume(Effect.succeed(server))
          })
        }),
        (server) =>
          Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
          })
      )
      const port = (garbage.address() as net.AddressInfo).port
      const logs: Array<string> = []
      const capture = Logger.make(({ message }) => {
        logs.push(String(message))
      })
      const zk = yield* make({
        hosts: `127.0.0.1:${port},${yield* cluster.connectString([1])}`,
        randomizeHosts: false
      }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)), Logger.withMinimumLogLevel(LogLevel.Debug))
      expect(Option.getOrThrow(yield* zk.connectedServer)).toBe(yield* cluster.connectString([1]))
      expect(logs.some((l) => l.includes("protocol error") && l.includes("frame"))).toBe(true)
    })
  )
})
