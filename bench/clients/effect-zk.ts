// bench/clients.ts worker for effect-zk's Effect API (ZooKeeper.make with NodeZooKeeper.layer).
// Pipelining is the Effect way: `inflight` fibers, each running operations back to back.
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { Deferred, Effect } from "effect"
import { bytes, cpuMicros, median, percentile, report, rssMiB, workerEnv } from "./shared.js"

const env = workerEnv()
const { params: p, paths } = env
const CLIENT = "effect-zk"

/** Runs `count` operations from `inflight` fibers. */
const pipeline = <E>(count: number, inflight: number, op: (i: number) => Effect.Effect<unknown, E>): Effect.Effect<void, E> =>
  Effect.suspend(() => {
    let next = 0
    const worker = Effect.whileLoop({ while: () => next < count, body: () => op(next++), step: () => {} })
    return Effect.all(Array.from({ length: Math.min(inflight, count) }, () => worker), {
      concurrency: "unbounded",
      discard: true
    })
  })

/** Wall time (ms) and client CPU (µs) of an effect. */
const timed = <E>(effect: Effect.Effect<unknown, E>) =>
  Effect.gen(function* () {
    const cpu0 = cpuMicros()
    const t0 = performance.now()
    yield* effect
    return { millis: performance.now() - t0, cpu: cpuMicros() - cpu0 }
  })

// BENCH_METRICS=1: with ZooKeeperMetrics recorded (to measure what they cost);
// BENCH_READ_COALESCING=0: without read coalescing (on by default)
const connect = ZooKeeper.make({
  hosts: env.hosts,
  sessionTimeout: "30 seconds",
  metrics: process.env.BENCH_METRICS === "1",
  readCoalescing: process.env.BENCH_READ_COALESCING !== "0"
})

const program = Effect.gen(function* () {
  if (env.workload === "session") {
    const samples: Array<number> = []
    for (let i = 0; i < p.sessions; i++) {
      const t0 = performance.now()
      yield* Effect.scoped(Effect.tap(connect, () => Effect.sync(() => samples.push(performance.now() - t0))))
    }
    return report(CLIENT, "session", { millis: median(samples.slice(p.sessionWarmup)) })
  }
  const zk = yield* connect
  switch (env.workload) {
    case "latency": {
      for (let i = 0; i < p.latencyWarmup; i++) yield* zk.get(paths.small)
      const samples: Array<number> = []
      for (let i = 0; i < p.latencyCount; i++) {
        const t0 = performance.now()
        yield* zk.get(paths.small)
        samples.push((performance.now() - t0) * 1000)
      }
      return report(CLIENT, "latency", { p50Micros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99) })
    }
    case "read": {
      yield* pipeline(p.readWarmup, p.inflight, () => zk.get(paths.small))
      const t = yield* timed(pipeline(p.readTotal, p.inflight, () => zk.get(paths.small)))
      return report(CLIENT, "read", {
        opsPerSecond: (p.readTotal * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / p.readTotal,
        rssMiB: rssMiB()
      })
    }
    case "write": {
      const data = bytes(p.writeSize)
      yield* zk.create(paths.scratch, { data })
      yield* pipeline(p.writeWarmup, p.inflight, () => zk.set(paths.scratch, data))
      const t = yield* timed(pipeline(p.writeTotal, p.inflight, () => zk.set(paths.scratch, data)))
      return report(CLIENT, "write", { opsPerSecond: (p.writeTotal * 1000) / t.millis, cpuMicrosPerOp: t.cpu / p.writeTotal })
    }
    case "createDelete": {
      yield* zk.create(paths.scratch)
      const child = (i: number) => `${paths.scratch}/n${i}`
      const cycle = (n: number, name: (i: number) => string) =>
        Effect.zipRight(
          pipeline(n, p.inflight, (i) => zk.create(name(i))),
          pipeline(n, p.inflight, (i) => zk.delete(name(i)))
        )
      yield* cycle(p.createWarmup, (i) => `${paths.scratch}/w${i}`)
      const t = yield* timed(cycle(p.createCount, child))
      return report(CLIENT, "createDelete", {
        opsPerSecond: (2 * p.createCount * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / (2 * p.createCount)
      })
    }
    case "big": {
      yield* pipeline(p.bigWarmup, p.bigInflight, () => zk.get(paths.big))
      const t = yield* timed(pipeline(p.bigCount, p.bigInflight, () => zk.get(paths.big)))
      return report(CLIENT, "big", {
        mbPerSecond: (p.bigCount * p.bigSize) / 1e6 / (t.millis / 1000),
        cpuMicrosPerOp: t.cpu / p.bigCount
      })
    }
    case "watch": {
      const cycle = Effect.gen(function* () {
        const all = yield* Deferred.make<void>()
        let fired = 0
        const onEvent = () => {
          if (++fired === p.watches) Deferred.unsafeDone(all, Effect.void)
        }
        yield* pipeline(p.watches, p.inflight, (i) => zk.get(paths.watched(i), { watch: onEvent }))
        const data = bytes(8)
        return yield* timed(
          Effect.zipRight(
            pipeline(p.watches, p.inflight, (i) => zk.set(paths.watched(i), data)),
            Deferred.await(all)
          )
        )
      })
      yield* cycle
      return report(CLIENT, "watch", { millis: (yield* cycle).millis })
    }
    case "lock":
      return yield* Effect.die(new Error("the lock workload is bench/clients/effect-zk-lock.ts"))
  }
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(NodeZooKeeper.layer))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
