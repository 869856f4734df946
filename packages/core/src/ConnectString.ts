/**
 * Connect strings: `host1:2181,host2,[::1]:2182,[fe80::1%eth0]:2183/chroot/path`.
 *
 * The rules follow ZooKeeper's `ConnectStringParser`, made stricter where it silently accepts
 * nonsense:
 *
 * - Everything from the first `/` on is the chroot; it must be a valid path (ZooKeeper's path
 *   rules, so no trailing `/`), and a chroot of `/` means none.
 * - Servers are separated by `,`; whitespace around entries, hosts and ports is ignored.
 *   An empty entry (`a,,b`, a trailing comma) is an error, as in kazoo.
 * - The port is optional (default 2181) and must be 1–65535. `host:` with nothing after the
 *   colon is an error (ZooKeeper's Java client quietly uses 2181 for it).
 * - IPv6 addresses must be in brackets: `[::1]:2181`, `[fe80::1%eth0]`. A bare `::1` is an
 *   error: ZooKeeper would read it as host `:` and port 1.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Path from "./Path.js"
import { ConfigurationError } from "./ZooKeeperError.js"

/**
 * One server of the ensemble. `host` is a host name or an IP address; an IPv6 address is kept
 * without its brackets (`::1`, `fe80::1%eth0`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerAddress {
  readonly host: string
  readonly port: number
}

/**
 * A parsed connect string: the servers in the order given, and the chroot (`undefined` when
 * there is none).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectString {
  readonly servers: ReadonlyArray<ServerAddress>
  readonly chroot: string | undefined
}

/**
 * The port used when an entry names none: 2181.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultPort = 2181

const fail = (reason: string): ConfigurationError => new ConfigurationError({ field: "hosts", reason })

// Characters that cannot be part of a host name in a connect string.
const badHostChar = /[\s[\]/@?#%,]/
// An IPv6 address (hex groups, `::`, an embedded IPv4 tail) with an optional zone id.
const ipv6Literal = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.~-]+)?$/
const digits = /^[0-9]+$/

const parsePort = (text: string, entry: string): number | ConfigurationError => {
  const port = text.trim()
  if (port.length === 0) return fail(`empty port after ':' in ${JSON.stringify(entry)}`)
  if (!digits.test(port)) return fail(`port ${JSON.stringify(port)} in ${JSON.stringify(entry)} is not a number`)
  const n = Number(port)
  if (n < 1 || n > 65535) return fail(`port ${port} in ${JSON.stringify(entry)} is not within 1-65535`)
  return n
}

const parseEntry = (entry: string): ServerAddress | ConfigurationError => {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]")
    if (close < 0) return fail(`${JSON.stringify(entry)} opens '[' without a matching ']'`)
    const host = entry.slice(1, close).trim()
    if (!ipv6Literal.test(host)) {
      return fail(`${JSON.stringify(entry)}: brackets are for IPv6 addresses, ${JSON.stringify(host)} is not one`)
    }
    const rest = entry.slice(close + 1).trim()
    if (rest.length === 0) return { host, port: defaultPort }
    if (!rest.startsWith(":")) return fail(`unexpected ${JSON.stringify(rest)} after ']' in ${JSON.stringify(entry)}`)
    const port = parsePort(rest.slice(1), entry)
    return typeof port === "number" ? { host, port } : port
  }
  const colon = entry.indexOf(":")
  if (colon >= 0 && entry.indexOf(":", colon + 1) >= 0) {
    return fail(`${JSON.stringify(entry)} has more than one ':'; write IPv6 addresses in brackets, e.g. [::1]:2181`)
  }
  const host = (colon < 0 ? entry : entry.slice(0, colon)).trim()
  if (host.length === 0) return fail(`${JSON.stringify(entry)} names no host`)
  if (badHostChar.test(host)) return fail(`${JSON.stringify(host)} is not a valid host name`)
  if (colon < 0) return { host, port: defaultPort }
  const port = parsePort(entry.slice(colon + 1), entry)
  return typeof port === "number" ? { host, port } : port
}

/**
 * Parses a connect string synchronously, returning the {@link ConnectString} or the
 * `ConfigurationError` (field `"hosts"`) whose reason names the bad piece.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseSync = (hosts: string): ConnectString | ConfigurationError => {
  const input = hosts.trim()
  const slash = input.indexOf("/")
  const hostPart = slash < 0 ? input : input.slice(0, slash)
  let chroot: string | undefined
  if (slash >= 0) {
    const path = input.slice(slash)
    if (path !== "/") {
      const error = Path.validate(path, { op: "connect", argument: "chroot" })
      if (error !== undefined) return fail(`invalid chroot ${JSON.stringify(path)}: ${error.reason}`)
      chroot = path
    }
  }
  if (hostPart.trim().length === 0) return fail(`no servers in ${JSON.stringify(hosts)}`)
  const entries = hostPart.split(",")
  const servers: Array<ServerAddress> = []
  for (let i = 0; i < entries.length; i++) {
    const entry = (entries[i] ?? "").trim()
    if (entry.length === 0) return fail(`empty server entry at position ${i + 1} of ${JSON.stringify(hostPart)}`)
    const server = parseEntry(entry)
    if (server instanceof ConfigurationError) return server
    servers.push(server)
  }
  return { servers, chroot }
}

/**
 * Parses a connect string, failing with a `ConfigurationError` (field `"hosts"`) whose reason
 * names the bad piece.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (hosts: string): Effect.Effect<ConnectString, ConfigurationError> =>
  Effect.suspend(() => {
    const result = parseSync(hosts)
    return result instanceof ConfigurationError ? Effect.fail(result) : Effect.succeed(result)
  })

/**
 * Formats one server as `host:port`, with brackets around an IPv6 address.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatAddress = (server: ServerAddress): string =>
  server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`

/**
 * Gives the connect string back: `host:port` entries joined by `,`, then the chroot. Ports are
 * always written, so `parse(format(cs))` equals `cs`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (cs: ConnectString): string => cs.servers.map(formatAddress).join(",") + (cs.chroot ?? "")

/**
 * Shuffles the servers with Effect's `Random` service (kazoo's `randomize_hosts`), so that
 * clients spread over the ensemble; deterministic under a seeded `Random`
 * (`Effect.withRandom(Random.make(seed))`).
 *
 * @since 0.1.0
 * @category utils
 */
export const shuffle = <A>(servers: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<A>> =>
  Effect.map(Random.shuffle(servers), Chunk.toReadonlyArray)
