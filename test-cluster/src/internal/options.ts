// Options with their defaults applied and checked, shared by both backends.
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { InvalidOptionsError } from "../TestClusterError.js"
import {
  type Backend,
  backendVariable,
  defaultImage,
  defaultJvmFlags,
  type TestClusterOptions
} from "../TestClusterOptions.js"

export type Env = Readonly<Record<string, string | undefined>>

export interface Resolved {
  readonly size: number
  readonly backend: Backend
  readonly tickTime: number
  readonly initLimit: number
  readonly syncLimit: number
  readonly minSessionTimeout: number | undefined
  readonly maxSessionTimeout: number
  readonly extendedTypesEnabled: boolean
  readonly readOnlyMode: boolean
  readonly reconfigEnabled: boolean
  readonly fourLetterWords: string
  readonly serverProperties: Readonly<Record<string, string>>
  readonly systemProperties: Readonly<Record<string, string>>
  readonly jvmFlags: ReadonlyArray<string>
  readonly startTimeoutMillis: number
  readonly stopTimeoutMillis: number
  readonly image: string
  readonly env: Env
  /** Members run the quorum protocol (server.N lines), even a single one with standaloneEnabled=false. */
  readonly quorum: boolean
  readonly sasl: { readonly users: Readonly<Record<string, string>> } | undefined
  readonly tls: { readonly clientAuth: "none" | "want" | "need" } | undefined
}

const positiveInt = (option: string, value: number | undefined, fallback: number) =>
  value === undefined
    ? Either.right(fallback)
    : Number.isInteger(value) && value > 0
    ? Either.right(value)
    : Either.left(new InvalidOptionsError({ option, reason: `expected a positive integer, got ${value}` }))

const lineSafe = (option: string, entries: Readonly<Record<string, string>>) => {
  for (const [key, value] of Object.entries(entries)) {
    if (key.length === 0 || /[\s=:]/.test(key)) {
      return Either.left(new InvalidOptionsError({ option, reason: `bad key "${key}"` }))
    }
    if (/[\r\n]/.test(value)) {
      return Either.left(new InvalidOptionsError({ option, reason: `the value of "${key}" spans several lines` }))
    }
  }
  return Either.right(entries)
}

/** The words the harness itself needs (readiness, leader, identity). */
export const harnessWords: ReadonlyArray<string> = ["ruok", "srvr", "conf"]

const withHarnessWords = (whitelist: string): string => {
  const words = whitelist.split(",").map((word) => word.trim()).filter((word) => word !== "")
  if (words.includes("*")) return "*"
  return [...words, ...harnessWords.filter((word) => !words.includes(word))].join(",")
}

const saslUsers = (users: Readonly<Record<string, string>>) => {
  const names = Object.keys(users)
  if (names.length === 0) {
    return Either.left(new InvalidOptionsError({ option: "sasl.users", reason: "name at least one user" }))
  }
  for (const [name, password] of Object.entries(users)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      return Either.left(new InvalidOptionsError({ option: "sasl.users", reason: `bad user name "${name}"` }))
    }
    if (typeof password !== "string" || /["\\\r\n]/.test(password)) {
      return Either.left(
        new InvalidOptionsError({ option: "sasl.users", reason: `the password of "${name}" may not contain ", \\ or line breaks` })
      )
    }
  }
  return Either.right(users)
}

const tlsOptions = (tls: TestClusterOptions["tls"]): Either.Either<Resolved["tls"], InvalidOptionsError> => {
  if (tls === undefined || tls === false) return Either.right(undefined)
  const clientAuth = tls === true ? "want" : tls.clientAuth ?? "want"
  return clientAuth === "none" || clientAuth === "want" || clientAuth === "need"
    ? Either.right({ clientAuth })
    : Either.left(new InvalidOptionsError({ option: "tls.clientAuth", reason: `expected "none", "want" or "need"` }))
}

export const backendFromEnv = (env: Env): Either.Either<Backend, InvalidOptionsError> => {
  const value = env[backendVariable]?.trim().toLowerCase()
  if (value === undefined || value === "" || value === "process" || value === "local") return Either.right("process")
  if (value === "docker" || value === "testcontainers") return Either.right("docker")
  return Either.left(
    new InvalidOptionsError({ option: backendVariable, reason: `expected "process" or "docker", got "${value}"` })
  )
}

