/**
 * Service registration with @effect-zk/recipes: each instance keeps an ephemeral node with its
 * address for as long as it runs (PersistentNode), a client follows the live set
 * (ChildrenWatch), a node deleted by mistake comes back by itself, and an instance that stops
 * leaves. Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/service-registry.ts
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { ChildrenWatch, PersistentNode } from "@effect-zk/recipes"
import { Console, Effect, Exit, Layer, Option, Ref, Scope, Stream } from "effect"

const program = Effect.gen(function* () {
  const zk = yield* ZooKeeper.ZooKeeper
  const services = `/registry-demo-${Date.now()}/api`
  yield* zk.ensurePath(services)

  // The live set, as a client of the service would follow it.
  const members = yield* Ref.make("")
  yield* Effect.forkScoped(
    ChildrenWatch.stream(zk, services).pipe(
      Stream.runForEach((change) => Ref.set(members, [...change.children].sort().join(", ")))
    )
  )
  const membersBecome = (expected: string) =>
    Effect.gen(function* () {
      while ((yield* Ref.get(members)) !== expected) yield* Effect.sleep("20 millis")
      yield* Console.log(`members: [${expected}]`)
    }).pipe(Effect.timeout("10 seconds"))

  // Two instances register; each node lives as long as its instance's scope.
  const register = (name: string, address: string) =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const node = yield* PersistentNode.make(zk, `${services}/${name}`, { data: address }).pipe(Scope.extend(scope))
      yield* node.awaitPresent
      return { node, stop: Scope.close(scope, Exit.void) }
    })
  const a = yield* register("a", "10.0.0.1:8080")
  const b = yield* register("b", "10.0.0.2:8080")
  yield* membersBecome("a, b")

  // Someone deletes a's node by mistake: it is made again, with the same address.
  const before = yield* zk.exists(`${services}/a`)
  yield* zk.delete(`${services}/a`)
  const remade = Effect.map(
    zk.exists(`${services}/a`),
    (now) => Option.isSome(now) && Option.isSome(before) && now.value.czxid !== before.value.czxid
  )
  yield* Effect.gen(function* () {
    while (!(yield* remade)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeout("10 seconds"))
  const { data } = yield* zk.get(`${services}/a`)
  yield* Console.log(`a is registered again at ${new TextDecoder().decode(data)}`)

  // a moves to another port: the node's data follows.
  yield* a.node.setData("10.0.0.1:8081")
  yield* Console.log(`a now at ${new TextDecoder().decode((yield* zk.get(`${services}/a`)).data)}`)

  // b stops: its node goes.
  yield* b.stop
  yield* membersBecome("a")
  yield* a.stop
  yield* membersBecome("")
  yield* zk.delete(services.slice(0, services.lastIndexOf("/")), { recursive: true })
  yield* Console.log("done")
})

const ZooKeeperLive = ZooKeeper.layerConfig().pipe(Layer.provide(NodeZooKeeper.layer))

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(ZooKeeperLive))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
