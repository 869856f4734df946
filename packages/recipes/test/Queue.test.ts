import { Queue } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import { expect } from "vitest"
import { childrenOf, clients, hosts, newChroot, client as newClient, text, waitUntil } from "./helpers.js"
import { kazooProcess } from "./kazoo2/process.js"
import { hasServerDataWatch, NO_WATCH, serverWatchesOn } from "./recipesII.js"

const ENTRY = /^entry-\d{3}-\d{10}$/

const takeAll = (queue: Queue.Queue) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    for (;;) {
      const item = yield* queue.get
      if (Option.isNone(item)) return out
      out.push(text(item.value))
    }
  })

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Queue", (it) => {
  it.scoped("kazoo's node names; lowest priority first, then first in first out; length; none when empty", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* Queue.make(zk, "/q")
      expect(Option.isNone(yield* queue.get)).toBe(true)
      const path = yield* queue.put("p100-1")
      expect(path).toMatch(/^\/q\/entry-100-\d{10}$/)
      yield* queue.put("p5-1", 5)
      yield* queue.put("p100-2")
      yield* queue.put("p0", 0)
      yield* queue.put("p5-2", 5)
      yield* queue.put("p999", 999)
      expect(yield* queue.length).toBe(6)
      const names = yield* childrenOf(other, "/q")
      expect(names.every((n) => ENTRY.test(n))).toBe(true)
      expect(names.filter((n) => n.startsWith("entry-005-")).length).toBe(2)
      const consumer = yield* Queue.make(other, "/q")
      expect(yield* takeAll(consumer)).toEqual(["p0", "p5-1", "p5-2", "p100-1", "p100-2", "p999"])
      expect(yield* queue.length).toBe(0)
      for (const bad of [-1, 1000, 1.5]) {
        const error = yield* Effect.flip(queue.put("x", bad))
        expect(error._tag).toBe("InvalidArgumentError")
      }
    })
  )

  it.scoped("two consumers take each item once", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const qa = yield* Queue.make(a, "/q")
      const qb = yield* Queue.make(b, "/q")
      for (let i = 0; i < 40; i++) yield* qa.put(`i${i}`, i % 3)
      const [fromA, fromB] = yield* Effect.all([takeAll(qa), takeAll(qb)], { concurrency: 2 })
      const all = [...fromA, ...fromB].sort()
      expect(all.length).toBe(40)
      expect(new Set(all).size).toBe(40)
    })
  )

  it.scoped("items: waits for items as they come; ending the stream removes the watch", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* Queue.make(zk, "/q")
      const producer = yield* Queue.make(other, "/q")
      yield* producer.put("first")
      let taken = 0
      const fiber = yield* queue.items.pipe(
        Stream.tap(() => Effect.sync(() => taken++)),
        Stream.take(3),
        Stream.runCollect,
        Effect.fork
      )
      yield* waitUntil(Effect.sync(() => taken === 1), "the first item")
      yield* waitUntil(hasServerDataWatch(zk, "/q"), "the queue's watch")
      yield* producer.put("second")
      // "third" has the higher priority: put it only once "second" has been taken
      yield* waitUntil(Effect.sync(() => taken === 2), "the second item")
      yield* producer.put("third", 1)
      const got = Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      expect(got.map(text)).toEqual(["first", "second", "third"])
      expect(yield* serverWatchesOn(zk, "/q")).toEqual(NO_WATCH)
    })
  )

  it.scoped("interop with kazoo: each takes the other's items in priority order", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const zk = yield* newClient({ chroot })
      const kazoo = yield* kazooProcess(`${yield* hosts}${chroot}`)
      // kazoo puts, we take
      for (const [value, priority] of [["k-a", 5], ["k-b", 100], ["k-c", 1], ["k-d", 5], ["k-e", 999]] as const) {
        yield* kazoo.call("queue_put", { path: "/fromKazoo", value, priority })
      }
      const ours = yield* Queue.make(zk, "/fromKazoo")
      expect(yield* ours.length).toBe(5)
      expect(yield* takeAll(ours)).toEqual(["k-c", "k-a", "k-d", "k-b", "k-e"])
      // we put, kazoo takes
      const queue = yield* Queue.make(zk, "/fromUs")
      for (const [value, priority] of [["e-a", 50], ["e-b", 7], ["e-c", 50], ["e-d", 0]] as const) {
        yield* queue.put(value, priority)
      }
      expect(yield* kazoo.call("queue_len", { path: "/fromUs" })).toBe(4)
      const taken: Array<unknown> = []
      for (let i = 0; i < 5; i++) taken.push(yield* kazoo.call("queue_get", { path: "/fromUs" }))
      expect(taken).toEqual(["e-d", "e-b", "e-a", "e-c", null])
      // both put into one queue, then take turns: one global priority order, each item once
      const shared = yield* Queue.make(zk, "/shared")
      for (let i = 0; i < 6; i++) {
        yield* shared.put(`e${i}`, (i * 37) % 10)
        yield* kazoo.call("queue_put", { path: "/shared", value: `k${i}`, priority: (i * 53) % 10 })
      }
      const order: Array<string> = []
      for (let turn = 0; turn < 14; turn++) {
        if (turn % 2 === 0) {
          const item = yield* shared.get
          if (Option.isSome(item)) order.push(text(item.value))
        } else {
          const item = yield* kazoo.call("queue_get", { path: "/shared" })
          if (typeof item === "string") order.push(item)
        }
      }
      const expected = [
        ...Array.from({ length: 6 }, (_, i) => ({ v: `e${i}`, p: (i * 37) % 10, seq: 2 * i })),
        ...Array.from({ length: 6 }, (_, i) => ({ v: `k${i}`, p: (i * 53) % 10, seq: 2 * i + 1 }))
      ]
        .sort((x, y) => x.p - y.p || x.seq - y.seq)
        .map((x) => x.v)
      expect(order).toEqual(expected)
    })
  )
})
