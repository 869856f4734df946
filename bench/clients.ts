// Side by side on one local ZooKeeper: effect-zk (Effect API and promise facade),
// node-zookeeper-client, kazoo 2.8, the `zookeeper` C binding, and the wire limit (the raw
// protocol with pre-encoded requests). Each (round, workload, client) runs in a fresh process;
// clients are interleaved round by round (A B C D, A B C D, ...), so a slow moment of this
// shared 2-core machine hits every client alike. Prints medians, ratios against
// node-zookeeper-client and the wire limit, and the issue's targets; writes the latest table to
// bench/RESULTS.md (between its markers) after a full run.
//
// Run: npm run bench (all of it), or npx tsx --conditions=effect-zk-source bench/clients.ts.
//   BENCH_ROUNDS=5          rounds (at least 3 for the table in RESULTS.md)
//   BENCH_ONLY=kazoo,wire   only clients whose id contains one of these
//   BENCH_WORKLOADS=read    only these workloads (comma separated)
//   BENCH_QUICK=1           a tenth of every count, for trying things out
//   BENCH_ZOOKEEPER_C=0     skip the C binding (it is installed and compiled on first use)
//   BENCH_METRICS=1         effect-zk clients record ZooKeeperMetrics (metrics: true)
//   ZK_HOSTS=host:port      use that server instead of starting one through test-cluster
//   BENCH_PIN=0             do not pin the server and the workers to CPUs of their own (see `pinning`)
// Node workers are bundled once with esbuild (plain `node` starts in a fraction of tsx's time,
// and every Node client then runs the same way, with the same loader and RSS baseline).
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option } from "effect"
import { build } from "esbuild"
import { bytes, defaultParams, type Params, pathsOf, type Result, SMALL_SIZE, type WorkloadName, workloads } from "./clients/shared.js"
import { writeResultsPart } from "./results.js"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..")
const cacheDir = join(root, "node_modules", ".cache", "effect-zk-bench")
const ZOOKEEPER_C_VERSION = "7.3.0"
const PROCESS_TIMEOUT_MILLIS = 170_000

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const envList = (name: string): ReadonlyArray<string> | undefined => {
  const v = process.env[name]
  return v === undefined || v.trim() === "" ? undefined : v.split(",").map((s) => s.trim())
}
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5) || 5)
const quick = process.env.BENCH_QUICK === "1"
const onlyClients = envList("BENCH_ONLY")
const onlyWorkloads = envList("BENCH_WORKLOADS")
const params: Params = quick
  ? (Object.fromEntries(
      Object.entries(defaultParams).map(([k, v]) => [
        k,
        ["inflight", "writeSize", "bigSize", "lockClients", "bigInflight"].includes(k) ? v : Math.max(2, Math.round(v / 10))
      ])
    ) as unknown as Params)
  : defaultParams
const fullRun = !quick && onlyClients === undefined && onlyWorkloads === undefined && rounds >= 3

// ---------------------------------------------------------------------------------------------
// CPUs: the server on one, the client under test on another
// ---------------------------------------------------------------------------------------------

/**
 * Where the processes run. With two cores or more, Linux's `taskset` and a server the bench
 * started, the server's JVM (every thread) is pinned to CPU 0 and each worker to CPU 1: client
 * and server each have a core of their own, as they have machines of their own in production.
 * Left to the scheduler, they share both cores, and which thread lands where decides more than
 * the client does: a client that sleeps (read coalescing) or wakes often changes how fast the
 * server beside it answers (bench/RESULTS.md, "Eighth pass"). Every client is measured the same
 * way; a client with threads of its own (the C binding, kazoo) runs them on its one core.
 */
type Pinning = { readonly server: number; readonly worker: number } | { readonly none: string }

const pinning = async (serverPid: number | undefined): Promise<Pinning> => {
  if (process.env.BENCH_PIN === "0") return { none: "BENCH_PIN=0" }
  if (process.platform !== "linux") return { none: `taskset is Linux's (this is ${process.platform})` }
  if (os.availableParallelism() < 2) return { none: "one CPU only" }
  if (serverPid === undefined) return { none: "the server was not started by the bench (ZK_HOSTS)" }
  const pinned = await run({ command: "taskset", args: ["-a", "-p", "-c", "0", String(serverPid)] }, {}, 10_000)
  if (pinned.code !== 0) return { none: `taskset failed (exit ${pinned.code}): ${pinned.stderr.trim().slice(0, 200)}` }
  return { server: 0, worker: 1 }
}

