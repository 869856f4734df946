import { ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import { expect } from "vitest"
import { hosts, tcpProxy } from "./helpers.js"

const make = (options: Parameters<typeof ZooKeeper.make>[0]) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))

// Its own cluster: the server is paused for a moment.
layer(TestCluster.layer({}), { excludeTestServices: true })("a persistent watch registered while the connection drops", (it) => {
  it.scoped("an addWatch whose reply is lost with the connection is sent again once connected: the watch works", () =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
      const zk = yield* make({ hosts: proxy.hosts, sessionTimeout: "20 seconds" })
      const other = yield* make({ hosts: yield* hosts })
      const path = `/rewatch-${Date.now()}`
      yield* other.create(path, { data: "0" })
      const before = Option.getOrThrow(yield* zk.clientId).sessionId
      // the server stops answering: the addWatch request is sent and waits for its reply
      yield* cluster.pause(1)
      const events = yield* Effect.fork(zk.watch(path).pipe(Stream.take(1), Stream.runCollect))
      yield* Effect.sleep("300 millis")
      // the connection drops with the request in flight (it fails with ConnectionLoss inside)
      yield* proxy.cut
      yield* cluster.resume(1)
      yield* Effect.sleep("200 millis")
      yield* proxy.heal
      yield* Effect.gen(function* () {
        while (!(yield* zk.connected)) yield* Effect.sleep("20 millis")
      }).pipe(Effect.timeout("15 seconds"))
      expect(Option.getOrThrow(yield* zk.clientId).sessionId).toBe(before)
      // registered again on the same session: a change reaches the stream
      yield* Effect.gen(function* () {
        for (;;) {
          const listed = (yield* zk.command("wchp")).split("\n")
          if (listed.includes(path)) return
          yield* Effect.sleep("20 millis")
        }
      }).pipe(Effect.timeout("10 seconds"))
      yield* other.set(path, "1")
      const got = yield* Fiber.join(events).pipe(Effect.timeout("10 seconds"))
      expect(Chunk.toReadonlyArray(got).map((e) => `${e.type} ${e.path}`)).toEqual([`CHANGED ${path}`])
    })
  )
})
