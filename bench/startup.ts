// Start-up of a short script, the way a CLI or a cron job runs: a fresh process imports the
// client, connects, reads one 256-byte node and closes. Each worker (bench/startup/*.mjs) runs
// the built packages (packages/*/dist, what npm installs; built first as `npm run build` does) with the
// runtime's own loader: effect-zk's promise facade under Node, Bun and Deno, unbundled and as the
// standalone module (one file with Effect inside), its Effect API under Node (importing "effect"
// as the README does), and node-zookeeper-client.
// Interleaved round by round; prints the medians of the import, the connect, the first reply
// (since the process began) and the whole process (spawn to exit, seen from here), and writes
// them to bench/RESULTS.md between this script's markers.
//
// Run: npx tsx --conditions=effect-zk-source bench/startup.ts   (or npm run bench).
//   BENCH_ROUNDS=10   rounds;  BENCH_QUICK=1: 2 rounds, RESULTS.md untouched;  ZK_HOSTS: that server
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import * as os from "node:os"
import { binary, builtCommand, type Runtime, execute } from "../scripts/runtime.js"
import { writeResultsPart } from "./results.js"

const quick = process.env.BENCH_QUICK === "1"
const rounds = quick ? 2 : Math.max(1, Number(process.env.BENCH_ROUNDS ?? 10) || 10)

interface Entry {
  readonly label: string
  readonly cmd: () => { readonly command: string; readonly args: ReadonlyArray<string> }
}

const worker = (runtime: Runtime | "node", file: string, platform?: string) => () =>
  builtCommand(runtime, `bench/startup/${file}`, platform === undefined ? [] : [platform])

const entries: ReadonlyArray<Entry> = [
  { label: "node-zookeeper-client (Node)", cmd: worker("node", "node-zookeeper-client.mjs") },
  { label: "effect-zk promise facade (Node)", cmd: worker("node", "promise.mjs") },
  { label: "effect-zk standalone facade (Node)", cmd: worker("node", "promise.mjs", "@effect-zk/platform-node/standalone") },
  { label: "effect-zk Effect API (Node)", cmd: worker("node", "effect.mjs") },
  { label: "effect-zk promise facade (Bun)", cmd: worker("bun", "promise.mjs", "@effect-zk/platform-bun") },
  { label: "effect-zk standalone facade (Bun)", cmd: worker("bun", "promise.mjs", "@effect-zk/platform-bun/standalone") },
  { label: "effect-zk promise facade (Deno)", cmd: worker("deno", "promise.mjs", "@effect-zk/platform-deno") },
  { label: "effect-zk standalone facade (Deno)", cmd: worker("deno", "promise.mjs", "@effect-zk/platform-deno/standalone") }
]

interface Times {
  readonly importMs: number
  readonly connectMs: number
  readonly firstReplyMs: number
  readonly wallMs: number
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const runOnce = async (entry: Entry, env: Record<string, string>): Promise<Times | string> => {
  let cmd: { readonly command: string; readonly args: ReadonlyArray<string> }
  try {
    cmd = entry.cmd()
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  const t0 = performance.now()
  const done = await execute(cmd, { env, timeoutMillis: 60_000 })
  const wallMs = performance.now() - t0
  const line = done.stdout.split("\n").find((l) => l.startsWith("{"))
  if (done.code !== 0 || line === undefined) return `exit ${done.code}: ${(done.stderr || done.stdout).trim().slice(-300)}`
  const t = JSON.parse(line) as Omit<Times, "wallMs"> & { readonly bytes: number }
  if (t.bytes !== 256) return `read ${t.bytes} bytes, not 256`
  return { importMs: t.importMs, connectMs: t.connectMs, firstReplyMs: t.firstReplyMs, wallMs }
}

const program = Effect.gen(function* () {
  // npm run build: tsc, then the standalone modules (over tsc's standalone.js)
  for (const args of [["node_modules/typescript/bin/tsc", "-b", "tsconfig.build.json"], ["scripts/bundle-standalone.mjs"]]) {
    const built = yield* Effect.promise(() => execute({ command: process.execPath, args }, { timeoutMillis: 300_000 }))
    if (built.code !== 0) return yield* Effect.dieMessage(`${args.join(" ")} failed: ${built.stdout}${built.stderr}`)
  }
  const given = process.env.ZK_HOSTS
  const hosts = given !== undefined && given !== "" ? given : yield* Effect.flatMap(TestCluster.make({}), (c) => c.connectString())
  const path = `/effect-zk-startup-${Date.now().toString(36)}`
  const fixture = Effect.provide(ZooKeeper.make({ hosts }), NodeZooKeeper.layer)
  yield* Effect.acquireRelease(
    Effect.scoped(Effect.flatMap(fixture, (zk) => zk.create(path, { data: new Uint8Array(256).fill(7) }))),
    () => Effect.scoped(Effect.flatMap(fixture, (zk) => zk.delete(path))).pipe(Effect.ignore)
  )
  const env = { ZK_HOSTS: hosts, BENCH_PATH: path }
  const runs = new Map<string, Array<Times>>()
  const failures = new Map<string, string>()
  console.log(`start-up of a connect-read-close script; ${rounds} rounds; ZooKeeper at ${hosts}; node ${process.version}`)
  for (let round = 1; round <= rounds; round++) {
    for (const entry of entries) {
      if (failures.has(entry.label)) continue
      const r = yield* Effect.promise(() => runOnce(entry, env))
      if (typeof r === "string") {
        failures.set(entry.label, r)
        continue
      }
      const list = runs.get(entry.label) ?? []
      list.push(r)
      runs.set(entry.label, list)
    }
  }
  const ms = (x: number) => x.toFixed(0)
  const rows = entries.map((e) => {
    const list = runs.get(e.label)
    const why = failures.get(e.label)
    if (list === undefined || list.length === 0) return `| ${e.label} | not measured: ${why ?? "no run"} | | | |`
    const m = (k: keyof Times) => median(list.map((t) => t[k]))
    return `| ${e.label} | ${ms(m("importMs"))} | ${ms(m("connectMs"))} | ${ms(m("firstReplyMs"))} | ${ms(m("wallMs"))} |`
  })
  const versions = (["bun", "deno"] as const)
    .map((r) => {
      try {
        return r === "bun" ? `bun ${binary(r).version}` : binary(r).version.replace(/ \(.*/, "")
      } catch {
        return `${r}: not found`
      }
    })
    .join(", ")
  const table = [
    `- Run: ${new Date().toISOString()}, ${rounds} rounds; Node ${process.version}, ${versions}; ${os.cpus().length} cores; load average (1 min) ${os.loadavg()[0]!.toFixed(2)}`,
    "",
    "Medians (ms): importing the client; connecting; the first reply, since the process began; the whole process, spawn to exit:",
    "",
    "| script | import | connect | first reply | process |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows
  ].join("\n")
  console.log(`\n${table}`)
  if (!quick && failures.size === 0) {
    writeResultsPart("<!-- bench/startup.ts writes between these markers -->", "<!-- end of bench/startup.ts's part -->", table)
    console.log("\nwrote bench/RESULTS.md")
  }
  for (const [label, why] of failures) console.log(`${label}: failed: ${why}`)
  return failures.size === 0
})

Effect.runPromise(Effect.scoped(program)).then(
  (allRan) => process.exit(allRan ? 0 : 1),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
