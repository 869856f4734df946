/**
 * Testing without a server: the lease service of lease.ts run on @effect-zk/testing's
 * in-memory ZooKeeper, with a TestClock for time — what lease.test.ts does with vitest, as a
 * plain script that prints what happens. No ZooKeeper needed.
 *
 *   npx tsx --conditions=effect-zk-source examples/node/testing-with-memory.ts
 */
import { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { ZooKeeperTest } from "@effect-zk/testing"
import { Console, Effect, Layer, Option, TestClock, TestContext } from "effect"
import * as Lease from "./lease.js"

const show = (lease: Option.Option<Lease.Lease>) =>
  Option.match(lease, { onNone: () => "nobody", onSome: (l) => `${l.holder} until t=${l.until / 1000} s` })

const program = Effect.gen(function* () {
  const leases = yield* Lease.Leases
  const server = yield* ZooKeeperTest.TestServer
  const zk = yield* ZooKeeper.ZooKeeper

  yield* leases.acquire("migration", "alice", "30 seconds")
  yield* Console.log(`holder: ${show(yield* leases.current("migration"))}`)
  const refused = yield* Effect.flip(leases.acquire("migration", "bob", "30 seconds"))
  yield* Console.log(`bob is refused: ${refused._tag}`)

  // Time is the TestClock's: 31 seconds pass at once.
  yield* TestClock.adjust("31 seconds")
  yield* Console.log(`after 31 s: ${show(yield* leases.current("migration"))}`)
  yield* leases.acquire("migration", "bob", "30 seconds")
  yield* Console.log(`holder: ${show(yield* leases.current("migration"))}`)

  // The server's controls: expire bob's session, make the next create fail.
  yield* server.expireSession(zk)
  yield* Console.log(`after bob's session expired: ${show(yield* leases.current("migration"))}`)
  yield* server.failNext({ op: "create" }, (call) => new ZooKeeperError.ConnectionLossError(call))
  const lost = yield* Effect.flip(leases.acquire("migration", "carol", "30 seconds"))
  yield* Console.log(`carol's first try: ${lost._tag}`)
  yield* leases.acquire("migration", "carol", "30 seconds")
  yield* Console.log(`the tree now:\n${yield* server.render("/leases")}`)
  yield* Console.log("done")
})

const TestLayer = Lease.layer.pipe(Layer.provideMerge(ZooKeeperTest.layer()))

Effect.runPromise(program.pipe(Effect.provide(TestLayer), Effect.provide(TestContext.TestContext))).catch(
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
