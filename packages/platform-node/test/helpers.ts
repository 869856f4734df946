import { Handler, ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TcpProxy, TestCluster } from "@effect-zk/test-cluster"
import { Effect, Layer, type Scope } from "effect"

let counter = 0

/** The cluster's connect string. */
export const hosts = Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.connectString())

/**
 * A client rooted in a fresh chroot, so tests never collide (kazoo's harness does the same).
 * Closed with the scope.
 */
export const client = (
  options: Partial<ZooKeeperConfig.Options> = {}
): Effect.Effect<ZooKeeper.ZooKeeperClient, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.gen(function* () {
    const cs = yield* hosts
    const chroot = `/test-${process.pid}-${Date.now().toString(36)}-${counter++}`
    yield* Effect.scoped(
      Effect.flatMap(ZooKeeper.make({ hosts: cs }), (root) => root.ensurePath(chroot))
    ).pipe(Effect.provide(NodeZooKeeper.layer))
    return yield* ZooKeeper.make({ hosts: `${cs}${chroot}`, ...options }).pipe(Effect.provide(NodeZooKeeper.layer))
  })

/** A client without chroot. */
export const rootClient = (
  options: Partial<ZooKeeperConfig.Options> = {}
): Effect.Effect<ZooKeeper.ZooKeeperClient, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.flatMap(hosts, (cs) => ZooKeeper.make({ hosts: cs, ...options }).pipe(Effect.provide(NodeZooKeeper.layer)))

/** UTF-8 helpers. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A TCP proxy in front of a server port (see @effect-zk/test-cluster's TcpProxy). */
export const tcpProxy = TcpProxy.make

/** The server's first client address. */
export const serverAddress = Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.clientAddress(1))

/**
 * Node's handler, counting the pauses the client asks its sockets for (read coalescing); a
 * socket that cannot pause is left as it is, so nothing is counted for it.
 */
export const countingPauses = () => {
  const pauses: Array<number> = []
  const layer = Layer.effect(
    Handler.ZooKeeperHandler,
    Effect.map(Handler.ZooKeeperHandler, (handler) => ({
      ...handler,
      connector: {
        connect: (options: Handler.ConnectOptions, handlers: Handler.SocketHandlers) =>
          Effect.map(handler.connector.connect(options, handlers), (socket) => {
            const pause = socket.pauseReading
            return pause === undefined
              ? socket
              : {
                  ...socket,
                  pauseReading: (millis: number) => {
                    pauses.push(millis)
                    pause(millis)
                  }
                }
          })
      }
    }))
  ).pipe(Layer.provide(NodeZooKeeper.layer))
  return { pauses, layer }
}
