/**
 * Distributed locking with @effect-zk/recipes: two workers take turns on one kazoo-compatible
 * lock, a third gives up after a timeout and leaves nothing behind, and a shared counter is
 * incremented atomically. Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/lock.ts
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { Counter, Lock } from "@effect-zk/recipes"
import { Console, Effect, Either, Layer } from "effect"

const program = Effect.gen(function* () {
  const zk = yield* ZooKeeper.ZooKeeper
  const base = `/lock-demo-${Date.now()}`
  const jobs = yield* Counter.make(zk, `${base}/jobs-done`)

  // Each worker holds the lock for its critical section; the body is interrupted (failing with
  // LockLostError) if the lock is lost meanwhile, and the lock is released when it ends.
  const worker = (name: string) =>
    Effect.gen(function* () {
      const lock = yield* Lock.make(zk, `${base}/lock`, { identifier: name })
      for (let round = 1; round <= 2; round++) {
        yield* lock.withLock(
          Effect.gen(function* () {
            const { postValue } = yield* jobs.add(1)
            yield* Console.log(`${name} holds the lock (round ${round}, jobs done: ${postValue})`)
            yield* Effect.sleep("50 millis")
          }),
          { timeout: "10 seconds" }
        )
      }
    })
  yield* Effect.all([worker("alice"), worker("bob")], { concurrency: 2 })

  // Holding the lock in a scope; a contender with a timeout gives up and leaves no node behind.
  yield* Effect.scoped(
    Effect.gen(function* () {
      const holder = yield* Lock.make(zk, `${base}/lock`, { identifier: "holder" })
      yield* holder.acquire()
      const impatient = yield* Lock.make(zk, `${base}/lock`, { identifier: "impatient" })
      const attempt = yield* Effect.either(Effect.scoped(impatient.acquire({ timeout: "300 millis" })))
      yield* Console.log(`impatient: ${Either.isLeft(attempt) ? attempt.left._tag : "acquired"}`)
      yield* Console.log(`contenders now: ${(yield* holder.contenders).join(", ")}`)
    })
  )

  // The combinator form, with the client from the context.
  const total = yield* jobs.value.pipe(Lock.withLock(`${base}/lock`))
  yield* Console.log(`jobs done in total: ${total}`)
  yield* zk.delete(base, { recursive: true })
  yield* Console.log("done")
})

const ZooKeeperLive = ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))

Effect.runPromise(program.pipe(Effect.provide(ZooKeeperLive))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
