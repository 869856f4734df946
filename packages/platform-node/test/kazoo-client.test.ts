/**
 * kazoo's own client tests (kazoo/tests/test_client.py, python3-kazoo 2.8), one test per kazoo
 * test, named after it, against a real standalone ZooKeeper. The scenarios that need an
 * ensemble (test_update_host_list, test_request_queuing_*, TestReconfig) are in
 * kazoo-client-ensemble.test.ts.
 *
 * Python-only checks (a tuple or an int where a path or bytes go, `watch=True`, ...) are
 * expressed by the closest thing the typed API can receive: an invalid value of the right type,
 * refused with InvalidArgumentError before anything is sent.
 */
import { Acl, ClientState, ConnectString, Transaction, ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Duration, Effect, Equal, Exit, Fiber, Logger, LogLevel, Option } from "effect"
import { describe, expect } from "vitest"
import {
  bytes,
  cannedFourLetterWords,
  chrootClient,
  type Client,
  connectString,
  dropConnection,
  expirableClient,
  failureTag,
  holdsWithin,
  makeClient,
  makeClientWith,
  newChroot,
  recordStates,
  rootClient,
  sameChroot,
  sessionIdOf,
  tagOf,
  text,
  uuid,
  waitUntil
} from "./kazooHelpers.js"

const exists = (zk: Client, path: string) => Effect.map(zk.exists(path), Option.isSome)

/** kazoo's promise-like API: our promise facade, closed with the scope. */
const promiseClient = (hosts: string) =>
  Effect.acquireRelease(
    Effect.tryPromise(() => NodeZooKeeper.connect({ hosts })),
    (pz) => Effect.promise(() => pz.close())
  )

const errorTag = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "untagged"