const pinned = (cmd: Command, pin: Pinning): Command =>
  "none" in pin ? cmd : { command: "taskset", args: ["-c", String(pin.worker), cmd.command, ...cmd.args] }

const describePinning = (pin: Pinning): string =>
  "none" in pin
    ? `not pinned to CPUs (${pin.none})`
    : `server pinned to CPU ${pin.server} and each worker to CPU ${pin.worker} (taskset)`

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

interface Command {
  readonly command: string
  readonly args: ReadonlyArray<string>
}

interface Client {
  readonly id: string
  readonly label: string
  /** The command running one workload, or a reason it cannot run. */
  readonly command: (workload: WorkloadName) => Command | { readonly unavailable: string }
}

const nodeWorkers = {
  "wire": "wire.ts",
  "effect-zk": "effect-zk.ts",
  "effect-zk-lock": "effect-zk-lock.ts",
  "effect-zk-promise": "effect-zk-promise.ts",
  "node-zookeeper-client": "node-zookeeper-client.ts",
  "zookeeper-c": "zookeeper-c.ts"
} as const
type NodeWorker = keyof typeof nodeWorkers

/** Bundles each Node worker into one .mjs; a worker that does not build gets its error instead. */
const bundleWorkers = async (): Promise<Record<NodeWorker, string | { readonly unavailable: string }>> => {
  const out = join(cacheDir, "bundles")
  mkdirSync(out, { recursive: true })
  const entries = await Promise.all(
    Object.entries(nodeWorkers).map(async ([name, file]) => {
      const outfile = join(out, `${name}.mjs`)
      try {
        await build({
          entryPoints: [join(here, "clients", file)],
          outfile,
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node20",
          conditions: ["effect-zk-source"],
          logLevel: "silent",
          // CommonJS dependencies (node-zookeeper-client) call require(): give the bundle one.
          banner: { js: 'import { createRequire as __benchRequire } from "node:module"; const require = __benchRequire(import.meta.url);' }
        })
        return [name, outfile] as const
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : String(error)
        return [name, { unavailable: `does not build: ${message}` }] as const
      }
    })
  )
  return Object.fromEntries(entries) as Record<NodeWorker, string | { readonly unavailable: string }>
}

const run = (
  cmd: Command,
  env: Record<string, string>,
  timeoutMillis: number
): Promise<{ readonly code: number; readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      cmd.command,
      cmd.args,
      { cwd: root, env: { ...process.env, ...env }, timeout: timeoutMillis, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 137
        resolve({ code, stdout, stderr })
      }
    )
  })

/** Installs the `zookeeper` package (which compiles the C client it ships) into the cache; its folder, or why not. */
const zookeeperC = async (): Promise<string | { readonly unavailable: string }> => {
  if (process.env.BENCH_ZOOKEEPER_C === "0") return { unavailable: "skipped (BENCH_ZOOKEEPER_C=0)" }
  const dir = join(cacheDir, `zookeeper-c-${ZOOKEEPER_C_VERSION}`)
  const probe: Command = { command: process.execPath, args: ["-e", `require(${JSON.stringify(join(dir, "node_modules", "zookeeper"))})`] }
  if (existsSync(join(dir, "node_modules", "zookeeper")) && (await run(probe, {}, 30_000)).code === 0) return dir
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "effect-zk-bench-zookeeper-c", private: true }))
  console.log(`installing zookeeper@${ZOOKEEPER_C_VERSION} (the C client binding; compiles once, about a minute) ...`)
  const npm = process.platform === "win32" ? "npm.cmd" : "npm"
  const installed = await run(
    { command: npm, args: ["install", "--prefix", dir, "--no-audit", "--no-fund", "--foreground-scripts", `zookeeper@${ZOOKEEPER_C_VERSION}`] },
    {},
    420_000
  )
  if (installed.code !== 0) {
    const tail = `${installed.stdout}\n${installed.stderr}`.trim().split("\n").slice(-6).join(" | ")
    return { unavailable: `npm install zookeeper@${ZOOKEEPER_C_VERSION} failed (exit ${installed.code}): ${tail}` }
  }
  const loaded = await run(probe, {}, 30_000)
  return loaded.code === 0 ? dir : { unavailable: `installed but does not load: ${loaded.stderr.trim().split("\n").slice(-3).join(" | ")}` }
}

