import { CuratorQueue, QueueSharder } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Data, Effect, Exit, Scope } from "effect"
import { expect } from "vitest"
import { childrenOf, clients, tagOf, waitUntil } from "./helpers.js"

type Client = Parameters<typeof CuratorQueue.distributed>[0]

/** A sharder over Curator distributed queues, checked only when the test asks (a long interval). */
const sharder = (zk: Client, options: QueueSharder.QueueSharderOptions = {}) =>
  QueueSharder.make(zk, "/jobs", "/jobs-leader", (path) => CuratorQueue.distributed(zk, path), {
    newQueueThreshold: 4,
    maxQueues: 3,
    thresholdCheck: "1 hour",
    ...options
  })

const fill = (queue: CuratorQueue.DistributedQueue, n: number) =>
  Effect.forEach(Array.from({ length: n }, (_, i) => `item-${i}`), (item) => queue.put(item), { discard: true })

class AllocateFailed extends Data.TaggedError("AllocateFailed")<{ readonly path: string }> {}

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("QueueSharder", (it) => {
  it.scoped("the first shard is made at the start; the leader adds one when a shard is full, up to maxQueues", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const sa = yield* sharder(a)
      yield* waitUntil(sa.isLeader, "a to lead")
      const first = [...(yield* sa.shards).keys()]
      expect(first).toHaveLength(1)
      expect(first[0]).toMatch(/^\/jobs\/queue-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(yield* childrenOf(a, "/jobs")).toEqual([first[0]!.slice("/jobs/".length)])
      // a second process takes the shard that is there, and makes none
      const sb = yield* sharder(b)
      expect([...(yield* sb.shards).keys()]).toEqual(first)
      expect(yield* sb.isLeader).toBe(false)

      // below the threshold nothing changes
      yield* fill(yield* sa.queue, 3)
      yield* sa.check
      expect((yield* sa.shards).size).toBe(1)
      // at the threshold: the full shard is no longer preferred and a new one is made
      yield* fill(yield* sa.queue, 1)
      yield* sa.check
      const two = yield* sa.shards
      expect(two.size).toBe(2)
      const second = [...two.keys()].find((p) => p !== first[0])!
      expect(yield* sa.preferred).toEqual([second])
      for (let i = 0; i < 10; i++) expect((yield* sa.queue).path).toBe(second)
      // the other process takes the new shard in by its children watch, before any check
      yield* waitUntil(Effect.map(sb.shards, (s) => s.size === 2), "b to see the second shard")

      // the non-leader does not add shards, even with every shard full
      yield* fill(two.get(second)!, 4)
      yield* sb.check
      expect((yield* sb.shards).size).toBe(2)
      expect(yield* sb.preferred).toEqual([])
      // with no shard preferred, any shard is used
      const picked = new Set<string>()
      for (let i = 0; i < 40; i++) picked.add((yield* sb.queue).path)
      expect([...picked].sort()).toEqual([...two.keys()].sort())

      // the leader adds the third, then stops at maxQueues (3)
      yield* sa.check
      expect((yield* sa.shards).size).toBe(3)
      const third = (yield* sa.preferred)[0]!
      yield* fill((yield* sa.shards).get(third)!, 4)
      yield* sa.check
      expect((yield* sa.shards).size).toBe(3)
      expect(yield* childrenOf(a, "/jobs")).toHaveLength(3)

      // a shard drained to half the threshold is preferred again (not before)
      const firstQueue = (yield* sa.shards).get(first[0]!)!
      yield* firstQueue.take
      yield* sa.check
      expect(yield* sa.preferred).toEqual([])
      yield* firstQueue.take
      yield* sa.check
      expect(yield* sa.preferred).toEqual([first[0]])
    })
  )

  it.scoped("leadership moves: when the leader's scope closes, the other adds the shards", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scopeA = yield* Scope.make()
      const sa = yield* Scope.extend(sharder(a), scopeA)
      yield* waitUntil(sa.isLeader, "a to lead")
      const sb = yield* sharder(b)
      yield* fill(yield* sb.queue, 4)
      yield* sb.check
      expect((yield* sb.shards).size).toBe(1)
      yield* Scope.close(scopeA, Exit.void)
      yield* waitUntil(sb.isLeader, "b to lead")
      yield* sb.check
      expect((yield* sb.shards).size).toBe(2)
      expect(yield* childrenOf(b, "/jobs")).toHaveLength(2)
    })
  )

  it.scoped("the periodic check adds a shard by itself, and no more while a shard has room", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const sa = yield* sharder(a, { thresholdCheck: "100 millis", newQueueThreshold: 2 })
      yield* waitUntil(sa.isLeader, "a to lead")
      yield* fill(yield* sa.queue, 2)
      yield* waitUntil(Effect.map(sa.shards, (s) => s.size === 2), "a second shard")
      // the first shard stays full, but the new one has room: no third shard at later checks
      yield* Effect.sleep("500 millis")
      expect((yield* sa.shards).size).toBe(2)
      expect(yield* childrenOf(a, "/jobs")).toHaveLength(2)
    })
  )

  it.scoped("bad arguments are refused with InvalidArgumentError; a failing allocate fails make", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const alloc = (path: string) => CuratorQueue.distributed(a, path)
      const refused = (e: Effect.Effect<unknown, unknown, Scope.Scope>) =>
        Effect.map(Effect.exit(Effect.scoped(e)), (exit) => tagOf(exit))
      expect(yield* refused(QueueSharder.make(a, "jobs", "/leader", alloc))).toBe("InvalidArgumentError")
      expect(yield* refused(QueueSharder.make(a, "/jobs", "/jobs/leader", alloc))).toBe("InvalidArgumentError")
      expect(yield* refused(QueueSharder.make(a, "/jobs", "/jobs", alloc))).toBe("InvalidArgumentError")
      expect(yield* refused(QueueSharder.make(a, "/jobs", "/leader", alloc, { newQueueThreshold: 0 }))).toBe(
        "InvalidArgumentError"
      )
      expect(yield* refused(QueueSharder.make(a, "/jobs", "/leader", alloc, { maxQueues: 1.5 }))).toBe(
        "InvalidArgumentError"
      )
      expect(yield* refused(QueueSharder.make(a, "/jobs", "/leader", alloc, { thresholdCheck: 0 }))).toBe(
        "InvalidArgumentError"
      )
      // nothing was created by the refused calls
      expect(yield* childrenOf(a, "/")).toEqual([])
      const failing = QueueSharder.make(a, "/jobs", "/leader", (path) => Effect.fail(new AllocateFailed({ path })))
      expect(yield* refused(failing)).toBe("AllocateFailed")
    })
  )

  it.scoped("the shards live in the sharder's scope: a scoped allocate's finalizer runs when it closes", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const closed: Array<string> = []
      const scope = yield* Scope.make()
      const sa = yield* Scope.extend(
        QueueSharder.make(
          a,
          "/jobs",
          "/jobs-leader",
          (path) =>
            Effect.acquireRelease(CuratorQueue.distributed(a, path), () => Effect.sync(() => closed.push(path))),
          { newQueueThreshold: 1, thresholdCheck: "1 hour" }
        ),
        scope
      )
      yield* waitUntil(sa.isLeader, "a to lead")
      yield* fill(yield* sa.queue, 1)
      yield* sa.check
      const paths = [...(yield* sa.shards).keys()].sort()
      expect(paths).toHaveLength(2)
      expect(closed).toEqual([])
      yield* Scope.close(scope, Exit.void)
      expect([...closed].sort()).toEqual(paths)
    })
  )
})
