/**
 * The recipes' test helpers (packages/recipes/test/helpers.ts) that need a server, on the
 * in-memory one: clients in a fresh chroot, and a client the test can cut off (`proxy.cut` /
 * `proxy.heal`) and whose session it can expire — cut off, session expired, let back, as
 * kazoo's trick does it on a real server. The pure helpers are the recipes' own.
 */
import type { ClientState, ZooKeeper, ZooKeeperConfig } from "@effect-zk/core"
import { Effect, Option } from "effect"
import { hosts as connectString, TestCluster } from "./testCluster.js"

type Client = ZooKeeper.ZooKeeperClient
type ExtraOptions = Partial<ZooKeeperConfig.Options>

let counter = 0

const server = Effect.map(TestCluster.TestCluster, (cluster) => cluster.server)

class WaitTimeout extends Error {
  readonly _tag = "WaitTimeout"
}

const waitUntil = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, millis = 10_000) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: millis, onTimeout: () => new WaitTimeout(`timed out waiting for ${what}`) }))

/** The helpers that replace the recipes' own. */
export const overrides = {
  hosts: Effect.succeed(connectString),
  newChroot: Effect.gen(function* () {
    const chroot = `/recipes-${counter++}`
    yield* Effect.scoped(Effect.flatMap((yield* server).client(), (root) => root.ensurePath(chroot)))
    return chroot
  }),
  client: (options: ExtraOptions & { readonly chroot?: string } = {}) =>
    Effect.gen(function* () {
      const { chroot: given, ...rest } = options
      const chroot = given ?? (yield* overrides.newChroot)
      return yield* (yield* server).client({ ...rest, hosts: `${connectString}${chroot}` })
    }),
  clients: (n: number, options: ExtraOptions = {}) =>
    Effect.gen(function* () {
      const chroot = yield* overrides.newChroot
      const out: Array<Client> = []
      for (let i = 0; i < n; i++) out.push(yield* overrides.client({ ...options, chroot }))
      return out
    }),
  expirableClient: (chroot: string, options: ExtraOptions = {}) =>
    Effect.gen(function* () {
      const memory = yield* server
      const zk = yield* memory.client({ ...options, hosts: `${connectString}${chroot}` })
      const proxy = { hosts: connectString, cut: memory.disconnect(zk), heal: memory.reconnect(zk) }
      const expire = Effect.scoped(
        Effect.gen(function* () {
          const seen: Array<ClientState.KazooState> = []
          yield* zk.listen((s) => {
            seen.push(s.state)
          })
          if (Option.isNone(yield* zk.clientId)) return yield* Effect.fail(new WaitTimeout("the client has no session to expire"))
          yield* proxy.cut
          yield* memory.expireSession(zk)
          yield* proxy.heal
          yield* waitUntil(Effect.sync(() => seen.includes("LOST")), "state LOST", 15_000)
          yield* waitUntil(zk.connected, "reconnection after expiry", 15_000)
        })
      )
      return { zk, proxy, expire }
    })
}
