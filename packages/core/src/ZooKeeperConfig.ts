/**
 * Client configuration: plain options, or Effect `Config` (environment variables by
 * default), validated into a resolved form. An invalid value is a `ConfigurationError`
 * naming the field.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ACL } from "./Acl.js"
import * as ConnectString from "./ConnectString.js"
import * as Retry from "./Retry.js"
import { ConfigurationError } from "./ZooKeeperError.js"

/**
 * A credential to authenticate with, e.g. `{ scheme: "digest", credential: "user:pw" }`.
 * The credential is kept `Redacted` so it never prints.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthData {
  readonly scheme: string
  readonly credential: string | Redacted.Redacted<string>
}

/**
 * SASL authentication performed on every connection, right after the handshake and before any
 * other request (as ZooKeeper's Java client does). DIGEST-MD5 is the mechanism of ZooKeeper's
 * `DigestLoginModule` (users listed in the server's JAAS `Server` section); the session then
 * has the identity `sasl:<username>`. A refused password makes the session fail with
 * AuthFailed (AUTH_FAILED, LOST). The password is kept `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaslOptions {
  readonly mechanism: "DIGEST-MD5"
  readonly username: string
  readonly password: string | Redacted.Redacted<string>
}

/**
 * TLS to ZooKeeper's secure client port (`secureClientPort`, Netty). The server's certificate is
 * verified against `ca` (the platform's trusted CAs when absent) and its name against the
 * host (or `serverName`). A client certificate (`cert` + `key`, the key optionally encrypted
 * with `passphrase`) gives the session the `x509` identity of its subject when the server has
 * the X509AuthenticationProvider. `key` and `passphrase` are kept `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the platform's. */
  readonly ca?: string | undefined
  /** PEM client certificate (with `key`). */
  readonly cert?: string | undefined
  /** PEM private key of the client certificate. */
  readonly key?: string | Redacted.Redacted<string> | undefined
  /** Passphrase of an encrypted `key`. */
  readonly passphrase?: string | Redacted.Redacted<string> | undefined
  /** Name to verify the server certificate against (and send as SNI); the host when absent. */
  readonly serverName?: string | undefined
  /** Accepts any server certificate. Dangerous: anyone in the path can impersonate the server. Only for tests. */
  readonly dangerouslySkipVerification?: boolean | undefined
}

/**
 * {@link TlsOptions} validated, secrets `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedTls {
  readonly ca: string | undefined
  readonly cert: string | undefined
  readonly key: Redacted.Redacted<string> | undefined
  readonly passphrase: Redacted.Redacted<string> | undefined
  readonly serverName: string | undefined
  readonly dangerouslySkipVerification: boolean
}

/**
 * A session to resume: its id and password (kazoo's `client_id`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientId {
  readonly sessionId: bigint
  readonly password: Uint8Array
}

/**
 * What requests made while the client is not connected do.
 *
 * - `"wait"`: wait for the connection up to `requestTimeout`, then fail with ConnectionLoss.
 * - `"fail"`: fail at once with ConnectionLoss.
 *
 * @since 0.1.0
 * @category models
 */
export type WhileDisconnected = "wait" | "fail"

