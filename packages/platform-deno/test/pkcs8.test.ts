// The Deno layer's decryption of passphrase-protected TLS keys, run here on Node's WebCrypto
// (the module uses nothing else) against keys written by `openssl` in every supported form, and
// the forms it refuses. Under Deno itself the conformance suite's TLS case connects with one.
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decryptPrivateKey, KeyDecryptionError, type Subtle } from "../src/internal/pkcs8.js"

const subtle = (globalThis as unknown as { readonly crypto: { readonly subtle: Subtle } }).crypto.subtle
const PASS = "pass-7c1e-ü"

let dir = ""
const openssl = (...args: ReadonlyArray<string>) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
const read = (name: string) => readFileSync(join(dir, name), "utf8")
/** The DER bytes (base64, no line breaks) of a PEM's body. */
const body = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s/g, "")

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "effect-zk-pkcs8-"))
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem")
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem")
  const encrypt = (input: string, out: string, ...how: ReadonlyArray<string>) =>
    openssl("pkcs8", "-topk8", "-in", input, "-out", out, "-passout", `pass:${PASS}`, ...how)
  encrypt("rsa.pem", "rsa-aes256.pem", "-v2", "aes-256-cbc")
  encrypt("ec.pem", "ec-aes128-sha512.pem", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA512")
  encrypt("ec.pem", "ec-aes192-sha1.pem", "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA1")
  encrypt("ec.pem", "ec-scrypt.pem", "-scrypt")
  encrypt("ec.pem", "ec-pbes1.pem", "-v1", "PBE-SHA1-3DES")
  openssl("rsa", "-in", "rsa.pem", "-aes256", "-traditional", "-out", "rsa-traditional.pem", "-passout", `pass:${PASS}`)
})

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true })
})

describe("decryptPrivateKey (Deno's TLS key passphrase)", () => {
  it.each([
    ["RSA, AES-256-CBC, PBKDF2-HMAC-SHA256 (OpenSSL 3's default)", "rsa-aes256.pem", "rsa.pem"],
    ["EC, AES-128-CBC, PBKDF2-HMAC-SHA512", "ec-aes128-sha512.pem", "ec.pem"],
    ["EC, AES-192-CBC, PBKDF2-HMAC-SHA1", "ec-aes192-sha1.pem", "ec.pem"]
  ])("%s: the plain PKCS#8 key openssl started from", async (_, encrypted, plain) => {
    const pem = await decryptPrivateKey(read(encrypted), PASS, subtle)
    expect(pem.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true)
    expect(pem.trimEnd().endsWith("-----END PRIVATE KEY-----")).toBe(true)
    expect(body(pem)).toBe(body(read(plain)))
    for (const line of pem.trim().split("\n")) expect(line.length).toBeLessThanOrEqual(64)
  })

  it("a wrong passphrase is refused as such, without echoing it", async () => {
    for (const wrong of ["", "pass-7c1e-u", `${PASS}x`]) {
      const error = await decryptPrivateKey(read("rsa-aes256.pem"), wrong, subtle).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(KeyDecryptionError)
      expect((error as Error).message).toBe("wrong passphrase for the TLS key")
    }
  })

  it("a key that is not encrypted is passed through (the passphrase unused, as Node's TLS does)", async () => {
    expect(await decryptPrivateKey(read("ec.pem"), PASS, subtle)).toBe(read("ec.pem"))
  })

  it.each([
    ["OpenSSL's traditional encrypted PEM", "rsa-traditional.pem", /traditional encrypted PEM.*openssl pkcs8 -topk8/],
    ["scrypt", "ec-scrypt.pem", /other than PBKDF2/],
    ["PBES1 (PKCS#5 v1.5, 3DES)", "ec-pbes1.pem", /other than PBES2.*openssl pkcs8 -topk8 -v2 aes-256-cbc/]
  ])("%s: refused, saying how to convert the key", async (_, file, message) => {
    await expect(decryptPrivateKey(read(file), PASS, subtle)).rejects.toThrow(message)
    await expect(decryptPrivateKey(read(file), PASS, subtle)).rejects.toBeInstanceOf(KeyDecryptionError)
  })

  it("not a key, a missing END line, a body that is not base64: named", async () => {
    await expect(decryptPrivateKey("hello", PASS, subtle)).rejects.toThrow("not a PEM private key")
    await expect(decryptPrivateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB", PASS, subtle)).rejects.toThrow("no \"-----END")
    await expect(
      decryptPrivateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\n#not*base64\n-----END ENCRYPTED PRIVATE KEY-----", PASS, subtle)
    ).rejects.toThrow("not base64")
  })

  it("every truncation of a valid encrypted key fails with KeyDecryptionError, naming what is malformed", async () => {
    const der = Buffer.from(body(read("ec-aes128-sha512.pem")), "base64")
    for (let length = 0; length < der.length; length++) {
      const pem = `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.subarray(0, length).toString("base64")}\n-----END ENCRYPTED PRIVATE KEY-----\n`
      const error = await decryptPrivateKey(pem, PASS, subtle).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error, `truncated to ${length} bytes`).toBeInstanceOf(KeyDecryptionError)
      expect((error as Error).message).toMatch(/malformed|wrong passphrase/)
    }
  })

  it("a forged iteration count (0, or far above what any tool writes) is refused before PBKDF2 runs", async () => {
    // A minimal DER writer, enough for an EncryptedPrivateKeyInfo.
    const tlv = (tag: number, content: Buffer) => {
      const n = content.length
      const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
      return Buffer.concat([Buffer.from([tag]), length, content])
    }
    const seq = (...parts: ReadonlyArray<Buffer>) => tlv(0x30, Buffer.concat(parts))
    const oid = (hex: string) => tlv(0x06, Buffer.from(hex, "hex"))
    const int = (n: number) => {
      const bytes = Buffer.alloc(4)
      bytes.writeUInt32BE(n)
      return tlv(0x02, bytes)
    }
    const forged = (iterations: number) => {
      const der = seq(
        seq(
          oid("2a864886f70d01050d"),
          seq(
            seq(oid("2a864886f70d01050c"), seq(tlv(0x04, Buffer.alloc(16, 1)), int(iterations))),
            seq(oid("60864801650304012a"), tlv(0x04, Buffer.alloc(16, 2)))
          )
        ),
        tlv(0x04, Buffer.alloc(64, 3))
      )
      return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.toString("base64")}\n-----END ENCRYPTED PRIVATE KEY-----\n`
    }
    await expect(decryptPrivateKey(forged(0x7fffffff), PASS, subtle)).rejects.toThrow("iteration count 2147483647 is out of range")
    await expect(decryptPrivateKey(forged(0), PASS, subtle)).rejects.toThrow("iteration count 0 is out of range")
    // the same structure with a sane count parses, and fails only on the passphrase
    await expect(decryptPrivateKey(forged(1000), PASS, subtle)).rejects.toThrow("wrong passphrase")
  })
})
