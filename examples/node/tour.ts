/**
 * `npm run demo`: a short tour of effect-zk on Node.
 *
 * With ZK_HOSTS unset it starts a throwaway local ZooKeeper through test-cluster; with
 * ZK_HOSTS set (e.g. `ZK_HOSTS=127.0.0.1:2181`) it uses that server, under a fresh chroot.
 */
import { Transaction, ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Console, Effect, Option } from "effect"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const tour = (hosts: string) =>
  Effect.gen(function* () {
    const base = `/effect-zk-demo-${Date.now()}`
    yield* Console.log(`connecting to ${hosts} (chroot ${base})`)
    // Create the chroot, then work inside it.
    yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts }), (root) => root.ensurePath(base)))
    const zk = yield* ZooKeeper.make({ hosts: `${hosts}${base}` })
    yield* zk.listen((s) => Console.log(`  [listener] state is now ${s.state} (${s.keeperState})`))
    yield* Console.log(`state: ${(yield* zk.state).state}, server version ${(yield* zk.serverVersion).join(".")}`)

    yield* zk.ensurePath("/app/config")
    yield* Console.log("ensurePath /app/config")
    yield* zk.create("/app/config/greeting", { data: "hello" })
    const { data, stat } = yield* zk.get("/app/config/greeting")
    yield* Console.log(`get /app/config/greeting -> "${text(data)}" (version ${stat.version})`)

    const watched = yield* zk.getAndWatch("/app/config/greeting")
    yield* zk.set("/app/config/greeting", "hello, world", { version: stat.version })
    const event = yield* watched.event
    yield* Console.log(`watch fired: ${event.type} on ${event.path}`)

    const results = yield* zk.transaction([
      Transaction.create("/app/jobs"),
      Transaction.create("/app/jobs/job-", { sequence: true, data: "first" }),
      Transaction.check("/app/config/greeting", 1)
    ])
    yield* Console.log(`transaction applied: ${results.map((r) => `${r._tag}${"path" in r ? ` ${r.path}` : ""}`).join(", ")}`)

    const failed = yield* Effect.flip(
      zk.transaction([Transaction.create("/app/other"), Transaction.check("/app/config/greeting", 0)])
    )
    if (failed._tag === "TransactionFailedError") {
      yield* Console.log(`transaction rejected at op ${failed.failedIndex}: ${failed.error._tag}; /app/other exists: ${Option.isSome(yield* zk.exists("/app/other"))}`)
    }

    const eph = yield* zk.create("/app/workers/worker-", { ephemeral: true, sequence: true, makepath: true })
    yield* Console.log(`ephemeral node ${eph}; our ephemerals: ${(yield* zk.getEphemerals()).join(", ")}`)

    yield* Console.log("dropping the connection to show the state listener")
    yield* zk.restart
    yield* zk.awaitConnected(10_000)
    yield* zk.delete("/", { recursive: true })
    yield* zk.close
    yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts }), (root) => root.delete(base, { recursive: true })))
    yield* Console.log("closed; the ephemeral node went with the session. Done.")
  })

const program = Effect.gen(function* () {
  const fromEnv = process.env.ZK_HOSTS
  if (fromEnv !== undefined && fromEnv !== "") return yield* tour(fromEnv)
  yield* Console.log("ZK_HOSTS is not set: starting a throwaway ZooKeeper with test-cluster")
  const cluster = yield* TestCluster.make({})
  return yield* tour(yield* cluster.connectString())
})

Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(NodeZooKeeper.layer))).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
