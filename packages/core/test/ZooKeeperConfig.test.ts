import { describe, expect, it } from "@effect/vitest"
import * as ZooKeeperConfig from "@effect-zk/core/ZooKeeperConfig"
import { Effect, Redacted } from "effect"

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
