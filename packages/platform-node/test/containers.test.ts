import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import { hosts } from "./helpers.js"

const make = (options: Parameters<typeof ZooKeeper.make>[0]) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))

/** Whether each path exists, in order. */
const present = (zk: ZooKeeper.ZooKeeperClient, paths: ReadonlyArray<string>) =>
  Effect.forEach(paths, (p) => Effect.map(zk.exists(p), Option.isSome))

/** Polls until none of `paths` exists (bounded). */
const awaitGone = (zk: ZooKeeper.ZooKeeperClient, paths: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    while ((yield* present(zk, paths)).some((p) => p)) yield* Effect.sleep("50 millis")
  }).pipe(Effect.timeout("15 seconds"))

// The server's container sweep every 100 ms (ZooKeeper's default is a minute), so that a client
// can see which nodes are containers: it cannot read a node's kind.
layer(TestCluster.layer({ systemProperties: { "znode.container.checkIntervalMs": "100" } }), {
  excludeTestServices: true
})("container parents (ZooKeeper 3.5+)", (it) => {
  it.scoped("makepath: 'containers' makes the missing parents containers, which go once emptied; makepath: true keeps them", () =>
    Effect.gen(function* () {
      const zk = yield* make({ hosts: yield* hosts })
      const root = `/containers-${Date.now()}`
      yield* zk.create(root)
      // an existing parent is left as it is; the three missing ones are made containers
      yield* zk.create(`${root}/c/a/b/leaf`, { data: "x", makepath: "containers" })
      yield* zk.create(`${root}/p/a/b/leaf`, { data: "x", makepath: true })
      expect((yield* zk.get(`${root}/c/a/b/leaf`)).data).toEqual(new TextEncoder().encode("x"))
      yield* Effect.sleep("400 millis")
      expect(yield* present(zk, [`${root}/c/a/b`, `${root}/p/a/b`])).toEqual([true, true])
      yield* zk.delete(`${root}/c/a/b/leaf`)
      yield* zk.delete(`${root}/p/a/b/leaf`)
      // each sweep takes the containers left empty by the one before: b, then a, then c
      yield* awaitGone(zk, [`${root}/c/a/b`, `${root}/c/a`, `${root}/c`])
      expect(yield* present(zk, [root, `${root}/p/a/b`, `${root}/p/a`, `${root}/p`])).toEqual([true, true, true, true])
    })
  )

  it.scoped("ensurePath with container: the path and its missing parents are containers", () =>
    Effect.gen(function* () {
      const zk = yield* make({ hosts: yield* hosts })
      const root = `/ensure-${Date.now()}`
      yield* zk.create(root)
      yield* zk.ensurePath(`${root}/x/y`, { container: true })
      yield* zk.ensurePath(`${root}/x/y`, { container: true })
      yield* zk.ensurePath(`${root}/kept/y`)
      // a container that never had a child stays
      yield* Effect.sleep("400 millis")
      expect(yield* present(zk, [`${root}/x/y`])).toEqual([true])
      yield* zk.create(`${root}/x/y/item`)
      yield* zk.create(`${root}/kept/y/item`)
      yield* zk.delete(`${root}/x/y/item`)
      yield* zk.delete(`${root}/kept/y/item`)
      yield* awaitGone(zk, [`${root}/x/y`, `${root}/x`])
      expect(yield* present(zk, [`${root}/kept/y`, `${root}/kept`])).toEqual([true, true])
    })
  )
})
