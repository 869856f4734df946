import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option, Stream } from "effect"
import { expect } from "vitest"

const make = (options: Parameters<typeof ZooKeeper.make>[0]) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))
const base = (name: string) => `/failover-${name}-${Date.now()}`

// ZooKeeper 3.5+ read-only servers only admit new sessions as local sessions, so the ensemble
// runs with local sessions enabled (ZooKeeper's own read-only tests do the same).
layer(
  TestCluster.layerEnsemble({
    readOnlyMode: true,
    serverProperties: { localSessionsEnabled: "true", localSessionsUpgradingEnabled: "true" }
  }),
  { excludeTestServices: true }
)("read-only mode on a 3-member ensemble", (it) => {
  it.scoped(
    "read-only: with two members stopped a read_only client reads but cannot write, and returns to read-write by itself",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        yield* cluster.awaitReady()
        const hosts = yield* cluster.connectString()
        const root = base("ro")
        const setup = yield* make({ hosts })
        yield* setup.create(root, { data: "readable" })
        const [keep, ...stopped] = cluster.ids
        const zk = yield* make({
          hosts: yield* cluster.connectString([keep!]),
          readOnly: true,
          sessionTimeout: "6 seconds",
          waitForConnection: false
        })
        yield* Effect.forEach(stopped, (id) => cluster.stop(id), { discard: true })
        const ro = yield* zk.stateChanges.pipe(
          Stream.filter((st) => st.keeperState === "CONNECTED_RO"),
          Stream.runHead,
          Effect.timeout("60 seconds")
        )
        expect(Option.isSome(ro)).toBe(true)
        expect(new TextDecoder().decode((yield* zk.get(root)).data)).toBe("readable")
        const write = yield* Effect.flip(zk.set(root, "nope"))
        expect(write._tag).toBe("NotReadOnlyCallError")
        // back to read-write: the client must find it itself (hosts list all members)
        yield* zk.setHosts(hosts)
        yield* Effect.forEach(stopped, (id) => cluster.start(id, { wait: false }), { discard: true })
        const rw = yield* zk.stateChanges.pipe(
          Stream.filter((st) => st.keeperState === "CONNECTED"),
          Stream.runHead,
          Effect.timeout("60 seconds")
        )
        expect(Option.isSome(rw)).toBe(true)
        yield* zk.retry(zk.set(root, "written"))
        expect(new TextDecoder().decode((yield* zk.get(root)).data)).toBe("written")
        yield* cluster.awaitReady()
        yield* zk.delete(root)
      }),
    150_000
  )

})