/**
 * The client's options. Only `hosts` is required.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Connect string: `host1:2181,[::1]:2182/chroot`. Port 2181 by default. */
  readonly hosts: string
  /** Requested session timeout (the server may negotiate it). Default 10 s. */
  readonly sessionTimeout?: Duration.DurationInput | undefined
  /** Timeout of one connection attempt (TCP connect + handshake). Default: session timeout / number of servers, at least 1 s. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** How long a request made while disconnected waits for the connection. Default: session timeout. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** What requests made while disconnected do. Default `"wait"`. */
  readonly whileDisconnected?: WhileDisconnected | undefined
  /** Resume this session instead of starting a new one. */
  readonly clientId?: ClientId | undefined
  /** ACL for nodes created without one. Default: OPEN_ACL_UNSAFE. */
  readonly defaultAcl?: ReadonlyArray<ACL> | undefined
  /** Credentials sent right after every connection. */
  readonly authData?: ReadonlyArray<AuthData> | undefined
  /** Allow connecting to read-only servers (a server out of quorum). Default false. */
  readonly readOnly?: boolean | undefined
  /**
   * Read coalescing, for heavily pipelined work: when at least `minInFlight` requests (default
   * 128) still await replies after a read, the socket is not read again for `pause` (default
   * 1 ms), so that the next read brings many replies at once. Fewer wake-ups cut the client's
   * CPU per request by about a third against a real server (bench/RESULTS.md, sixth pass), at
   * the cost of up to `pause` more latency for requests that already wait behind a hundred
   * others; work with fewer requests in flight is never delayed. On by default; `false` turns it
   * off. Node's TCP and TLS sockets, Bun's and Deno's (a platform whose sockets cannot pause
   * reads as soon as bytes come).
   */
  readonly readCoalescing?:
    | boolean
    | { readonly minInFlight?: number | undefined; readonly pause?: Duration.DurationInput | undefined }
    | undefined
  /** Try servers in random order. Default true. */
  readonly randomizeHosts?: boolean | undefined
  /**
   * How reconnecting waits (kazoo's `connection_retry`): after each round through the servers
   * the client waits `delay`, growing by `backoff` up to `maxDelay`, with `maxJitter`; after
   * `maxTries` failed rounds in a row (-1: never) it gives up and the session is LOST.
   * Default: 100 ms, ×2, ≤ 5 s, jitter 0.4, forever.
   */
  readonly connectionRetry?: Retry.RetryOptions | undefined
  /** The policy of `client.retry` (kazoo's `command_retry`). Default: kazoo's client default (forever, 100 ms ×2 ≤ 1 h). */
  readonly commandRetry?: Retry.RetryOptions | undefined
  /** Largest frame accepted from the server, in bytes. Default: jute.maxbuffer (0xfffff) plus header slack. */
  readonly maxFrameLength?: number | undefined
  /** Largest node data accepted by create/set, in bytes. Default 0xfffff (ZooKeeper's jute.maxbuffer). */
  readonly maxDataLength?: number | undefined
  /** SASL authentication on every connection (DIGEST-MD5). */
  readonly sasl?: SaslOptions | undefined
  /** Connect over TLS (`true`: verified against the platform's CAs). The servers' ports must be their secure client ports. */
  readonly tls?: boolean | TlsOptions | undefined
  /** Record the metrics of `ZooKeeperMetrics` (operations, durations, state changes). Default false. */
  readonly metrics?: boolean | undefined
}

/**
 * Validated options with every default filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly hosts: string
  readonly servers: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly chroot: string | undefined
  readonly sessionTimeoutMillis: number
  readonly connectTimeoutMillis: number
  readonly requestTimeoutMillis: number
  readonly whileDisconnected: WhileDisconnected
  readonly clientId: ClientId | undefined
  readonly defaultAcl: ReadonlyArray<ACL> | undefined
  readonly authData: ReadonlyArray<{ readonly scheme: string; readonly credential: Redacted.Redacted<string> }>
  readonly readOnly: boolean
  readonly randomizeHosts: boolean
  readonly connectionRetry: Retry.RetryPolicy
  readonly commandRetry: Retry.RetryPolicy
  readonly maxFrameLength: number
  readonly maxDataLength: number
  readonly sasl:
    | { readonly mechanism: "DIGEST-MD5"; readonly username: string; readonly password: Redacted.Redacted<string> }
    | undefined
  readonly tls: ResolvedTls | undefined
  readonly metrics: boolean
  /** Read coalescing, unless turned off: the requests in flight from which a read is followed by a pause, and its length. */
  readonly readCoalescing: { readonly minInFlight: number; readonly pauseMillis: number } | undefined
}

/** jute.maxbuffer, ZooKeeper's default limit of a packet. @since 0.1.0 @category constants */
export const JUTE_MAX_BUFFER = 0xfffff

const millis = (
  field: string,
  value: Duration.DurationInput | undefined,
  fallback: number,
  min: number
): Effect.Effect<number, ConfigurationError> => {
  if (value === undefined) return Effect.succeed(fallback)
  const d = Duration.decodeUnknown(value)
  if (Option.isNone(d) || !Duration.isFinite(d.value)) {
    return Effect.fail(new ConfigurationError({ field, reason: `not a finite duration: ${String(value)}` }))
  }
  const ms = Duration.toMillis(d.value)
  return ms < min
    ? Effect.fail(new ConfigurationError({ field, reason: `must be at least ${min} ms, got ${ms} ms` }))
    : Effect.succeed(ms)
}

const redacted = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  typeof value === "string" ? Redacted.make(value) : value

