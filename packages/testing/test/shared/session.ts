/**
 * States, connections and sessions, ported from packages/platform-node/test/session.test.ts
 * (and auth-failed.test.ts): the same assertions against whatever the harness gives.
 */
import { type ClientState, ZooKeeperError } from "@effect-zk/core"
import { Chunk, Deferred, Effect, Exit, Fiber, Option, Ref, Stream } from "effect"
import { expect } from "vitest"
import { type Harness, type It, listenTo, test } from "./harness.js"

/** Registers the session cases. */
export const session = <R>(it: It<R>, h: Harness<R>): void => {
  test(it, h, "a new client is CONNECTED; closing it is LOST (CLOSED) and its listener hears it", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      expect(yield* zk.state).toEqual({ state: "CONNECTED", keeperState: "CONNECTED" })
      expect(yield* zk.connected).toBe(true)
      expect(Option.isSome(yield* zk.clientId)).toBe(true)
      expect(Option.isSome(yield* zk.connectedServer)).toBe(true)
      const l = yield* listenTo(zk)
      yield* zk.close
      expect(yield* l.next).toBe("LOST")
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "CLOSED" })
      expect(Option.isNone(yield* zk.clientId)).toBe(true)
    })
  )

  test(it, h, "a dropped connection is SUSPENDED then CONNECTED with the same session; ephemerals and watches survive", () =>
    Effect.gen(function* () {
      const zk = yield* h.client({ sessionTimeout: "6 seconds" })
      const other = yield* h.rootClient()
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
      expect(yield* watched.event.pipe(Effect.timeout("5 seconds"))).toMatchObject({ type: "CHANGED", path: "/watched" })
      const after = Option.getOrThrow(yield* zk.clientId)
      expect(after.sessionId).toBe(before.sessionId)
      expect(Option.isSome(yield* zk.exists("/eph"))).toBe(true)
    })
  )

  test(it, h, "requests made while disconnected wait for the connection and succeed", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.restart
      const results = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => zk.create(`/q${i}`, { data: `${i}` })),
        { concurrency: "unbounded" }
      )
      expect(results.length).toBe(20)
      expect((yield* zk.getChildren("/")).length).toBe(20)
    })
  )

  test(it, h, "session expiry: LOST, then a new session; ephemerals gone, one-shot watches told (NONE) and dropped, persistent streams end", () =>
    Effect.gen(function* () {
      const { zk, expire } = yield* h.controlled({ sessionTimeout: "4 seconds" })
      const base = `/expiry-${Date.now().toString(36)}`
      yield* zk.create(base)
      yield* zk.create(`${base}/mine`, { ephemeral: true })
      yield* zk.create(`${base}/keep`)
      const before = Option.getOrThrow(yield* zk.clientId)
      const watched = yield* zk.getAndWatch(`${base}/keep`)
      const fired = yield* Ref.make<Array<ClientState.WatchedEvent>>([])
      yield* zk.get(`${base}/keep`, { watch: (event) => Ref.update(fired, (all) => [...all, event]) })
      const persistent = yield* Effect.fork(Stream.runDrain(yield* zk.addWatch(`${base}/keep`)))
      const l = yield* listenTo(zk)
      yield* expire
      const states: Array<string> = []
      while (states.at(-1) !== "CONNECTED") states.push(yield* l.next)
      expect(states).toContain("LOST")
      expect(states.at(-1)).toBe("CONNECTED")
      const after = Option.getOrThrow(yield* zk.clientId)
      expect(after.sessionId).not.toBe(before.sessionId)
      expect(Option.isNone(yield* zk.exists(`${base}/mine`))).toBe(true)
      // the Effect-form watch fails with SessionExpired, the persistent stream too
      const lost = yield* Effect.exit(watched.event)
      expect(Exit.isFailure(lost) && lost.cause._tag === "Fail" && lost.cause.error._tag).toBe("SessionExpiredError")
      const ended = yield* Fiber.await(persistent)
      expect(Exit.isFailure(ended)).toBe(true)
      // the callback watch was told once (a NONE event) and dropped: the change does not fire it
      yield* zk.set(`${base}/keep`, "x")
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(fired)).toEqual([{ type: "NONE", state: "EXPIRED_SESSION", path: `${base}/keep` }])
    })
  )

  test(it, h, "resuming a session by client id (kazoo's client_id)", () =>
    Effect.gen(function* () {
      const { zk, cut } = yield* h.controlled()
      const id = Option.getOrThrow(yield* zk.clientId)
      const path = yield* zk.create(`/resume-${Date.now()}`, { ephemeral: true })
      yield* cut
      const twin = yield* h.make({ hosts: yield* h.hosts, clientId: id })
      const stat = Option.getOrThrow(yield* twin.exists(path))
      expect(stat.ephemeralOwner).toBe(id.sessionId)
      expect(Option.getOrThrow(yield* twin.clientId).sessionId).toBe(id.sessionId)
    })
  )

  test(it, h, "a client id with a wrong password gets a new session; the owner's connection is dropped but its session kept", () =>
    Effect.gen(function* () {
      const zk = yield* h.rootClient()
      const id = Option.getOrThrow(yield* zk.clientId)
      const l = yield* listenTo(zk)
      const twin = yield* h.make({ hosts: yield* h.hosts, clientId: { sessionId: id.sessionId, password: new Uint8Array(16) } })
      expect(yield* twin.awaitConnected(10_000)).toBe(true)
      expect(Option.getOrThrow(yield* twin.clientId).sessionId).not.toBe(id.sessionId)
      // ZooKeeper closes the session's connection before it checks the password
      expect(yield* l.next).toBe("SUSPENDED")
      expect(yield* l.next).toBe("CONNECTED")
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).toBe(id.sessionId)
    })
  )

  test(it, h, "a server that is not there: start fails with ConnectionLoss within its bound", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(h.unreachable({ connectTimeout: "200 millis", sessionTimeout: "1 second" }))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("ConnectionLossError")
    })
  )

  test(it, h, "whileDisconnected: 'fail' fails at once, 'wait' fails after requestTimeout", () =>
    Effect.gen(function* () {
      const failing = yield* h.unreachable({ waitForConnection: false, whileDisconnected: "fail" })
      expect((yield* Effect.flip(failing.get("/x")))._tag).toBe("ConnectionLossError")
      const waiting = yield* h.unreachable({ waitForConnection: false, requestTimeout: "300 millis" })
      const error = yield* Effect.flip(waiting.get("/x"))
      expect(error._tag).toBe("ConnectionLossError")
      expect(error).toMatchObject({ op: "get", path: "/x" })
    })
  )

  test(it, h, "invalid configuration is a ConfigurationError naming the field", () =>
    Effect.gen(function* () {
      const cases: Array<[Parameters<typeof h.make>[0], string]> = [
        [{ hosts: "" }, "hosts"],
        [{ hosts: "127.0.0.1:99999" }, "hosts"],
        [{ hosts: "127.0.0.1:2181/bad/" }, "hosts"],
        [{ hosts: "127.0.0.1", sessionTimeout: -5 }, "sessionTimeout"],
        [{ hosts: "127.0.0.1", maxFrameLength: 0 }, "maxFrameLength"],
        [{ hosts: "127.0.0.1", connectionRetry: { backoff: 0.5 } }, "connectionRetry.backoff"],
        [{ hosts: "127.0.0.1", defaultAcl: [] }, "defaultAcl"]
      ]
      for (const [options, field] of cases) {
        const exit = yield* Effect.exit(h.make(options))
        const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("ConfigurationError")
        expect(error !== undefined && "field" in error ? error.field : undefined).toBe(field)
      }
    })
  )

  test(it, h, "setHosts cannot change the chroot", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const cs = yield* h.hosts
      yield* zk.setHosts(`${cs}${zk.chroot}`)
      const error = yield* Effect.flip(zk.setHosts(`${cs}/elsewhere`))
      expect(error._tag).toBe("ConfigurationError")
      expect(error.field).toBe("hosts")
    })
  )

  test(it, h, "the state is a stream of changes", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const subscribed = yield* Deferred.make<void>()
      const seen = yield* Effect.fork(
        zk.stateChanges.pipe(
          Stream.map((s) => s.state),
          Stream.tap(() => Deferred.succeed(subscribed, undefined)),
          Stream.changes,
          Stream.take(3),
          Stream.runCollect,
          Effect.timeout("10 seconds")
        )
      )
      // the stream gives the current state first: restart once it has
      yield* Deferred.await(subscribed).pipe(Effect.timeout("10 seconds"))
      yield* zk.restart
      expect(Chunk.toReadonlyArray(yield* Fiber.join(seen))).toEqual(["CONNECTED", "SUSPENDED", "CONNECTED"])
    })
  )

  test(it, h, "client.retry retries connection loss with the command retry policy and passes other errors through", () =>
    Effect.gen(function* () {
      const zk = yield* h.client({ commandRetry: { maxTries: 5, delay: "10 millis" } })
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
      const limited = yield* h.client({ commandRetry: { maxTries: 2, delay: "1 millis" } })
      const exhausted = yield* Effect.flip(limited.retry(Effect.fail(new ZooKeeperError.ConnectionLossError({ op: "get" }))))
      expect(exhausted).toMatchObject({ _tag: "RetryFailedError", attempts: 3 })
    })
  )

  test(it, h, "a rejected credential moves KeeperState to AUTH_FAILED and KazooState to LOST", () =>
    Effect.gen(function* () {
      const zk = yield* h.make({
        hosts: yield* h.hosts,
        authData: [{ scheme: "no-such-scheme", credential: "whatever" }],
        waitForConnection: false
      })
      const final = yield* zk.stateChanges.pipe(
        Stream.filter((s) => s.keeperState === "AUTH_FAILED"),
        Stream.runHead,
        Effect.timeout("10 seconds")
      )
      expect(final._tag === "Some" ? final.value : undefined).toEqual({ state: "LOST", keeperState: "AUTH_FAILED" })
      const error = yield* Effect.flip(zk.get("/"))
      expect(error._tag).toBe("AuthFailedError")
    })
  )

  test(it, h, "a credential refused while connected ends the session's watches: Effect forms and streams fail, callbacks hear NONE", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const base = `/refused-${Date.now().toString(36)}`
      yield* zk.create(base)
      const watched = yield* zk.getAndWatch(base)
      const told = yield* Deferred.make<ClientState.WatchedEvent>()
      yield* zk.getChildren(base, { watch: (event) => Deferred.succeed(told, event) })
      const persistent = yield* Effect.fork(Stream.runDrain(yield* zk.addWatch(base)))
      expect((yield* Effect.flip(zk.addAuth("no-such-scheme", "whatever")))._tag).toBe("AuthFailedError")
      const lost = yield* Effect.flip(watched.event).pipe(Effect.timeout("10 seconds"))
      expect(lost._tag).toBe("AuthFailedError")
      const ended = yield* Fiber.await(persistent).pipe(Effect.timeout("10 seconds"))
      expect(Exit.isFailure(ended) && ended.cause._tag === "Fail" && ended.cause.error._tag).toBe("AuthFailedError")
      expect(yield* Deferred.await(told).pipe(Effect.timeout("10 seconds"))).toEqual({
        type: "NONE",
        state: "AUTH_FAILED",
        path: base
      })
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "AUTH_FAILED" })
    })
  )

  test(it, h, "a session that expires takes its ephemerals with it, and other sessions' watches see them go", () =>
    Effect.gen(function* () {
      const observer = yield* h.rootClient()
      const { zk, expire } = yield* h.controlled({ sessionTimeout: "4 seconds" })
      const base = `/gone-${Date.now().toString(36)}`
      yield* zk.create(base)
      const eph = yield* zk.create(`${base}/e-`, { ephemeral: true, sequence: true })
      const watched = yield* observer.existsAndWatch(eph)
      const kids = yield* observer.getChildrenAndWatch(base)
      expect(kids.children.length).toBe(1)
      yield* expire
      expect(yield* watched.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "DELETED", path: eph })
      expect(yield* kids.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHILD", path: base })
      expect(yield* observer.getChildren(base)).toEqual([])
    })
  )

  test(it, h, "closing the client fails its Effect-form watches and ends its persistent streams with ClientClosed", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/w")
      const watched = yield* zk.getAndWatch("/w")
      const callback = () => {}
      yield* zk.exists("/w", { watch: callback })
      const stream = yield* Effect.fork(Stream.runDrain(yield* zk.addWatch("/w")))
      yield* zk.close
      // every form of removeWatches says why there is nothing left to remove
      for (const options of [{}, { local: true }, { watch: callback }]) {
        expect((yield* Effect.flip(zk.removeWatches("/w", "data", options)))._tag).toBe("ClientClosedError")
      }
      const lost = yield* Effect.flip(watched.event)
      expect(lost._tag).toBe("ClientClosedError")
      const ended = yield* Fiber.await(stream)
      expect(Exit.isFailure(ended) && ended.cause._tag === "Fail" && ended.cause.error._tag).toBe("ClientClosedError")
      expect((yield* Effect.flip(zk.addAuth("digest", "a:b")))._tag).toBe("ClientClosedError")
      expect((yield* Effect.flip(zk.command("ruok")))._tag).toBe("ClientClosedError")
    })
  )

  test(it, h, "credentials are replayed on the new session after an expiry", () =>
    Effect.gen(function* () {
      const { zk, expire } = yield* h.controlled({ sessionTimeout: "4 seconds" })
      yield* zk.addAuth("digest", "carol:pw")
      const l = yield* listenTo(zk)
      yield* expire
      const states: Array<string> = []
      while (states.at(-1) !== "CONNECTED") states.push(yield* l.next)
      expect(states).toContain("LOST")
      expect(yield* zk.whoAmI).toContainEqual({ scheme: "digest", user: "carol" })
    })
  )

  test(it, h, "a request waiting for the connection when the session expires fails with SessionExpired, naming itself", () =>
    Effect.gen(function* () {
      const { zk, cut, expire } = yield* h.controlled({ sessionTimeout: "4 seconds" })
      const l = yield* listenTo(zk)
      yield* cut
      // once the client knows it is cut off, a request waits for the connection
      expect(yield* l.next).toBe("SUSPENDED")
      const waiting = yield* Effect.fork(zk.get("/waiting"))
      yield* Effect.sleep("100 millis")
      yield* expire
      const error = yield* Effect.flip(Fiber.join(waiting).pipe(Effect.timeout("15 seconds")))
      expect(error).toMatchObject({ _tag: "SessionExpiredError", op: "get", path: "/waiting" })
      expect(yield* zk.awaitConnected(15_000)).toBe(true)
    })
  )

  test(it, h, "an idle client keeps its session past the session timeout", () =>
    Effect.gen(function* () {
      const zk = yield* h.client({ sessionTimeout: "1 second" })
      yield* zk.create("/eph", { ephemeral: true })
      const before = Option.getOrThrow(yield* zk.clientId).sessionId
      const l = yield* listenTo(zk)
      yield* Effect.sleep("2500 millis")
      expect(yield* l.all).toEqual([])
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).toBe(before)
      expect(Option.isSome(yield* zk.exists("/eph"))).toBe(true)
    })
  )

  test(it, h, "a server that stops answering: SUSPENDED within the read timeout, LOST once the session timeout passes, a new session when it answers again", () =>
    Effect.gen(function* () {
      const zk = yield* h.rootClient({ sessionTimeout: "2 seconds" })
      const before = Option.getOrThrow(yield* zk.clientId).sessionId
      const l = yield* listenTo(zk)
      yield* h.pause
      yield* Effect.gen(function* () {
        expect(yield* l.next).toBe("SUSPENDED")
        expect(yield* l.next).toBe("LOST")
      }).pipe(Effect.ensuring(Effect.orDie(h.resume)))
      expect(yield* l.next).toBe("CONNECTED")
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).not.toBe(before)
    }),
    30_000
  )
}
