import { ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, type Scope } from "effect"

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

/**
 * A TCP proxy on 127.0.0.1 in front of a server port, to cut a client off the network:
 * `cut` closes the listener and every proxied connection; `heal` listens again on the same port.
 */
export const tcpProxy = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const net = await import("node:net")
      const sockets = new Set<import("node:net").Socket>()
      let server: import("node:net").Server | undefined
      let port = 0
      const listen = () =>
        new Promise<void>((resolve, reject) => {
          const s = net.createServer((downstream) => {
            const upstream = net.connect(target.port, target.host)
            sockets.add(downstream)
            sockets.add(upstream)
            downstream.pipe(upstream)
            upstream.pipe(downstream)
            const end = () => {
              downstream.destroy()
              upstream.destroy()
              sockets.delete(downstream)
              sockets.delete(upstream)
            }
            downstream.on("error", end).on("close", end)
            upstream.on("error", end).on("close", end)
          })
          s.once("error", reject)
          s.listen(port, "127.0.0.1", () => {
            port = (s.address() as import("node:net").AddressInfo).port
            server = s
            resolve()
          })
        })
      const cut = () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy()
          sockets.clear()
          if (server === undefined) return resolve()
          server.close(() => resolve())
          server = undefined
        })
      await listen()
      return {
        port,
        hosts: `127.0.0.1:${port}`,
        cut: Effect.promise(cut),
        heal: Effect.promise(listen)
      }
    }),
    (proxy) => proxy.cut
  )

/** The server's first client address. */
export const serverAddress = Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.clientAddress(1))