layer(TestCluster.layer(), { excludeTestServices: true })("kazoo test_client.py", (it) => {
  // -------------------------------------------------------------------------------------------
  describe("TestClientTransitions", () => {
    it.scoped("test_connection_and_disconnection", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const first = yield* recordStates(zk)
        yield* zk.close
        yield* first.waitForSequence(["LOST"], 2000)
        expect(first.seen).toEqual(["LOST"])
        // kazoo starts the stopped client again; a closed client stays closed here, so the
        // "restarted" client is a new one on the same chroot.
        const { zk: again, expire } = yield* expirableClient({ waitForConnection: false }, zk.chroot)
        const second = yield* recordStates(again)
        expect(yield* again.awaitConnected(5000)).toBe(true)
        yield* second.waitForSequence(["CONNECTED"], 2000)
        expect(second.seen).toEqual(["CONNECTED"])
        const before = second.seen.length
        yield* expire
        // The kazoo trick drops the connection before the server says the session is gone, so a
        // SUSPENDED may come first; the session then ends LOST and a new one is CONNECTED.
        const after = second.seen.slice(before)
        expect(after.slice(-2)).toEqual(["LOST", "CONNECTED"])
        expect(after.filter((s) => s === "LOST")).toHaveLength(1)
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestClientConstructor", () => {
    it.scoped("test_invalid_handler", () =>
      Effect.gen(function* () {
        // The handler is a typed Layer, so a wrong one does not compile. The closest runtime
        // case: a client option the client cannot use is a ConfigurationError naming it.
        const cs = yield* connectString()
        const error = yield* Effect.flip(makeClient({ hosts: cs, connectionRetry: { backoff: 0 } }))
        expect(error._tag).toBe("ConfigurationError")
        expect(error).toMatchObject({ field: "connectionRetry.backoff" })
        const error2 = yield* Effect.flip(makeClient({ hosts: cs, sessionTimeout: Duration.infinity }))
        expect(error2).toMatchObject({ _tag: "ConfigurationError", field: "sessionTimeout" })
      })
    )

    it.scoped("test_chroot", () =>
      Effect.gen(function* () {
        const chrootOf = (hosts: string) =>
          Effect.scoped(Effect.map(makeClient({ hosts, waitForConnection: false }), (zk) => zk.chroot))
        expect(yield* chrootOf("127.0.0.1:2181/")).toBeUndefined()
        expect(yield* chrootOf("127.0.0.1:2181/a")).toBe("/a")
        expect(yield* chrootOf("127.0.0.1/a")).toBe("/a")
        expect(yield* chrootOf("127.0.0.1/a/b")).toBe("/a/b")
        expect(yield* chrootOf("127.0.0.1:2181,127.0.0.1:2182/a/b")).toBe("/a/b")
      })
    )

    it.scoped("test_connection_timeout", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          Effect.scoped(makeClient({ hosts: "127.0.0.1:9", connectTimeout: 100, sessionTimeout: 100 })).pipe(
            Effect.timeout("10 seconds")
          )
        )
        expect(tagOf(exit)).toBe("ConnectionLossError")
      })
    )

    it.scoped("test_ordered_host_selection", () =>
      Effect.gen(function* () {
        const parsed = yield* ConnectString.parse("127.0.0.1:9,127.0.0.2:9/a")
        expect(parsed.servers).toEqual([
          { host: "127.0.0.1", port: 9 },
          { host: "127.0.0.2", port: 9 }
        ])
        // Live: with randomizeHosts off the first server is always the one tried first.
        const cluster = yield* TestCluster.TestCluster
        const port = yield* cluster.clientPort(1)
        for (let i = 0; i < 3; i++) {
          const server = yield* Effect.scoped(
            Effect.flatMap(
              makeClient({ hosts: `127.0.0.1:${port},localhost:${port}`, randomizeHosts: false }),
              (zk) => zk.connectedServer
            )
          )
          expect(server).toEqual(Option.some(`127.0.0.1:${port}`))
        }
      })
    )

    it.scoped("test_invalid_hostname", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          Effect.scoped(makeClient({ hosts: "nosuchhost/a", connectTimeout: 100, sessionTimeout: 100 })).pipe(
            Effect.timeout("10 seconds")
          )
        )
        expect(tagOf(exit)).toBe("ConnectionLossError")
      })
    )

    it.scoped("test_another_invalid_hostname", () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(Effect.scoped(makeClient({ hosts: "/nosuchhost/a" })))
        expect(tagOf(exit)).toBe("ConfigurationError")
      })
    )

    it.scoped("test_retry_options_dict", () =>
      Effect.gen(function* () {
        const cs = yield* connectString()
        const options = { hosts: cs, commandRetry: { maxTries: 99 }, connectionRetry: { delay: 99 } }
        const resolved = yield* ZooKeeperConfig.resolve(options)
        expect(resolved.commandRetry.maxTries).toBe(99)
        expect(Duration.toMillis(resolved.connectionRetry.delay)).toBe(99)
        const zk = yield* makeClient(options)
        expect(yield* zk.connected).toBe(true)
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestAuthentication", () => {
    const authScenario = (username: string, password: string, nodes: "three" | "two") =>
      Effect.gen(function* () {
        const acl = yield* Acl.makeDigestAcl(username, password, { all: true })
        const zk = yield* chrootClient({ defaultAcl: [acl] })
        yield* zk.addAuth("digest", `${username}:${password}`)
        yield* zk.create("/1")
        if (nodes === "three") yield* zk.create("/1/2")
        yield* zk.ensurePath("/1/2/3")
        const eve = yield* sameChroot(zk)
        expect(yield* failureTag(eve.get("/1/2"))).toBe("NoAuthError")
        // again with the wrong credentials
        yield* eve.addAuth("digest", "badbad:bad")
        expect(yield* failureTag(eve.get("/1/2"))).toBe("NoAuthError")
        yield* zk.delete("/1", { recursive: true })
        expect(yield* exists(zk, "/1")).toBe(false)
      })

    it.scoped("test_auth", () => authScenario(uuid(), uuid(), "three"))

    it.scoped("test_connect_auth", () =>
      Effect.gen(function* () {
        const username = uuid()
        const password = uuid()
        const acl = yield* Acl.makeDigestAcl(username, password, { all: true })
        const self = yield* chrootClient()
        const zk = yield* sameChroot(self, { authData: [{ scheme: "digest", credential: `${username}:${password}` }] })
        yield* zk.create("/1", { acl: [acl] })
        expect(yield* failureTag(self.get("/1"))).toBe("NoAuthError")
        yield* zk.delete("/1")
      })
    )

    it.scoped("test_unicode_auth", () =>
      Effect.gen(function* () {
        // kazoo's strings (Python 3 raw strings, so backslashes and ASCII) ...
        yield* authScenario("xe4/\\hm", "/\\xe4hm", "two")
        // ... and really non-ASCII ones, which is what the test is about.
        yield* authScenario("\u00e4hm/\u00fc", "/\u00e4hm\u20ac", "two")
      })
    )

    it.scoped("test_invalid_auth", () =>
      Effect.gen(function* () {
        // kazoo: a tuple credential or a None scheme is a TypeError. Typed here; the closest
        // runtime case is an empty scheme, refused before anything is sent.
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.addAuth("", "user:pass"))).toBe("InvalidArgumentError")
        expect(yield* zk.connected).toBe(true)
      })
    )

    it.scoped("test_async_auth", () =>
      Effect.gen(function* () {
        const { cs, chroot } = yield* newChroot()
        const pz = yield* promiseClient(`${cs}${chroot}`)
        const result = yield* Effect.tryPromise(() => pz.addAuth("digest", `${uuid()}:${uuid()}`))
        expect(result).toBeUndefined()
        expect(yield* Effect.tryPromise(() => pz.whoAmI())).toContainEqual(expect.objectContaining({ scheme: "digest" }))
      })
    )

    it.scoped("test_async_auth_failure", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.addAuth("unknown-scheme", `${uuid()}:${uuid()}`))).toBe("AuthFailedError")
      })
    )

    it.scoped("test_add_auth_on_reconnect", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.addAuth("digest", "jsmith:jsmith")
        yield* dropConnection(zk)
        expect(yield* zk.connected).toBe(true)
        // kazoo checks its auth_data; here: the server knows us as jsmith on the new connection
        expect(yield* zk.whoAmI).toContainEqual({ scheme: "digest", user: "jsmith" })
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestConnection", () => {
    it.scoped("test_chroot_warning", () =>
      Effect.gen(function* () {
        // kazoo warns when the chroot does not exist when the client starts.
        const warnings: Array<string> = []
        const capture = Logger.make(({ logLevel, message }) => {
          if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) {
            warnings.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
          }
        })
        const cs = yield* connectString()
        const zk = yield* makeClient({ hosts: `${cs}/abba${uuid()}` }).pipe(Effect.provide(Logger.add(capture)))
        expect(yield* zk.connected).toBe(true)
        const warned = yield* holdsWithin(
          Effect.sync(() => warnings.some((w) => /chroot/i.test(w))),
          3000
        )
        expect(warned, `warnings logged: ${JSON.stringify(warnings)}`).toBe(true)
      })
    )

    it.scoped("test_session_expire", () =>
      Effect.gen(function* () {
        const { zk, expire } = yield* expirableClient()
        const lost = yield* Deferred.make<void>()
        yield* zk.listen((s) => (s.state === "LOST" ? Deferred.succeed(lost, undefined) : Effect.void))
        yield* expire
        yield* Deferred.await(lost).pipe(Effect.timeout("3 seconds"))
      })
    )

    it.scoped("test_bad_session_expire", () =>
      Effect.gen(function* () {
        const { zk, expire } = yield* expirableClient()
        const heard: Array<string> = []
        // a listener that throws on LOST, and one that fails (an Effect failure)
        yield* zk.listen((s) => {
          heard.push(`throws:${s.state}`)
          if (s.state === "LOST") throw new Error("oops")
        })
        yield* zk.listen((s) => {
          heard.push(`fails:${s.state}`)
          return s.state === "LOST" ? Effect.fail(new Error("oops")) : Effect.void
        })
        yield* expire
        expect(heard).toContain("throws:LOST")
        expect(heard).toContain("fails:LOST")
        // the listeners' failures broke nothing: both still hear the next state
        yield* waitUntil(
          Effect.sync(() => heard.lastIndexOf("throws:CONNECTED") > heard.indexOf("throws:LOST")),
          "the throwing listener to hear CONNECTED again",
          3000
        )
        yield* waitUntil(
          Effect.sync(() => heard.lastIndexOf("fails:CONNECTED") > heard.indexOf("fails:LOST")),
          "the failing listener to hear CONNECTED again",
          3000
        )
        expect(yield* zk.connected).toBe(true)
      })
    )

    it.scoped("test_state_listener", () =>
      Effect.gen(function* () {
        const stopped = yield* chrootClient()
        yield* stopped.close
        expect((yield* stopped.state).state).toBe("LOST")
        // "start": a new client on the same chroot, the listener added before it connects
        const zk = yield* sameChroot(stopped, { waitForConnection: false })
        expect((yield* zk.state).state).toBe("LOST")
        const { seen, waitForSequence } = yield* recordStates(zk)
        expect(yield* zk.awaitConnected(5000)).toBe(true)
        yield* waitForSequence(["CONNECTED"], 5000)
        yield* Effect.sleep("200 millis")
        expect(seen).toEqual(["CONNECTED"])
      })
    )

    it.scoped("test_listener_only_called_on_real_state_change", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect((yield* zk.state).state).toBe("CONNECTED")
        const { seen } = yield* recordStates(zk)
        // kazoo forces CONNECTED again; here nothing but CONNECTED-preserving work happens
        yield* zk.exists("/")
        expect(yield* zk.awaitConnected(100)).toBe(true)
        yield* Effect.sleep("300 millis")
        expect(seen).toEqual([])
        // a real change is reported once per state
        yield* dropConnection(zk)
        yield* Effect.sleep("200 millis")
        expect(seen).toEqual(["SUSPENDED", "CONNECTED"])
      })
    )

    it.scoped("test_no_connection", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.close
        expect(yield* zk.connected).toBe(false)
        expect(yield* failureTag(zk.exists("/"))).toBe("ClientClosedError")
        expect(yield* zk.clientId).toEqual(Option.none())
      })
    )

    it.scoped("test_close_connecting_connection", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const { waitForSequence } = yield* recordStates(zk)
        // drop the connection, then close while it reconnects
        yield* zk.restart
        yield* zk.close
        yield* waitForSequence(["LOST"], 5000)
        expect(yield* failureTag(zk.create("/foobar"))).toBe("ClientClosedError")
      })
    )

    it.scoped("test_double_start", () =>
      Effect.gen(function* () {
        // No start(): the client connects when made. Waiting for the connection again is a no-op.
        const zk = yield* chrootClient()
        expect(yield* zk.connected).toBe(true)
        expect(yield* zk.awaitConnected(1000)).toBe(true)
        expect(yield* zk.connected).toBe(true)
      })
    )

    it.scoped("test_double_stop", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.close
        expect(yield* zk.connected).toBe(false)
        yield* zk.close
        expect(yield* zk.connected).toBe(false)
      })
    )

    it.scoped("test_restart", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* zk.connected).toBe(true)
        const { waitForSequence } = yield* recordStates(zk)
        yield* zk.restart
        yield* waitForSequence(["SUSPENDED", "CONNECTED"], 5000)
        expect(yield* zk.connected).toBe(true)
        expect(yield* exists(zk, "/")).toBe(true)
      })
    )

    it.scoped("test_closed", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        // calls made while close is in progress — in the same tick as close(), so that they
        // go out right behind the closeSession request — either complete or fail with
        // ClientClosed ...
        const { closing, racers } = yield* Effect.sync(() => ({
          closing: Effect.runFork(zk.close),
          racers: Array.from({ length: 20 }, () => Effect.runFork(Effect.exit(zk.exists("/"))))
        }))
        yield* Fiber.join(closing).pipe(Effect.timeout("5 seconds"))
        const tags = new Set<string | undefined>()
        for (const racer of racers) tags.add(tagOf(yield* Fiber.join(racer).pipe(Effect.timeout("5 seconds"))))
        expect([...tags].filter((tag) => tag !== undefined && tag !== "ClientClosedError")).toEqual([])
        // ... and calls after close fail with ClientClosed
        expect(yield* failureTag(zk.exists("/"))).toBe("ClientClosedError")
        expect(yield* failureTag(zk.exists("/"))).toBe("ClientClosedError")
      })
    )

    it.scoped("test_watch_trigger_expire", () =>
      Effect.gen(function* () {
        const { zk, expire } = yield* expirableClient()
        yield* zk.create("/test", { data: new Uint8Array(0) })
        const calls: Array<ClientState.WatchedEvent> = []
        const fired = yield* Deferred.make<ClientState.WatchedEvent>()
        const callback = (event: ClientState.WatchedEvent) => {
          calls.push(event)
          return Deferred.succeed(fired, event)
        }
        // kazoo watches "/test/" (it normalises the trailing slash); ZooKeeper's path rules refuse it
        yield* zk.get("/test", { watch: callback })
        // the same callback on a node's data and its children: told once for the path
        yield* zk.getChildren("/test", { watch: callback })
        // The Effect form of a watch fails with SessionExpired ...
        const asEffect = yield* zk.getAndWatch("/test")
        yield* expire
        const effectForm = yield* Effect.flip(asEffect.event).pipe(Effect.timeout("10 seconds"))
        expect(effectForm._tag).toBe("SessionExpiredError")
        // ... and, as in kazoo, a callback hears a NONE event: its watch went with the session
        // (kazoo's event has no path; here it is the path that was watched)
        const event = yield* Deferred.await(fired).pipe(Effect.timeout("10 seconds"))
        expect(event).toEqual({ type: "NONE", state: "EXPIRED_SESSION", path: "/test" })
        yield* zk.set("/test", "after expiry")
        yield* Effect.sleep("300 millis")
        expect(calls).toHaveLength(1)
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestClient", () => {
    it.scoped("test_server_version_retries_fail", () =>
      Effect.gen(function* () {
        // kazoo mocks `command` with truncated replies; here the handler answers the
        // four-letter-word connections with them. kazoo tries 1 + retries (default 3) times.
        const canned = cannedFourLetterWords(["", "Zookeeper version:", "Zookeeper version: 1.", "Zookeeper ver"])
        const zk = yield* makeClientWith(canned.layer, { hosts: yield* connectString() })
        const tag = yield* failureTag(zk.serverVersion)
        expect(tag).toBeDefined()
        expect(tag).not.toMatch(/^cause:/)
        expect(canned.consumed()).toBe(4)
      })
    )

    it.scoped("test_server_version_retries_eventually_ok", () =>
      Effect.gen(function* () {
        // three truncated replies, then the real server answers: kazoo's default retries (3) cope
        const canned = cannedFourLetterWords(["", "Zookeeper version: ", "Zookeeper version: 1."])
        const zk = yield* makeClientWith(canned.layer, { hosts: yield* connectString() })
        const exit = yield* Effect.exit(zk.serverVersion)
        expect(canned.consumed()).toBe(3)
        expect(exit).toEqual(Exit.succeed([3, 8, 0]))
      })
    )

    it.scoped("test_client_id", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const id = yield* zk.clientId
        expect(Option.isSome(id)).toBe(true)
        if (Option.isNone(id)) return
        expect(typeof id.value.sessionId).toBe("bigint")
        expect(id.value.sessionId).not.toBe(0n)
        expect(id.value.password).toHaveLength(16)
      })
    )

    it.scoped("test_connected", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* zk.connected).toBe(true)
      })
    )

    it.scoped("test_create", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* zk.create("/1")).toBe("/1")
        expect(yield* exists(zk, "/1")).toBe(true)
      })
    )

    it.scoped("test_create_on_broken_connection", () =>
      Effect.gen(function* () {
        // kazoo forces the state; here the states are reached for real.
        // AUTH_FAILED
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.addAuth("unknown-scheme", "x:y"))).toBe("AuthFailedError")
        yield* waitUntil(
          Effect.map(zk.state, (s) => s.keeperState === "AUTH_FAILED"),
          "AUTH_FAILED",
          5000
        )
        expect(yield* failureTag(zk.create("/closedpath", { data: "bar" }))).toBe("AuthFailedError")
        // closed
        const other = yield* chrootClient()
        yield* other.close
        expect(yield* failureTag(other.create("/closedpath", { data: "bar" }))).toBe("ClientClosedError")
        // EXPIRED_SESSION: a client resuming a session that is gone; its queued create fails
        const dead = yield* chrootClient()
        const deadId = yield* dead.clientId
        yield* dead.close
        if (Option.isNone(deadId)) return expect.fail("no session id")
        const resumed = yield* sameChroot(dead, { clientId: deadId.value, waitForConnection: false })
        const expired = yield* failureTag(resumed.create("/closedpath", { data: "bar" }).pipe(Effect.timeout("5 seconds")))
        expect(expired).toBe("SessionExpiredError")
      })
    )

    it.scoped("test_create_null_data", () =>
      Effect.gen(function* () {
        // No null data in this API: a node created without data reads back empty.
        const zk = yield* chrootClient()
        yield* zk.create("/nulldata")
        const { data, stat } = yield* zk.get("/nulldata")
        expect(data).toHaveLength(0)
        expect(stat.dataLength).toBe(0)
      })
    )

    it.scoped("test_create_empty_string", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/empty", { data: new Uint8Array(0) })
        expect((yield* zk.get("/empty")).data).toHaveLength(0)
      })
    )

    it.scoped("test_create_unicode_path", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* zk.create("/ascii")).toBe("/ascii")
        expect(yield* zk.create("/\u00e4hm")).toBe("/\u00e4hm")
        expect(yield* zk.getChildren("/")).toContain("\u00e4hm")
      })
    )

    it.scoped("test_create_async_returns_unchrooted_path", () =>
      Effect.gen(function* () {
        const { cs, chroot } = yield* newChroot()
        const pz = yield* promiseClient(`${cs}${chroot}`)
        expect(yield* Effect.tryPromise(() => pz.create("/1"))).toBe("/1")
      })
    )

    it.scoped("test_create_invalid_path", () =>
      Effect.gen(function* () {
        // kazoo: a tuple is a TypeError (not expressible); the rest are refused before sending
        const zk = yield* chrootClient()
        for (const bad of [".", "/a/../b", "/b\u0000", "/b\u001e"]) {
          expect(yield* failureTag(zk.create(bad)), bad).toBe("InvalidArgumentError")
        }
        expect(yield* zk.getChildren("/")).toEqual([])
      })
    )

    it.scoped("test_create_invalid_arguments", () =>
      Effect.gen(function* () {
        // kazoo: arguments of the wrong Python type. Typed here; the closest: option values of
        // the right type that make no sense together, refused before sending.
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.create("a"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.create("/a", { container: true, ephemeral: true }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.create("/a", { container: true, sequence: true }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.create("/a", { ttl: 1000, ephemeral: true }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.create("/a", { ttl: -5 }))).toBe("InvalidArgumentError")
        expect(yield* exists(zk, "/a")).toBe(false)
      })
    )

    it.scoped("test_create_value", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/1", { data: bytes("bytes") })
        expect(text((yield* zk.get("/1")).data)).toBe("bytes")
      })
    )

    it.scoped("test_create_unicode_value", () =>
      Effect.gen(function* () {
        // kazoo refuses str values (TypeError). Here a string is a value by design, stored as UTF-8.
        const zk = yield* chrootClient()
        yield* zk.create("/1", { data: "\u00e4hm" })
        expect([...(yield* zk.get("/1")).data]).toEqual([0xc3, 0xa4, 0x68, 0x6d])
      })
    )

    it.scoped("test_create_large_value", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const kb512 = new Uint8Array(512 * 1024).fill(0x61)
        yield* zk.create("/1", { data: kb512 })
        expect(yield* exists(zk, "/1")).toBe(true)
        const mb2 = new Uint8Array(2 * 1024 * 1024).fill(0x61)
        // over jute.maxbuffer: refused before sending by default ...
        expect(yield* failureTag(zk.create("/2", { data: mb2 }))).toBe("InvalidArgumentError")
        // ... and, with the client's limit raised, sent: the server drops the connection (kazoo's case)
        const loose = yield* sameChroot(zk, { maxDataLength: 4 * 1024 * 1024 })
        expect(yield* failureTag(loose.create("/2", { data: mb2 }).pipe(Effect.timeout("10 seconds")))).toBe(
          "ConnectionLossError"
        )
        expect(yield* exists(zk, "/2")).toBe(false)
      })
    )

    it.scoped("test_create_acl_duplicate", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const single = Acl.OPEN_ACL_UNSAFE[0]
        if (single === undefined) return expect.fail("OPEN_ACL_UNSAFE is empty")
        yield* zk.create("/1", { acl: [single, single] })
        const version = yield* zk.serverVersion
        const { acl } = yield* zk.getAcls("/1")
        // ZooKeeper > 3.4 removes duplicate entries
        expect(acl).toHaveLength((version[0] ?? 0) > 3 || (version[1] ?? 0) > 4 ? 1 : 2)
      })
    )

    it.scoped("test_create_acl_empty_list", () =>
      Effect.gen(function* () {
        // kazoo: an empty ACL list means the default ACL
        const zk = yield* chrootClient()
        yield* zk.create("/1", { acl: [] })
        expect((yield* zk.getAcls("/1")).acl).toEqual(Acl.OPEN_ACL_UNSAFE)
      })
    )

    it.scoped("test_version_no_connection", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.close
        const tag = yield* failureTag(zk.serverVersion.pipe(Effect.timeout("5 seconds")))
        expect(["ConnectionLossError", "ClientClosedError"]).toContain(tag)
      })
    )

    it.scoped("test_create_ephemeral", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/1", { data: "ephemeral", ephemeral: true })
        const { data, stat } = yield* zk.get("/1")
        expect(text(data)).toBe("ephemeral")
        expect(stat.ephemeralOwner).toBe(yield* sessionIdOf(zk))
      })
    )

    it.scoped("test_create_no_ephemeral", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/1", { data: "val1" })
        const { stat } = yield* zk.get("/1")
        expect(stat.ephemeralOwner).toBe(0n)
        expect(stat.isEphemeral).toBe(false)
      })
    )

    it.scoped("test_create_ephemeral_no_children", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/1", { data: "ephemeral", ephemeral: true })
        expect(yield* failureTag(zk.create("/1/2", { data: "val1" }))).toBe("NoChildrenForEphemeralsError")
        expect(yield* failureTag(zk.create("/1/2", { data: "val1", ephemeral: true }))).toBe(
          "NoChildrenForEphemeralsError"
        )
      })
    )

    it.scoped("test_create_sequence", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/folder")
        expect(yield* zk.create("/folder/a", { data: "sequence", sequence: true })).toBe("/folder/a0000000000")
        expect(yield* zk.create("/folder/a", { data: "sequence", sequence: true })).toBe("/folder/a0000000001")
        expect(yield* zk.create("/folder/", { data: "sequence", sequence: true })).toBe("/folder/0000000002")
      })
    )

    it.scoped("test_create_ephemeral_sequence", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const basepath = `/${uuid()}`
        const realpath = yield* zk.create(basepath, { data: "sandwich", sequence: true, ephemeral: true })
        expect(realpath).not.toBe(basepath)
        expect(realpath.startsWith(basepath)).toBe(true)
        expect(text((yield* zk.get(realpath)).data)).toBe("sandwich")
      })
    )

    it.scoped("test_create_makepath", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/1/2", { data: "val1", makepath: true })
        expect(text((yield* zk.get("/1/2")).data)).toBe("val1")
        yield* zk.create("/1/2/3/4/5", { data: "val2", makepath: true })
        expect(text((yield* zk.get("/1/2/3/4/5")).data)).toBe("val2")
        expect(yield* failureTag(zk.create("/1/2/3/4/5", { data: "val2", makepath: true }))).toBe("NodeExistsError")
      })
    )

    it.scoped("test_create_makepath_incompatible_acls", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const credential = yield* Acl.makeDigestAclCredential("username", "password")
        const alt = yield* sameChroot(zk, { authData: [{ scheme: "digest", credential }] })
        yield* alt.create("/1/2", { data: "val2", makepath: true, acl: Acl.CREATOR_ALL_ACL })
        expect(yield* failureTag(zk.create("/1/2/3/4/5", { data: "val2", makepath: true }))).toBe("NoAuthError")
        yield* alt.delete("/", { recursive: true })
        expect(yield* alt.getChildren("/")).toEqual([])
      })
    )

    it.scoped("test_create_no_makepath", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.create("/1/2", { data: "val1" }))).toBe("NoNodeError")
        expect(yield* failureTag(zk.create("/1/2", { data: "val1", makepath: false }))).toBe("NoNodeError")
        yield* zk.create("/1/2", { data: "val1", makepath: true })
        expect(yield* failureTag(zk.create("/1/2/3/4", { data: "val1", makepath: false }))).toBe("NoNodeError")
      })
    )

    it.scoped("test_create_exists", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const path = yield* zk.create("/1")
        expect(yield* failureTag(zk.create(path))).toBe("NodeExistsError")
      })
    )

    it.scoped("test_create_stat", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const { path, stat: stat1 } = yield* zk.createWithStat("/1", { data: "bytes" })
        expect(path).toBe("/1")
        const { data, stat: stat2 } = yield* zk.get("/1")
        expect(text(data)).toBe("bytes")
        expect(Equal.equals(stat1, stat2)).toBe(true)
      })
    )

    it.scoped("test_create_get_set", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const nodepath = `/${uuid()}`
        yield* zk.create(nodepath, { data: "sandwich", ephemeral: true })
        const { data, stat } = yield* zk.get(nodepath)
        expect(text(data)).toBe("sandwich")
        const newstat = yield* zk.set(nodepath, "hats", { version: stat.version })
        expect(newstat.version).toBeGreaterThan(stat.version)
        // kazoo's readable names
        expect(newstat.aclVersion).toBe(stat.aclVersion)
        expect(newstat.created).toBe(stat.ctime / 1000)
        expect(newstat.lastModified).toBe(newstat.mtime / 1000)
        expect(newstat.ownerSessionId).toBe(stat.ephemeralOwner)
        expect(newstat.creationTransactionId).toBe(stat.czxid)
        expect(newstat.lastModifiedTransactionId).toBe(newstat.mzxid)
        expect(newstat.dataLength).toBe(4)
        expect(newstat.childrenCount).toBe(stat.numChildren)
        expect(newstat.childrenVersion).toBe(stat.cversion)
      })
    )

    it.scoped("test_get_invalid_arguments", () =>
      Effect.gen(function* () {
        // kazoo: a tuple path or watch=True is a TypeError; the closest: an invalid path
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.get("a"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.get("/a/", { watch: () => undefined }))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_bad_argument", () =>
      Effect.gen(function* () {
        // kazoo: an int as the value of set is a TypeError; the closest: values set refuses
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/1")
        expect(yield* failureTag(zk.set("/1", new Uint8Array(0xfffff + 1)))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.set("/1", "x", { version: 1.5 }))).toBe("InvalidArgumentError")
        expect((yield* zk.get("/1")).stat.version).toBe(0)
      })
    )

    it.scoped("test_ensure_path", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/1/2")
        expect(yield* exists(zk, "/1/2")).toBe(true)
        yield* zk.ensurePath("/1/2/3/4")
        expect(yield* exists(zk, "/1/2/3/4")).toBe(true)
      })
    )

    it.scoped("test_sync", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* zk.sync("/")).toBe("/")
        // one can sync a path that does not exist
        expect(yield* zk.sync("/not_there")).toBe("/not_there")
      })
    )

    it.scoped("test_exists", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const nodepath = `/${uuid()}`
        expect(yield* zk.exists(nodepath)).toEqual(Option.none())
        yield* zk.create(nodepath, { data: "sandwich", ephemeral: true })
        const stat = yield* zk.exists(nodepath)
        expect(Option.isSome(stat)).toBe(true)
        if (Option.isSome(stat)) expect(Number.isInteger(stat.value.version)).toBe(true)
        expect(yield* zk.exists(`/${uuid()}/hats`)).toEqual(Option.none())
      })
    )

    it.scoped("test_exists_invalid_arguments", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.exists("a"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.exists("a", { watch: () => undefined }))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_exists_watch", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const nodepath = `/${uuid()}`
        const fired = yield* Deferred.make<ClientState.WatchedEvent>()
        const stat = yield* zk.exists(nodepath, { watch: (event) => Deferred.succeed(fired, event) })
        expect(stat).toEqual(Option.none())
        yield* zk.create(nodepath, { ephemeral: true })
        const event = yield* Deferred.await(fired).pipe(Effect.timeout("5 seconds"))
        expect(event.path).toBe(nodepath)
        expect(event.type).toBe("CREATED")
      })
    )

    it.scoped("test_exists_watcher_exception", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const nodepath = `/${uuid()}`
        const events: Array<ClientState.WatchedEvent> = []
        const stat = yield* zk.exists(nodepath, {
          watch: (event) => {
            events.push(event)
            throw new Error("test exception in callback")
          }
        })
        expect(stat).toEqual(Option.none())
        yield* zk.create(nodepath, { ephemeral: true })
        yield* waitUntil(Effect.sync(() => events.length === 1), "the watch", 5000)
        expect(events[0]?.path).toBe(nodepath)
        // the exception is only logged: later watches still fire
        const next = yield* Deferred.make<ClientState.WatchedEvent>()
        yield* zk.exists(nodepath, { watch: (event) => Deferred.succeed(next, event) })
        yield* zk.delete(nodepath)
        expect((yield* Deferred.await(next).pipe(Effect.timeout("5 seconds"))).type).toBe("DELETED")
      })
    )

    it.scoped("test_create_delete", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const nodepath = `/${uuid()}`
        yield* zk.create(nodepath, { data: "zzz" })
        yield* zk.delete(nodepath)
        expect(yield* zk.exists(nodepath)).toEqual(Option.none())
      })
    )

    it.scoped("test_get_acls", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const acl = yield* Acl.makeDigestAcl("user", "pass", { all: true })
        yield* zk.create("/a", { acl: [acl] })
        yield* zk.addAuth("digest", "user:pass")
        expect((yield* zk.getAcls("/a")).acl).toContainEqual(acl)
        yield* zk.delete("/a")
      })
    )

    it.scoped("test_get_acls_invalid_arguments", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.getAcls("a"))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_set_acls", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const acl = yield* Acl.makeDigestAcl("user", "pass", { all: true })
        yield* zk.create("/a")
        yield* zk.setAcls("/a", [acl])
        yield* zk.addAuth("digest", "user:pass")
        expect((yield* zk.getAcls("/a")).acl).toContainEqual(acl)
        yield* zk.delete("/a")
      })
    )

    it.scoped("test_set_acls_empty", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/a")
        expect(yield* failureTag(zk.setAcls("/a", []))).toBe("InvalidACLError")
      })
    )

    it.scoped("test_set_acls_no_node", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.setAcls("/a", Acl.OPEN_ACL_UNSAFE))).toBe("NoNodeError")
      })
    )

    it.scoped("test_set_acls_invalid_arguments", () =>
      Effect.gen(function* () {
        // kazoo: wrong Python types for path, ACL list and version; the closest: bad values
        const zk = yield* chrootClient()
        yield* zk.create("/a")
        expect(yield* failureTag(zk.setAcls("a", Acl.OPEN_ACL_UNSAFE))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.setAcls("/a", Acl.OPEN_ACL_UNSAFE, { version: 1.5 }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.setAcls("/a", Acl.OPEN_ACL_UNSAFE, { version: -2 }))).toBe("InvalidArgumentError")
        expect((yield* zk.getAcls("/a")).stat.aversion).toBe(0)
      })
    )

    it.scoped("test_set", () =>
      Effect.gen(function* () {
        // kazoo uses the relative path "a"; paths here are absolute by ZooKeeper's rules
        const zk = yield* chrootClient()
        yield* zk.create("/a", { data: "first" })
        const stat = yield* zk.set("/a", "second")
        const { data, stat: stat2 } = yield* zk.get("/a")
        expect(text(data)).toBe("second")
        expect(Equal.equals(stat, stat2)).toBe(true)
      })
    )

    it.scoped("test_set_null_data", () =>
      Effect.gen(function* () {
        // No null data in this API: setting empty data reads back empty.
        const zk = yield* chrootClient()
        yield* zk.create("/nulldata", { data: "not none" })
        yield* zk.set("/nulldata", new Uint8Array(0))
        const { data, stat } = yield* zk.get("/nulldata")
        expect(data).toHaveLength(0)
        expect(stat.dataLength).toBe(0)
      })
    )

    it.scoped("test_set_empty_string", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/empty", { data: "not empty" })
        yield* zk.set("/empty", "")
        expect((yield* zk.get("/empty")).data).toHaveLength(0)
      })
    )

    it.scoped("test_set_invalid_arguments", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/a", { data: "first" })
        expect(yield* failureTag(zk.set("a", "value"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.set("/a", "value", { version: Number.NaN }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.set("/a", "value", { version: 1.5 }))).toBe("InvalidArgumentError")
        expect(text((yield* zk.get("/a")).data)).toBe("first")
      })
    )

    it.scoped("test_delete", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b")
        expect(yield* zk.getChildren("/a")).toContain("b")
        yield* zk.delete("/a/b")
        expect(yield* zk.getChildren("/a")).not.toContain("b")
      })
    )

    it.scoped("test_delete_recursive", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b/c")
        yield* zk.ensurePath("/a/b/d")
        yield* zk.delete("/a/b", { recursive: true })
        yield* zk.delete("/a/b/c", { recursive: true })
        expect(yield* zk.getChildren("/a")).not.toContain("b")
      })
    )

    it.scoped("test_delete_invalid_arguments", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b")
        expect(yield* failureTag(zk.delete("a"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.delete("/a/b", { version: 1.5 }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.delete("/a/b", { version: -2, recursive: true }))).toBe("InvalidArgumentError")
        expect(yield* exists(zk, "/a/b")).toBe(true)
      })
    )

    it.scoped("test_get_children", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b/c")
        yield* zk.ensurePath("/a/b/d")
        expect(yield* zk.getChildren("/a")).toEqual(["b"])
        expect([...(yield* zk.getChildren("/a/b"))].sort()).toEqual(["c", "d"])
        expect(yield* zk.getChildren("/a/b/c")).toEqual([])
      })
    )

    it.scoped("test_get_children2", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b")
        const { children, stat } = yield* zk.getChildrenWithStat("/a")
        const { stat: stat2 } = yield* zk.get("/a")
        expect(children).toEqual(["b"])
        expect(stat2.version).toBe(stat.version)
      })
    )

    it.scoped("test_get_children2_many_nodes", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.ensurePath("/a/b")
        yield* zk.ensurePath("/a/c")
        yield* zk.ensurePath("/a/d")
        const { children, stat } = yield* zk.getChildrenWithStat("/a")
        const { stat: stat2 } = yield* zk.get("/a")
        expect([...children].sort()).toEqual(["b", "c", "d"])
        expect(stat2.version).toBe(stat.version)
      })
    )

    it.scoped("test_get_children_no_node", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.getChildren("/none"))).toBe("NoNodeError")
        expect(yield* failureTag(zk.getChildrenWithStat("/none"))).toBe("NoNodeError")
      })
    )

    it.scoped("test_get_children_invalid_path", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.getChildren("../a"))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_get_children_invalid_arguments", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.getChildren("a"))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.getChildren("a", { watch: () => undefined }))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.getChildrenWithStat("a"))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_invalid_auth", () =>
      Effect.gen(function* () {
        // kazoo forces AUTH_FAILED; here authentication really fails
        const zk = yield* chrootClient()
        yield* Effect.exit(zk.addAuth("unknown-scheme", "x:y"))
        yield* waitUntil(
          Effect.map(zk.state, (s) => s.keeperState === "AUTH_FAILED"),
          "AUTH_FAILED",
          5000
        )
        expect(yield* failureTag(zk.get("/"))).toBe("AuthFailedError")
      })
    )

    it.scoped("test_client_state", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect((yield* zk.state).keeperState).toBe("CONNECTED")
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestClientTransactions", () => {
    it.scoped("test_basic_create", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const results = yield* zk.transaction([
          Transaction.create("/freddy"),
          Transaction.create("/fred", { ephemeral: true }),
          Transaction.create("/smith", { sequence: true })
        ])
        expect(results).toHaveLength(3)
        expect(results[0]).toMatchObject({ _tag: "Created", path: "/freddy" })
        const third = results[2]
        expect(third?._tag === "Created" && third.path.startsWith("/smith0")).toBe(true)
      })
    )

    it.scoped("test_bad_creates", () =>
      Effect.gen(function* () {
        // kazoo: arguments of the wrong Python type; the closest: invalid values, refused before sending
        const zk = yield* chrootClient()
        const bad: ReadonlyArray<Transaction.Op> = [
          Transaction.create("smith"),
          Transaction.create("/smith/"),
          Transaction.create("/smith", { ttl: 1000, ephemeral: true }),
          Transaction.create("/smith", { data: new Uint8Array(0xfffff + 1) })
        ]
        for (const op of bad) {
          expect(yield* failureTag(zk.transaction([op])), JSON.stringify(op).slice(0, 80)).toBe("InvalidArgumentError")
        }
        expect(yield* zk.getChildren("/")).toEqual([])
      })
    )

    it.scoped("test_default_acl", () =>
      Effect.gen(function* () {
        const username = uuid()
        const password = uuid()
        const acl = yield* Acl.makeDigestAcl(username, password, { all: true })
        const zk = yield* chrootClient({ defaultAcl: [acl] })
        yield* zk.addAuth("digest", `${username}:${password}`)
        const results = yield* zk.transaction([Transaction.create("/freddy")])
        expect(results[0]).toMatchObject({ _tag: "Created", path: "/freddy" })
        expect((yield* zk.getAcls("/freddy")).acl).toEqual([acl])
      })
    )

    it.scoped("test_basic_delete", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/fred")
        const results = yield* zk.transaction([Transaction.remove("/fred")])
        expect(results[0]).toMatchObject({ _tag: "Deleted", path: "/fred" })
        expect(yield* exists(zk, "/fred")).toBe(false)
      })
    )

    it.scoped("test_bad_deletes", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/smith")
        expect(yield* failureTag(zk.transaction([Transaction.remove("smith")]))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.transaction([Transaction.remove("/smith", { version: 1.5 })]))).toBe(
          "InvalidArgumentError"
        )
        expect(yield* exists(zk, "/smith")).toBe(true)
      })
    )

    it.scoped("test_set", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/fred", { data: "01" })
        yield* zk.transaction([Transaction.setData("/fred", "oops")])
        expect(text((yield* zk.get("/fred")).data)).toBe("oops")
      })
    )

    it.scoped("test_bad_sets", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/smith", { data: "0" })
        const bad: ReadonlyArray<Transaction.Op> = [
          Transaction.setData("42", "52"),
          Transaction.setData("/smith", new Uint8Array(0xfffff + 1)),
          Transaction.setData("/smith", "", { version: Number.NaN })
        ]
        for (const op of bad) expect(yield* failureTag(zk.transaction([op]))).toBe("InvalidArgumentError")
        expect(text((yield* zk.get("/smith")).data)).toBe("0")
      })
    )

    it.scoped("test_check", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.create("/fred")
        const { stat } = yield* zk.get("/fred")
        const results = yield* zk.transaction([Transaction.check("/fred", stat.version), Transaction.create("/blah")])
        expect(results[0]).toMatchObject({ _tag: "Checked", path: "/fred" })
        expect(results[1]).toMatchObject({ _tag: "Created", path: "/blah" })
      })
    )

    it.scoped("test_bad_checks", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.transaction([Transaction.check("42", 52)]))).toBe("InvalidArgumentError")
        expect(yield* failureTag(zk.transaction([Transaction.check("/smith", 0.5)]))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_bad_transaction", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        const failure = yield* Effect.flip(zk.transaction([Transaction.create("/fred"), Transaction.remove("/smith")]))
        expect(failure._tag).toBe("TransactionFailedError")
        if (failure._tag !== "TransactionFailedError") return
        expect(failure.outcomes.map((o) => o._tag)).toEqual(["RolledBack", "Failed"])
        const second = failure.outcomes[1]
        expect(second?._tag === "Failed" ? second.error._tag : undefined).toBe("NoNodeError")
        expect(yield* exists(zk, "/fred")).toBe(false)
      })
    )

    it.scoped("test_bad_commit", () =>
      Effect.gen(function* () {
        // kazoo refuses to commit a transaction object twice. Here a transaction is a list of
        // operations: running it again is a new transaction, which does not re-apply silently.
        const zk = yield* chrootClient()
        const ops = [Transaction.create("/fred")]
        yield* zk.transaction(ops)
        const again = yield* Effect.flip(zk.transaction(ops))
        expect(again._tag).toBe("TransactionFailedError")
        if (again._tag === "TransactionFailedError") expect(again.error._tag).toBe("NodeExistsError")
      })
    )

    it.scoped("test_bad_context", () =>
      Effect.gen(function* () {
        // kazoo: `check(4232)` in a `with` block is a TypeError; the closest: an invalid check
        const zk = yield* chrootClient()
        expect(yield* failureTag(zk.transaction([Transaction.check("4232", 0)]))).toBe("InvalidArgumentError")
      })
    )

    it.scoped("test_context", () =>
      Effect.gen(function* () {
        const zk = yield* chrootClient()
        yield* zk.transaction([Transaction.create("/smith", { data: "32" })])
        expect(text((yield* zk.get("/smith")).data)).toBe("32")
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestSessionCallbacks", () => {
    it.scoped("test_session_callback_states", () =>
      Effect.gen(function* () {
        // kazoo drives its internal session callback by hand; here the mapping of protocol
        // states to application states, and a real CONNECTED → LOST on authentication failure.
        expect(ClientState.kazooStateOf("CONNECTED")).toBe("CONNECTED")
        expect(ClientState.kazooStateOf("AUTH_FAILED")).toBe("LOST")
        expect(ClientState.kazooStateOf("CONNECTING")).toBe("SUSPENDED")
        expect(ClientState.isValidTransition("CONNECTED", "CONNECTED")).toBe(false)
        const zk = yield* chrootClient()
        expect(yield* zk.state).toEqual({ state: "CONNECTED", keeperState: "CONNECTED" })
        const { waitForSequence } = yield* recordStates(zk)
        yield* Effect.exit(zk.addAuth("unknown-scheme", "x:y"))
        yield* waitForSequence(["LOST"], 5000)
        expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "AUTH_FAILED" })
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestCallbacks", () => {
    it.scoped("test_async_result_callbacks_are_always_called", () =>
      Effect.gen(function* () {
        // a request of the promise API pending while the client stops still settles
        const { cs, chroot } = yield* newChroot()
        const pz = yield* promiseClient(`${cs}${chroot}`)
        yield* Effect.promise(() => pz.restart())
        const pending = pz.get("/").then(
          () => "resolved",
          (error: unknown) => errorTag(error)
        )
        const closing = pz.close()
        const outcome = yield* Effect.promise(() => pending).pipe(Effect.timeout("5 seconds"))
        expect(["resolved", "ClientClosedError"]).toContain(outcome)
        yield* Effect.promise(() => closing)
      })
    )
  })

  // -------------------------------------------------------------------------------------------
  describe("TestNonChrootClient", () => {
    it.scoped("test_create", () =>
      Effect.gen(function* () {
        const zk = yield* rootClient()
        expect(zk.chroot).toBeUndefined()
        // kazoo creates the relative name; paths here are absolute
        const path = yield* zk.create(`/${uuid()}`, { ephemeral: true })
        yield* zk.delete(path)
        expect(yield* exists(zk, path)).toBe(false)
      })
    )

    it.scoped("test_unchroot", () =>
      Effect.gen(function* () {
        const cs = yield* connectString()
        const zk = yield* makeClient({ hosts: `${cs}/a`, waitForConnection: false })
        expect(zk.chroot).toBe("/a")
        expect(zk.unchroot("/a")).toBe("/")
        expect(zk.unchroot("/a/b")).toBe("/b")
        expect(zk.unchroot("/b/c")).toBe("/b/c")
      })
    )
  })
})