const makeClients = (
  bundles: Record<NodeWorker, string | { readonly unavailable: string }>,
  cBinding: string | { readonly unavailable: string }
): ReadonlyArray<Client> => {
  const node = (worker: NodeWorker): Command | { readonly unavailable: string } => {
    const b = bundles[worker]
    return typeof b === "string" ? { command: process.execPath, args: [b] } : b
  }
  const noLock = (label: string) => ({ unavailable: `${label} has no lock recipe` })
  return [
    { id: "wire", label: "wire limit", command: (w) => (w === "lock" ? { unavailable: "n/a (no client)" } : node("wire")) },
    { id: "effect-zk", label: "effect-zk", command: (w) => node(w === "lock" ? "effect-zk-lock" : "effect-zk") },
    {
      id: "effect-zk-promise",
      label: "effect-zk (promise)",
      command: (w) => (w === "lock" ? { unavailable: "the lock is an Effect API recipe" } : node("effect-zk-promise"))
    },
    {
      id: "node-zookeeper-client",
      label: "node-zookeeper-client",
      command: (w) => (w === "lock" ? noLock("node-zookeeper-client") : node("node-zookeeper-client"))
    },
    {
      id: "zookeeper-c",
      label: "zookeeper (C binding)",
      command: (w) => (typeof cBinding !== "string" ? cBinding : w === "lock" ? noLock("the C binding") : node("zookeeper-c"))
    },
    { id: "kazoo", label: "kazoo 2.8", command: () => ({ command: "/usr/bin/python3", args: [join(here, "clients", "kazoo_worker.py")] }) }
  ]
}

// ---------------------------------------------------------------------------------------------
// Metrics and the table
// ---------------------------------------------------------------------------------------------

interface Metric {
  readonly workload: WorkloadName
  readonly key: string
  readonly label: string
  readonly higherIsBetter: boolean
  readonly digits: number
}

const metrics: ReadonlyArray<Metric> = [
  { workload: "session", key: "millis", label: "session set-up (ms)", higherIsBetter: false, digits: 2 },
  { workload: "latency", key: "p50Micros", label: "sequential getData p50 (µs)", higherIsBetter: false, digits: 0 },
  { workload: "latency", key: "p99Micros", label: "sequential getData p99 (µs)", higherIsBetter: false, digits: 0 },
  { workload: "read", key: "opsPerSecond", label: "pipelined getData (ops/s)", higherIsBetter: true, digits: 0 },
  { workload: "read", key: "cpuMicrosPerOp", label: "client CPU per getData (µs)", higherIsBetter: false, digits: 1 },
  { workload: "read", key: "rssMiB", label: "RSS after the reads (MiB)", higherIsBetter: false, digits: 1 },
  { workload: "write", key: "opsPerSecond", label: "pipelined setData 1 KiB (ops/s)", higherIsBetter: true, digits: 0 },
  { workload: "write", key: "cpuMicrosPerOp", label: "client CPU per setData (µs)", higherIsBetter: false, digits: 1 },
  { workload: "createDelete", key: "opsPerSecond", label: "create + delete (ops/s)", higherIsBetter: true, digits: 0 },
  { workload: "createDelete", key: "cpuMicrosPerOp", label: "client CPU per create/delete (µs)", higherIsBetter: false, digits: 1 },
  { workload: "big", key: "mbPerSecond", label: "getData 100 KiB (MB/s)", higherIsBetter: true, digits: 0 },
  { workload: "watch", key: "millis", label: "1,000 watches triggered (ms)", higherIsBetter: false, digits: 1 },
  { workload: "lock", key: "cyclesPerSecond", label: "lock cycles/s, 3 contending clients", higherIsBetter: true, digits: 0 }
]

type Outcome = { readonly metrics: Readonly<Record<string, number>> } | { readonly error: string }
/** outcomes[workload][client] = one entry per round. */
type Outcomes = Map<WorkloadName, Map<string, Array<Outcome>>>