export const resolve = (
  options: TestClusterOptions,
  defaultSize: number,
  defaultEnv: Env
): Either.Either<Resolved, InvalidOptionsError> =>
  Either.gen(function*() {
    const env = options.env ?? defaultEnv
    const size = yield* positiveInt("size", options.size, defaultSize)
    if (size > 15) {
      return yield* Either.left(new InvalidOptionsError({ option: "size", reason: `at most 15 members, got ${size}` }))
    }
    const backend = options.backend ?? (yield* backendFromEnv(env))
    const tickTime = yield* positiveInt("tickTime", options.tickTime, 500)
    const initLimit = yield* positiveInt("initLimit", options.initLimit, 20)
    const syncLimit = yield* positiveInt("syncLimit", options.syncLimit, 5)
    const minSessionTimeout = options.minSessionTimeout === undefined
      ? undefined
      : yield* positiveInt("minSessionTimeout", options.minSessionTimeout, 0)
    const maxSessionTimeout = yield* positiveInt("maxSessionTimeout", options.maxSessionTimeout, 60_000)
    const serverProperties = yield* lineSafe("serverProperties", options.serverProperties ?? {})
    const systemProperties = yield* lineSafe("systemProperties", options.systemProperties ?? {})
    const fourLetterWords = withHarnessWords(options.fourLetterWords ?? "*")
    if (/[\r\n]/.test(fourLetterWords)) {
      return yield* Either.left(new InvalidOptionsError({ option: "fourLetterWords", reason: "spans several lines" }))
    }
    const sasl = options.sasl === undefined ? undefined : { users: yield* saslUsers(options.sasl.users) }
    const tls = yield* tlsOptions(options.tls)
    const startTimeoutMillis = Duration.toMillis(Duration.decode(options.startTimeout ?? "60 seconds"))
    const stopTimeoutMillis = Duration.toMillis(Duration.decode(options.stopTimeout ?? "5 seconds"))
    return {
      size,
      backend,
      tickTime,
      initLimit,
      syncLimit,
      minSessionTimeout,
      maxSessionTimeout,
      extendedTypesEnabled: options.extendedTypesEnabled ?? false,
      readOnlyMode: options.readOnlyMode ?? false,
      reconfigEnabled: options.reconfigEnabled ?? false,
      fourLetterWords,
      serverProperties,
      systemProperties,
      jvmFlags: options.jvmFlags ?? defaultJvmFlags,
      startTimeoutMillis,
      stopTimeoutMillis,
      image: options.image ?? defaultImage,
      env,
      quorum: size > 1 || serverProperties["standaloneEnabled"]?.trim() === "false",
      sasl,
      tls
    }
  })

/** zoo.cfg entries common to every member and backend (no dataDir, ports or server lines). */
export const commonConfigEntries = (r: Resolved): ReadonlyArray<readonly [string, string]> => {
  const entries = new Map<string, string>([
    ["tickTime", String(r.tickTime)],
    ["initLimit", String(r.initLimit)],
    ["syncLimit", String(r.syncLimit)],
    ["maxSessionTimeout", String(r.maxSessionTimeout)],
    ["maxClientCnxns", "0"],
    ["4lw.commands.whitelist", r.fourLetterWords],
    ["admin.enableServer", "false"],
    ["reconfigEnabled", String(r.reconfigEnabled)],
    // A test server needs no fsync and no 64 MB preallocated transaction logs.
    ["forceSync", "no"],
    ["preAllocSize", "1024"]
  ])
  if (r.minSessionTimeout !== undefined) entries.set("minSessionTimeout", String(r.minSessionTimeout))
  for (const [key, value] of Object.entries(r.serverProperties)) entries.set(key, value)
  return [...entries.entries()]
}

/** JVM system properties common to every member and backend. */
export const commonSystemProperties = (r: Resolved): ReadonlyArray<readonly [string, string]> => {
  const props = new Map<string, string>([["zookeeper.admin.enableServer", "false"]])
  if (r.extendedTypesEnabled) props.set("zookeeper.extendedTypesEnabled", "true")
  if (r.readOnlyMode) props.set("readonlymode.enabled", "true")
  for (const [key, value] of Object.entries(r.systemProperties)) props.set(key, value)
  return [...props.entries()]
}