const isSecret = (value: unknown): value is string | Redacted.Redacted<string> =>
  typeof value === "string" || Redacted.isRedacted(value)

const resolveSasl = (sasl: SaslOptions | undefined): Effect.Effect<Resolved["sasl"], ConfigurationError> => {
  if (sasl === undefined) return Effect.succeed(undefined)
  if (sasl.mechanism !== "DIGEST-MD5") {
    return Effect.fail(
      new ConfigurationError({ field: "sasl.mechanism", reason: `unsupported: ${String(sasl.mechanism)} (supported: "DIGEST-MD5")` })
    )
  }
  if (typeof sasl.username !== "string" || sasl.username.length === 0) {
    return Effect.fail(new ConfigurationError({ field: "sasl.username", reason: "must be a non-empty string" }))
  }
  if (!isSecret(sasl.password)) {
    return Effect.fail(new ConfigurationError({ field: "sasl.password", reason: "must be a string or a Redacted string" }))
  }
  return Effect.succeed({ mechanism: sasl.mechanism, username: sasl.username, password: redacted(sasl.password) })
}

const resolveTls = (tls: boolean | TlsOptions | undefined): Effect.Effect<ResolvedTls | undefined, ConfigurationError> => {
  if (tls === undefined || tls === false) return Effect.succeed(undefined)
  const t: TlsOptions = tls === true ? {} : tls
  const fail = (field: string, reason: string) => Effect.fail(new ConfigurationError({ field: `tls.${field}`, reason }))
  for (const field of ["ca", "cert", "serverName"] as const) {
    const value = t[field]
    if (value !== undefined && typeof value !== "string") return fail(field, "must be a string")
  }
  for (const field of ["key", "passphrase"] as const) {
    const value = t[field]
    if (value !== undefined && !isSecret(value)) return fail(field, "must be a string or a Redacted string")
  }
  if ((t.cert === undefined) !== (t.key === undefined)) return fail(t.cert === undefined ? "cert" : "key", "cert and key go together")
  if (t.passphrase !== undefined && t.key === undefined) return fail("passphrase", "is the passphrase of key, which is missing")
  return Effect.succeed({
    ca: t.ca,
    cert: t.cert,
    key: t.key === undefined ? undefined : redacted(t.key),
    passphrase: t.passphrase === undefined ? undefined : redacted(t.passphrase),
    serverName: t.serverName,
    dangerouslySkipVerification: t.dangerouslySkipVerification === true
  })
}

const positiveInt = (
  field: string,
  value: number | undefined,
  fallback: number
): Effect.Effect<number, ConfigurationError> =>
  value === undefined
    ? Effect.succeed(fallback)
    : Number.isSafeInteger(value) && value > 0
      ? Effect.succeed(value)
      : Effect.fail(new ConfigurationError({ field, reason: `must be a positive integer, got ${value}` }))

