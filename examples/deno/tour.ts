/**
 * A short tour of effect-zk on Deno: the Effect API with `DenoZooKeeper.layer`, then the
 * promise facade. Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`); works under a fresh chroot.
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx scripts/runtime.ts deno examples/deno/tour.ts
 *
 * (or, with Deno installed: `deno run --node-modules-dir=manual --sloppy-imports
 *  --conditions=effect-zk-source --allow-net --allow-env examples/deno/tour.ts`)
 */
import { Transaction, ZooKeeper } from "@effect-zk/core"
import { DenoZooKeeper, connect } from "@effect-zk/platform-deno"
import { Config, Console, Effect, Fiber, Layer, Stream } from "effect"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const tour = (base: string) =>
  Effect.gen(function* () {
    const zk = yield* ZooKeeper.ZooKeeper
    yield* zk.listen((s) => Console.log(`  [listener] ${s.state} (${s.keeperState})`))
    yield* Console.log(`deno: connected to ZooKeeper ${(yield* zk.serverVersion).join(".")}, working in ${base}`)
    yield* zk.create(`${base}/config/flag`, { data: "off", makepath: true })

    // A persistent watch as a Stream (on the server once addWatch returns, removed with the
    // scope), and a one-shot watch as an Effect.
    const changes = yield* zk.addWatch(`${base}/config`, { recursive: true })
    const follower = yield* Effect.fork(changes.pipe(Stream.take(2), Stream.runCollect))
    const watched = yield* zk.getAndWatch(`${base}/config/flag`)
    yield* zk.set(`${base}/config/flag`, "on", { version: watched.stat.version })
    const event = yield* watched.event
    yield* Console.log(`watch fired: ${event.type} on ${event.path}`)

    const results = yield* zk.transaction([
      Transaction.create(`${base}/jobs`),
      Transaction.create(`${base}/config/flag-history`, { data: "off,on" }),
      Transaction.check(`${base}/config/flag`, 1)
    ])
    yield* Console.log(`transaction: ${results.map((r) => r._tag).join(", ")}`)
    const seen = yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))
    yield* Console.log(`recursive watch saw: ${[...seen].map((e) => `${e.type} ${e.path}`).join("; ")}`)

    yield* Console.log("dropping the connection: the session survives")
    yield* zk.restart
    yield* zk.awaitConnected(10_000)
    yield* Console.log(`flag = ${text((yield* zk.get(`${base}/config/flag`)).data)}`)
  })

const program = Effect.gen(function* () {
  const hosts = yield* Config.string("ZK_HOSTS")
  const base = `/effect-zk-deno-tour-${Date.now()}`
  const live = ZooKeeper.layer({ hosts }).pipe(Layer.provide(DenoZooKeeper.layer))
  yield* Effect.scoped(tour(base)).pipe(Effect.provide(live))

  // The same client for code that does not use Effect.
  yield* Effect.promise(async () => {
    const zk = await connect({ hosts })
    try {
      const { data, stat } = await zk.get(`${base}/config/flag`)
      console.log(`promise facade: flag = ${text(data)} (version ${stat.version})`)
      const error = await zk.create(`${base}/config/flag`).catch((e: { _tag: string }) => e._tag)
      console.log(`second create failed: ${error}`)
      await zk.delete(base, { recursive: true })
    } finally {
      await zk.close()
    }
  })
  yield* Console.log("Done.")
})

const { Deno }: { readonly Deno: { exit(code: number): never } } = globalThis as never

Effect.runPromise(program).then(
  () => Deno.exit(0),
  (error: unknown) => {
    console.error(error)
    Deno.exit(1)
  }
)
