// Security against a real server configured for it: digest ACLs, SASL DIGEST-MD5 (a JAAS
// DigestLoginModule user), TLS on the secure client port (Netty) with the x509 provider, and
// no credential in logs, spans or errors. One server carries all of it.
import { Acl, Handler, ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster, TlsMaterial } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer, Logger, LogLevel, Option, Redacted, type Scope, Stream, Tracer } from "effect"
import { expect } from "vitest"
import { bytes, client, countingPauses, hosts, text } from "./helpers.js"

const SASL_USER = "bob"
const SASL_PASSWORD = "sasl-pw-7f3a9c"

let counter = 0
const chrootName = () => `/security-${process.pid}-${Date.now().toString(36)}-${counter++}`

const tagOf = <A, E>(exit: Exit.Exit<A, E>): string | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Option.map(Cause.failureOption(exit.cause), (e) => (e as { _tag: string })._tag)) : undefined

/** The cluster's TLS material (the cluster is started with `tls`). */
const tlsOf = Effect.flatMap(TestCluster.TestCluster, (cluster) =>
  cluster.tls === undefined ? Effect.dieMessage("the cluster has no TLS") : Effect.succeed(cluster.tls)
)

/** A client over TLS in a fresh chroot (made over the plain port). */
const tlsClient = (
  options: Partial<ZooKeeperConfig.Options> & { readonly tls: ZooKeeperConfig.Options["tls"] }
): Effect.Effect<ZooKeeper.ZooKeeperClient, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const chroot = chrootName()
    yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: yield* hosts }), (root) => root.ensurePath(chroot)))
    const secure = yield* cluster.secureConnectString()
    return yield* ZooKeeper.make({ ...options, hosts: `${secure}${chroot}` })
  }).pipe(Effect.provide(NodeZooKeeper.layer))

/** Drops the connection and, while reconnecting, reads `path`: the read goes out right after the new handshake. */
const readAcrossReconnect = (zk: ZooKeeper.ZooKeeperClient, path: string) =>
  Effect.gen(function* () {
    yield* zk.restart
    const read = yield* zk.get(path)
    expect(yield* zk.state).toEqual({ state: "CONNECTED", keeperState: "CONNECTED" })
    return text(read.data)
  })

