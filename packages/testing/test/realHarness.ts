/**
 * The shared suite's harness for a real ZooKeeper started by test-cluster: clients through the
 * Node layer, a fresh chroot per client (kazoo's harness does the same), a TCP proxy to cut a
 * client off, and kazoo's way to expire a session (a second connection with the same session
 * id and password, then closed).
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TcpProxy, TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option } from "effect"
import type { Harness } from "./shared/index.js"

let counter = 0

const hosts = Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.connectString())

const tcpProxy = TcpProxy.make

/** The harness. */
export const realHarness: Harness<TestCluster.TestCluster> = {
  name: "real",
  hosts,
  client: (options = {}) =>
    Effect.gen(function* () {
      const cs = yield* hosts
      const chroot = `/test-${process.pid}-${Date.now().toString(36)}-${counter++}`
      yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: cs }), (root) => root.ensurePath(chroot))).pipe(
        Effect.provide(NodeZooKeeper.layer)
      )
      return yield* ZooKeeper.make({ hosts: `${cs}${chroot}`, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))
    }),
  rootClient: (options = {}) =>
    Effect.flatMap(hosts, (cs) => ZooKeeper.make({ hosts: cs, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))),
  make: (options) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer)),
  unreachable: (options) => ZooKeeper.make({ hosts: "127.0.0.1:1", ...options }).pipe(Effect.provide(NodeZooKeeper.layer)),
  controlled: (options = {}) =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
      const zk = yield* ZooKeeper.make({ hosts: proxy.hosts, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))
      const expire = Effect.gen(function* () {
        const id = Option.getOrThrow(yield* zk.clientId)
        yield* proxy.cut
        yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: yield* hosts, clientId: id }), (twin) => twin.close)).pipe(
          Effect.provide(NodeZooKeeper.layer),
          Effect.ensuring(proxy.heal)
        )
      })
      return { zk, cut: proxy.cut, heal: proxy.heal, expire }
    }),
  pause: Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.pause(1)),
  resume: Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.resume(1)),
  exclusions: new Map()
}
