// Pipelined reads under each runtime's layer, side by side: one test-cluster ZooKeeper, then
// the same workload (bench/runtimes/workload.ts: 20,000 getData of a 256-byte node with 256 in
// flight, one warm-up round, median of 5 timed rounds) in a fresh process per runtime/socket:
// Node, Bun (Bun.connect, and the contenders: @effect/platform-bun's socket, node:net under
// Bun), Deno. The whole set runs twice, interleaved (BENCH_PASSES), and each keeps its better
// median, so neither the server's warm-up nor the order favours one. Prints a table of reads
// per second and of the client's CPU time per read, median and best round (the steadier
// figures: the server shares the cores and sets the pace), for the client and for the
// platform's socket alone (bench/runtimes/transport.ts).
//
// Run: npx tsx --conditions=effect-zk-source bench/runtimes.ts   (or npm run bench).
// BENCH_TOTAL, BENCH_INFLIGHT, BENCH_ROUNDS and BENCH_SIZE change the workload, BENCH_PASSES the passes,
// BENCH_ONLY=bun runs only the entries whose name contains it; ZK_HOSTS uses that server
// instead of starting one.
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import { binary, command, execute } from "../scripts/runtime.js"
import type { Result } from "./runtimes/workload.js"

// test-cluster's default JVM flags favour start-up (C1 only); a benchmark wants the server's
// full JIT, or the server alone sets the pace.
const serverJvmFlags = ["-Xmx512m", "-Xms256m", "-XX:+UseSerialGC", "-XX:-UsePerfData"]

const tsx = { command: process.execPath, args: ["--import", "tsx", "--conditions=effect-zk-source"] }

const entries = (): ReadonlyArray<{ readonly name: string; readonly cmd: () => { command: string; args: ReadonlyArray<string> } }> => [
  { name: "node (node:net)", cmd: () => ({ command: tsx.command, args: [...tsx.args, "bench/runtimes/node.ts"] }) },
  { name: "bun (Bun.connect)", cmd: () => command("bun", "bench/runtimes/bun.ts", ["native"]) },
  { name: "bun (@effect/platform-bun socket)", cmd: () => command("bun", "bench/runtimes/bun.ts", ["effect-socket"]) },
  { name: "bun (node:net, platform-node layer)", cmd: () => command("bun", "bench/runtimes/bun.ts", ["node-net"]) },
  { name: "deno (Deno.connect)", cmd: () => command("deno", "bench/runtimes/deno.ts") }
]

const measureOnce = async (env: Record<string, string>) => {
  const results: Array<Result | { readonly label: string; readonly error: string }> = []
  const only = process.env.BENCH_ONLY
  for (const entry of entries().filter((e) => only === undefined || e.name.includes(only))) {
    let cmd: { command: string; args: ReadonlyArray<string> }
    try {
      cmd = entry.cmd()
    } catch (error) {
      results.push({ label: entry.name, error: error instanceof Error ? error.message : String(error) })
      continue
    }
    const done = await execute(cmd, { env, timeoutMillis: 300_000 })
    const line = done.stdout.split("\n").find((l) => l.startsWith("RESULT "))
    if (done.code !== 0 || line === undefined) {
      results.push({ label: entry.name, error: `exit ${done.code}: ${(done.stderr || done.stdout).trim().slice(-400)}` })
    } else results.push({ ...(JSON.parse(line.slice("RESULT ".length)) as Result), label: entry.name })
  }
  return results
}

const measureAll = (hosts: string) =>
  Effect.promise(async () => {
    const env: Record<string, string> = { ZK_HOSTS: hosts }
    for (const name of ["BENCH_TOTAL", "BENCH_INFLIGHT", "BENCH_ROUNDS", "BENCH_SIZE"]) {
      const v = process.env[name]
      if (v !== undefined) env[name] = v
    }
    const passes = Math.max(1, Number(process.env.BENCH_PASSES ?? 2) || 2)
    const best = new Map<string, Result | { readonly label: string; readonly error: string }>()
    for (let pass = 0; pass < passes; pass++) {
      for (const r of await measureOnce(env)) {
        const known = best.get(r.label)
        if (known === undefined || !("median" in known) || ("median" in r && r.median > known.median)) best.set(r.label, r)
      }
    }
    return [...best.values()]
  })


const program = Effect.gen(function* () {
  const given = process.env.ZK_HOSTS
  const hosts =
    given !== undefined && given !== ""
      ? given
      : yield* Effect.flatMap(TestCluster.make({ jvmFlags: serverJvmFlags }), (c) => c.connectString())
  const versions = (["bun", "deno"] as const).map((r) => {
    try {
      return r === "bun" ? `bun ${binary(r).version}` : binary(r).version.replace(/ \(.*/, "")
    } catch {
      return `${r}: not found`
    }
  })
  console.log(
    `effect-zk pipelined reads per runtime (getData of ${process.env.BENCH_SIZE ?? 256} bytes; ZooKeeper at ${hosts}; node ${process.version}, ${versions.join(", ")})`
  )
  const results = yield* measureAll(hosts)
  const node = results.find((r): r is Result => "median" in r && r.runtime.startsWith("node"))
  console.log(`${"".padEnd(36)} ${"client (ZooKeeper.get)".padEnd(44)} socket alone (raw frames)`)
  console.log(
    `${"runtime / socket".padEnd(36)} ${"ops/s".padStart(8)} ${"vs node".padStart(7)} ${"CPU µs/read".padStart(11)} ${"best".padStart(5)} ${"vs node".padStart(7)}  ${"ops/s".padStart(8)} ${"vs node".padStart(7)} ${"CPU µs/read".padStart(11)}`
  )
  for (const r of results) {
    if (!("median" in r)) {
      console.log(`${r.label.padEnd(40)} failed: ${r.error}`)
      continue
    }
    const vs = (a: number, b: number | undefined) => (b === undefined ? "" : `${(a / b).toFixed(2)}x`)
    const ops = (x: number) => Math.round(x).toLocaleString("en-US").padStart(8)
    console.log(
      `${r.label.padEnd(36)} ${ops(r.median)} ${vs(r.median, node?.median).padStart(7)} ${r.cpuMicros.toFixed(1).padStart(11)} ${r.cpuMicrosBest.toFixed(1).padStart(5)} ${vs(r.cpuMicros, node?.cpuMicros).padStart(7)}  ${ops(r.transport.median)} ${vs(r.transport.median, node?.transport.median).padStart(7)} ${r.transport.cpuMicros.toFixed(1).padStart(11)}`
    )
  }
  return results.every((r) => "median" in r)
})

Effect.runPromise(Effect.scoped(program)).then(
  (allRan) => process.exit(allRan ? 0 : 1),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
