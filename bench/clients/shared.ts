// What every Node worker of bench/clients.ts shares: the workload list and sizes (read from
// the environment the driver sets), the result line, CPU and time accounting, and the
// workloads themselves written once over two small adapters (callbacks, promises) for the
// clients whose natural style is one of those. The Effect API worker (effect-zk.ts) and the
// wire limit (wire.ts) write theirs directly; kazoo's (kazoo_worker.py) mirrors this file.

/** The workloads, in the order the driver runs them. */
export const workloads = ["session", "latency", "read", "write", "createDelete", "big", "watch", "lock"] as const

/** One workload's name. */
export type WorkloadName = (typeof workloads)[number]

/** Sizes of every workload; the driver passes them as JSON in BENCH_PARAMS. */
export interface Params {
  /** Sequential getData: untimed warm-up calls, then timed calls. */
  readonly latencyWarmup: number
  readonly latencyCount: number
  /** Pipelined getData of a 256-byte node: untimed warm-up, timed total, requests in flight. */
  readonly readWarmup: number
  readonly readTotal: number
  readonly inflight: number
  /** Pipelined setData: warm-up, timed total, data size. */
  readonly writeWarmup: number
  readonly writeTotal: number
  readonly writeSize: number
  /** Creates (then as many deletes), pipelined with `inflight` in flight, after an untimed cycle of `createWarmup`. */
  readonly createWarmup: number
  readonly createCount: number
  /** getData of a big node: warm-up, timed count, in flight, node size. */
  readonly bigWarmup: number
  readonly bigCount: number
  readonly bigInflight: number
  readonly bigSize: number
  /** Sessions opened one after the other, the first `sessionWarmup` untimed. */
  readonly sessionWarmup: number
  readonly sessions: number
  /** One-shot data watches set, then triggered: once untimed, once timed. */
  readonly watches: number
  /** Contending clients, the time bound and the cycle bound of the lock workload. */
  readonly lockClients: number
  readonly lockMillis: number
  /** Untimed contention before the timed part (the lock workload's warm-up). */
  readonly lockWarmupMillis: number
  readonly lockMaxCycles: number
}

/** The issue's sizes. */
export const defaultParams: Params = {
  latencyWarmup: 3000,
  latencyCount: 2000,
  readWarmup: 20_000,
  readTotal: 50_000,
  inflight: 256,
  writeWarmup: 5000,
  writeTotal: 20_000,
  writeSize: 1024,
  createWarmup: 1000,
  createCount: 5000,
  bigWarmup: 100,
  bigCount: 300,
  bigInflight: 16,
  bigSize: 100 * 1024,
  sessionWarmup: 5,
  sessions: 25,
  watches: 1000,
  lockClients: 3,
  lockMillis: 3000,
  lockWarmupMillis: 1000,
  lockMaxCycles: 3000
}

/** Size of the node the read and latency workloads get. */
export const SMALL_SIZE = 256

/** What a worker prints: one `RESULT {json}` line. */
export interface Result {
  readonly client: string
  readonly workload: WorkloadName
  readonly metrics: Readonly<Record<string, number>>
}

/** The fixtures every client uses, under the driver's base path, and this process's scratch path. */
export interface Paths {
  /** 256 bytes. */
  readonly small: string
  /** `bigSize` bytes. */
  readonly big: string
  /** The i-th of `watches` empty nodes. */
  readonly watched: (i: number) => string
  /** A path only this process uses (not created yet). */
  readonly scratch: string
}

/** Names of the fixture nodes under `base`. */
export const pathsOf = (base: string, scratch: string): Paths => ({
  small: `${base}/small`,
  big: `${base}/big`,
  watched: (i) => `${base}/watch/w${String(i).padStart(5, "0")}`,
  scratch
})

/** What the driver tells a worker. */
export interface WorkerEnv {
  readonly hosts: string
  readonly workload: WorkloadName
  readonly params: Params
  readonly paths: Paths
}

