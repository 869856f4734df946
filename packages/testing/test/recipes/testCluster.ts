/**
 * What the recipes' test files get for `@effect-zk/test-cluster` when they run on the in-memory
 * server: `TestCluster.layer(options)` starts an in-memory server configured as test-cluster
 * configures a real one, and `TestCluster.TestCluster` gives the parts of a cluster those
 * files use (its connect string, its address, four-letter words).
 */
import { ZooKeeperTest } from "@effect-zk/testing"
import { Context, Effect, Layer } from "effect"

/** The in-memory stand-in for a test cluster. */
export interface MemoryCluster {
  readonly server: ZooKeeperTest.InMemoryServer
  readonly connectString: () => Effect.Effect<string>
  readonly clientAddress: (id?: number) => Effect.Effect<{ readonly host: string; readonly port: number }>
  readonly fourLetterWord: (id: number, word: string) => Effect.Effect<string>
}

const tag = Context.GenericTag<MemoryCluster>("@effect-zk/testing/test/MemoryCluster")

/** The connect string clients of the in-memory server use. */
export const hosts = "127.0.0.1:2181"

/** The module `@effect-zk/test-cluster` as the recipes' tests see it here. */
export const TestCluster = {
  TestCluster: tag,
  layer: (options: { readonly tickTime?: number; readonly extendedTypesEnabled?: boolean } = {}) =>
    Layer.scoped(
      tag,
      Effect.map(
        ZooKeeperTest.makeServer({
          tickTime: options.tickTime ?? 500,
          maxSessionTimeout: 60_000,
          extendedTypesEnabled: options.extendedTypesEnabled ?? false
        }),
        (server): MemoryCluster => ({
          server,
          connectString: () => Effect.succeed(hosts),
          clientAddress: () => Effect.succeed({ host: "127.0.0.1", port: 2181 }),
          fourLetterWord: (_id, word) => server.command(word)
        })
      )
    )
}

/** `@effect-zk/test-cluster`'s TcpProxy: the in-memory server has no socket to put one in front of. */
export const TcpProxy = {
  make: (target: { readonly host: string; readonly port: number }) =>
    Effect.die(
      new Error(`no TCP proxy to ${target.host}:${target.port} in memory: the in-memory server has no socket (cut clients with the server's own controls)`)
    )
}
