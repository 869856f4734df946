/**
 * The scenarios of kazoo's test_client.py (python3-kazoo 2.8) that need an ensemble: changing
 * the host list, requests queued while the only known server is down, and dynamic
 * reconfiguration (TestReconfig). kazoo's harness runs a 3-member ensemble with
 * `reconfigEnabled=true` and a super user `super:test`; so does this file. Beyond kazoo, it also
 * checks `getConfig` and `ServerConfig` against that ensemble's real configuration.
 */
import { createHash } from "node:crypto"
import * as net from "node:net"
import { layer } from "@effect/vitest"
import { type ClientState, ServerConfig } from "@effect-zk/core"
import { connect } from "@effect-zk/platform-node"
import { EnsembleTracker } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Fiber, Option, Stream } from "effect"
import { describe, expect } from "vitest"
import {
  chrootClient,
  makeClient,
  newChroot,
  recordStates,
  failureTag,
  tagOf,
  text,
  uuid,
  waitUntil
} from "./kazooHelpers.js"

const superDigest = `super:${createHash("sha1").update("super:test").digest("base64")}`

/** A port nothing listens on (connecting to it is refused at once). */
const freePort = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Stops a member for the rest of the scope (or until started again). */
const stopMember = (id: number) =>
  Effect.flatMap(TestCluster.TestCluster, (cluster) =>
    Effect.acquireRelease(cluster.stop(id), () =>
      Effect.flatMap(cluster.state(id), (state) =>
        state === "running" ? Effect.void : cluster.start(id)
      ).pipe(Effect.orDie)
    )
  )

/**
 * kazoo's `_request_queuing_common`: a client that knows only member 1, with infinite
 * connection retries; member 1 stops, a create is queued while SUSPENDED, optionally the
 * session is ended meanwhile, member 1 comes back and the client reconnects.
 */
const requestQueuing = (expireSession: boolean) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const { cs, chroot } = yield* newChroot([1])
    const zk = yield* makeClient({
      hosts: `${cs}${chroot}`,
      sessionTimeout: "20 seconds",
      connectionRetry: { maxTries: -1, delay: 100, backoff: 1, maxJitter: 0 }
    })
    const { seen, waitForSequence } = yield* recordStates(zk)
    const path = `/${uuid()}`
    yield* stopMember(1)
    yield* waitForSequence(["SUSPENDED"], 5000)
    const mark = seen.length
    const result = yield* Effect.fork(zk.create(path))
    yield* Effect.sleep("200 millis")
    expect(Option.isNone(yield* Fiber.poll(result))).toBe(true)
    expect((yield* zk.state).state).toBe("SUSPENDED")
    if (expireSession) {
      // kazoo spoils the session password; here the session is ended from the other members
      const id = yield* zk.clientId
      if (Option.isNone(id)) return expect.fail("no session id")
      const others = yield* cluster.connectString([2, 3])
      yield* Effect.scoped(Effect.flatMap(makeClient({ hosts: others, clientId: id.value }), (twin) => twin.close))
    }
    yield* cluster.start(1)
    yield* waitForSequence(["CONNECTED"], 15_000, mark)
    return { zk, path, result }
  })

