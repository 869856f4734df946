/**
 * The ensemble's dynamic configuration (ZooKeeper 3.5+), as `getConfig` and `reconfig` return
 * it: one `server.<id>=` line per member and a `version=` line.
 *
 * ```text
 * server.1=zk1:2888:3888:participant;0.0.0.0:2181
 * server.2=zk2:2888:3888|zk2b:2888:3888;2181
 * server.3=[2001:db8::3]:2888:3888:observer;[2001:db8::3]:2181
 * version=100000002
 * ```
 *
 * The rules are the server's (`QuorumPeer.QuorumServer`): each member has one or more quorum
 * addresses (`host:quorumPort:electionPort`, ZooKeeper 3.6+ joins several with `|`), an optional
 * role (`participant`, the default, or `observer`), and after `;` an optional client address
 * (`port`, or `host:port`; a port alone means every interface). IPv6 hosts are in brackets.
 * {@link clientConnectString} turns it into the servers of a connect string, so that a client
 * can follow a reconfig with `setHosts`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { formatAddress, type ServerAddress } from "./ConnectString.js"
import { decodeUtf8 } from "./internal/jute.js"
import { ProtocolError } from "./ZooKeeperError.js"

/**
 * One quorum address of a member.
 *
 * @since 0.1.0
 * @category models
 */
export interface QuorumAddress {
  /** The host (an IPv6 address without its brackets). */
  readonly host: string
  /** The port the members talk to the leader on. */
  readonly quorumPort: number
  /** The port of leader election. */
  readonly electionPort: number
}

/**
 * One member of the ensemble.
 *
 * @since 0.1.0
 * @category models
 */
export interface Member {
  /** The member's id (`server.<id>`). */
  readonly id: number
  /** Its quorum addresses, at least one. */
  readonly addresses: ReadonlyArray<QuorumAddress>
  /** Whether it votes (`participant`) or only follows (`observer`). */
  readonly role: "participant" | "observer"
  /** Where it accepts clients; undefined when the line names no client port. A host of `0.0.0.0` or `::` means every interface. */
  readonly client: ServerAddress | undefined
}

/**
 * A parsed configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerConfig {
  /** The members, in the order of their lines. */
  readonly members: ReadonlyArray<Member>
  /** The configuration's version (the `version=` line, hexadecimal); undefined when there is none. */
  readonly version: bigint | undefined
}

const bad = (reason: string): ProtocolError => new ProtocolError({ op: "getConfig", reason })

const port = (text: string): number | undefined => {
  if (!/^\d{1,5}$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= 65535 ? n : undefined
}

/** Splits `host:a:b...` (the host may be `[ipv6]`) into the host and the colon-separated rest. */
const hostAndRest = (text: string): { readonly host: string; readonly rest: ReadonlyArray<string> } | undefined => {
  if (text.startsWith("[")) {
    const close = text.indexOf("]")
    if (close < 0 || (close + 1 < text.length && text[close + 1] !== ":")) return undefined
    const host = text.slice(1, close)
    if (host === "") return undefined
    return { host, rest: close + 1 < text.length ? text.slice(close + 2).split(":") : [] }
  }
  const parts = text.split(":")
  const host = parts[0]!
  if (host === "" || /[\s[\]]/.test(host)) return undefined
  return { host, rest: parts.slice(1) }
}

const memberLine = (id: number, value: string, line: string): Member | ProtocolError => {
  const semicolon = value.indexOf(";")
  const quorumPart = semicolon < 0 ? value : value.slice(0, semicolon)
  const clientPart = semicolon < 0 ? undefined : value.slice(semicolon + 1).trim()
  const addresses: Array<QuorumAddress> = []
  let role: Member["role"] | undefined
  for (const piece of quorumPart.split("|")) {
    const parsed = hostAndRest(piece.trim())
    if (parsed === undefined || (parsed.rest.length !== 2 && parsed.rest.length !== 3)) {
      return bad(`"${line}": a quorum address is host:quorumPort:electionPort[:role]`)
    }
    const quorumPort = port(parsed.rest[0]!)
    const electionPort = port(parsed.rest[1]!)
    if (quorumPort === undefined || electionPort === undefined) return bad(`"${line}": a port must be 1-65535`)
    const named = parsed.rest[2]
    if (named !== undefined) {
      const lower = named.toLowerCase()
      if (lower !== "participant" && lower !== "observer") {
        return bad(`"${line}": the role must be participant or observer, not "${named}"`)
      }
      if (role !== undefined && role !== lower) return bad(`"${line}": its addresses name different roles`)
      role = lower
    }
    addresses.push({ host: parsed.host, quorumPort, electionPort })
  }
  let client: ServerAddress | undefined
  if (clientPart !== undefined && clientPart !== "") {
    const onlyPort = port(clientPart)
    if (onlyPort !== undefined) client = { host: "0.0.0.0", port: onlyPort }
    else {
      const parsed = hostAndRest(clientPart)
      const p = parsed?.rest.length === 1 ? port(parsed.rest[0]!) : undefined
      if (parsed === undefined || p === undefined) return bad(`"${line}": the client address is port or host:port`)
      client = { host: parsed.host, port: p }
    }
  }
  return { id, addresses, role: role ?? "participant", client }
}

/**
 * Reads a configuration (the data of `getConfig` or `reconfig`, as bytes or text). Lines other
 * than `server.<id>=` and `version=` are skipped, as the server does; a malformed member line,
 * a repeated id or a malformed version is a ProtocolError naming the line.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseSync = (data: Uint8Array | string): ServerConfig | ProtocolError => {
  const text = typeof data === "string" ? data : decodeUtf8(data, 0, data.length)
  const members: Array<Member> = []
  const ids = new Set<number>()
  let version: bigint | undefined
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    if (eq < 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (key === "version") {
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) return bad(`"${line}": the version is a hexadecimal number`)
      version = BigInt(`0x${value}`)
      continue
    }
    if (!key.startsWith("server.")) continue
    const idText = key.slice("server.".length)
    if (!/^\d{1,19}$/.test(idText) || !Number.isSafeInteger(Number(idText))) return bad(`"${line}": the server id is a number`)
    const id = Number(idText)
    if (ids.has(id)) return bad(`"${line}": server.${id} is named twice`)
    ids.add(id)
    const member = memberLine(id, value, line)
    if (member instanceof ProtocolError) return member
    members.push(member)
  }
  return { members, version }
}

/**
 * {@link parseSync} as an Effect.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (data: Uint8Array | string): Effect.Effect<ServerConfig, ProtocolError> =>
  Effect.suspend(() => {
    const result = parseSync(data)
    return result instanceof ProtocolError ? Effect.fail(result) : Effect.succeed(result)
  })

const isWildcard = (host: string): boolean => host === "0.0.0.0" || host === "::" || host === "0:0:0:0:0:0:0:0"

/**
 * The client addresses of the members, as the servers of a connect string (`host:port,...`,
 * no chroot): a client address on every interface is reached through the member's first quorum
 * host; members without a client address are left out; observers are kept unless
 * `participantsOnly`. Give it to `setHosts` (with the client's chroot appended) to follow a
 * reconfig.
 *
 * @since 0.1.0
 * @category conversions
 */
export const clientConnectString = (config: ServerConfig, options?: { readonly participantsOnly?: boolean }): string =>
  config.members
    .filter((m) => m.client !== undefined && (options?.participantsOnly !== true || m.role === "participant"))
    .map((m) => {
      const client = m.client!
      return formatAddress(isWildcard(client.host) ? { host: m.addresses[0]!.host, port: client.port } : client)
    })
    .join(",")
