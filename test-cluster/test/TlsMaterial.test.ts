import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createPrivateKey, X509Certificate } from "node:crypto"
import { existsSync } from "node:fs"
import * as TlsMaterial from "../src/TlsMaterial.js"

describe("TlsMaterial", () => {
  it.scoped("makes a CA, a server certificate for 127.0.0.1 and localhost, and a client certificate with its key two ways", () =>
    Effect.gen(function*() {
      const material = yield* TlsMaterial.make
      const ca = new X509Certificate(material.ca)
      const server = new X509Certificate(material.serverCert)
      const client = new X509Certificate(material.cert)
      expect(ca.ca).toBe(true)
      expect(server.verify(ca.publicKey)).toBe(true)
      expect(client.verify(ca.publicKey)).toBe(true)
      expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1")
      expect(server.checkHost("localhost")).toBe("localhost")
      expect(client.keyUsage).toContain("1.3.6.1.5.5.7.3.2") // clientAuth
      // node prints the subject one RDN per line, most significant first; ZooKeeper (RFC 2253) reverses it
      expect(client.subject.split("\n").reverse().join(",")).toBe(material.clientSubject)
      const plain = createPrivateKey(material.key)
      const decrypted = createPrivateKey({ key: material.encryptedKey, passphrase: material.keyPassphrase })
      expect(decrypted.export({ format: "pem", type: "pkcs8" })).toBe(plain.export({ format: "pem", type: "pkcs8" }))
      expect(() => createPrivateKey({ key: material.encryptedKey, passphrase: "wrong" })).toThrow()
      expect(client.checkPrivateKey(plain)).toBe(true)
      expect(existsSync(material.keyStore)).toBe(true)
      expect(existsSync(material.trustStore)).toBe(true)

      // another set has another CA: neither trusts the other's certificates
      const other = yield* TlsMaterial.make
      expect(server.verify(new X509Certificate(other.ca).publicKey)).toBe(false)
      expect(other.clientSubject).not.toBe(material.clientSubject)
    }))

  it.effect("removes its folder when the scope closes", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.scoped(Effect.map(TlsMaterial.make, (m) => m.dir))
      expect(existsSync(dir)).toBe(false)
    }))
})
