/**
 * The shared suite against the in-memory server, with the same assertions as real.test.ts.
 */
import { ZooKeeperTest } from "@effect-zk/testing"
import { layer } from "@effect/vitest"
import { memoryHarness, serverOptions } from "./memoryHarness.js"
import { sharedSuite } from "./shared/index.js"

layer(ZooKeeperTest.layerServer(serverOptions), { excludeTestServices: true })(
  "shared suite against the in-memory server",
  (it) => sharedSuite(it, memoryHarness)
)
