// bench/startup.ts worker: the same script on effect-zk's Effect API under Node, importing Effect
// as the README's examples do (from "effect").
const { ZK_HOSTS: hosts, BENCH_PATH: path } = process.env
const t0 = performance.now()
const [{ Effect }, { ZooKeeper }, { NodeZooKeeper }] = await Promise.all([
  import("effect"),
  import("@effect-zk/core"),
  import("@effect-zk/platform-node")
])
const t1 = performance.now()
let t2 = 0
let t3 = 0
const bytes = await Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const zk = yield* ZooKeeper.make({ hosts })
      t2 = performance.now()
      const { data } = yield* zk.get(path)
      t3 = performance.now()
      return data.length
    })
  ).pipe(Effect.provide(NodeZooKeeper.layer))
)
console.log(JSON.stringify({ importMs: t1 - t0, connectMs: t2 - t1, firstReplyMs: t3, bytes }))
