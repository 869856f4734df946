// bench/clients.ts worker for effect-zk's promise facade (`connect` from platform-node).
import { connect } from "@effect-zk/platform-node"
import { type PromiseSession, runPromiseWorkload, workerEnv } from "./shared.js"

const env = workerEnv()

const open = async (): Promise<PromiseSession> => {
  // BENCH_METRICS=1: with ZooKeeperMetrics recorded (to measure what they cost);
  // BENCH_READ_COALESCING=0: without read coalescing (on by default)
  const zk = await connect({
    hosts: env.hosts,
    sessionTimeout: "30 seconds",
    metrics: process.env.BENCH_METRICS === "1",
    readCoalescing: process.env.BENCH_READ_COALESCING !== "0"
  })
  return {
    get: (path) => zk.get(path),
    getWatch: (path, onEvent) => zk.get(path, { watch: onEvent }),
    set: (path, data) => zk.set(path, data),
    create: (path, data) => zk.create(path, { data }),
    remove: (path) => zk.delete(path),
    close: () => zk.close()
  }
}

await runPromiseWorkload("effect-zk (promise)", env, open)
