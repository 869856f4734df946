import { EnsembleTracker } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import { clients } from "./helpers.js"

// What a reconfig does to the tracker is tested against a real ensemble with dynamic
// reconfiguration (packages/platform-node/test/kazoo-client-ensemble.test.ts).
layer(TestCluster.layer({}), { excludeTestServices: true })("EnsembleTracker", (it) => {
  it.scoped("a standalone server's configuration is empty: the host list is left as it is", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const tracker = yield* EnsembleTracker.make(zk)
      yield* Effect.sleep("300 millis")
      expect(yield* tracker.hosts).toEqual(Option.none())
      expect(yield* tracker.version).toEqual(Option.none())
      expect(yield* tracker.lastError).toEqual(Option.none())
      expect(Option.isSome(yield* zk.exists("/"))).toBe(true)
    })
  )
})
