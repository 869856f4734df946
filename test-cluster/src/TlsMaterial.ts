/**
 * Certificates for TLS tests, made with `openssl` on this machine: a CA, a server certificate
 * for `127.0.0.1` and `localhost` in a PKCS#12 keystore (with a password) for ZooKeeper, the CA
 * as a PEM trust store, and a client certificate whose key comes plain and encrypted with a
 * passphrase. Every set has its own CA, so the material of one set is untrusted by another.
 * EC P-256 keys, valid for two days.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { trackDir, untrackDir } from "./internal/safetyNet.js"
import { TlsMaterialError } from "./TestClusterError.js"

/**
 * One set of TLS material. PEM texts are given inline; files by path.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsMaterial {
  /** The folder holding the files. */
  readonly dir: string
  /** PEM certificate of the CA that signed the server and client certificates. */
  readonly ca: string
  /** PEM client certificate (subject {@link clientSubject}), usable for TLS client authentication. */
  readonly cert: string
  /** PEM private key of `cert` (PKCS#8, not encrypted). */
  readonly key: string
  /** The same key encrypted with `keyPassphrase` (PKCS#8, AES-256-CBC). */
  readonly encryptedKey: string
  /** The passphrase of `encryptedKey` (random). */
  readonly keyPassphrase: string
  /** The client certificate's subject as ZooKeeper's x509 scheme names it (RFC 2253). */
  readonly clientSubject: string
  /** PEM server certificate (for `127.0.0.1` and `localhost`). */
  readonly serverCert: string
  /** Path of the server's PKCS#12 keystore: its certificate and key. */
  readonly keyStore: string
  /** The keystore's password (random). */
  readonly keyStorePassword: string
  /** Path of the CA certificate as a PEM trust store. */
  readonly trustStore: string
}

const opensslConfig = [
  "[req]",
  "distinguished_name = dn",
  "[dn]",
  "[ca]",
  "basicConstraints = critical, CA:TRUE",
  "keyUsage = critical, keyCertSign, cRLSign",
  "subjectKeyIdentifier = hash",
  "[server]",
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature",
  "extendedKeyUsage = serverAuth",
  "subjectAltName = IP:127.0.0.1, DNS:localhost",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid",
  "[client]",
  "basicConstraints = critical, CA:FALSE",
  "keyUsage = critical, digitalSignature",
  "extendedKeyUsage = clientAuth",
  "subjectKeyIdentifier = hash",
  "authorityKeyIdentifier = keyid",
  ""
].join("\n")

const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

const openssl = (dir: string, args: ReadonlyArray<string>) =>
  Effect.async<void, TlsMaterialError>((resume) => {
    const child = execFile("openssl", [...args], { cwd: dir, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error === null) return resume(Effect.void)
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT"
      resume(
        Effect.fail(
          new TlsMaterialError({
            detail: missing
              ? "openssl is not installed (Debian/Ubuntu: apt-get install openssl)"
              : `openssl ${args[0]} failed: ${String(stderr).trim() || error.message}`,
            cause: error
          })
        )
      )
    })
    return Effect.sync(() => child.kill())
  })

const signed = (dir: string, name: string, subject: string, serial: number) =>
  Effect.zipRight(
    openssl(dir, ["req", "-new", ...newKey, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", subject, "-config", "openssl.cnf"]),
    openssl(dir, [
      "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-set_serial", String(serial),
      "-days", "2", "-out", `${name}.pem`, "-extfile", "openssl.cnf", "-extensions", name
    ])
  )

/**
 * Generates a fresh set in `dir` (which must exist).
 *
 * @since 0.1.0
 * @category constructors
 */
export const generate = (dir: string): Effect.Effect<TlsMaterial, TlsMaterialError> =>
  Effect.gen(function*() {
    const id = randomBytes(6).toString("hex")
    const keyPassphrase = randomBytes(12).toString("hex")
    const keyStorePassword = randomBytes(12).toString("hex")
    yield* Effect.try({
      try: () => writeFileSync(join(dir, "openssl.cnf"), opensslConfig),
      catch: (cause) => new TlsMaterialError({ detail: `cannot write in ${dir}`, cause })
    })
    yield* openssl(dir, [
      "req", "-x509", "-new", ...newKey, "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
      "-subj", `/CN=effect-zk test CA ${id}`, "-config", "openssl.cnf", "-extensions", "ca"
    ])
    yield* Effect.all([
      signed(dir, "server", "/CN=localhost", 2).pipe(
        Effect.zipRight(openssl(dir, [
          "pkcs12", "-export", "-in", "server.pem", "-inkey", "server-key.pem", "-name", "server",
          "-out", "server-keystore.p12", "-passout", `pass:${keyStorePassword}`
        ]))
      ),
      signed(dir, "client", `/O=effect-zk/OU=test-cluster ${id}/CN=client`, 3).pipe(
        Effect.zipRight(openssl(dir, [
          "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "client-key.pem", "-out", "client-key-encrypted.pem",
          "-passout", `pass:${keyPassphrase}`
        ]))
      )
    ], { concurrency: "unbounded", discard: true })
    const read = (name: string) =>
      Effect.try({
        try: () => readFileSync(join(dir, name), "utf8"),
        catch: (cause) => new TlsMaterialError({ detail: `openssl did not write ${name}`, cause })
      })
    return {
      dir,
      ca: yield* read("ca.pem"),
      cert: yield* read("client.pem"),
      key: yield* read("client-key.pem"),
      encryptedKey: yield* read("client-key-encrypted.pem"),
      keyPassphrase,
      clientSubject: `CN=client,OU=test-cluster ${id},O=effect-zk`,
      serverCert: yield* read("server.pem"),
      keyStore: join(dir, "server-keystore.p12"),
      keyStorePassword,
      trustStore: join(dir, "ca.pem")
    }
  })

/**
 * Generates a fresh set in a temporary folder, removed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<TlsMaterial, TlsMaterialError, Scope.Scope> = Effect.acquireRelease(
  Effect.try({
    try: () => {
      const dir = mkdtempSync(join(tmpdir(), "effect-zk-tls-"))
      trackDir(dir)
      return dir
    },
    catch: (cause) => new TlsMaterialError({ detail: `cannot create a folder under ${tmpdir()}`, cause })
  }),
  (dir) =>
    Effect.sync(() => {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
      untrackDir(dir)
    })
).pipe(Effect.flatMap(generate))
