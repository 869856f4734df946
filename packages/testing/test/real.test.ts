/**
 * The shared suite against a real ZooKeeper (test-cluster, standalone, TTL nodes enabled): the
 * reference the in-memory run (memory.test.ts) must match.
 */
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { realHarness } from "./realHarness.js"
import { sharedSuite } from "./shared/index.js"

layer(TestCluster.layer({ tickTime: 500, extendedTypesEnabled: true }), { excludeTestServices: true })(
  "shared suite against a real ZooKeeper",
  (it) => sharedSuite(it, realHarness)
)
