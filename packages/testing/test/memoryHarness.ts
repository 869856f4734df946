/**
 * The shared suite's harness for the in-memory server: one server per run, configured as
 * test-cluster configures its real one (tickTime 500 ms, sessions of 1–60 s, TTL nodes), a
 * fresh chroot per client, and the server's own controls to cut a client off and expire its
 * session.
 */
import { ZooKeeperTest } from "@effect-zk/testing"
import { Effect } from "effect"
import type { Harness } from "./shared/index.js"

/** The server's options: test-cluster's. */
export const serverOptions: ZooKeeperTest.ServerOptions = { tickTime: 500, maxSessionTimeout: 60_000, extendedTypesEnabled: true }

const hosts = "127.0.0.1:2181"
let counter = 0

/** Cases the in-memory server cannot run, and why. */
export const exclusions = new Map<string, string>([
  [
    "a server that stops answering: SUSPENDED within the read timeout, LOST once the session timeout passes, a new session when it answers again",
    "network timing: a stalled server is noticed by the client's read timeout and pings on a socket; the in-memory " +
      "server has neither (its `stop` closes every connection at once, which the session cases cover)"
  ]
])

/** The harness. */
export const memoryHarness: Harness<ZooKeeperTest.TestServer> = {
  name: "memory",
  hosts: Effect.succeed(hosts),
  client: (options = {}) =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.TestServer
      const chroot = `/test-${counter++}`
      yield* Effect.scoped(Effect.flatMap(server.client(), (root) => root.ensurePath(chroot)))
      return yield* server.client({ ...options, hosts: `${hosts}${chroot}` })
    }),
  rootClient: (options = {}) => Effect.flatMap(ZooKeeperTest.TestServer, (server) => server.client(options)),
  make: (options) => Effect.flatMap(ZooKeeperTest.TestServer, (server) => server.client(options)),
  unreachable: (options) =>
    Effect.gen(function* () {
      const down = yield* ZooKeeperTest.makeServer(serverOptions)
      yield* down.stop
      return yield* down.client(options)
    }),
  pause: Effect.dieMessage("the in-memory server cannot stall"),
  resume: Effect.void,
  controlled: (options = {}) =>
    Effect.gen(function* () {
      const server = yield* ZooKeeperTest.TestServer
      const zk = yield* server.client(options)
      // As on a real server: cut off, the session expired meanwhile, let back.
      const expire = Effect.all([server.disconnect(zk), server.expireSession(zk), server.reconnect(zk)], { discard: true })
      return { zk, cut: server.disconnect(zk), heal: server.reconnect(zk), expire }
    }),
  exclusions
}
