// The benchmark scripts still run (they are not part of the timed suite, and broke once
// unnoticed): the codec cases, bench/clients.ts for the wire limit and both effect-zk APIs
// against a real server, every workload, and bench/startup.ts's scripts under Node, Bun and
// Deno, in BENCH_QUICK mode, and the canned-reply server (plain and paced). No figure is checked: the bench
// is the measure, not the tests.
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { connect } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { childEnv, execute, root, tsx } from "../../scripts/runtime.js"

const run = (file: string, env: Record<string, string>, timeoutMillis: number) =>
  Effect.map(
    Effect.promise((signal) => execute(tsx(file), { env, timeoutMillis, signal })),
    ({ code, stdout, stderr }) => ({ code, output: `${stdout}\n${stderr}` })
  )

layer(TestCluster.layer({}), { excludeTestServices: true })("bench scripts", (it) => {
  it.effect("bench/codec.ts runs every case", () =>
    Effect.gen(function* () {
      const { code, output } = yield* run("bench/codec.ts", { BENCH_QUICK: "1" }, 60_000)
      expect(code, output).toBe(0)
      for (const name of ["getData request: encode", "multi reply (10 results): decode", "client's path"]) {
        expect(output).toContain(name)
      }
    })
  )

  it.effect(
    "bench/clients.ts runs every workload for the wire limit, the Effect API and the promise facade",
    () =>
      Effect.gen(function* () {
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const { code, output } = yield* run(
          "bench/clients.ts",
          { ZK_HOSTS: hosts, BENCH_QUICK: "1", BENCH_ROUNDS: "1", BENCH_ONLY: "wire,effect-zk", BENCH_ZOOKEEPER_C: "0" },
          240_000
        )
        expect(code, output).toBe(0)
        for (const workload of ["session", "latency", "read", "write", "createDelete", "big", "watch", "lock"]) {
          expect(output, workload).toMatch(new RegExp(`round 1 ${workload} +effect-zk `))
        }
        expect(output).toMatch(/round 1 read +effect-zk \(promise\)/)
        expect(output).toContain("Medians of 1 rounds")
        expect(output).toContain("| effect-zk: target | ratio | |")
      }),
    300_000
  )

  for (const batch of ["0", "3"]) {
    it.scoped(`bench/canned-server.ts answers every pipelined read (BENCH_CANNED_BATCH=${batch})`, () =>
      Effect.gen(function* () {
        const server = yield* Effect.acquireRelease(
          Effect.sync(() =>
            spawn(process.execPath, ["--import", "tsx", "bench/canned-server.ts"], {
              cwd: root,
              env: childEnv({ PORT: "0", BENCH_CANNED_BATCH: batch, BENCH_CANNED_SECONDS: "60" }),
              stdio: ["ignore", "pipe", "inherit"]
            })
          ),
          (child) => Effect.sync(() => child.kill("SIGTERM"))
        )
        const port = yield* Effect.async<string>((resume) => {
          createInterface({ input: server.stdout! }).on("line", (line) => {
            const m = /on 127\.0\.0\.1:(\d+)$/.exec(line)
            if (m !== null) resume(Effect.succeed(m[1]!))
          })
        }).pipe(Effect.timeout("30 seconds"))
        const zk = yield* Effect.acquireRelease(
          Effect.promise(() => connect({ hosts: `127.0.0.1:${port}` })),
          (client) => Effect.promise(() => client.close())
        )
        const replies = yield* Effect.promise(() =>
          Promise.all(Array.from({ length: 500 }, () => zk.get("/anything")))
        ).pipe(Effect.timeout("30 seconds"))
        expect(replies.length).toBe(500)
        for (const { data, stat } of replies) {
          expect(data.length).toBe(256)
          expect(stat.version).toBe(1)
        }
      })
    )
  }

  it.effect(
    "bench/startup.ts runs its connect-read-close script for every client and runtime",
    () =>
      Effect.gen(function* () {
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const { code, output } = yield* run("bench/startup.ts", { ZK_HOSTS: hosts, BENCH_QUICK: "1" }, 240_000)
        expect(code, output).toBe(0)
        const labels = [
          "node-zookeeper-client (Node)",
          "effect-zk promise facade (Node)",
          "effect-zk Effect API (Node)",
          "effect-zk promise facade (Bun)",
          "effect-zk promise facade (Deno)"
        ]
        for (const label of labels) {
          const row = output.split("\n").find((line) => line.startsWith(`| ${label} |`))
          expect(row, label).toMatch(/^\|[^|]+\|( \d+ \|){4}$/)
        }
        expect(output).not.toContain("failed:")
      }),
    300_000
  )
})