/** Reads ZK_HOSTS, BENCH_WORKLOAD, BENCH_PARAMS, BENCH_BASE, BENCH_SCRATCH. */
export const workerEnv = (): WorkerEnv => {
  const need = (name: string): string => {
    const v = process.env[name]
    if (v === undefined || v === "") throw new Error(`${name} is not set (workers are started by bench/clients.ts)`)
    return v
  }
  const workload = need("BENCH_WORKLOAD")
  if (!(workloads as ReadonlyArray<string>).includes(workload)) throw new Error(`unknown workload ${workload}`)
  const given = process.env.BENCH_PARAMS
  const params: Params = { ...defaultParams, ...(given === undefined ? {} : (JSON.parse(given) as Partial<Params>)) }
  // No worker outlives its bound, whatever the client does.
  setTimeout(() => {
    console.error(`worker timed out after ${workerTimeoutMillis} ms`)
    process.exit(3)
  }, workerTimeoutMillis).unref()
  return {
    hosts: need("ZK_HOSTS"),
    workload: workload as WorkloadName,
    params,
    paths: pathsOf(need("BENCH_BASE"), need("BENCH_SCRATCH"))
  }
}

/** A worker exits by itself after this long. */
export const workerTimeoutMillis = 150_000

/** Prints the result line and exits. */
export const report = (client: string, workload: WorkloadName, metrics: Record<string, number>): never => {
  const result: Result = { client, workload, metrics }
  console.log(`RESULT ${JSON.stringify(result)}`)
  process.exit(0)
}

/** The process's CPU time (user + system) so far, in µs. */
export const cpuMicros = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** The process's resident set size, in MiB. */
export const rssMiB = (): number => process.memoryUsage.rss() / (1024 * 1024)

/** The p-th percentile (0..1) of the samples, nearest rank. */
export const percentile = (samples: ReadonlyArray<number>, p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/** The median of the samples. */
export const median = (samples: ReadonlyArray<number>): number => percentile(samples, 0.5)

/** Wall time (ms) and client CPU (µs) of `run`. */
export const timed = async (run: () => Promise<void>): Promise<{ readonly millis: number; readonly cpu: number }> => {
  const cpu0 = cpuMicros()
  const t0 = performance.now()
  await run()
  return { millis: performance.now() - t0, cpu: cpuMicros() - cpu0 }
}

/** Bytes of the given size, not all zero. */
export const bytes = (size: number, seed = 7): Uint8Array => new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff)

// ---------------------------------------------------------------------------------------------
// Workloads over a callback client (node-zookeeper-client, the C binding)
// ---------------------------------------------------------------------------------------------

/** A completion callback: an error, or nothing. */
export type Done = (error?: unknown) => void

/** One session of a callback-style client. */
export interface CallbackSession {
  readonly get: (path: string, done: Done) => void
  /** getData with a one-shot watch; `onEvent` runs when it fires. */
  readonly getWatch: (path: string, onEvent: () => void, done: Done) => void
  readonly set: (path: string, data: Uint8Array, done: Done) => void
  readonly create: (path: string, data: Uint8Array, done: Done) => void
  readonly remove: (path: string, done: Done) => void
  readonly close: () => Promise<void>
}

/** Runs `count` operations with at most `inflight` at once; the first error rejects. */
export const pipelineCallbacks = (count: number, inflight: number, issue: (i: number, done: Done) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    let next = 0
    let finished = 0
    let failed = false
    const done: Done = (error) => {
      if (failed) return
      if (error !== undefined && error !== null) {
        failed = true
        reject(error instanceof Error ? error : new Error(String(error)))
        return
      }
      finished++
      if (finished === count) resolve()
      else if (next < count) issue(next++, done)
    }
    if (count === 0) resolve()
    while (next < Math.min(inflight, count)) issue(next++, done)
  })

const once = (run: (done: Done) => void): Promise<void> => pipelineCallbacks(1, 1, (_, done) => run(done))

