import { CuratorQueue } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Clock, Data, Effect, Exit, Fiber, Option, Stream } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { childrenOf, client, clients, expirableClient, newChroot, text, WaitTimeout, waitUntil, watchedAfterReconnect } from "./helpers.js"

const bytes = (s: string) => new TextEncoder().encode(s)

describe("CuratorQueue's item framing (Curator's ItemSerializer)", () => {
  it("encodes a version, then 1, length, bytes per item, then 2", () => {
    expect([...CuratorQueue.encodeItems([bytes("ab"), new Uint8Array(0)])]).toEqual([
      0, 1, 0, 1, 1, 0, 0, 0, 2, 97, 98, 1, 0, 0, 0, 0, 2
    ])
    expect([...CuratorQueue.encodeItems([])]).toEqual([0, 1, 0, 1, 2])
  })

  it("decodes what it encodes", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (items) => {
        const decoded = CuratorQueue.decodeItems("/q/queue-0000000001", CuratorQueue.encodeItems(items))
        expect(decoded).toEqual(items)
      })
    )
  })

  it("names what is wrong with bytes that are not the framing", () => {
    const reason = (data: ReadonlyArray<number>) => {
      const out = CuratorQueue.decodeItems("/q/queue-0000000001", new Uint8Array(data))
      return Array.isArray(out) ? "decoded" : (out as { readonly reason: string }).reason
    }
    expect(reason([1, 2])).toMatch(/2 bytes/)
    expect(reason([0, 0, 0, 1, 2])).toMatch(/version 1, not 65537/)
    expect(reason([0, 1, 0, 1, 7])).toMatch(/opcode 7 at byte 4/)
    expect(reason([0, 1, 0, 1, 1, 0, 0])).toMatch(/length cut short/)
    expect(reason([0, 1, 0, 1, 1, 0, 0, 0, 9, 1, 2])).toMatch(/an item of 9 bytes/)
    expect(reason([0, 1, 0, 1, 1, 0, 0, 0, 1, 65])).toMatch(/no end marker/)
    expect(reason([0, 1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 2])).toMatch(/an item of -1 bytes/)
    // any prefix of a good node is refused, never read as fewer items
    const good = [...CuratorQueue.encodeItems([bytes("one"), bytes("two")])]
    for (let n = 0; n < good.length; n++) expect(reason(good.slice(0, n))).not.toBe("decoded")
  })
})