const medianOf = (xs: ReadonlyArray<number>): number | undefined => {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const valuesOf = (outcomes: Outcomes, m: Metric, client: string): ReadonlyArray<number> =>
  (outcomes.get(m.workload)?.get(client) ?? []).flatMap((o) => ("metrics" in o && m.key in o.metrics ? [o.metrics[m.key]!] : []))

const format = (v: number, digits: number): string => v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

const firstError = (outcomes: Outcomes, m: Metric, client: string): string | undefined => {
  for (const o of outcomes.get(m.workload)?.get(client) ?? []) if ("error" in o) return o.error
  return undefined
}

const tables = (clients: ReadonlyArray<Client>, outcomes: Outcomes): string => {
  const header = (title: string) =>
    `| ${title} | ${clients.map((c) => c.label).join(" | ")} |\n| --- | ${clients.map(() => "---:").join(" | ")} |`
  const med = (m: Metric, c: Client) => medianOf(valuesOf(outcomes, m, c.id))
  const cell = (m: Metric, c: Client): string => {
    const v = med(m, c)
    if (v !== undefined) return format(v, m.digits)
    return firstError(outcomes, m, c.id) === undefined ? "—" : "failed"
  }
  const ratio = (m: Metric, c: Client, against: string): string => {
    const v = med(m, c)
    const base = medianOf(valuesOf(outcomes, m, against))
    return v === undefined || base === undefined || base === 0 ? "—" : `${(v / base).toFixed(2)}×`
  }
  const rows = (f: (m: Metric, c: Client) => string) =>
    metrics.map((m) => `| ${m.label} | ${clients.map((c) => f(m, c)).join(" | ")} |`).join("\n")
  return [
    `Medians of ${rounds} rounds:\n`,
    header("workload"),
    rows(cell),
    `\nRatio to node-zookeeper-client (for ops/s and MB/s higher is better; for times, CPU and RSS lower is better):\n`,
    header("÷ node-zookeeper-client"),
    rows((m, c) => ratio(m, c, "node-zookeeper-client")),
    `\nRatio to the wire limit:\n`,
    header("÷ wire limit"),
    rows((m, c) => ratio(m, c, "wire"))
  ].join("\n")
}

const perRound = (clients: ReadonlyArray<Client>, outcomes: Outcomes): string => {
  const lines = [`| round values | ${clients.map((c) => c.label).join(" | ")} |`, `| --- | ${clients.map(() => "---").join(" | ")} |`]
  for (const m of metrics) {
    lines.push(
      `| ${m.label} | ${clients.map((c) => valuesOf(outcomes, m, c.id).map((v) => format(v, m.digits === 0 ? 0 : 1)).join(" / ") || "—").join(" | ")} |`
    )
  }
  return lines.join("\n")
}

/** The issue's targets for one effect-zk client, each with its figure. */
const targets = (outcomes: Outcomes, client: string): string => {
  const get = (w: WorkloadName, key: string, c: string) => {
    const m = metrics.find((x) => x.workload === w && x.key === key)!
    return medianOf(valuesOf(outcomes, m, c))
  }
  // reads/s against the wire limit within the same round
  const readOps = metrics.find((x) => x.workload === "read" && x.key === "opsPerSecond")!
  const ours = outcomes.get("read")?.get(client) ?? []
  const wire = outcomes.get("read")?.get("wire") ?? []
  const sameRound = ours.flatMap((o, i) => {
    const w = wire[i]
    return "metrics" in o && w !== undefined && "metrics" in w ? [o.metrics[readOps.key]! / w.metrics[readOps.key]!] : []
  })
  const check = (label: string, value: number | undefined, base: number | undefined, op: "≤" | "≥", bound: number) => {
    if (value === undefined || base === undefined) return `| ${label} | — | not measured |`
    const r = value / base
    const met = op === "≤" ? r <= bound : r >= bound
    return `| ${label} | ${r.toFixed(2)}× (${op} ${bound}×) | ${met ? "met" : "**missed**"} |`
  }
  const sr = medianOf(sameRound)
  return [
    `| ${client}: target | ratio | |`,
    "| --- | --- | --- |",
    check("CPU per pipelined read vs the wire limit", get("read", "cpuMicrosPerOp", client), get("read", "cpuMicrosPerOp", "wire"), "≤", 1.25),
    check(
      "CPU per pipelined read vs node-zookeeper-client",
      get("read", "cpuMicrosPerOp", client),
      get("read", "cpuMicrosPerOp", "node-zookeeper-client"),
      "≤",
      0.5
    ),
    check("reads/s vs the wire limit (same round, median)", sr, sr === undefined ? undefined : 1, "≥", 0.95),
    check("sequential p50 vs the wire limit", get("latency", "p50Micros", client), get("latency", "p50Micros", "wire"), "≤", 1.1),
    check("RSS after reads vs node-zookeeper-client", get("read", "rssMiB", client), get("read", "rssMiB", "node-zookeeper-client"), "≤", 1)
  ].join("\n")
}

const cpuModel = (): string => {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"))
    return line === undefined ? os.cpus()[0]?.model ?? "unknown" : line.slice(line.indexOf(":") + 1).trim()
  } catch {
    return os.cpus()[0]?.model ?? "unknown"
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

const fixtures = (hosts: string, base: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const zk = yield* ZooKeeper.make({ hosts })
      const paths = pathsOf(base, base)
      yield* zk.create(base)
      yield* zk.create(paths.small, { data: bytes(SMALL_SIZE) })
      yield* zk.create(paths.big, { data: bytes(params.bigSize, 11) })
      yield* zk.create(`${base}/watch`)
      yield* Effect.forEach(
        Array.from({ length: params.watches }, (_, i) => i),
        (i) => zk.create(paths.watched(i)),
        { concurrency: 64, discard: true }
      )
      return (yield* zk.serverVersion).join(".")
    })
  ).pipe(Effect.provide(NodeZooKeeper.layer))

