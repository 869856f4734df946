/**
 * Four-letter words of the in-memory server, in the formats a ZooKeeper 3.8 standalone server
 * answers them (`ruok`, `srvr`, `stat`, `conf`, `isro`, `envi`, `mntr`, `wchs`, `wchp`, `wchc`,
 * `dump`, `cons`, `crst`, `srst`); numbers that only a network server has (latencies, ports)
 * are fixed. An unknown word gets no answer (an empty string), as the real server closes the
 * connection without writing.
 */
import type { Server } from "./server.js"
import { Conn } from "./sessions.js"

const hex = (n: bigint): string => `0x${n.toString(16)}`

const versionLine = (server: Server): string => `${server.config.version.join(".")}-effect-zk-testing, built on 1970-01-01 00:00 UTC`

const connections = (server: Server) => [...server.sessions.byId.values()].filter((s) => s.conn !== undefined)

const summary = (server: Server): string =>
  [
    "Latency min/avg/max: 0/0.0/0",
    `Received: ${server.received}`,
    `Sent: ${server.received}`,
    `Connections: ${connections(server).length}`,
    "Outstanding: 0",
    `Zxid: ${hex(server.zxid)}`,
    "Mode: standalone",
    `Node count: ${server.tree.nodes.size}`
  ].join("\n") + "\n"

const clientLines = (server: Server): string =>
  connections(server)
    .map((s, i) => ` /${server.config.clientAddress}:${40000 + i}[1](queued=0,recved=0,sent=0,sid=${hex(s.id)})\n`)
    .join("")

/** The data table's watches by path (3.8's wchs/wchp/wchc dump that table only: no children watches). */
const byPath = (server: Server): Map<string, Set<bigint>> => {
  const map = new Map<string, Set<bigint>>()
  for (const entry of server.watches.entries()) {
    if (entry.table !== "data" || !(entry.connection instanceof Conn)) continue
    const set = map.get(entry.path) ?? new Set<bigint>()
    set.add(entry.connection.session.id)
    map.set(entry.path, set)
  }
  return map
}

/** The answer to a four-letter word. */
export const fourLetterWord = (server: Server, word: string): string => {
  const config = server.config
  switch (word) {
    case "ruok":
      return "imok"
    case "isro":
      return "rw"
    case "srvr":
      return `Zookeeper version: ${versionLine(server)}\n${summary(server)}`
    case "stat":
      return `Zookeeper version: ${versionLine(server)}\nClients:\n${clientLines(server)}\n${summary(server)}`
    case "cons":
      return `${clientLines(server)}\n`
    case "conf":
      return [
        "clientPort=2181",
        "secureClientPort=-1",
        `tickTime=${config.tickTime}`,
        "maxClientCnxns=0",
        `minSessionTimeout=${config.minSessionTimeout}`,
        `maxSessionTimeout=${config.maxSessionTimeout}`,
        "clientPortListenBacklog=-1",
        "serverId=0"
      ].join("\n") + "\n"
    case "envi":
      return `Environment:\nzookeeper.version=${versionLine(server)}\nhost.name=localhost\n`
    case "mntr": {
      const watches = server.watches.entries()
      const ephemerals = [...server.tree.ephemerals.values()].reduce((n, set) => n + set.size, 0)
      return [
        ["zk_version", versionLine(server)],
        ["zk_server_state", "standalone"],
        ["zk_ephemerals_count", ephemerals],
        ["zk_num_alive_connections", connections(server).length],
        ["zk_outstanding_requests", 0],
        ["zk_znode_count", server.tree.nodes.size],
        ["zk_watch_count", watches.length],
        ["zk_global_sessions", server.sessions.byId.size]
      ]
        .map(([k, v]) => `${k}\t${v}\n`)
        .join("")
    }
    case "wchs": {
      const paths = byPath(server)
      const watching = new Set([...paths.values()].flatMap((s) => [...s]))
      let total = 0
      for (const set of paths.values()) total += set.size
      return `${watching.size} connections watching ${paths.size} paths\nTotal watches:${total}\n`
    }
    case "wchp":
      return `${[...byPath(server)].map(([path, ids]) => `${path}\n${[...ids].map((id) => `\t${hex(id)}\n`).join("")}`).join("")}\n`
    case "wchc": {
      const bySession = new Map<bigint, Array<string>>()
      for (const [path, ids] of byPath(server)) for (const id of ids) bySession.set(id, [...(bySession.get(id) ?? []), path])
      return `${[...bySession].map(([id, paths]) => `${hex(id)}\n${paths.map((p) => `\t${p}\n`).join("")}`).join("")}\n`
    }
    case "dump": {
      const owners = [...server.tree.ephemerals]
      return (
        `SessionTracker dump:\nGlobal Sessions(${server.sessions.byId.size}):\n` +
        [...server.sessions.byId.values()].map((s) => `${hex(s.id)}\t${s.timeout}ms\n`).join("") +
        `ephemeral nodes dump:\nSessions with Ephemerals (${owners.length}):\n` +
        owners.map(([id, paths]) => `${hex(id)}:\n${[...paths].map((p) => `\t${p}\n`).join("")}`).join("")
      )
    }
    case "crst":
      return "Connection stats reset.\n"
    case "srst":
      return "Server stats reset.\n"
    default:
      return ""
  }
}
