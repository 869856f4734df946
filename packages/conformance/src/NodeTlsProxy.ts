/**
 * Node-side fixture of the conformance suite (not loaded under Bun or Deno): a TLS endpoint in
 * front of a ZooKeeper client port, with the test CA and certificates in `fixtures/tls`
 * (valid until 2126). It requires a client certificate signed by that CA; the server's names
 * are `127.0.0.1` and `localhost`. The runners now use ZooKeeper's own TLS port (see
 * `ClusterTls.ts`); this proxy remains for a server without one, and `toEnv` serves both.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import * as net from "node:net"
import * as tls from "node:tls"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { TlsEndpoint } from "./Suite.js"

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), "utf8")

/**
 * Listens on 127.0.0.1 (a free port) until the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target: { readonly host: string; readonly port: number }): Effect.Effect<TlsEndpoint, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly endpoint: TlsEndpoint; readonly close: () => Promise<void> }>((resume) => {
      const ca = fixture("ca.pem")
      const sockets = new Set<net.Socket>()
      const server = tls.createServer(
        { key: fixture("server-key.pem"), cert: fixture("server.pem"), ca, requestCert: true, rejectUnauthorized: true },
        (down) => {
          const up = net.connect(target.port, target.host)
          sockets.add(down).add(up)
          const end = () => {
            down.destroy()
            up.destroy()
            sockets.delete(down)
            sockets.delete(up)
          }
          down.pipe(up).on("error", end).on("close", end)
          up.pipe(down).on("error", end).on("close", end)
        }
      )
      server.on("tlsClientError", () => {})
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo
        resume(
          Effect.succeed({
            endpoint: { hosts: `127.0.0.1:${port}`, ca, cert: fixture("client.pem"), key: fixture("client-key.pem") },
            close: () =>
              new Promise<void>((done) => {
                for (const s of sockets) s.destroy()
                server.close(() => done())
              })
          })
        )
      })
    }),
    (proxy) => Effect.promise(proxy.close)
  ).pipe(Effect.map((proxy) => proxy.endpoint))

/**
 * The endpoint as environment variables for a Bun or Deno run of the suite.
 *
 * @since 0.1.0
 * @category utils
 */
export const toEnv = (endpoint: TlsEndpoint): Record<string, string> => ({
  ZK_CONFORMANCE_TLS_HOSTS: endpoint.hosts,
  ZK_CONFORMANCE_TLS_CA: endpoint.ca,
  ZK_CONFORMANCE_TLS_CERT: endpoint.cert,
  ZK_CONFORMANCE_TLS_KEY: endpoint.key,
  ...(endpoint.encryptedKey === undefined ? {} : { ZK_CONFORMANCE_TLS_ENCRYPTED_KEY: endpoint.encryptedKey }),
  ...(endpoint.passphrase === undefined ? {} : { ZK_CONFORMANCE_TLS_PASSPHRASE: endpoint.passphrase })
})