class Boom extends Data.TaggedError("Boom")<{ readonly item: string }> {}

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("CuratorQueue", (it) => {
  it.scoped("simple: Curator's qn- nodes, first in first out; peek, poll, take waits, takeWithin gives up, foreign nodes left alone", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.simple(zk, "/sq")
      expect(yield* queue.poll).toEqual(Option.none())
      expect(yield* queue.peek).toEqual(Option.none())
      const first = yield* queue.offer("one")
      expect(first).toMatch(/^\/sq\/qn-\d{10}$/)
      yield* queue.offer(bytes("two"))
      yield* other.create("/sq/foreign", { data: "not an item" })
      expect(yield* queue.length).toBe(2)
      expect(Option.map(yield* queue.peek, text)).toEqual(Option.some("one"))
      expect(yield* queue.length).toBe(2)
      const consumer = yield* CuratorQueue.simple(other, "/sq")
      expect(Option.map(yield* consumer.poll, text)).toEqual(Option.some("one"))
      expect(text(yield* consumer.take)).toBe("two")
      expect(yield* consumer.takeWithin("200 millis")).toEqual(Option.none())
      // take waits for the next offer
      const waiting = yield* Effect.fork(consumer.take)
      yield* Effect.sleep("100 millis")
      yield* queue.offer("three")
      expect(text(yield* Fiber.join(waiting))).toBe("three")
      expect(yield* childrenOf(other, "/sq")).toEqual(["foreign"])
    })
  )

  it.scoped("distributed: queue- nodes in Curator's framing; putMulti's items taken together, in order; items streams", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/dq")
      const path = yield* queue.put("a")
      expect(path).toMatch(/^\/dq\/queue-\d{10}$/)
      expect([...(yield* other.get(path)).data]).toEqual([...CuratorQueue.encodeItems([bytes("a")])])
      yield* queue.putMulti(["b", "c", "d"])
      yield* queue.put("e")
      expect(yield* queue.length).toBe(3)
      const consumer = yield* CuratorQueue.distributed(other, "/dq")
      expect(text(yield* consumer.take)).toBe("a")
      expect(Option.map(yield* consumer.takeWithin("1 second"), text)).toEqual(Option.some("b"))
      // the rest of that node is this handle's now: the node is gone
      expect(yield* queue.length).toBe(1)
      const rest = yield* consumer.items.pipe(Stream.take(3), Stream.map(text), Stream.runCollect)
      expect([...rest]).toEqual(["c", "d", "e"])
      expect(yield* consumer.takeWithin("200 millis")).toEqual(Option.none())
    })
  )

  it.scoped("distributed: a node that is not Curator's framing is removed and reported; the next take goes on", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/bad")
      yield* other.create("/bad/queue-", { data: "garbage", sequence: true, makepath: true })
      yield* queue.put("fine")
      const error = yield* Effect.flip(queue.take)
      expect(error).toMatchObject({ _tag: "MalformedDataError" })
      expect(error.message).toMatch(/\/bad\/queue-\d{10}.*not Curator's queue item framing/)
      expect(text(yield* queue.take)).toBe("fine")
      expect(yield* childrenOf(other, "/bad")).toEqual([])
    })
  )

  it.scoped("priority: Curator's priority names; lower first, then first in first out", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/pq", { order: "priority" })
      const late = yield* queue.put("late", { priority: 10 })
      expect(late).toMatch(/^\/pq\/queue-10000000A\d{10}$/)
      const early = yield* queue.put("early", { priority: -5 })
      expect(early).toMatch(/^\/pq\/queue-0FFFFFFFB\d{10}$/)
      yield* queue.put("mid-1")
      yield* queue.put("mid-2", { priority: 0 })
      yield* queue.put("max", { priority: 2 ** 31 - 1 })
      yield* queue.put("min", { priority: -(2 ** 31) })
      const consumer = yield* CuratorQueue.distributed(other, "/pq", { order: "priority" })
      const order = yield* consumer.items.pipe(Stream.take(6), Stream.map(text), Stream.runCollect)
      expect([...order]).toEqual(["min", "early", "mid-1", "mid-2", "late", "max"])
    })
  )

  it.scoped("delay: Curator's due-time names; an item is never taken before its time, earliest first", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/lq", { order: "delay" })
      const now = yield* Clock.currentTimeMillis
      const later = yield* queue.put("later", { delayUntil: now + 1200 })
      const hex = (now + 1200).toString(16).toUpperCase()
      expect(later).toBe(`/lq/queue-|${hex}|${later.slice(-10)}`)
      yield* queue.put("soon", { delayUntil: new Date(now + 600) })
      yield* queue.put("now")
      const consumer = yield* CuratorQueue.distributed(other, "/lq", { order: "delay" })
      expect(text(yield* consumer.take)).toBe("now")
      const takeTimed = Effect.flatMap(consumer.take, (item) => Effect.map(Clock.currentTimeMillis, (at) => ({ item: text(item), at })))
      const soon = yield* takeTimed
      expect(soon.item).toBe("soon")
      expect(soon.at).toBeGreaterThanOrEqual(now + 600)
      const last = yield* takeTimed
      expect(last.item).toBe("later")
      expect(last.at).toBeGreaterThanOrEqual(now + 1200)
    })
  )

  it.scoped("id: Curator's id names; first in first out whatever the id; remove takes an id's items out", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/iq", { order: "id" })
      const first = yield* queue.put("a", { id: "zeta" })
      expect(first).toMatch(/^\/iq\/queue-\|zeta\|\d{10}$/)
      expect(yield* queue.put("b", { id: "a/b|c" })).toMatch(/^\/iq\/queue-\|a_b_c\|\d{10}$/)
      yield* queue.put("c", { id: "alpha" })
      yield* queue.put("d", { id: "zeta" })
      yield* queue.putMulti(["e", "f"], { id: "beta" })
      expect(yield* queue.remove("zeta")).toBe(2)
      expect(yield* queue.remove("nobody")).toBe(0)
      expect(yield* queue.length).toBe(3)
      const consumer = yield* CuratorQueue.distributed(other, "/iq", { order: "id" })
      const order = yield* consumer.items.pipe(Stream.take(4), Stream.map(text), Stream.runCollect)
      expect([...order]).toEqual(["b", "c", "e", "f"])
      expect(yield* Effect.flip(queue.put("x"))).toMatchObject({ _tag: "InvalidArgumentError", argument: "id" })
      expect(yield* Effect.flip(queue.put("x", { id: "" }))).toMatchObject({ argument: "id" })
      const fifo = yield* CuratorQueue.distributed(zk, "/iq2")
      expect(yield* Effect.flip(fifo.put("x", { id: "a" }))).toMatchObject({ argument: "id" })
      expect(yield* Effect.flip(fifo.remove("a"))).toMatchObject({ _tag: "InvalidArgumentError", argument: "id" })
    })
  )

  it.scoped("lockPath: process removes an item once processed, puts back one that fails, leaves one interrupted", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/lk", { lockPath: "/lk-locks" })
      yield* queue.put("ok")
      yield* queue.putMulti(["fails-1", "fails-2"])
      yield* queue.put("slow")
      const seen: Array<string> = []
      const handle = (item: Uint8Array) =>
        Effect.gen(function* () {
          seen.push(text(item))
          if (text(item) === "fails-2") return yield* new Boom({ item: text(item) })
          if (text(item) === "slow") yield* Effect.never
        })
      yield* queue.process(handle)
      expect(seen).toEqual(["ok"])
      const names = yield* childrenOf(other, "/lk")
      expect(names).toHaveLength(2)
      // a failure: the whole node goes to the end, under a new sequence number, and process fails with it
      const failed = yield* Effect.flip(queue.process(handle))
      expect(failed).toEqual(new Boom({ item: "fails-2" }))
      expect(seen).toEqual(["ok", "fails-1", "fails-2"])
      const after = yield* childrenOf(other, "/lk")
      expect(after).toHaveLength(2)
      expect(after[0]).toBe(names[1])
      expect(after[1]! > names[1]!).toBe(true)
      expect(yield* childrenOf(other, "/lk-locks")).toEqual([])
      // while one consumer holds "slow", another skips it and takes the next
      const holding = yield* Effect.fork(queue.process(handle))
      yield* Effect.sleep("300 millis")
      expect(yield* childrenOf(other, "/lk-locks")).toEqual([after[0]])
      const second = yield* CuratorQueue.distributed(other, "/lk", { lockPath: "/lk-locks" })
      const got: Array<string> = []
      yield* second.process((item) => Effect.sync(() => got.push(text(item))))
      expect(got).toEqual(["fails-1", "fails-2"])
      // interrupted: the item stays, unlocked, for the next consumer
      yield* Fiber.interrupt(holding)
      expect(yield* childrenOf(other, "/lk-locks")).toEqual([])
      yield* second.process((item) => Effect.sync(() => got.push(text(item))))
      expect(got).toEqual(["fails-1", "fails-2", "slow"])
      expect(yield* childrenOf(other, "/lk")).toEqual([])
    })
  )

  it.scoped("lockPath: a connection lost while processing interrupts f and fails with LockLostError; the item stays for another", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const observer = yield* client({ chroot })
      const queue = yield* CuratorQueue.distributed(zk, "/lost", { lockPath: "/lost-locks" })
      const other = yield* CuratorQueue.distributed(observer, "/lost", { lockPath: "/lost-locks" })
      yield* other.put("x")
      let interrupted = false
      const processing = yield* Effect.fork(
        queue.process(() => Effect.onInterrupt(Effect.never, () => Effect.sync(() => (interrupted = true))))
      )
      yield* waitUntil(Effect.map(childrenOf(observer, "/lost-locks"), (c) => c.length === 1), "the item locked")
      yield* proxy.cut
      // process ends once its lock is removed or its session is gone (the client calls it lost
      // after the session timeout); each wait is bounded so that a failure says which one hung
      const error = yield* Effect.flip(
        Effect.timeoutFail(Fiber.join(processing), { duration: "20 seconds", onTimeout: () => new WaitTimeout("process to end") })
      )
      expect(error).toMatchObject({ _tag: "LockLostError", reason: "SUSPENDED" })
      expect(interrupted).toBe(true)
      yield* proxy.heal
      // the lock goes once the connection is back (the session lives on); the item is still there
      yield* waitUntil(Effect.map(childrenOf(observer, "/lost-locks"), (c) => c.length === 0), "the lock removed")
      expect(yield* childrenOf(observer, "/lost")).toHaveLength(1)
      const got: Array<string> = []
      yield* Effect.timeoutFail(other.process((item) => Effect.sync(() => got.push(text(item)))), {
        duration: "20 seconds",
        onTimeout: () => new WaitTimeout("the other consumer to process the item")
      })
      expect(got).toEqual(["x"])
    })
  )

  it.scoped("lockPath: two consumers on one client (one session) never process the same item", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const producer = yield* CuratorQueue.distributed(zk, "/shared", { lockPath: "/shared-locks" })
      for (let i = 0; i < 10; i++) yield* producer.put(`job-${i}`)
      const done: Array<string> = []
      const worker = Effect.gen(function* () {
        const queue = yield* CuratorQueue.distributed(zk, "/shared", { lockPath: "/shared-locks" })
        while (done.length < 10) {
          yield* queue
            .process((item) => Effect.zipRight(Effect.sleep("5 millis"), Effect.sync(() => done.push(text(item)))))
            .pipe(Effect.timeout("2 seconds"), Effect.ignore)
        }
      })
      yield* Effect.all([worker, worker], { concurrency: "unbounded" }).pipe(
        Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new WaitTimeout("ten jobs done") })
      )
      expect([...done].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`).sort())
    })
  )

  it.scoped("maxItems: put waits while the queue is full, a take makes room; a timeout bounds the wait and writes nothing", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const queue = yield* CuratorQueue.distributed(zk, "/full", { maxItems: 2 })
      yield* queue.put("1")
      yield* queue.putMulti(["2a", "2b"])
      expect(yield* Effect.timeout(queue.put("3"), "300 millis").pipe(Effect.flip)).toMatchObject({ _tag: "TimeoutException" })
      expect(yield* childrenOf(other, "/full")).toHaveLength(2)
      const waiting = yield* Effect.fork(queue.put("3"))
      yield* Effect.sleep("100 millis")
      expect(waiting.unsafePoll()).toBe(null)
      const consumer = yield* CuratorQueue.distributed(other, "/full")
      expect(text(yield* consumer.take)).toBe("1")
      yield* Fiber.join(waiting)
      const rest = yield* consumer.items.pipe(Stream.take(3), Stream.map(text), Stream.runCollect)
      expect([...rest]).toEqual(["2a", "2b", "3"])
      expect(yield* Effect.flip(CuratorQueue.distributed(zk, "/full", { maxItems: 0 }))).toMatchObject({ argument: "maxItems" })
    })
  )

  it.scoped("bad arguments are refused with InvalidArgumentError, and nothing is written", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      expect(yield* Effect.flip(CuratorQueue.simple(zk, "no-slash"))).toMatchObject({ _tag: "InvalidArgumentError" })
      expect(yield* Effect.flip(CuratorQueue.distributed(zk, "/ok", { lockPath: "/bad/" }))).toMatchObject({
        _tag: "InvalidArgumentError"
      })
      expect(
        yield* Effect.flip(CuratorQueue.distributed(zk, "/ok", { order: "lifo" as "fifo" }))
      ).toMatchObject({ _tag: "InvalidArgumentError", argument: "order" })
      const fifo = yield* CuratorQueue.distributed(zk, "/args")
      expect(yield* Effect.flip(fifo.put("x", { priority: 1 }))).toMatchObject({ argument: "priority" })
      expect(yield* Effect.flip(fifo.put("x", { delayUntil: 1 }))).toMatchObject({ argument: "delayUntil" })
      const prio = yield* CuratorQueue.distributed(zk, "/args", { order: "priority" })
      expect(yield* Effect.flip(prio.put("x", { priority: 2 ** 31 }))).toMatchObject({ argument: "priority" })
      expect(yield* Effect.flip(prio.put("x", { priority: 1.5 }))).toMatchObject({ argument: "priority" })
      const delay = yield* CuratorQueue.distributed(zk, "/args", { order: "delay" })
      expect(yield* Effect.flip(delay.put("x", { delayUntil: -1 }))).toMatchObject({ argument: "delayUntil" })
      expect(yield* Effect.flip(delay.put("x", { delayUntil: new Date(Number.NaN) }))).toMatchObject({ argument: "delayUntil" })
      expect(yield* zk.exists("/args")).toEqual(Option.none())
    })
  )

  it.scoped("a takeWithin that times out, an interrupted take and a put that gives up leave no watch behind", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const watched = (name: string) => watchedAfterReconnect(zk, name, "children")
      const simple = yield* CuratorQueue.simple(zk, "/idle")
      // an idle queue polled in a loop
      for (let i = 0; i < 5; i++) expect(yield* simple.takeWithin("20 millis")).toEqual(Option.none())
      expect(yield* watched("/idle")).toBe(false)
      // what the check sees of a watch the client still has: a waiting take's
      const waiting = yield* Effect.fork(simple.take)
      yield* Effect.sleep("100 millis")
      expect(yield* watched("/idle")).toBe(true)
      yield* Fiber.interrupt(waiting)
      expect(yield* watched("/idle")).toBe(false)
      const distributed = yield* CuratorQueue.distributed(zk, "/idle-d", { order: "delay", maxItems: 1 })
      for (let i = 0; i < 5; i++) expect(yield* distributed.takeWithin("20 millis")).toEqual(Option.none())
      // a put waiting for room, bounded by a timeout
      yield* distributed.put("later", { delayUntil: Date.now() + 60_000 })
      expect(yield* Effect.timeout(distributed.put("more"), "100 millis").pipe(Effect.flip)).toMatchObject({
        _tag: "TimeoutException"
      })
      expect(yield* watched("/idle-d")).toBe(false)
    })
  )

  it.scoped("a closed client ends a waiting take with its error", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const queue = yield* CuratorQueue.simple(zk, "/closing")
      const waiting = yield* Effect.fork(queue.take)
      yield* Effect.sleep("100 millis")
      yield* zk.close
      const exit = yield* Fiber.await(waiting)
      expect(Exit.isFailure(exit)).toBe(true)
    })
  )
})
