import type { ClientState } from "@effect-zk/core"
import { DataWatch } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Queue, Stream } from "effect"
import { expect } from "vitest"
import { client, clients, expirableClient, newChroot, text, waitUntil } from "./helpers.js"
import { awaitNoServerWatch, hasServerDataWatch, NO_WATCH, serverWatchesOn, takeWithin } from "./recipesII.js"

interface Call {
  readonly data: string | null
  readonly version: number | null
  readonly event: ClientState.EventType | null
}

const toCall = (change: DataWatch.Change): Call => ({
  data: Option.isSome(change.node) ? text(change.node.value.data) : null,
  version: Option.isSome(change.node) ? change.node.value.stat.version : null,
  event: Option.isSome(change.event) ? change.event.value.type : null
})

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("DataWatch", (it) => {
  it.scoped("called at once (none for a missing node), then on create, change and delete, until it returns false; then the watch is gone from the server", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const calls = yield* Queue.unbounded<Call>()
      let n = 0
      const watch = yield* DataWatch.make(zk, "/node", (node, event) => {
        Queue.unsafeOffer(calls, toCall({ node, event }))
        n++
        return n < 4
      })
      // the first call happened before make completed
      expect(yield* Queue.size(calls)).toBe(1)
      expect(yield* Queue.take(calls)).toEqual({ data: null, version: null, event: null })
      expect(yield* hasServerDataWatch(zk, "/node")).toBe(true)
      yield* other.create("/node", { data: "a" })
      expect(yield* takeWithin(calls, "created")).toEqual({ data: "a", version: 0, event: "CREATED" })
      yield* other.set("/node", "b")
      expect(yield* takeWithin(calls, "changed")).toEqual({ data: "b", version: 1, event: "CHANGED" })
      // a change of the children is not a data change
      yield* other.create("/node/child")
      yield* other.delete("/node", { recursive: true })
      expect(yield* takeWithin(calls, "deleted")).toEqual({ data: null, version: null, event: "DELETED" })
      // the fourth call returned false: stopped, and the watch removed from the server
      yield* watch.await.pipe(Effect.timeout("5 seconds"))
      expect(yield* watch.stopped).toBe(true)
      yield* other.create("/node", { data: "c" })
      yield* Effect.sleep("300 millis")
      expect(yield* Queue.size(calls)).toBe(0)
      yield* awaitNoServerWatch(zk, "/node", "the watch's removal")
    })
  )

  it.scoped("an Effect-returning function; a failing function stops the watch and await fails with its error", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* other.create("/n", { data: "0" })
      const seen: Array<string> = []
      const watch = yield* DataWatch.make(zk, "/n", (node) =>
        Effect.gen(function* () {
          const data = Option.isSome(node) ? text(node.value.data) : ""
          seen.push(data)
          if (data === "boom") return yield* Effect.fail("boom" as const)
        })
      )
      yield* other.set("/n", "1")
      yield* waitUntil(Effect.sync(() => seen.includes("1")), "the second call")
      yield* other.set("/n", "boom")
      const error = yield* Effect.flip(watch.await).pipe(Effect.timeout("5 seconds"))
      expect(error).toBe("boom")
      expect(seen).toEqual(["0", "1", "boom"])
    })
  )

  it.scoped("as a Stream: ends when the consumer stops, and no watch is left on the server", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* other.create("/s", { data: "0" })
      const seen = yield* Queue.unbounded<Call>()
      const fiber = yield* DataWatch.stream(zk, "/s").pipe(
        Stream.tap((c) => Queue.offer(seen, toCall(c))),
        Stream.takeUntil((c) => toCall(c).data === "2"),
        Stream.runCollect,
        Effect.fork
      )
      // the first element is the value read once the watch is in place; change it only after
      expect((yield* takeWithin(seen, "the current value")).data).toBe("0")
      expect(yield* hasServerDataWatch(zk, "/s")).toBe(true)
      yield* other.set("/s", "1")
      yield* Effect.sleep("100 millis")
      yield* other.set("/s", "2")
      const got = Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      // changes close together may be seen as one (under load "1" may be skipped): the first and
      // the last value are always seen, in order
      const values = got.map(toCall).map((c) => c.data)
      expect(values[0]).toBe("0")
      expect(values.at(-1)).toBe("2")
      expect(["0,1,2", "0,2"]).toContain(values.join(","))
      expect(yield* serverWatchesOn(zk, "/s")).toEqual(NO_WATCH)
      // interrupting the consumer also removes it. (Wait for the first element, not for the
      // server's watch: interrupted before the client has the addWatch reply, the client's
      // registry keeps a stale watcher and, on 3.8, the server its watch — a core issue.)
      const first = yield* Queue.unbounded<Call>()
      const f2 = yield* DataWatch.stream(zk, "/s").pipe(
        Stream.runForEach((c) => Queue.offer(first, toCall(c))),
        Effect.fork
      )
      yield* takeWithin(first, "the second watch's first element")
      expect(yield* hasServerDataWatch(zk, "/s")).toBe(true)
      yield* Fiber.interrupt(f2)
      expect(yield* serverWatchesOn(zk, "/s")).toEqual(NO_WATCH)
    })
  )

  it.scoped("two watches on one path: ending one leaves the other working; the server's watch goes with the last", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* other.create("/two", { data: "0" })
      const first = yield* Queue.unbounded<Call>()
      const second = yield* Queue.unbounded<Call>()
      const f1 = yield* Effect.fork(DataWatch.stream(zk, "/two").pipe(Stream.runForEach((c) => Queue.offer(first, toCall(c)))))
      const f2 = yield* Effect.fork(DataWatch.stream(zk, "/two").pipe(Stream.runForEach((c) => Queue.offer(second, toCall(c)))))
      expect((yield* takeWithin(first, "first's first call")).data).toBe("0")
      expect((yield* takeWithin(second, "second's first call")).data).toBe("0")
      yield* Fiber.interrupt(f1)
      yield* other.set("/two", "1")
      expect(yield* takeWithin(second, "the change")).toEqual({ data: "1", version: 1, event: "CHANGED" })
      expect(yield* hasServerDataWatch(zk, "/two")).toBe(true)
      yield* Fiber.interrupt(f2)
      expect(yield* serverWatchesOn(zk, "/two")).toEqual(NO_WATCH)
      expect(yield* Queue.size(first)).toBe(0)
    })
  )

  it.scoped("a change made while cut off is seen after the reconnection; the watch survives a session expiry", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const other = yield* client({ chroot })
      yield* other.create("/n", { data: "0" })
      const calls = yield* Queue.unbounded<Call>()
      yield* Effect.forkScoped(
        DataWatch.stream(zk, "/n").pipe(Stream.runForEach((c) => Queue.offer(calls, toCall(c))))
      )
      expect((yield* takeWithin(calls, "first call")).data).toBe("0")
      yield* proxy.cut
      yield* other.set("/n", "1")
      yield* proxy.heal
      // the persistent watch missed it: the re-read after CONNECTED finds it (no event)
      expect(yield* takeWithin(calls, "the change made while cut off", 15_000)).toEqual({
        data: "1",
        version: 1,
        event: null
      })
      yield* expire
      yield* other.set("/n", "2")
      const next = yield* takeWithin(calls, "a change after the expiry", 15_000)
      expect(next.data).toBe("2")
      yield* other.set("/n", "3")
      expect(yield* takeWithin(calls, "the next change")).toEqual({ data: "3", version: 3, event: "CHANGED" })
    })
  )
})
