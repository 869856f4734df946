/**
 * Locks, a semaphore and a leader latch from promise code, without Effect (e.g. a service moving
 * off node-zookeeper-client). Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/promise-recipes.ts
 */
import { connect } from "@effect-zk/platform-node"
import { PromiseRecipes } from "@effect-zk/recipes"

const hosts = process.env.ZK_HOSTS
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS, e.g. ZK_HOSTS=127.0.0.1:2181")
  process.exit(2)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const root = `/promise-recipes-${Date.now()}`
// two clients, as two processes would have
const a = await connect({ hosts })
const b = await connect({ hosts })
try {
  // A lock: the jobs of both clients never overlap.
  let running = 0
  let most = 0
  const job = (zk: typeof a, name: string) =>
    PromiseRecipes.lock(zk, `${root}/lock`, { identifier: name }).withLock(
      async () => {
        most = Math.max(most, ++running)
        await sleep(30)
        running--
        return name
      },
      { timeout: 10_000 }
    )
  const done = await Promise.all([job(a, "a1"), job(b, "b1"), job(a, "a2"), job(b, "b2")])
  console.log(`jobs done: ${done.join(", ")}; at most ${most} at once`)

  // A semaphore: two leases, a third taker finds none free.
  const leases = await Promise.all([
    PromiseRecipes.semaphore(a, `${root}/pool`, { maxLeases: 2 }).acquire(),
    PromiseRecipes.semaphore(b, `${root}/pool`, { maxLeases: 2 }).acquire()
  ])
  const third = await PromiseRecipes.semaphore(a, `${root}/pool`, { maxLeases: 2 }).tryAcquire()
  console.log(`a third lease while two are held: ${third === undefined ? "none free" : "got one"}`)
  await Promise.all(leases.map((lease) => lease.release()))

  // A leader latch: a leads until it leaves, then b.
  const latchA = await PromiseRecipes.leaderLatch(a, `${root}/leader`, { id: "a" })
  await latchA.awaitLeadership()
  const latchB = await PromiseRecipes.leaderLatch(b, `${root}/leader`, { id: "b" })
  const changes: Array<boolean> = []
  const stop = latchB.onChange((leading) => changes.push(leading))
  console.log(`leader: ${(await latchB.participants()).find((p) => p.isLeader)?.id}`)
  await latchA.close()
  await latchB.awaitLeadership()
  await sleep(50)
  console.log(`after a leaves, leader: ${(await latchB.participants()).find((p) => p.isLeader)?.id}; b saw ${changes.join(" -> ")}`)
  stop()
  await latchB.close()
  await a.delete(root, { recursive: true })
} finally {
  await a.close()
  await b.close()
}
console.log("done")
