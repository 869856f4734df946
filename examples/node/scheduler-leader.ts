/**
 * Curator's recipes from @effect-zk/recipes: two instances of a service register themselves
 * with ServiceDiscovery (Curator's layout, so Java services using Curator see them too) and
 * join a LeaderLatch; only the leader runs the scheduler, which is interrupted the moment its
 * leadership ends, and the other takes over when the leader stops. A caller picks instances
 * with a round-robin provider. Each instance has a client (a session) of its own. Needs
 * ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/scheduler-leader.ts
 */
import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { LeaderLatch, ServiceDiscovery } from "@effect-zk/recipes"
import { Config, Console, Effect, Exit, Option, Scope, Stream } from "effect"

const base = `/scheduler-demo-${Date.now()}`

/** One instance: its own session, registered and in the race until `stop`. */
const instance = (hosts: string, name: string, port: number) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const run = Effect.gen(function* () {
      const zk = yield* ZooKeeper.make({ hosts }).pipe(Effect.provide(NodeZooKeeper.layer))
      const registration = yield* ServiceDiscovery.make(zk, `${base}/services`).register({
        name: "scheduler",
        id: name,
        address: "127.0.0.1",
        port,
        uriSpec: "{scheme}://{address}:{port}"
      })
      yield* registration.awaitPresent
      const latch = yield* LeaderLatch.make(zk, `${base}/leader`, { id: name })
      // The scheduler runs while this instance leads; losing the lead interrupts it.
      const scheduler = Effect.gen(function* () {
        yield* Console.log(`${name} leads: scheduler started`)
        yield* Effect.never
      }).pipe(Effect.onInterrupt(() => Console.log(`${name} scheduler stopped`)))
      yield* latch.changes.pipe(
        Stream.flatMap((leading) => (leading ? Stream.fromEffect(scheduler) : Stream.empty), { switch: true }),
        Stream.runDrain,
        Effect.forkScoped
      )
      return latch
    })
    const latch = yield* Scope.extend(run, scope)
    return { latch, stop: Scope.close(scope, Exit.void) }
  })

const program = Effect.gen(function* () {
  const hosts = yield* Config.string("ZK_HOSTS")
  const a = yield* instance(hosts, "a", 8081)
  yield* a.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
  const b = yield* instance(hosts, "b", 8082)

  // A caller finds both, and spreads its calls over them.
  const caller = yield* ZooKeeper.make({ hosts }).pipe(Effect.provide(NodeZooKeeper.layer))
  const discovery = ServiceDiscovery.make(caller, `${base}/services`)
  const provider = yield* discovery.provider("scheduler")
  const uris: Array<string> = []
  for (let i = 0; i < 4; i++) {
    while ((yield* provider.all).length < 2) yield* Effect.sleep("20 millis")
    uris.push(ServiceDiscovery.buildUri(Option.getOrThrow(yield* provider.instance)) ?? "?")
  }
  yield* Console.log(`calls go to ${uris.join(", ")}`)
  yield* Console.log(`participants: ${(yield* b.latch.participants).map((p) => `${p.id}${p.isLeader ? " (leader)" : ""}`).join(", ")}`)

  // a stops: its scheduler stops, b's starts.
  yield* a.stop
  yield* b.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
  yield* Effect.sleep("100 millis")
  yield* Console.log(`instances left: ${(yield* discovery.instances("scheduler")).map((i) => i.id).join(", ")}`)
  yield* b.stop
  yield* caller.delete(base, { recursive: true })
  yield* Console.log("done")
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
