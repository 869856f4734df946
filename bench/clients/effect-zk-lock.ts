// bench/clients.ts worker for the lock workload on effect-zk: `lockClients` sessions in one
// process contend for one Lock (@effect-zk/recipes), each acquiring and releasing it back to
// back until `lockMillis` passed or `lockMaxCycles` cycles were done in all.
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { Lock } from "@effect-zk/recipes"
import { Effect } from "effect"
import { report, workerEnv } from "./shared.js"

const env = workerEnv()
const { params: p, paths } = env

const program = Effect.gen(function* () {
  const clients = yield* Effect.all(
    Array.from({ length: p.lockClients }, () => ZooKeeper.make({ hosts: env.hosts, sessionTimeout: "30 seconds" })),
    { concurrency: "unbounded" }
  )
  const locks = yield* Effect.forEach(clients, (zk, i) => Lock.make(zk, paths.scratch, { identifier: `c${i}` }))
  // one untimed cycle each: the lock node exists and every path is warm
  for (const lock of locks) yield* lock.withLock(Effect.void)
  let cycles = 0
  const t0 = performance.now()
  const deadline = t0 + p.lockMillis
  yield* Effect.all(
    locks.map((lock) =>
      Effect.whileLoop({
        while: () => performance.now() < deadline && cycles < p.lockMaxCycles,
        body: () => lock.withLock(Effect.sync(() => void cycles++)),
        step: () => {}
      })
    ),
    { concurrency: "unbounded", discard: true }
  )
  const seconds = (performance.now() - t0) / 1000
  return report("effect-zk", "lock", { cyclesPerSecond: cycles / seconds })
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(NodeZooKeeper.layer))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