layer(
  TestCluster.layerEnsemble({
    reconfigEnabled: true,
    systemProperties: { "zookeeper.DigestAuthenticationProvider.superDigest": superDigest }
  }),
  { excludeTestServices: true }
)("kazoo test_client.py (ensemble)", (it) => {
  describe("TestClient", () => {
    it.scoped("test_update_host_list", () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        const one = yield* cluster.connectString([1])
        const zk = yield* makeClient({ hosts: one })
        // the chroot cannot change
        expect(yield* failureTag(zk.setHosts(`${one}/new_chroot`))).toBe("ConfigurationError")
        // grow the list to the whole ensemble, then stop the first member
        yield* zk.setHosts(yield* cluster.connectString())
        const firstPort = yield* cluster.clientPort(1)
        yield* stopMember(1)
        // kazoo sleeps 5 s and expects CONNECTED; here: CONNECTED again, to another member
        yield* waitUntil(
          Effect.gen(function* () {
            const server = yield* zk.connectedServer
            return (
              (yield* zk.state).keeperState === "CONNECTED" &&
              Option.isSome(server) &&
              !server.value.endsWith(`:${firstPort}`)
            )
          }),
          "a connection to another member",
          15_000
        )
        expect((yield* zk.state).keeperState).toBe("CONNECTED")
      })
    )

    it.scoped("test_request_queuing_session_recovered", () =>
      Effect.gen(function* () {
        const { zk, path, result } = yield* requestQueuing(false)
        expect(yield* Fiber.join(result).pipe(Effect.timeout("10 seconds"))).toBe(path)
        expect(Option.isSome(yield* zk.exists(path))).toBe(true)
      })
    )

    it.scoped("test_request_queuing_session_expired", () =>
      Effect.gen(function* () {
        const { result } = yield* requestQueuing(true)
        expect(tagOf(yield* Fiber.await(result).pipe(Effect.timeout("10 seconds")))).toBe("SessionExpiredError")
      })
    )
  })

  describe("getConfig and ServerConfig (beyond kazoo)", () => {
    it.scoped("a chrooted client reads the ensemble's configuration, follows it with setHosts, and sees a reconfig", () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        const zk = yield* chrootClient()
        const admin = yield* chrootClient({ authData: [{ scheme: "digest", credential: "super:test" }] })
        // inside the chroot, /zookeeper/config is just another (missing) path; getConfig is not
        expect(yield* failureTag(zk.get("/zookeeper/config"))).toBe("NoNodeError")
        const { data, stat, event } = yield* zk.getConfigAndWatch
        const config = yield* ServerConfig.parse(data)
        expect(config.version).toBeDefined()
        expect(config.members.map((m) => m.id)).toEqual([1, 2, 3])
        expect(config.members.every((m) => m.role === "participant")).toBe(true)
        const ports = [yield* cluster.clientPort(1), yield* cluster.clientPort(2), yield* cluster.clientPort(3)]
        expect(config.members.map((m) => m.client?.port)).toEqual(ports)
        // the configuration's servers as the client's host list
        const hosts = ServerConfig.clientConnectString(config)
        expect(hosts.split(",").map((h) => Number(h.slice(h.lastIndexOf(":") + 1)))).toEqual(ports)
        yield* zk.setHosts(`${hosts}${zk.chroot ?? ""}`)
        expect(yield* zk.exists("/")).toSatisfy(Option.isSome)

        // a reconfig: the one-shot watch fires, the callback form too, and the new member is there
        const told = yield* Deferred.make<ClientState.WatchedEvent>()
        yield* zk.getConfig({ watch: (e) => Deferred.succeed(told, e) })
        const [port1, port2, port3] = [yield* freePort, yield* freePort, yield* freePort]
        const joining = `server.100=127.0.0.1:${port1}:${port2}:observer;127.0.0.1:${port3}`
        yield* admin.reconfig({ joining })
        expect(yield* event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHANGED", path: "/zookeeper/config" })
        expect(yield* Deferred.await(told).pipe(Effect.timeout("10 seconds"))).toMatchObject({
          type: "CHANGED",
          path: "/zookeeper/config"
        })
        const after = yield* zk.getConfig()
        expect(after.stat.mzxid > stat.mzxid).toBe(true)
        const grown = yield* ServerConfig.parse(after.data)
        expect(grown.version! > config.version!).toBe(true)
        expect(grown.members.find((m) => m.id === 100)).toEqual({
          id: 100,
          addresses: [{ host: "127.0.0.1", quorumPort: port1, electionPort: port2 }],
          role: "observer",
          client: { host: "127.0.0.1", port: port3 }
        })
        expect(ServerConfig.clientConnectString(grown, { participantsOnly: true })).toBe(hosts)
        yield* admin.reconfig({ leaving: "100" })
      })
    )

    it.scoped("EnsembleTracker gives the configuration's client addresses to setHosts and follows reconfigs", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const admin = yield* chrootClient({ authData: [{ scheme: "digest", credential: "super:test" }] })
        const initial = ServerConfig.clientConnectString(yield* ServerConfig.parse((yield* zk.getConfig()).data))
        const tracker = yield* EnsembleTracker.make(zk)
        const voters = yield* EnsembleTracker.make(zk, { participantsOnly: true })
        const seen: Array<string> = []
        yield* Stream.runForEach(tracker.changes, (h) => Effect.sync(() => seen.push(h))).pipe(Effect.forkScoped)
        yield* waitUntil(Effect.sync(() => seen.length === 1), "the first host list")
        expect(seen).toEqual([initial])
        expect(yield* tracker.hosts).toEqual(Option.some(initial))
        expect(yield* tracker.lastError).toEqual(Option.none())
        // an observer joins: the tracker's list grows, the participants-only one does not
        const [port1, port2, port3] = [yield* freePort, yield* freePort, yield* freePort]
        yield* admin.reconfig({ joining: `server.102=127.0.0.1:${port1}:${port2}:observer;127.0.0.1:${port3}` })
        yield* waitUntil(Effect.sync(() => seen.length === 2), "the grown host list")
        expect(seen[1]).toBe(`${initial},127.0.0.1:${port3}`)
        const grownVersion = Option.getOrThrow(yield* tracker.version)
        // it leaves: back to the first list
        yield* admin.reconfig({ leaving: "102" })
        yield* waitUntil(Effect.sync(() => seen.length === 3), "the list without the observer")
        expect(seen[2]).toBe(initial)
        expect(Option.getOrThrow(yield* tracker.version) > grownVersion).toBe(true)
        expect(yield* voters.hosts).toEqual(Option.some(initial))
        // the client still works, and the host list it was given has the chroot kept
        expect(Option.isSome(yield* zk.exists("/"))).toBe(true)
        yield* zk.restart
        yield* waitUntil(zk.connected, "reconnected through the tracked host list")
        expect(Option.isSome(yield* zk.exists("/"))).toBe(true)
      })
    )

    it.scoped("the promise facade's getConfig and reconfig", () =>
      Effect.gen(function* () {
        const { cs, chroot } = yield* newChroot()
        const hosts = `${cs}${chroot}`
        const pz = yield* Effect.acquireRelease(
          Effect.promise(() => connect({ hosts, authData: [{ scheme: "digest", credential: "super:test" }] })),
          (z) => Effect.promise(() => z.close())
        )
        const before = ServerConfig.parseSync((yield* Effect.promise(() => pz.getConfig())).data)
        if ("_tag" in before) return yield* before
        expect(before.members.map((m) => m.id)).toEqual([1, 2, 3])
        const changed = yield* Deferred.make<ClientState.WatchedEvent>()
        yield* Effect.promise(() => pz.getConfig({
            watch: (e) => {
              Effect.runSync(Deferred.succeed(changed, e))
            }
          }))
        const [port1, port2, port3] = [yield* freePort, yield* freePort, yield* freePort]
        const joined = yield* Effect.promise(() =>
          pz.reconfig({ joining: `server.101=127.0.0.1:${port1}:${port2}:observer;127.0.0.1:${port3}` })
        )
        expect(yield* Deferred.await(changed).pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHANGED" })
        const after = ServerConfig.parseSync(joined.data)
        if ("_tag" in after) return yield* after
        expect(after.members.map((m) => m.id)).toEqual([1, 2, 3, 101])
        const left = yield* Effect.promise(() => pz.reconfig({ leaving: "101" }))
        expect(ServerConfig.parseSync(left.data)).toMatchObject({ members: before.members })
      })
    )
  })

  describe("TestReconfig", () => {
    it.scoped("test_no_super_auth", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(
          yield* failureTag(zk.reconfig({ joining: "server.999=0.0.0.0:1234:2345:observer;3456" }))
        ).toBe("NoAuthError")
      })
    )

    it.scoped("test_add_remove_observer", () =>
      Effect.gen(function* () {
        const self = yield* chrootClient()
        const zk = yield* chrootClient({ authData: [{ scheme: "digest", credential: "super:test" }] })
        // ports nobody listens on, so that the ensemble is refused at once if it tries them
        const [port1, port2, port3] = [yield* freePort, yield* freePort, yield* freePort]
        const joining = `server.100=0.0.0.0:${port1}:${port2}:observer;0.0.0.0:${port3}`
        const added = yield* zk.reconfig({ joining })
        expect(text(added.data)).toContain(joining)
        const removed = yield* zk.reconfig({ leaving: "100" })
        const config = text(removed.data)
        expect(config).not.toContain(joining)
        // add it again, but naming a configuration version from the future
        const versionLine = config
          .split("\n")
          .map((line) => line.trim())
          .find((line) => line.startsWith("version="))
        expect(versionLine).toBeDefined()
        const current = BigInt(`0x${(versionLine ?? "version=0").slice("version=".length)}`)
        expect(yield* failureTag(self.reconfig({ joining, fromConfig: current + 1n }))).toBe("BadVersionError")
      })
    )

    it.scoped("test_bad_input", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.reconfig({ joining: "some thing" }))).toBe("BadArgumentsError")
      })
    )
  })
})
