/**
 * The recipes' own test files for locks, semaphores, leases, election, the leader latch, the ensemble tracker, the chaos cases, barriers and the
 * counter, run unchanged on the in-memory server: their helpers and `@effect-zk/test-cluster`
 * are swapped for in-memory ones (see test/recipes/), their assertions are theirs.
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

await import("../../recipes/test/Lock.test.js")
await import("../../recipes/test/Semaphore.test.js")
await import("../../recipes/test/Election.test.js")
await import("../../recipes/test/LeaderLatch.test.js")
await import("../../recipes/test/EnsembleTracker.test.js")
await import("../../recipes/test/chaos.test.js")
await import("../../recipes/test/NonBlockingLease.test.js")
await import("../../recipes/test/Barrier.test.js")
await import("../../recipes/test/Counter.test.js")
await import("../../recipes/test/SharedValue.test.js")
