/**
 * Node-side fixture of the conformance suite (not loaded under Bun or Deno): the TLS endpoint of
 * a real ZooKeeper server — a test-cluster started with `tls: true`, whose members serve a Netty
 * secure client port with a certificate from the cluster's own CA and accept a client
 * certificate from it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { TlsEndpoint } from "./Suite.js"

/**
 * What this module needs of a `TestCluster` (so the suite does not depend on test-cluster).
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsCluster {
  readonly tls:
    | {
        readonly ca: string
        readonly cert: string
        readonly key: string
        readonly encryptedKey: string
        readonly keyPassphrase: string
      }
    | undefined
  readonly secureConnectString: (ids?: ReadonlyArray<number>) => Effect.Effect<string, unknown>
}

/**
 * The cluster's first member over TLS: its secure client address, the CA, and a client
 * certificate and its key, plain and encrypted with a passphrase.
 *
 * @since 0.1.0
 * @category constructors
 */
export const endpoint = (cluster: TlsCluster): Effect.Effect<TlsEndpoint, unknown> =>
  Effect.gen(function* () {
    const tls = cluster.tls
    if (tls === undefined) return yield* Effect.dieMessage("the test cluster was started without tls")
    return {
      hosts: yield* cluster.secureConnectString([1]),
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      encryptedKey: tls.encryptedKey,
      passphrase: tls.keyPassphrase
    }
  })