/** Runs `env.workload` over a callback client and reports it. */
export const runCallbackWorkload = async (
  client: string,
  env: WorkerEnv,
  open: () => Promise<CallbackSession>
): Promise<never> => {
  const { params: p, paths } = env
  switch (env.workload) {
    case "session": {
      const samples: Array<number> = []
      for (let i = 0; i < p.sessions; i++) {
        const t0 = performance.now()
        const s = await open()
        samples.push(performance.now() - t0)
        await s.close()
      }
      return report(client, "session", { millis: median(samples.slice(p.sessionWarmup)) })
    }
    case "lock":
      throw new Error(`${client} has no lock recipe`)
    default:
  }
  const s = await open()
  switch (env.workload) {
    case "latency": {
      for (let i = 0; i < p.latencyWarmup; i++) await once((d) => s.get(paths.small, d))
      const samples: Array<number> = []
      for (let i = 0; i < p.latencyCount; i++) {
        const t0 = performance.now()
        await once((d) => s.get(paths.small, d))
        samples.push((performance.now() - t0) * 1000)
      }
      return report(client, "latency", { p50Micros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99) })
    }
    case "read": {
      await pipelineCallbacks(p.readWarmup, p.inflight, (_, d) => s.get(paths.small, d))
      const t = await timed(() => pipelineCallbacks(p.readTotal, p.inflight, (_, d) => s.get(paths.small, d)))
      return report(client, "read", {
        opsPerSecond: (p.readTotal * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / p.readTotal,
        rssMiB: rssMiB()
      })
    }
    case "write": {
      const path = paths.scratch
      const data = bytes(p.writeSize)
      await once((d) => s.create(path, data, d))
      await pipelineCallbacks(p.writeWarmup, p.inflight, (_, d) => s.set(path, data, d))
      const t = await timed(() => pipelineCallbacks(p.writeTotal, p.inflight, (_, d) => s.set(path, data, d)))
      return report(client, "write", { opsPerSecond: (p.writeTotal * 1000) / t.millis, cpuMicrosPerOp: t.cpu / p.writeTotal })
    }
    case "createDelete": {
      await once((d) => s.create(paths.scratch, new Uint8Array(0), d))
      const child = (i: number) => `${paths.scratch}/n${i}`
      const empty = new Uint8Array(0)
      const cycle = async (n: number, name: (i: number) => string) => {
        await pipelineCallbacks(n, p.inflight, (i, d) => s.create(name(i), empty, d))
        await pipelineCallbacks(n, p.inflight, (i, d) => s.remove(name(i), d))
      }
      await cycle(p.createWarmup, (i) => `${paths.scratch}/w${i}`)
      const t = await timed(() => cycle(p.createCount, child))
      return report(client, "createDelete", {
        opsPerSecond: (2 * p.createCount * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / (2 * p.createCount)
      })
    }
    case "big": {
      await pipelineCallbacks(p.bigWarmup, p.bigInflight, (_, d) => s.get(paths.big, d))
      const t = await timed(() => pipelineCallbacks(p.bigCount, p.bigInflight, (_, d) => s.get(paths.big, d)))
      return report(client, "big", {
        mbPerSecond: (p.bigCount * p.bigSize) / 1e6 / (t.millis / 1000),
        cpuMicrosPerOp: t.cpu / p.bigCount
      })
    }
    case "watch": {
      const cycle = async () => {
        let fired = 0
        let allFired: () => void = () => {}
        const arrived = new Promise<void>((resolve) => {
          allFired = resolve
        })
        const onEvent = () => {
          if (++fired === p.watches) allFired()
        }
        await pipelineCallbacks(p.watches, p.inflight, (i, d) => s.getWatch(paths.watched(i), onEvent, d))
        const data = bytes(8)
        return timed(async () => {
          await pipelineCallbacks(p.watches, p.inflight, (i, d) => s.set(paths.watched(i), data, d))
          await arrived
        })
      }
      await cycle()
      return report(client, "watch", { millis: (await cycle()).millis })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads over a promise client (effect-zk's promise facade)
// ---------------------------------------------------------------------------------------------

/** One session of a promise-style client. */
export interface PromiseSession {
  readonly get: (path: string) => Promise<unknown>
  readonly getWatch: (path: string, onEvent: () => void) => Promise<unknown>
  readonly set: (path: string, data: Uint8Array) => Promise<unknown>
  readonly create: (path: string, data: Uint8Array) => Promise<unknown>
  readonly remove: (path: string) => Promise<unknown>
  readonly close: () => Promise<void>
}

/** Runs `count` operations from `inflight` async loops. */
export const pipelinePromises = async (count: number, inflight: number, op: (i: number) => Promise<unknown>): Promise<void> => {
  let next = 0
  const loop = async () => {
    while (next < count) await op(next++)
  }
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, loop))
}

/** Runs `env.workload` over a promise client and reports it. */
export const runPromiseWorkload = async (
  client: string,
  env: WorkerEnv,
  open: () => Promise<PromiseSession>
): Promise<never> => {
  const { params: p, paths } = env
  switch (env.workload) {
    case "session": {
      const samples: Array<number> = []
      for (let i = 0; i < p.sessions; i++) {
        const t0 = performance.now()
        const s = await open()
        samples.push(performance.now() - t0)
        await s.close()
      }
      return report(client, "session", { millis: median(samples.slice(p.sessionWarmup)) })
    }
    case "lock":
      throw new Error(`${client}: the lock workload runs on the Effect API`)
    default:
  }
  const s = await open()
  switch (env.workload) {
    case "latency": {
      for (let i = 0; i < p.latencyWarmup; i++) await s.get(paths.small)
      const samples: Array<number> = []
      for (let i = 0; i < p.latencyCount; i++) {
        const t0 = performance.now()
        await s.get(paths.small)
        samples.push((performance.now() - t0) * 1000)
      }
      return report(client, "latency", { p50Micros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99) })
    }
    case "read": {
      await pipelinePromises(p.readWarmup, p.inflight, () => s.get(paths.small))
      const t = await timed(() => pipelinePromises(p.readTotal, p.inflight, () => s.get(paths.small)))
      return report(client, "read", {
        opsPerSecond: (p.readTotal * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / p.readTotal,
        rssMiB: rssMiB()
      })
    }
    case "write": {
      const path = paths.scratch
      const data = bytes(p.writeSize)
      await s.create(path, data)
      await pipelinePromises(p.writeWarmup, p.inflight, () => s.set(path, data))
      const t = await timed(() => pipelinePromises(p.writeTotal, p.inflight, () => s.set(path, data)))
      return report(client, "write", { opsPerSecond: (p.writeTotal * 1000) / t.millis, cpuMicrosPerOp: t.cpu / p.writeTotal })
    }
    case "createDelete": {
      const empty = new Uint8Array(0)
      await s.create(paths.scratch, empty)
      const child = (i: number) => `${paths.scratch}/n${i}`
      const cycle = async (n: number, name: (i: number) => string) => {
        await pipelinePromises(n, p.inflight, (i) => s.create(name(i), empty))
        await pipelinePromises(n, p.inflight, (i) => s.remove(name(i)))
      }
      await cycle(p.createWarmup, (i) => `${paths.scratch}/w${i}`)
      const t = await timed(() => cycle(p.createCount, child))
      return report(client, "createDelete", {
        opsPerSecond: (2 * p.createCount * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / (2 * p.createCount)
      })
    }
    case "big": {
      await pipelinePromises(p.bigWarmup, p.bigInflight, () => s.get(paths.big))
      const t = await timed(() => pipelinePromises(p.bigCount, p.bigInflight, () => s.get(paths.big)))
      return report(client, "big", {
        mbPerSecond: (p.bigCount * p.bigSize) / 1e6 / (t.millis / 1000),
        cpuMicrosPerOp: t.cpu / p.bigCount
      })
    }
    case "watch": {
      const cycle = async () => {
        let fired = 0
        let allFired: () => void = () => {}
        const arrived = new Promise<void>((resolve) => {
          allFired = resolve
        })
        const onEvent = () => {
          if (++fired === p.watches) allFired()
        }
        await pipelinePromises(p.watches, p.inflight, (i) => s.getWatch(paths.watched(i), onEvent))
        const data = bytes(8)
        return timed(async () => {
          await pipelinePromises(p.watches, p.inflight, (i) => s.set(paths.watched(i), data))
          await arrived
        })
      }
      await cycle()
      return report(client, "watch", { millis: (await cycle()).millis })
    }
  }
}
