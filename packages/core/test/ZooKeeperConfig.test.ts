import { describe, expect, it } from "@effect/vitest"
import * as ZooKeeperConfig from "@effect-zk/core/ZooKeeperConfig"
import { ConfigProvider, Effect, Redacted } from "effect"

const fieldOf = (options: Partial<ZooKeeperConfig.Options>) =>
  ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181", ...options }).pipe(
    Effect.flip,
    Effect.map((e) => e.field)
  )

describe("ZooKeeperConfig security options", () => {
  it.effect("sasl: DIGEST-MD5 with the password kept Redacted", () =>
    Effect.gen(function* () {
      const r = yield* ZooKeeperConfig.resolve({
        hosts: "127.0.0.1:2181",
        sasl: { mechanism: "DIGEST-MD5", username: "bob", password: "secret" }
      })
      expect(r.sasl?.username).toBe("bob")
      expect(Redacted.isRedacted(r.sasl?.password)).toBe(true)
      expect(Redacted.value(r.sasl!.password)).toBe("secret")
      expect(JSON.stringify(r)).not.toContain("secret")
      expect(String(r.sasl?.password)).not.toContain("secret")
      expect(yield* fieldOf({ sasl: { mechanism: "GSSAPI" as "DIGEST-MD5", username: "bob", password: "x" } })).toBe(
        "sasl.mechanism"
      )
      expect(yield* fieldOf({ sasl: { mechanism: "DIGEST-MD5", username: "", password: "x" } })).toBe("sasl.username")
      expect((yield* ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181" })).sasl).toBeUndefined()
    }))

  it.effect("tls: true, or options with the key and passphrase kept Redacted; cert and key go together", () =>
    Effect.gen(function* () {
      const on = yield* ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2281", tls: true })
      expect(on.tls).toEqual({
        ca: undefined,
        cert: undefined,
        key: undefined,
        passphrase: undefined,
        serverName: undefined,
        dangerouslySkipVerification: false
      })
      expect((yield* ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181", tls: false })).tls).toBeUndefined()
      const full = yield* ZooKeeperConfig.resolve({
        hosts: "127.0.0.1:2281",
        tls: { ca: "CA", cert: "CERT", key: "KEY-PEM", passphrase: Redacted.make("PASS"), dangerouslySkipVerification: true }
      })
      expect(full.tls?.dangerouslySkipVerification).toBe(true)
      expect(Redacted.value(full.tls!.key!)).toBe("KEY-PEM")
      expect(JSON.stringify(full)).not.toMatch(/KEY-PEM|PASS/)
      expect(yield* fieldOf({ tls: { cert: "CERT" } })).toBe("tls.key")
      expect(yield* fieldOf({ tls: { key: "KEY" } })).toBe("tls.cert")
      expect(yield* fieldOf({ tls: { passphrase: "p" } })).toBe("tls.passphrase")
    }))
})

describe("ZooKeeperConfig.config (Effect Config, environment variables by default)", () => {
  const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
  const KEY = "-----BEGIN PRIVATE KEY-----\nkey-secret-0x5e\n-----END PRIVATE KEY-----\n"
  const read = (vars: Record<string, string>) =>
    Effect.withConfigProvider(ZooKeeperConfig.config, ConfigProvider.fromMap(new Map(Object.entries(vars))))
  const failure = (vars: Record<string, string>) => Effect.map(Effect.flip(read(vars)), (e) => String(e))

  it.effect("ZK_HOSTS alone: the defaults; nothing else is set", () =>
    Effect.gen(function* () {
      const options = yield* read({ ZK_HOSTS: "a:2181,b:2182/app" })
      expect(options.hosts).toBe("a:2181,b:2182/app")
      expect(options.readOnly).toBe(false)
      expect(options.randomizeHosts).toBe(true)
      for (const key of ["sessionTimeout", "connectTimeout", "requestTimeout", "whileDisconnected", "authData", "sasl", "tls"] as const) {
        expect(options[key]).toBeUndefined()
      }
      const resolved = yield* ZooKeeperConfig.resolve(options)
      expect(resolved.chroot).toBe("/app")
      expect(resolved.tls).toBeUndefined()
      expect(yield* failure({})).toContain("ZK_HOSTS")
    }))

  it.effect("timeouts, whileDisconnected, flags and limits", () =>
    Effect.gen(function* () {
      const resolved = yield* Effect.flatMap(
        read({
          ZK_HOSTS: "127.0.0.1:2181",
          ZK_SESSION_TIMEOUT: "20 seconds",
          ZK_CONNECT_TIMEOUT: "3 seconds",
          ZK_REQUEST_TIMEOUT: "1500 millis",
          ZK_WHILE_DISCONNECTED: "fail",
          ZK_READ_ONLY: "true",
          ZK_RANDOMIZE_HOSTS: "false",
          ZK_METRICS: "true",
          ZK_READ_COALESCING: "false",
          ZK_MAX_DATA_LENGTH: "4096",
          ZK_MAX_FRAME_LENGTH: "2000000"
        }),
        ZooKeeperConfig.resolve
      )
      expect(resolved).toMatchObject({
        sessionTimeoutMillis: 20_000,
        connectTimeoutMillis: 3000,
        requestTimeoutMillis: 1500,
        whileDisconnected: "fail",
        readOnly: true,
        randomizeHosts: false,
        metrics: true,
        readCoalescing: undefined,
        maxDataLength: 4096,
        maxFrameLength: 2_000_000
      })
      expect(yield* failure({ ZK_HOSTS: "h", ZK_WHILE_DISCONNECTED: "retry" })).toContain("ZK_WHILE_DISCONNECTED")
      expect(yield* failure({ ZK_HOSTS: "h", ZK_SESSION_TIMEOUT: "soon" })).toContain("ZK_SESSION_TIMEOUT")
      expect(yield* failure({ ZK_HOSTS: "h", ZK_MAX_DATA_LENGTH: "4k" })).toContain("ZK_MAX_DATA_LENGTH")
      expect(yield* failure({ ZK_HOSTS: "h", ZK_METRICS: "sometimes" })).toContain("ZK_METRICS")
      const defaults = yield* Effect.flatMap(read({ ZK_HOSTS: "h" }), ZooKeeperConfig.resolve)
      expect(defaults.metrics).toBe(false)
      expect(defaults.readCoalescing).toEqual({ minInFlight: 128, pauseMillis: 1 })
    }))

  it.effect("ZK_AUTH: scheme:credential, the credential kept Redacted and never echoed", () =>
    Effect.gen(function* () {
      const options = yield* read({ ZK_HOSTS: "h", ZK_AUTH: "digest:alice:s3cr3t-auth" })
      const resolved = yield* ZooKeeperConfig.resolve(options)
      expect(resolved.authData).toHaveLength(1)
      expect(resolved.authData[0]!.scheme).toBe("digest")
      expect(Redacted.value(resolved.authData[0]!.credential)).toBe("alice:s3cr3t-auth")
      expect(JSON.stringify(options)).not.toContain("s3cr3t")
      for (const bad of ["nocolon-s3cr3t", ":s3cr3t", "digest:"]) {
        const message = yield* failure({ ZK_HOSTS: "h", ZK_AUTH: bad })
        expect(message).toContain("ZK_AUTH")
        expect(message).toContain("scheme:credential")
        expect(message).not.toContain("s3cr3t")
      }
    }))

  it.effect("SASL: username and password together, the password Redacted", () =>
    Effect.gen(function* () {
      const resolved = yield* Effect.flatMap(
        read({ ZK_HOSTS: "h", ZK_SASL_USERNAME: "bob", ZK_SASL_PASSWORD: "sasl-s3cr3t" }),
        ZooKeeperConfig.resolve
      )
      expect(resolved.sasl?.mechanism).toBe("DIGEST-MD5")
      expect(resolved.sasl?.username).toBe("bob")
      expect(Redacted.value(resolved.sasl!.password)).toBe("sasl-s3cr3t")
      const noPassword = yield* failure({ ZK_HOSTS: "h", ZK_SASL_USERNAME: "bob" })
      expect(noPassword).toContain("ZK_SASL_PASSWORD")
      const noUser = yield* failure({ ZK_HOSTS: "h", ZK_SASL_PASSWORD: "sasl-s3cr3t" })
      expect(noUser).toContain("ZK_SASL_USERNAME")
      expect(noUser).not.toContain("s3cr3t")
      expect(yield* failure({ ZK_HOSTS: "h", ZK_SASL_MECHANISM: "GSSAPI", ZK_SASL_USERNAME: "b", ZK_SASL_PASSWORD: "p" })).toContain(
        "ZK_SASL_MECHANISM"
      )
    }))

  it.effect("TLS: ZK_TLS, or any ZK_TLS_* value; PEM text only; the key and passphrase Redacted and never echoed", () =>
    Effect.gen(function* () {
      const on = yield* Effect.flatMap(read({ ZK_HOSTS: "h:2281", ZK_TLS: "true" }), ZooKeeperConfig.resolve)
      expect(on.tls).toMatchObject({ ca: undefined, cert: undefined, key: undefined, dangerouslySkipVerification: false })
      const full = yield* Effect.flatMap(
        read({
          ZK_HOSTS: "h:2281",
          ZK_TLS_CA: PEM,
          ZK_TLS_CERT: PEM,
          ZK_TLS_KEY: KEY,
          ZK_TLS_PASSPHRASE: "pass-s3cr3t",
          ZK_TLS_SERVER_NAME: "zk.example"
        }),
        ZooKeeperConfig.resolve
      )
      expect(full.tls?.ca).toBe(PEM)
      expect(full.tls?.cert).toBe(PEM)
      expect(Redacted.value(full.tls!.key!)).toBe(KEY)
      expect(Redacted.value(full.tls!.passphrase!)).toBe("pass-s3cr3t")
      expect(full.tls?.serverName).toBe("zk.example")
      expect(JSON.stringify(full)).not.toContain("s3cr3t")
      expect(JSON.stringify(full)).not.toContain("key-secret")
      expect((yield* Effect.flatMap(read({ ZK_HOSTS: "h", ZK_TLS_CA: PEM }), ZooKeeperConfig.resolve)).tls?.ca).toBe(PEM)

      const fileName = yield* failure({ ZK_HOSTS: "h", ZK_TLS_KEY: "/etc/zk/key-secret.pem" })
      expect(fileName).toContain("ZK_TLS_KEY")
      expect(fileName).toContain("PEM")
      expect(fileName).not.toContain("key-secret")
      expect(yield* failure({ ZK_HOSTS: "h", ZK_TLS: "false", ZK_TLS_CA: PEM })).toContain("ZK_TLS_CA")
      // the pairing rules of resolve apply: a key without a certificate
      const unpaired = yield* Effect.flip(Effect.flatMap(read({ ZK_HOSTS: "h", ZK_TLS_KEY: KEY }), ZooKeeperConfig.resolve))
      expect(unpaired._tag).toBe("ConfigurationError")
      expect((unpaired as { field?: string }).field).toBe("tls.cert")
    }))
})