/**
 * Validates options and fills in defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options): Effect.Effect<Resolved, ConfigurationError> =>
  Effect.gen(function* () {
    if (typeof options.hosts !== "string") {
      return yield* new ConfigurationError({ field: "hosts", reason: "must be a connect string" })
    }
    const cs = yield* ConnectString.parse(options.hosts)
    const sessionTimeoutMillis = yield* millis("sessionTimeout", options.sessionTimeout, 10_000, 1)
    const connectTimeoutMillis = yield* millis(
      "connectTimeout",
      options.connectTimeout,
      Math.max(1000, Math.floor(sessionTimeoutMillis / Math.max(1, cs.servers.length))),
      1
    )
    const requestTimeoutMillis = yield* millis("requestTimeout", options.requestTimeout, sessionTimeoutMillis, 0)
    const connectionRetry = yield* Retry.make({ maxTries: -1, maxDelay: "5 seconds", ...options.connectionRetry }).pipe(
      Effect.mapError((e) => new ConfigurationError({ field: `connectionRetry.${e.field}`, reason: e.reason }))
    )
    const commandRetry = yield* Retry.make({ maxTries: -1, maxDelay: "1 hour", ...options.commandRetry }).pipe(
      Effect.mapError((e) => new ConfigurationError({ field: `commandRetry.${e.field}`, reason: e.reason }))
    )
    const maxFrameLength = yield* positiveInt("maxFrameLength", options.maxFrameLength, JUTE_MAX_BUFFER + 4096)
    const maxDataLength = yield* positiveInt("maxDataLength", options.maxDataLength, JUTE_MAX_BUFFER)
    const whileDisconnected = options.whileDisconnected ?? "wait"
    if (whileDisconnected !== "wait" && whileDisconnected !== "fail") {
      return yield* new ConfigurationError({ field: "whileDisconnected", reason: `must be "wait" or "fail"` })
    }
    if (options.clientId !== undefined) {
      const { sessionId, password } = options.clientId
      if (typeof sessionId !== "bigint" || !(password instanceof Uint8Array)) {
        return yield* new ConfigurationError({
          field: "clientId",
          reason: "must be { sessionId: bigint, password: Uint8Array }"
        })
      }
    }
    const authData = (options.authData ?? []).map((a) => ({
      scheme: a.scheme,
      credential: typeof a.credential === "string" ? Redacted.make(a.credential) : a.credential
    }))
    for (const a of authData) {
      if (typeof a.scheme !== "string" || a.scheme.length === 0) {
        return yield* new ConfigurationError({ field: "authData", reason: "every entry needs a non-empty scheme" })
      }
    }
    if (options.defaultAcl !== undefined && options.defaultAcl.length === 0) {
      return yield* new ConfigurationError({ field: "defaultAcl", reason: "must not be empty" })
    }
    const sasl = yield* resolveSasl(options.sasl)
    const tls = yield* resolveTls(options.tls)
    const coalescing = options.readCoalescing ?? true
    const readCoalescing =
      coalescing === false
        ? undefined
        : {
            minInFlight: yield* positiveInt(
              "readCoalescing.minInFlight",
              coalescing === true ? undefined : coalescing.minInFlight,
              128
            ),
            pauseMillis: yield* millis("readCoalescing.pause", coalescing === true ? undefined : coalescing.pause, 1, 1)
          }
    return {
      hosts: options.hosts,
      servers: cs.servers,
      chroot: cs.chroot,
      sessionTimeoutMillis,
      connectTimeoutMillis,
      requestTimeoutMillis,
      whileDisconnected,
      clientId: options.clientId,
      defaultAcl: options.defaultAcl,
      authData,
      readOnly: options.readOnly ?? false,
      randomizeHosts: options.randomizeHosts ?? true,
      metrics: options.metrics ?? false,
      connectionRetry,
      commandRetry,
      maxFrameLength,
      maxDataLength,
      sasl,
      tls,
      readCoalescing
    }
  })

const optional = <A>(c: Config.Config<A>): Config.Config<A | undefined> => Config.map(Config.option(c), Option.getOrUndefined)

const invalid = (key: string, message: string) => ConfigError.InvalidData([key], message)

/** A PEM value: the text itself (core reads no files), checked without echoing it (it may be a key). */
const pem = <A extends string | Redacted.Redacted<string>>(c: Config.Config<A>, key: string): Config.Config<A> =>
  Config.mapOrFail(c, (value: A) =>
    (typeof value === "string" ? value : Redacted.value(value)).includes("-----BEGIN ")
      ? Either.right(value)
      : Either.left(
          invalid(key, "expects PEM text (-----BEGIN ...), not a file name: put the file's contents in it, or build the options yourself")
        )
  )

/** `scheme:credential`, e.g. `digest:alice:secret`; the credential stays redacted. */
const authEntry = Config.mapOrFail(Config.redacted("ZK_AUTH"), (value) => {
  const text = Redacted.value(value)
  const colon = text.indexOf(":")
  return colon <= 0 || colon === text.length - 1
    ? Either.left(invalid("ZK_AUTH", "expects scheme:credential, e.g. digest:user:password"))
    : Either.right<AuthData>({ scheme: text.slice(0, colon), credential: Redacted.make(text.slice(colon + 1)) })
})

const saslConfig = Config.all({
  mechanism: Config.literal("DIGEST-MD5")("ZK_SASL_MECHANISM").pipe(Config.withDefault("DIGEST-MD5" as const)),
  username: optional(Config.string("ZK_SASL_USERNAME")),
  password: optional(Config.redacted("ZK_SASL_PASSWORD"))
}).pipe(
  Config.mapOrFail(({ mechanism, password, username }) =>
    username === undefined && password === undefined
      ? Either.right(undefined)
      : username === undefined || password === undefined
        ? Either.left(
            invalid(username === undefined ? "ZK_SASL_USERNAME" : "ZK_SASL_PASSWORD", "is missing (ZK_SASL_USERNAME and ZK_SASL_PASSWORD go together)")
          )
        : Either.right<SaslOptions>({ mechanism, username, password })
  )
)

