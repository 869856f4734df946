// The pipelined read workload of bench/runtimes.ts, runtime-neutral: one client, a 256-byte
// node (BENCH_SIZE), `inflight` fibers issuing getData back to back until `total` replies came in. One
// warm-up round, then `rounds` timed rounds, each measuring throughput and the client's CPU
// time per read (`process.cpuUsage`, which Node, Bun and Deno all have: with the server on
// the same cores, throughput is noisy and CPU per read is the steadier figure of a layer's
// cost). Then the same reads through the platform's socket alone (transport.ts). Prints one
// `RESULT {json}` line.
import { Handler, ZooKeeper } from "@effect-zk/core"
import { Effect, type Layer } from "effect"
import * as Transport from "./transport.js"

/** Workload size; the defaults are the issue's: 20,000 getData with 256 in flight. */
export interface Workload {
  readonly total: number
  readonly inflight: number
  readonly rounds: number
  /** Bytes of the node's data. */
  readonly size: number
}

/** What one runtime/layer measured. */
export interface Result {
  readonly label: string
  readonly runtime: string
  /** ops/s of each timed round. */
  readonly rounds: ReadonlyArray<number>
  /** Median ops/s. */
  readonly median: number
  /** Median client CPU time (user + system) per read, in µs. */
  readonly cpuMicros: number
  /** The least CPU time per read of any round (the round least disturbed by other processes), in µs. */
  readonly cpuMicrosBest: number
  /** The same reads through the platform's socket alone (see transport.ts). */
  readonly transport: Transport.TransportResult
}

interface CpuUsage {
  readonly user: number
  readonly system: number
}
const cpu = (): number => {
  const usage = (globalThis as unknown as { readonly process?: { cpuUsage?: () => CpuUsage } }).process?.cpuUsage?.()
  return usage === undefined ? Number.NaN : usage.user + usage.system
}
const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const defaults: Workload = { total: 20_000, inflight: 256, rounds: 5, size: 256 }

/** Reads the workload from the environment (BENCH_TOTAL, BENCH_INFLIGHT, BENCH_ROUNDS, BENCH_SIZE) of any runtime. */
export const fromEnv = (get: (name: string) => string | undefined): Workload => {
  const int = (name: string, fallback: number) => {
    const v = Number(get(name))
    return Number.isInteger(v) && v > 0 ? v : fallback
  }
  return {
    total: int("BENCH_TOTAL", defaults.total),
    inflight: int("BENCH_INFLIGHT", defaults.inflight),
    rounds: int("BENCH_ROUNDS", defaults.rounds),
    size: int("BENCH_SIZE", defaults.size)
  }
}

export const run = (
  label: string,
  runtime: string,
  hosts: string,
  platform: Layer.Layer<Handler.ZooKeeperHandler>,
  workload: Workload
): Promise<Result> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const zk = yield* ZooKeeper.make({ hosts })
        const path = `/bench-read-${label.replace(/[^a-z0-9]+/gi, "-")}-${Date.now().toString(36)}`
        yield* zk.create(path, { data: new Uint8Array(workload.size).fill(7) })
        const per = Math.ceil(workload.total / workload.inflight)
        const count = per * workload.inflight
        const round = Effect.gen(function* () {
          const start = performance.now()
          const cpuStart = cpu()
          yield* Effect.all(
            Array.from({ length: workload.inflight }, () => Effect.repeatN(zk.get(path), per - 1)),
            { concurrency: "unbounded", discard: true }
          )
          return { opsPerSecond: (count * 1000) / (performance.now() - start), cpuMicros: (cpu() - cpuStart) / count }
        })
        yield* round
        const rounds: Array<{ readonly opsPerSecond: number; readonly cpuMicros: number }> = []
        for (let i = 0; i < workload.rounds; i++) rounds.push(yield* round)
        const first = hosts.split(",")[0]!
        const colon = first.lastIndexOf(":")
        const server = { host: first.slice(0, colon), port: Number(first.slice(colon + 1)) }
        const transport = yield* Transport.run(yield* Handler.ZooKeeperHandler, server, path, workload)
        yield* zk.delete(path)
        const result: Result = {
          transport,
          label,
          runtime,
          rounds: rounds.map((r) => r.opsPerSecond),
          median: median(rounds.map((r) => r.opsPerSecond)),
          cpuMicros: median(rounds.map((r) => r.cpuMicros)),
          cpuMicrosBest: Math.min(...rounds.map((r) => r.cpuMicros))
        }
        console.log(`RESULT ${JSON.stringify(result)}`)
        return result
      })
    ).pipe(Effect.provide(platform))
  )