const removeFixtures = (hosts: string, base: string) =>
  Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts }), (zk) => zk.delete(base, { recursive: true }))).pipe(
    Effect.provide(NodeZooKeeper.layer),
    Effect.ignore
  )

const measure = (hosts: string, clients: ReadonlyArray<Client>, base: string, cDir: string | undefined, pin: Pinning) =>
  Effect.promise(async () => {
    const outcomes: Outcomes = new Map()
    const chosen = workloads.filter((w) => onlyWorkloads === undefined || onlyWorkloads.includes(w))
    for (let round = 1; round <= rounds; round++) {
      const started = performance.now()
      for (const workload of chosen) {
        for (const client of clients) {
          const cmd = client.command(workload)
          const byClient = outcomes.get(workload) ?? new Map<string, Array<Outcome>>()
          outcomes.set(workload, byClient)
          const list = byClient.get(client.id) ?? []
          byClient.set(client.id, list)
          if ("unavailable" in cmd) continue
          const env: Record<string, string> = {
            ZK_HOSTS: hosts,
            BENCH_WORKLOAD: workload,
            BENCH_PARAMS: JSON.stringify(params),
            BENCH_BASE: base,
            BENCH_SCRATCH: `${base}/s-${client.id}-${workload}-${round}`,
            ...(cDir === undefined ? {} : { BENCH_ZOOKEEPER_C_DIR: join(cDir, "node_modules", "zookeeper") })
          }
          const done = await run(pinned(cmd, pin), env, PROCESS_TIMEOUT_MILLIS)
          const line = done.stdout.split("\n").find((l) => l.startsWith("RESULT "))
          if (done.code !== 0 || line === undefined) {
            const why = `exit ${done.code}: ${(done.stderr || done.stdout).trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`
            list.push({ error: why })
            console.log(`  round ${round} ${workload.padEnd(12)} ${client.label.padEnd(22)} failed: ${why}`)
          } else {
            const result = JSON.parse(line.slice("RESULT ".length)) as Result
            list.push({ metrics: result.metrics })
            const shown = Object.entries(result.metrics)
              .map(([k, v]) => `${k}=${format(v, v < 100 ? 1 : 0)}`)
              .join(" ")
            console.log(`  round ${round} ${workload.padEnd(12)} ${client.label.padEnd(22)} ${shown}`)
          }
        }
      }
      console.log(`round ${round} took ${((performance.now() - started) / 1000).toFixed(0)} s`)
    }
    return outcomes
  })

// test-cluster's default JVM flags favour start-up (C1 only, a small heap); the benchmark's
// server gets the full JIT, as a production server has, or its own speed sets every client's
// pace (the same flags as bench/runtimes.ts).
const serverJvmFlags = ["-Xmx512m", "-Xms256m", "-XX:+UseSerialGC", "-XX:-UsePerfData"]

