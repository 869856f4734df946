import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Stream } from "effect"
import { expect } from "vitest"
import { hosts } from "./helpers.js"

layer(TestCluster.layer({}), { excludeTestServices: true })("authentication failure", (it) => {
  it.scoped("a rejected credential moves KeeperState to AUTH_FAILED and KazooState to LOST", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      const zk = yield* ZooKeeper.make({
        hosts: cs,
        authData: [{ scheme: "no-such-scheme", credential: "whatever" }],
        waitForConnection: false
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      const final = yield* zk.stateChanges.pipe(
        Stream.filter((s) => s.keeperState === "AUTH_FAILED"),
        Stream.runHead,
        Effect.timeout("10 seconds")
      )
      expect(final._tag === "Some" ? final.value : undefined).toEqual({ state: "LOST", keeperState: "AUTH_FAILED" })
      const error = yield* Effect.flip(zk.get("/"))
      expect(error._tag).toBe("AuthFailedError")
    })
  )
})
