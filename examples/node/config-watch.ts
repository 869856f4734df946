/**
 * A service that follows a configuration node with a persistent watch, as an Effect program
 * with layers. Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/config-watch.ts
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { Console, Effect, Fiber, Layer, Stream } from "effect"

const program = Effect.gen(function* () {
  const zk = yield* ZooKeeper.ZooKeeper
  const path = `/config-watch-demo-${Date.now()}`
  yield* zk.create(path, { data: "v1" })
  yield* Effect.scoped(
    Effect.gen(function* () {
      // The watch is on the server once addWatch returns; it is removed when this scope closes.
      const changes = yield* zk.addWatch(path)
      // Follow every change until three have been seen.
      const follower = yield* Effect.fork(
        changes.pipe(
          Stream.mapEffect((event) =>
            Effect.map(zk.get(path), ({ data, stat }) => `${event.type}: ${new TextDecoder().decode(data)} (v${stat.version})`)
          ),
          Stream.tap(Console.log),
          Stream.take(3),
          Stream.runDrain
        )
      )
      for (const v of ["v2", "v3", "v4"]) yield* zk.set(path, v)
      yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))
    })
  )
  yield* zk.delete(path)
  yield* Console.log("done")
})

const ZooKeeperLive = ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))

Effect.runPromise(program.pipe(Effect.provide(ZooKeeperLive))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
