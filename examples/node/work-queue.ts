/**
 * A work queue shared with Java services (Curator's DistributedQueue layout, through
 * CuratorQueue): a producer puts jobs, two workers process them under a lock path, so a job is
 * removed only once done; a job that fails goes back to the end of the queue and is done on the
 * next try. Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/work-queue.ts
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { CuratorQueue } from "@effect-zk/recipes"
import { Console, Data, Effect, Fiber, Layer, Ref } from "effect"

class Flaky extends Data.TaggedError("Flaky")<{ readonly job: string }> {}

const program = Effect.gen(function* () {
  const zk = yield* ZooKeeper.ZooKeeper
  const base = `/work-queue-demo-${Date.now()}`
  const options = { lockPath: `${base}/locks` }
  const producer = yield* CuratorQueue.distributed(zk, `${base}/jobs`, options)
  for (const job of ["resize 1", "resize 2", "resize 3", "resize 4"]) yield* producer.put(job)
  // A Java producer's putMulti: several jobs in one node, done by one worker, in order.
  yield* producer.putMulti(["report a", "report b"])

  const done = yield* Ref.make<ReadonlyArray<string>>([])
  const failedOnce = yield* Ref.make(false)
  const worker = () =>
    Effect.gen(function* () {
      const queue = yield* CuratorQueue.distributed(zk, `${base}/jobs`, options)
      for (;;) {
        const outcome = yield* Effect.either(
          queue.process((bytes) =>
            Effect.gen(function* () {
              const job = new TextDecoder().decode(bytes)
              // "resize 3" fails the first time: it is put back and done later
              if (job === "resize 3" && !(yield* Ref.getAndSet(failedOnce, true))) return yield* new Flaky({ job })
              yield* Effect.sleep("20 millis")
              yield* Ref.update(done, (jobs) => [...jobs, job])
            })
          )
        )
        if (outcome._tag === "Left" && outcome.left._tag === "Flaky") yield* Console.log(`${outcome.left.job} failed, put back`)
      }
    })
  const workers = yield* Effect.forkScoped(Effect.all([worker(), worker()], { concurrency: 2 }))

  // Wait until every job is done, then stop the workers.
  yield* Effect.gen(function* () {
    while ((yield* Ref.get(done)).length < 6) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeout("20 seconds"))
  yield* Fiber.interrupt(workers)
  const jobs = [...(yield* Ref.get(done))]
  yield* Console.log(`done: ${[...jobs].sort().join(", ")}`)
  yield* Console.log(`resize 3 done after resize 4: ${jobs.indexOf("resize 3") > jobs.indexOf("resize 4")}`)
  yield* Console.log(`jobs left: ${yield* producer.length}`)
  yield* zk.delete(base, { recursive: true })
  yield* Console.log("done")
})

const ZooKeeperLive = ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ZooKeeperLive))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
