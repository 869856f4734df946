import { Suite } from "@effect-zk/conformance"
import * as ClusterTls from "@effect-zk/conformance/ClusterTls"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll } from "vitest"

const platform: Suite.Platform = { name: "node", layer: NodeZooKeeper.layer, connect: NodeZooKeeper.connect }

// The same closing line the Bun and Deno runs print (vitest's own summary counts every file).
const counts = { passed: 0, failed: 0 }
afterAll(() => console.log(`node: ${counts.passed} passed, ${counts.failed} failed`))

layer(TestCluster.layer({ tls: true }), { excludeTestServices: true })("conformance suite under Node", (it) => {
  for (const c of Suite.cases) {
    it.scoped(c.name, () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        // the server's own TLS port (Netty), with the cluster's CA and client certificate
        const tls = yield* ClusterTls.endpoint(cluster)
        return yield* c.run({ hosts: yield* cluster.connectString(), platform, tls })
      }).pipe(
        Effect.tapBoth({
          onFailure: () => Effect.sync(() => counts.failed++),
          onSuccess: () => Effect.sync(() => counts.passed++)
        }),
        Effect.onInterrupt(() => Effect.sync(() => counts.failed++))
      )
    )
  }
})
