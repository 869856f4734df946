// ZooKeeperMetrics for the promise facade, whose single requests run without a fiber (the Effect
// API's metrics are checked by the shared suite, packages/testing/test/shared/operations.ts).
import { ZooKeeperMetrics } from "@effect-zk/core"
import { connect } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { expect } from "vitest"
import { hosts } from "./helpers.js"

const count = (op: string, outcome: string) =>
  Effect.map(
    Metric.value(ZooKeeperMetrics.operations.pipe(Metric.tagged("op", op), Metric.tagged("outcome", outcome))),
    (s) => s.count
  )

layer(TestCluster.layer({}), { excludeTestServices: true })("metrics", (it) => {
  it.scoped("the promise facade's calls are counted by outcome when made with metrics: true", () =>
    Effect.gen(function* () {
      const facade = yield* Effect.acquireRelease(
        Effect.flatMap(hosts, (h) => Effect.promise(() => connect({ hosts: h, metrics: true }))),
        (c) => Effect.promise(() => c.close())
      )
      const [getOk, getNoNode, existsOk] = yield* Effect.all([count("get", "ok"), count("get", "NoNodeError"), count("exists", "ok")])
      yield* Effect.promise(() => facade.get("/zookeeper"))
      yield* Effect.promise(() => facade.get("/missing").catch(() => undefined))
      yield* Effect.promise(() => facade.exists("/zookeeper"))
      expect(yield* count("get", "ok")).toBe(getOk + 1)
      expect(yield* count("get", "NoNodeError")).toBe(getNoNode + 1)
      expect(yield* count("exists", "ok")).toBe(existsOk + 1)
    })
  )
})
