// TreeCache's initial load: a tree of BENCH_NODES znodes (default 10,000: 100 children of the
// root, each with 99 children, 64 bytes of data each) on one test-cluster ZooKeeper; then, per
// round, a fresh TreeCache from `start` to INITIALIZED (time), and the heap it holds once loaded
// (heapUsed after a full GC, minus the same before the start). Several rounds (BENCH_ROUNDS,
// default 5) after one warm-up; prints the median and the best, and the cache's size.
//
// Run: npx tsx --conditions=effect-zk-source bench/treecache.ts
// ZK_HOSTS uses that server instead of starting one (the tree goes under a fresh path, removed
// at the end).
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TreeCache } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, HashMap } from "effect"

v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void
const heapAfterGc = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

// test-cluster's default JVM flags favour start-up (C1 only); a benchmark wants the server's JIT.
const serverJvmFlags = ["-Xmx512m", "-Xms256m", "-XX:+UseSerialGC", "-XX:-UsePerfData"]

const total = Math.max(2, Number(process.env.BENCH_NODES ?? 10_000) || 10_000)
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5) || 5)
const data = "x".repeat(64)

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const program = Effect.gen(function* () {
  const given = process.env.ZK_HOSTS
  const hosts =
    given !== undefined && given !== ""
      ? given
      : yield* Effect.flatMap(TestCluster.make({ jvmFlags: serverJvmFlags }), (c) => c.connectString())
  const zk = yield* ZooKeeper.make({ hosts }).pipe(Effect.provide(NodeZooKeeper.layer))
  const root = `/bench-treecache-${process.pid}`
  yield* Effect.addFinalizer(() => Effect.ignore(zk.delete(root, { recursive: true })))
  // the tree: root, then `width` children with `width - 1` children each (width² nodes with root)
  const width = Math.ceil(Math.sqrt(total))
  const paths: Array<string> = []
  for (let i = 0; i < width && paths.length < total - 1; i++) {
    const parent = `${root}/p${i}`
    paths.push(parent)
    for (let j = 0; j < width - 1 && paths.length < total - 1; j++) paths.push(`${parent}/c${j}`)
  }
  const created = Date.now()
  yield* zk.create(root, { data })
  yield* Effect.forEach(paths, (p) => zk.create(p, { data }), { concurrency: 512, discard: true })
  const nodes = paths.length + 1
  console.log(
    `TreeCache initial load: ${nodes.toLocaleString("en-US")} znodes of ${data.length} bytes (created in ${Date.now() - created} ms); ZooKeeper at ${hosts}; node ${process.version}`
  )

  const once = Effect.scoped(
    Effect.gen(function* () {
      const before = heapAfterGc()
      const started = performance.now()
      const cache = yield* TreeCache.start(zk, root)
      yield* cache.initialized
      const millis = performance.now() - started
      const size = HashMap.size(yield* cache.snapshot)
      const heap = heapAfterGc() - before
      return { millis, heap, size }
    })
  )
  yield* once // warm-up
  const results: Array<{ millis: number; heap: number; size: number }> = []
  for (let r = 0; r < rounds; r++) results.push(yield* once)
  const times = results.map((r) => r.millis)
  const heaps = results.map((r) => r.heap)
  const size = results[0]!.size
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1)
  console.log(`${"rounds".padEnd(28)} ${rounds} (after one warm-up)`)
  console.log(`${"cached nodes".padEnd(28)} ${size.toLocaleString("en-US")}${size === nodes ? "" : `  (expected ${nodes})`}`)
  console.log(
    `${"start → INITIALIZED".padEnd(28)} median ${median(times).toFixed(0)} ms, best ${Math.min(...times).toFixed(0)} ms  (${Math.round((nodes / median(times)) * 1000).toLocaleString("en-US")} nodes/s)`
  )
  console.log(
    `${"heap held by the cache".padEnd(28)} median ${mib(median(heaps))} MiB, ${Math.round(median(heaps) / nodes)} bytes/node`
  )
  return size === nodes
})

Effect.runPromise(Effect.scoped(program)).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
