/**
 * What a test cluster looks like: size, server settings, JVM flags, timeouts, backend.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
/**
 * Where the servers run: local Java processes, or Docker containers through testcontainers.
 *
 * @since 0.1.0
 * @category models
 */
export type Backend = "process" | "docker"

/**
 * SASL on the servers: ZooKeeper's DigestLoginModule with these users, in a JAAS `Server`
 * section (`-Djava.security.auth.login.config`), and the SASL auth provider, so clients can
 * authenticate with DIGEST-MD5 and ACLs can name `sasl:<user>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaslServerOptions {
  /** User names and their passwords. Names: letters, digits, `_`, `.`, `-`; passwords: no `"`, `\` or line breaks. */
  readonly users: Readonly<Record<string, string>>
}

/**
 * TLS on the servers: each member also serves a secure client port (Netty), with a server
 * certificate from a CA generated for the cluster (openssl, in a temporary folder), and the
 * x509 auth provider. `TestCluster.tls` holds the CA and a client certificate signed by it.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsServerOptions {
  /** zoo.cfg `ssl.clientAuth`: whether clients must present a certificate. Default `"want"`. */
  readonly clientAuth?: "none" | "want" | "need"
}

/**
 * Options of a test cluster. Every field is optional; the defaults favour fast, quiet tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestClusterOptions {
  /** Number of members. 1 is a standalone server; more is an ensemble. Default 1 (3 for `ensemble`). */
  readonly size?: number
  /** `process` (default) runs local JVMs; `docker` runs the official `zookeeper` image. Default: env `EFFECT_ZK_TEST_CLUSTER`, else `process`. */
  readonly backend?: Backend
  /** zoo.cfg `tickTime` in ms. Default 500 (so sessions may be as short as 1 s). */
  readonly tickTime?: number
  /** zoo.cfg `initLimit`, in ticks. Default 20. */
  readonly initLimit?: number
  /** zoo.cfg `syncLimit`, in ticks. Default 5. */
  readonly syncLimit?: number
  /** zoo.cfg `minSessionTimeout` in ms. Default: ZooKeeper's (2 ticks). */
  readonly minSessionTimeout?: number
  /** zoo.cfg `maxSessionTimeout` in ms. Default 60000. */
  readonly maxSessionTimeout?: number
  /** TTL nodes: `-Dzookeeper.extendedTypesEnabled=true`. Default false. */
  readonly extendedTypesEnabled?: boolean
  /** Read-only mode: `-Dreadonlymode.enabled=true`. Default false. */
  readonly readOnlyMode?: boolean
  /** zoo.cfg `reconfigEnabled`. Default false. */
  readonly reconfigEnabled?: boolean
  /** zoo.cfg `4lw.commands.whitelist`. Default `*`. `ruok`, `srvr` and `conf` are always added: the harness needs them. */
  readonly fourLetterWords?: string
  /** Extra zoo.cfg entries; they win over the harness's own (e.g. `standaloneEnabled`, `secureClientPort`). */
  readonly serverProperties?: Readonly<Record<string, string>>
  /** Extra JVM system properties (`-Dkey=value`). */
  readonly systemProperties?: Readonly<Record<string, string>>
  /** JVM flags. Default a small heap, serial GC and C1 only, for a fast start. */
  readonly jvmFlags?: ReadonlyArray<string>
  /** Bound on starting the cluster (and on each member restart). Default 60 seconds. */
  readonly startTimeout?: Duration.DurationInput
  /** How long a graceful stop (SIGTERM) may take before SIGKILL. Default 5 seconds. */
  readonly stopTimeout?: Duration.DurationInput
  /** Docker image of the `docker` backend. Default `zookeeper:3.9`. */
  readonly image?: string
  /** SASL DIGEST-MD5 users (process backend only). Default none. */
  readonly sasl?: SaslServerOptions
  /** TLS on a secure client port per member, `true` for the defaults (process backend only). Default off. */
  readonly tls?: boolean | TlsServerOptions
  /** Environment used for discovery and backend choice. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
}

/**
 * The environment variable that selects the backend (`process` or `docker`).
 *
 * @since 0.1.0
 * @category constants
 */
export const backendVariable = "EFFECT_ZK_TEST_CLUSTER"

/**
 * The JVM flags used when `jvmFlags` is not given.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultJvmFlags: ReadonlyArray<string> = [
  "-Xmx256m",
  "-Xms32m",
  "-Xss512k",
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
  "-XX:-UsePerfData"
]

/**
 * The Docker image used when `image` is not given.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultImage = "zookeeper:3.9"
