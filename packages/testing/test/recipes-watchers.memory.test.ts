/**
 * The recipes' own test files for queues (kazoo's and Curator's, and the queue sharder), typed nodes (Modeled), parties, persistent (and TTL) nodes, service discovery, the set partitioner, the
 * data/children watchers and the tree cache, run unchanged on the in-memory server (with GroupMember): their helpers and
 * `@effect-zk/test-cluster` are swapped for in-memory ones (see test/recipes/), their
 * assertions are theirs. The kazoo interop cases cannot run here (kazoo needs a socket).
 */
import { vi } from "vitest"

vi.mock("@effect-zk/test-cluster", () => import("./recipes/testCluster.js"))
vi.mock("../../recipes/test/helpers.js", async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  ...(await import("./recipes/helpers.js")).overrides
}))
vi.mock("@effect/vitest", async (importOriginal) =>
  (await import("./recipes/vitest.js")).wrap(await importOriginal<typeof import("@effect/vitest")>())
)

await import("../../recipes/test/Queue.test.js")
await import("../../recipes/test/LockingQueue.test.js")
await import("../../recipes/test/Party.test.js")
await import("../../recipes/test/PersistentNode.test.js")
await import("../../recipes/test/SetPartitioner.test.js")
await import("../../recipes/test/DataWatch.test.js")
await import("../../recipes/test/ChildrenWatch.test.js")
await import("../../recipes/test/PatientChildrenWatch.test.js")
await import("../../recipes/test/TreeCache.test.js")
await import("../../recipes/test/ServiceDiscovery.test.js")
await import("../../recipes/test/GroupMember.test.js")
await import("../../recipes/test/CuratorQueue.test.js")
await import("../../recipes/test/PersistentTtlNode.test.js")
await import("../../recipes/test/QueueSharder.test.js")
await import("../../recipes/test/Modeled.test.js")
