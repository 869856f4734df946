import { ZooKeeper, ZooKeeperConfig } from "@effect-zk/core"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import { expect } from "vitest"
import { countingPauses, hosts } from "./helpers.js"

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff)

layer(TestCluster.layer({}), { excludeTestServices: true })("read coalescing", (it) => {
  it.scoped("2,000 pipelined reads each get their own reply while reading pauses; sequential reads never pause", () =>
    Effect.gen(function* () {
      const { pauses, layer } = countingPauses()
      const zk = yield* ZooKeeper.make({ hosts: yield* hosts, readCoalescing: { minInFlight: 32, pause: "2 millis" } }).pipe(
        Effect.provide(layer)
      )
      const base = `/coalesce-${Date.now()}`
      yield* zk.create(base)
      yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (i) => zk.create(`${base}/n${i}`, { data: bytes(100 + i, i) }),
        { concurrency: "unbounded", discard: true }
      )
      // sequential: one request in flight at a time, never enough to pause
      for (let i = 0; i < 200; i++) expect((yield* zk.get(`${base}/n${i % 20}`)).data.length).toBe(100 + (i % 20))
      expect(pauses).toEqual([])
      // a watch set before the burst fires through the pauses
      const watched = yield* zk.getAndWatch(`${base}/n0`)
      const events = yield* Effect.fork(zk.watch(base, { recursive: true }).pipe(Stream.take(1), Stream.runCollect))
      const replies = yield* Effect.forEach(
        Array.from({ length: 2000 }, (_, i) => i),
        (i) => Effect.map(zk.get(`${base}/n${i % 20}`), (node) => ({ i, node })),
        { concurrency: "unbounded" }
      )
      for (const { i, node } of replies) expect(node.data).toEqual(bytes(100 + (i % 20), i % 20))
      expect(pauses.length).toBeGreaterThan(0)
      expect(pauses.every((m) => m === 2)).toBe(true)
      yield* zk.set(`${base}/n0`, "changed")
      expect(yield* watched.event).toMatchObject({ type: "CHANGED", path: `${base}/n0` })
      const [event] = Chunk.toReadonlyArray(yield* Fiber.join(events))
      expect(event).toMatchObject({ type: "CHANGED", path: `${base}/n0` })
      yield* zk.delete(base, { recursive: true })
    })
  )

  it.scoped("readCoalescing: false: no pause however many requests are in flight", () =>
    Effect.gen(function* () {
      const { pauses, layer } = countingPauses()
      const zk = yield* ZooKeeper.make({ hosts: yield* hosts, readCoalescing: false }).pipe(Effect.provide(layer))
      yield* Effect.forEach(Array.from({ length: 1000 }, (_, i) => i), () => zk.exists("/"), {
        concurrency: "unbounded",
        discard: true
      })
      expect(pauses).toEqual([])
    })
  )

  it.effect("bad settings are a ConfigurationError naming the field", () =>
    Effect.gen(function* () {
      const bad = (readCoalescing: ZooKeeperConfig.Options["readCoalescing"]) =>
        Effect.map(Effect.flip(ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181", readCoalescing })), (e) => e.field)
      expect(yield* bad({ minInFlight: 0 })).toBe("readCoalescing.minInFlight")
      expect(yield* bad({ pause: "0 millis" })).toBe("readCoalescing.pause")
      const byDefault = yield* ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181" })
      expect(byDefault.readCoalescing).toEqual({ minInFlight: 128, pauseMillis: 1 })
      const off = yield* ZooKeeperConfig.resolve({ hosts: "127.0.0.1:2181", readCoalescing: false })
      expect(Option.fromNullable(off.readCoalescing)).toEqual(Option.none())
    })
  )
})
