// bench/clients.ts worker for the lock workload on effect-zk: `lockClients` sessions in one
// process contend for one Lock (@effect-zk/recipes), each acquiring and releasing it back to
// back until `lockMillis` passed or `lockMaxCycles` cycles were done in all (after as long
// untimed, `lockWarmupMillis`).
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
  // Contending for `millis` (or `maxCycles` in all): the cycles done. Run once untimed, so
  // that the lock node exists and V8 has compiled the hot path, then timed.
  const contend = (millis: number, maxCycles: number) =>
    Effect.suspend(() => {
      let cycles = 0
      const deadline = performance.now() + millis
      return Effect.all(
        locks.map((lock) =>
          Effect.whileLoop({
            while: () => performance.now() < deadline && cycles < maxCycles,
            body: () => lock.withLock(Effect.sync(() => void cycles++)),
            step: () => {}
          })
        ),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.map(() => cycles))
    })
  yield* contend(p.lockWarmupMillis, p.lockMaxCycles)
  const t0 = performance.now()
  const cycles = yield* contend(p.lockMillis, p.lockMaxCycles)
  const seconds = (performance.now() - t0) / 1000
  return report("effect-zk", "lock", { cyclesPerSecond: cycles / seconds })
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(NodeZooKeeper.layer))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