const program = Effect.gen(function* () {
  const startedAt = new Date()
  const given = process.env.ZK_HOSTS
  const cluster = given !== undefined && given !== "" ? undefined : yield* TestCluster.make({ jvmFlags: serverJvmFlags })
  const hosts = cluster === undefined ? given! : yield* cluster.connectString()
  const serverPid = cluster === undefined ? undefined : Option.getOrUndefined((yield* cluster.members)[0]!.pid)
  const pin = yield* Effect.promise(() => pinning(serverPid))
  const [bundles, cBinding] = yield* Effect.promise(() => Promise.all([bundleWorkers(), zookeeperC()]))
  const clients = makeClients(bundles, cBinding).filter(
    (c) => onlyClients === undefined || onlyClients.some((o) => c.id.includes(o))
  )
  const base = `/effect-zk-bench-${Date.now().toString(36)}`
  const serverVersion = yield* fixtures(hosts, base)
  const load0 = os.loadavg()
  const kazooVersion = (
    yield* Effect.promise(() =>
      run({ command: "/usr/bin/python3", args: ["-c", "import kazoo.version, sys; print(kazoo.version.__version__, sys.version.split()[0])"] }, {}, 30_000)
    )
  ).stdout.trim()
  console.log(
    `effect-zk vs other clients on ZooKeeper ${serverVersion} at ${hosts}; ${rounds} rounds, node ${process.version}, ${os.cpus().length} cores; ${describePinning(pin)}`
  )
  for (const c of clients) {
    const why = workloads.map((w) => c.command(w)).find((x): x is { readonly unavailable: string } => "unavailable" in x && !x.unavailable.startsWith("n/a") && !x.unavailable.includes("lock"))
    if (why !== undefined) console.log(`  ${c.label}: unavailable: ${why.unavailable}`)
  }
  const outcomes = yield* measure(hosts, clients, base, typeof cBinding === "string" ? cBinding : undefined, pin).pipe(
    Effect.ensuring(removeFixtures(hosts, base))
  )
  const load1 = os.loadavg()
  const table = tables(clients, outcomes)
  const goals = ["effect-zk", "effect-zk-promise"]
    .filter((c) => clients.some((x) => x.id === c))
    .map((c) => targets(outcomes, c))
    .join("\n\n")
  console.log(`\n${table}\n\nPer round:\n\n${perRound(clients, outcomes)}\n\nTargets:\n\n${goals}`)
  const unavailable = clients.flatMap((c) => {
    const u = workloads.map((w) => c.command(w)).find((x): x is { readonly unavailable: string } => "unavailable" in x && !x.unavailable.startsWith("n/a"))
    return u === undefined ? [] : [`- ${c.label}: ${u.unavailable}`]
  })
  if (fullRun) {
    const machine = [
      `- Machine: ${os.cpus().length} cores, ${cpuModel()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
      `- Node ${process.version}; Python ${kazooVersion.split(" ")[1] ?? "?"} with kazoo ${kazooVersion.split(" ")[0] ?? "?"}; ZooKeeper ${serverVersion} ${given !== undefined && given !== "" ? `at ${given} (ZK_HOSTS; not started by the bench)` : `(test-cluster, standalone, 127.0.0.1; JVM flags ${serverJvmFlags.join(" ")})`}`,
      `- CPUs: ${describePinning(pin)}`,
      `- Run: ${startedAt.toISOString()}, ${rounds} rounds; load average (1 min) ${load0[0]!.toFixed(2)} before, ${load1[0]!.toFixed(2)} after`,
      `- Sizes: ${JSON.stringify(params)}`
    ].join("\n")
    writeResultsPart(
      START,
      END,
      [
        machine,
        unavailable.length === 0 ? "" : `\nNot measured:\n\n${unavailable.join("\n")}`,
        `\n${table}`,
        `\nPer round (round 1 / 2 / ...):\n\n${perRound(clients, outcomes)}`,
        `\nTargets:\n\n${goals}`
      ].join("\n")
    )
    console.log(`\nwrote bench/RESULTS.md`)
  }
  return [...outcomes.values()].every((byClient) => [...byClient.values()].every((list) => list.every((o) => "metrics" in o)))
})

const START = "<!-- bench/clients.ts writes between these markers -->"
const END = "<!-- end of the generated part -->"

Effect.runPromise(Effect.scoped(program)).then(
  (allRan) => process.exit(allRan ? 0 : 1),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