layer(TestCluster.layer({ sasl: { users: { [SASL_USER]: SASL_PASSWORD } }, tls: true }), { excludeTestServices: true })(
  "security",
  (it) => {
    // -------------------------------------------------------------------------------------------
    // digest ACLs

    it.scoped("a digest ACL: NoAuth without credentials or with wrong ones, read and write with them", () =>
      Effect.gen(function* () {
        const owner = yield* client()
        yield* owner.create("/vault", { data: "gold", acl: [yield* Acl.makeDigestAcl("alice", "alice-pw", { all: true })] })
        const chroot = owner.chroot!
        const cs = yield* hosts
        const make = (options: Partial<ZooKeeperConfig.Options> = {}) =>
          ZooKeeper.make({ hosts: `${cs}${chroot}`, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))

        const anonymous = yield* make()
        expect(tagOf(yield* Effect.exit(anonymous.get("/vault")))).toBe("NoAuthError")
        expect(tagOf(yield* Effect.exit(anonymous.set("/vault", "lead")))).toBe("NoAuthError")

        const eve = yield* make({ authData: [{ scheme: "digest", credential: "alice:wrong" }] })
        expect(tagOf(yield* Effect.exit(eve.get("/vault")))).toBe("NoAuthError")

        const alice = yield* make({ authData: [{ scheme: "digest", credential: Redacted.make("alice:alice-pw") }] })
        expect(text((yield* alice.get("/vault")).data)).toBe("gold")
        yield* alice.set("/vault", "silver")
        expect(text((yield* alice.get("/vault")).data)).toBe("silver")
        expect(yield* alice.whoAmI).toContainEqual({ scheme: "digest", user: "alice" })
      })
    )

    it.scoped("CREATOR_ALL_ACL records the creator's digest identity; setAcls with a stale version is BadVersion", () =>
      Effect.gen(function* () {
        const zk = yield* client()
        // without an authenticated identity, the creator ACL names nobody
        expect(tagOf(yield* Effect.exit(zk.create("/mine", { acl: Acl.CREATOR_ALL_ACL })))).toBe("InvalidACLError")
        yield* zk.addAuth("digest", "carol:carol-pw")
        yield* zk.create("/mine", { data: "c", acl: Acl.CREATOR_ALL_ACL })
        const credential = yield* Acl.makeDigestAclCredential("carol", "carol-pw")
        const { acl, stat } = yield* zk.getAcls("/mine")
        expect(acl).toEqual([{ perms: Acl.Perms.ALL, id: { scheme: "digest", id: credential } }])
        expect(credential).toMatch(/^carol:[A-Za-z0-9+/]{27}=$/)
        expect(stat.aversion).toBe(0)

        const readable = [...acl, ...Acl.READ_ACL_UNSAFE]
        const updated = yield* zk.setAcls("/mine", readable, { version: 0 })
        expect(updated.aversion).toBe(1)
        expect(tagOf(yield* Effect.exit(zk.setAcls("/mine", acl, { version: 0 })))).toBe("BadVersionError")
        expect((yield* zk.getAcls("/mine")).acl).toEqual(readable)
        yield* zk.setAcls("/mine", acl, { version: 1 })
        expect((yield* zk.getAcls("/mine")).stat.aversion).toBe(2)
      })
    )

    it.scoped("addAuth while requests are in flight: the server answers it ahead of them", () =>
      Effect.gen(function* () {
        const zk = yield* client()
        yield* zk.create("/busy", { data: "b" })
        for (let round = 0; round < 3; round++) {
          const gets = Array.from({ length: 100 }, () => zk.get("/busy"))
          const results = yield* Effect.all([...gets, zk.addAuth("digest", `user${round}:pw`), ...gets], {
            concurrency: "unbounded"
          })
          expect(results).toHaveLength(201)
        }
        const who = yield* zk.whoAmI
        for (let round = 0; round < 3; round++) expect(who).toContainEqual({ scheme: "digest", user: `user${round}` })
      })
    )

    it.scoped("addAuth is replayed after a forced reconnect, before the requests queued meanwhile", () =>
      Effect.gen(function* () {
        const zk = yield* client()
        yield* zk.addAuth("digest", "dave:dave-pw")
        yield* zk.create("/protected", { data: "p", acl: Acl.CREATOR_ALL_ACL })
        for (let i = 0; i < 2; i++) expect(yield* readAcrossReconnect(zk, "/protected")).toBe("p")
        expect(yield* zk.whoAmI).toContainEqual({ scheme: "digest", user: "dave" })
      })
    )

    // -------------------------------------------------------------------------------------------
    // SASL DIGEST-MD5

    const sasl = (password: string): ZooKeeperConfig.SaslOptions => ({
      mechanism: "DIGEST-MD5",
      username: SASL_USER,
      password: Redacted.make(password)
    })

    it.scoped("SASL DIGEST-MD5: the sasl identity, a sasl ACL, and SASL redone after a forced reconnect", () =>
      Effect.gen(function* () {
        const zk = yield* client({ sasl: sasl(SASL_PASSWORD) })
        expect(yield* zk.whoAmI).toContainEqual({ scheme: "sasl", user: SASL_USER })
        yield* zk.create("/bobs", { data: "b", acl: [Acl.makeAcl("sasl", SASL_USER, { all: true })] })
        expect((yield* zk.getAcls("/bobs")).acl).toEqual([{ perms: Acl.Perms.ALL, id: { scheme: "sasl", id: SASL_USER } }])
        const other = yield* ZooKeeper.make({ hosts: `${yield* hosts}${zk.chroot!}` }).pipe(Effect.provide(NodeZooKeeper.layer))
        expect(tagOf(yield* Effect.exit(other.get("/bobs")))).toBe("NoAuthError")
        expect(yield* readAcrossReconnect(zk, "/bobs")).toBe("b")
        expect(yield* zk.whoAmI).toContainEqual({ scheme: "sasl", user: SASL_USER })
        // with digest auth too: both identities, both replayed
        yield* zk.addAuth("digest", "erin:erin-pw")
        expect(yield* readAcrossReconnect(zk, "/bobs")).toBe("b")
        const who = yield* zk.whoAmI
        expect(who).toContainEqual({ scheme: "sasl", user: SASL_USER })
        expect(who).toContainEqual({ scheme: "digest", user: "erin" })
      })
    )

    it.scoped("a rejected SASL password: make fails with AuthFailed; a client not waiting goes AUTH_FAILED and LOST", () =>
      Effect.gen(function* () {
        const cs = yield* hosts
        const error = yield* Effect.flip(
          ZooKeeper.make({ hosts: cs, sasl: sasl("not-the-password") }).pipe(Effect.provide(NodeZooKeeper.layer))
        )
        expect(error._tag).toBe("AuthFailedError")
        expect(error.message).toBe("sasl: authentication failed (ZooKeeper error -115)")

        const zk = yield* ZooKeeper.make({ hosts: cs, sasl: sasl("not-the-password"), waitForConnection: false }).pipe(
          Effect.provide(NodeZooKeeper.layer)
        )
        const final = yield* zk.stateChanges.pipe(
          Stream.filter((s) => s.keeperState === "AUTH_FAILED"),
          Stream.runHead,
          Effect.timeout("10 seconds")
        )
        expect(Option.getOrUndefined(final)).toEqual({ state: "LOST", keeperState: "AUTH_FAILED" })
        expect(tagOf(yield* Effect.exit(zk.get("/")))).toBe("AuthFailedError")
      })
    )

    // -------------------------------------------------------------------------------------------
    // TLS

    it.scoped("TLS: read coalescing pauses the secure socket too; 2,000 pipelined reads each get their own reply", () =>
      Effect.gen(function* () {
        const tls = yield* tlsOf
        const { pauses, layer: counting } = countingPauses()
        const secure = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.secureConnectString())
        const chroot = chrootName()
        yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: yield* hosts }), (root) => root.ensurePath(chroot))).pipe(
          Effect.provide(NodeZooKeeper.layer)
        )
        const zk = yield* ZooKeeper.make({
          hosts: `${secure}${chroot}`,
          tls: { ca: tls.ca },
          readCoalescing: { minInFlight: 32, pause: "2 millis" }
        }).pipe(Effect.provide(counting))
        yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) => zk.create(`/n${i}`, { data: bytes(`node ${i} `.repeat(20 + i)) }),
          { concurrency: "unbounded", discard: true }
        )
        const replies = yield* Effect.forEach(
          Array.from({ length: 2000 }, (_, i) => i),
          (i) => Effect.map(zk.get(`/n${i % 20}`), (node) => ({ i, node })),
          { concurrency: "unbounded" }
        )
        for (const { i, node } of replies) expect(text(node.data)).toBe(`node ${i % 20} `.repeat(20 + (i % 20)))
        expect(pauses.length).toBeGreaterThan(0)
        expect(pauses.every((m) => m === 2)).toBe(true)
      })
    )

    it.scoped("TLS: operations, watches, a four-letter word and a reconnect over the secure port, verified against the CA", () =>
      Effect.gen(function* () {
        const tls = yield* tlsOf
        const zk = yield* tlsClient({ tls: { ca: tls.ca } })
        expect(yield* zk.connectedServer).toEqual(Option.some(yield* TestCluster.TestCluster.pipe(
          Effect.flatMap((c) => c.secureConnectString())
        )))
        yield* zk.create("/t", { data: "over tls" })
        const watched = yield* zk.getAndWatch("/t")
        expect(text(watched.data)).toBe("over tls")
        yield* zk.set("/t", bytes("changed"))
        expect(yield* watched.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHANGED", path: "/t" })
        expect(yield* zk.command("ruok")).toBe("imok")
        expect(yield* readAcrossReconnect(zk, "/t")).toBe("changed")
        const who = yield* zk.whoAmI
        expect(who.some((id) => id.scheme === "x509")).toBe(false) // no client certificate, no x509 identity
      })
    )

    it.scoped("TLS: a server certificate from another CA is refused, with the reason in the error and the log", () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        const stranger = yield* TlsMaterial.make
        const address = (yield* cluster.secureConnectString()).split(":")
        const handler = yield* Effect.provide(Handler.ZooKeeperHandler, NodeZooKeeper.layer)
        const refused = yield* Effect.flip(
          handler.connector.connect(
            { host: address[0]!, port: Number(address[1]), connectTimeoutMillis: 5000, tls: { ca: stranger.ca } },
            { onData: () => {}, onClose: () => {} }
          )
        )
        expect(refused._tag).toBe("SocketError")
        expect(refused.message).toMatch(/certificate/)

        const lines: Array<string> = []
        const logger = Logger.make<unknown, void>(({ message }) => {
          lines.push(String(Array.isArray(message) ? message.join(" ") : message))
        })
        const error = yield* Effect.flip(
          ZooKeeper.make({
            hosts: yield* cluster.secureConnectString(),
            tls: { ca: stranger.ca },
            sessionTimeout: "2 seconds",
            connectTimeout: "1 second"
          }).pipe(Effect.provide(NodeZooKeeper.layer), Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
        )
        expect(error._tag).toBe("ConnectionLossError")
        expect(lines.find((l) => l.includes("no connection to"))).toMatch(/last attempt: .*certificate/)
      })
    )

    it.scoped("TLS: with verification skipped, a server no CA vouches for is accepted", () =>
      Effect.gen(function* () {
        const stranger = yield* TlsMaterial.make
        const unverified = yield* tlsClient({ tls: { dangerouslySkipVerification: true } })
        yield* unverified.create("/skipped", { data: "x" })
        const wrongCa = yield* tlsClient({ tls: { ca: stranger.ca, dangerouslySkipVerification: true } })
        expect(text((yield* wrongCa.get("/")).data)).toBe("")
      })
    )

    it.scoped("TLS client certificate: the x509 identity (subject DN) in whoAmI, an x509 ACL, a key with a passphrase", () =>
      Effect.gen(function* () {
        const tls = yield* tlsOf
        const zk = yield* tlsClient({
          tls: { ca: tls.ca, cert: tls.cert, key: Redacted.make(tls.encryptedKey), passphrase: Redacted.make(tls.keyPassphrase) }
        })
        expect(yield* zk.whoAmI).toContainEqual({ scheme: "x509", user: tls.clientSubject })
        yield* zk.create("/cert-only", { data: "c", acl: [Acl.makeAcl("x509", tls.clientSubject, { all: true })] })
        expect(yield* readAcrossReconnect(zk, "/cert-only")).toBe("c")
        const noCert = yield* ZooKeeper.make({
          hosts: `${yield* (yield* TestCluster.TestCluster).secureConnectString()}${zk.chroot!}`,
          tls: { ca: tls.ca }
        }).pipe(Effect.provide(NodeZooKeeper.layer))
        expect(tagOf(yield* Effect.exit(noCert.get("/cert-only")))).toBe("NoAuthError")

        // TLS, SASL and digest on one session
        const all = yield* tlsClient({
          tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
          sasl: sasl(SASL_PASSWORD),
          authData: [{ scheme: "digest", credential: "frank:frank-pw" }]
        })
        const who = yield* all.whoAmI
        for (const id of [
          { scheme: "x509", user: tls.clientSubject },
          { scheme: "sasl", user: SASL_USER },
          { scheme: "digest", user: "frank" }
        ]) expect(who).toContainEqual(id)
      })
    )

    it.scoped("ZooKeeper.layerConfig: TLS with a client certificate, SASL and a digest credential, all from configuration", () =>
      Effect.gen(function* () {
        const tls = yield* tlsOf
        const cluster = yield* TestCluster.TestCluster
        const chroot = chrootName()
        yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: yield* hosts }), (root) => root.ensurePath(chroot))).pipe(
          Effect.provide(NodeZooKeeper.layer)
        )
        const vars = new Map([
          ["ZK_HOSTS", `${yield* cluster.secureConnectString()}${chroot}`],
          ["ZK_SESSION_TIMEOUT", "15 seconds"],
          ["ZK_TLS_CA", tls.ca],
          ["ZK_TLS_CERT", tls.cert],
          ["ZK_TLS_KEY", tls.encryptedKey],
          ["ZK_TLS_PASSPHRASE", tls.keyPassphrase],
          ["ZK_SASL_USERNAME", SASL_USER],
          ["ZK_SASL_PASSWORD", SASL_PASSWORD],
          ["ZK_AUTH", "digest:gina:gina-pw"]
        ])
        const who = yield* Effect.flatMap(ZooKeeper.ZooKeeper, (zk) => zk.whoAmI).pipe(
          Effect.provide(ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))),
          Effect.withConfigProvider(ConfigProvider.fromMap(vars))
        )
        for (const id of [
          { scheme: "x509", user: tls.clientSubject },
          { scheme: "sasl", user: SASL_USER },
          { scheme: "digest", user: "gina" }
        ]) expect(who).toContainEqual(id)
        // a wrong SASL password from configuration: the layer fails with AuthFailed
        vars.set("ZK_SASL_PASSWORD", `${SASL_PASSWORD}-wrong`)
        const refused = yield* Effect.exit(
          Effect.flatMap(ZooKeeper.ZooKeeper, (zk) => zk.whoAmI).pipe(
            Effect.provide(ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))),
            Effect.withConfigProvider(ConfigProvider.fromMap(vars))
          )
        )
        expect(tagOf(refused)).toBe("AuthFailedError")
      })
    )

    // -------------------------------------------------------------------------------------------
    // no secret leaks

    it.scoped("no credential in any log line (Debug), span attribute or event, or error of authenticated sessions and failures", () =>
      Effect.gen(function* () {
        const tls = yield* tlsOf
        const cluster = yield* TestCluster.TestCluster
        const secure = yield* cluster.secureConnectString()
        const cs = yield* hosts
        const digestPassword = "digest-pw-51e0d2"
        const addAuthPassword = "addauth-pw-a83b11"
        const wrongSasl = "wrong-sasl-pw-90cc4e"
        const digest = yield* Acl.makeDigestAclCredential("grace", digestPassword)
        const keyBody = tls.encryptedKey.split("\n")[1]!
        const plainKeyBody = tls.key.split("\n")[1]!
        const secrets = [
          digestPassword,
          addAuthPassword,
          SASL_PASSWORD,
          wrongSasl,
          tls.keyPassphrase,
          keyBody,
          plainKeyBody,
          digest.slice(digest.indexOf(":") + 1)
        ]

        const lines: Array<string> = []
        const logger = Logger.make<unknown, void>(({ message, cause, annotations }) => {
          lines.push(
            `${Array.isArray(message) ? message.map(String).join(" ") : String(message)} ${Cause.pretty(cause)} ${JSON.stringify(
              [...annotations]
            )}`
          )
        })
        const spans: Array<string> = []
        const native = Effect.runSync(Effect.tracer)
        const tracer = Tracer.make({
          span: (name, parent, context, links, startTime, kind, options) => {
            const span = native.span(name, parent, context, links, startTime, kind, options)
            const record = (what: string, value: unknown) => spans.push(`${name} ${what} ${String(value)} ${JSON.stringify(value) ?? ""}`)
            for (const [k, v] of span.attributes) record(k, v)
            return Object.assign(Object.create(span) as Tracer.Span, {
              attribute: (key: string, value: unknown) => {
                record(key, value)
                span.attribute(key, value)
              },
              event: (event: string, time: bigint, attributes?: Record<string, unknown>) => {
                record(`event ${event}`, attributes)
                span.event(event, time, attributes)
              },
              end: (endTime: bigint, exit: Exit.Exit<unknown, unknown>) => {
                if (Exit.isFailure(exit)) record("exit", Cause.pretty(exit.cause))
                span.end(endTime, exit)
              }
            })
          },
          context: (f) => f()
        })
        const errors: Array<string> = []
        const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          Effect.tap(Effect.exit(effect), (exit) =>
            Effect.sync(() => {
              if (Exit.isFailure(exit)) {
                errors.push(Cause.pretty(exit.cause))
                for (const e of Cause.failures(exit.cause)) errors.push(String(e), JSON.stringify(e) ?? "", (e as Error).message ?? "")
              }
            })
          )

        yield* Effect.gen(function* () {
          const make = (options: ZooKeeperConfig.Options) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))
          const zk = yield* make({
            hosts: secure,
            tls: { ca: tls.ca, cert: tls.cert, key: tls.encryptedKey, passphrase: tls.keyPassphrase },
            sasl: { mechanism: "DIGEST-MD5", username: SASL_USER, password: SASL_PASSWORD },
            authData: [{ scheme: "digest", credential: `grace:${digestPassword}` }]
          })
          const path = chrootName()
          yield* zk.create(path, { data: "s", acl: [yield* Acl.makeDigestAcl("grace", digestPassword, { all: true })] })
          yield* zk.addAuth("digest", `heidi:${addAuthPassword}`)
          yield* zk.get(path)
          yield* zk.getAcls(path)
          yield* zk.restart
          yield* zk.get(path)
          yield* failure(zk.addAuth("no-such-scheme", addAuthPassword))
          yield* failure(zk.get(path))
          // failures: a refused SASL password, a wrong key passphrase, a certificate no CA vouches for
          yield* failure(make({ hosts: cs, sasl: { mechanism: "DIGEST-MD5", username: SASL_USER, password: wrongSasl } }))
          yield* failure(
            make({
              hosts: secure,
              tls: { ca: tls.ca, cert: tls.cert, key: tls.encryptedKey, passphrase: `${tls.keyPassphrase}x` },
              sessionTimeout: "1 second",
              connectTimeout: "1 second"
            })
          )
          yield* failure(make({ hosts: secure, tls: {}, sessionTimeout: "1 second", connectTimeout: "1 second" }))
        }).pipe(
          Effect.scoped,
          Effect.withTracer(tracer),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )

        expect(lines.length).toBeGreaterThan(0)
        expect(spans.length).toBeGreaterThan(0)
        expect(errors.join("\n")).toMatch(/AuthFailedError/)
        expect(lines.join("\n")).toMatch(/SASL DIGEST-MD5 authentication as "bob" .* failed/)
        const everything = [...lines, ...spans, ...errors].join("\n")
        for (const secret of secrets) expect(everything.includes(secret), `a secret leaked: ${secret.slice(0, 4)}…`).toBe(false)
      })
    )
  }
)