const tlsConfig = Config.all({
  enabled: optional(Config.boolean("ZK_TLS")),
  ca: optional(pem(Config.string("ZK_TLS_CA"), "ZK_TLS_CA")),
  cert: optional(pem(Config.string("ZK_TLS_CERT"), "ZK_TLS_CERT")),
  key: optional(pem(Config.redacted("ZK_TLS_KEY"), "ZK_TLS_KEY")),
  passphrase: optional(Config.redacted("ZK_TLS_PASSPHRASE")),
  serverName: optional(Config.string("ZK_TLS_SERVER_NAME"))
}).pipe(
  Config.mapOrFail(({ enabled, ...t }): Either.Either<TlsOptions | undefined, ConfigError.ConfigError> => {
    const given = Object.entries(t).filter(([, v]) => v !== undefined)
    if (enabled === false && given.length > 0) {
      const keys = given.map(([k]) => `ZK_TLS_${k === "serverName" ? "SERVER_NAME" : k.toUpperCase()}`).join(", ")
      return Either.left(invalid("ZK_TLS", `is false, but ${keys} ${given.length === 1 ? "is" : "are"} set`))
    }
    if (enabled !== true && given.length === 0) return Either.right(undefined)
    return Either.right(t)
  })
)

/**
 * Options read through Effect's `Config` (environment variables with the default
 * `ConfigProvider`; use another provider to read them from elsewhere). Only `ZK_HOSTS` is
 * required:
 *
 * - `ZK_HOSTS`: the connect string.
 * - `ZK_SESSION_TIMEOUT`, `ZK_CONNECT_TIMEOUT`, `ZK_REQUEST_TIMEOUT`: durations (`"10 seconds"`).
 * - `ZK_WHILE_DISCONNECTED`: `wait` or `fail`. `ZK_READ_ONLY`, `ZK_RANDOMIZE_HOSTS`, `ZK_METRICS`,
 *   `ZK_READ_COALESCING` (default true; see `readCoalescing`): booleans.
 * - `ZK_MAX_DATA_LENGTH`, `ZK_MAX_FRAME_LENGTH`: bytes.
 * - `ZK_AUTH`: one credential as `scheme:credential` (`digest:user:password`), kept redacted.
 * - `ZK_SASL_USERNAME` + `ZK_SASL_PASSWORD` (redacted), `ZK_SASL_MECHANISM` (`DIGEST-MD5`).
 * - `ZK_TLS`: `true` for TLS verified against the platform's CAs; TLS is also on when any of
 *   `ZK_TLS_CA`, `ZK_TLS_CERT`, `ZK_TLS_KEY` (PEM text, not file names; the key redacted),
 *   `ZK_TLS_PASSPHRASE` (redacted) or `ZK_TLS_SERVER_NAME` is set. Skipping certificate
 *   verification cannot be configured this way.
 *
 * A malformed value is a `ConfigError` naming the variable (never echoing a secret); values
 * that parse but are out of range fail later, in `make`, with a `ConfigurationError`.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  hosts: Config.string("ZK_HOSTS"),
  sessionTimeout: optional(Config.duration("ZK_SESSION_TIMEOUT")),
  connectTimeout: optional(Config.duration("ZK_CONNECT_TIMEOUT")),
  requestTimeout: optional(Config.duration("ZK_REQUEST_TIMEOUT")),
  whileDisconnected: optional(Config.literal("wait", "fail")("ZK_WHILE_DISCONNECTED")),
  readOnly: Config.boolean("ZK_READ_ONLY").pipe(Config.withDefault(false)),
  randomizeHosts: Config.boolean("ZK_RANDOMIZE_HOSTS").pipe(Config.withDefault(true)),
  metrics: Config.boolean("ZK_METRICS").pipe(Config.withDefault(false)),
  readCoalescing: Config.boolean("ZK_READ_COALESCING").pipe(Config.withDefault(true)),
  maxDataLength: optional(Config.integer("ZK_MAX_DATA_LENGTH")),
  maxFrameLength: optional(Config.integer("ZK_MAX_FRAME_LENGTH")),
  auth: optional(authEntry),
  sasl: saslConfig,
  tls: tlsConfig
}).pipe(
  Config.map(({ auth, ...c }): Options => ({ ...c, ...(auth === undefined ? {} : { authData: [auth] }) }))
)
