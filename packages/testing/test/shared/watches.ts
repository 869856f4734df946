/**
 * Watches (once packages/platform-node/test/watches.test.ts, now only here): the same assertions against
 * whatever the harness gives.
 */
import type { ZooKeeper } from "@effect-zk/core"
import { Chunk, Deferred, Effect, Fiber, Option, Queue, Stream } from "effect"
import { expect } from "vitest"
import { type Harness, type It, recorder, test } from "./harness.js"

/** Registers the watch cases. */
export const watches = <R>(it: It<R>, h: Harness<R>): void => {
  test(it, h, "a data watch fires once, with the right type and path", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      yield* zk.create("/w", { data: "1" })
      yield* zk.get("/w", { watch: rec.callback })
      yield* zk.set("/w", "2")
      expect(yield* rec.next).toEqual({ type: "CHANGED", state: "CONNECTED", path: "/w" })
      yield* zk.set("/w", "3")
      yield* zk.sync("/w")
      yield* Effect.sleep("200 millis")
      expect(yield* rec.size).toBe(0)
    })
  )

  test(it, h, "exists watches fire on creation, then on deletion", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      expect(Option.isNone(yield* zk.exists("/later", { watch: rec.callback }))).toBe(true)
      yield* zk.create("/later")
      expect(yield* rec.next).toMatchObject({ type: "CREATED", path: "/later" })
      expect(Option.isSome(yield* zk.exists("/later", { watch: rec.callback }))).toBe(true)
      yield* zk.delete("/later")
      expect(yield* rec.next).toMatchObject({ type: "DELETED", path: "/later" })
    })
  )

  test(it, h, "a child watch fires on a new child; a data watch on deletion", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      yield* zk.create("/parent")
      expect(yield* zk.getChildren("/parent", { watch: rec.callback })).toEqual([])
      yield* zk.create("/parent/kid")
      expect(yield* rec.next).toMatchObject({ type: "CHILD", path: "/parent" })
      const watched = yield* zk.getAndWatch("/parent/kid")
      yield* zk.delete("/parent/kid")
      expect(yield* watched.event).toMatchObject({ type: "DELETED", path: "/parent/kid" })
    })
  )

  test(it, h, "the same callback on the same node is called once per event (kazoo's watcher sets)", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      yield* zk.create("/dup")
      yield* zk.get("/dup", { watch: rec.callback })
      yield* zk.get("/dup", { watch: rec.callback })
      yield* zk.exists("/dup", { watch: rec.callback })
      yield* zk.set("/dup", "x")
      yield* rec.next
      yield* Effect.sleep("200 millis")
      expect(yield* rec.size).toBe(0)
    })
  )

  test(it, h, "watch events as Effects: existsAndWatch, getChildrenAndWatch", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const pending = yield* zk.existsAndWatch("/e")
      expect(Option.isNone(pending.stat)).toBe(true)
      const fiber = yield* Effect.fork(pending.event)
      yield* zk.create("/e")
      expect(yield* Fiber.join(fiber)).toMatchObject({ type: "CREATED", path: "/e" })
      const kids = yield* zk.getChildrenAndWatch("/e")
      expect(kids.children).toEqual([])
      expect(kids.stat.numChildren).toBe(0)
      yield* zk.create("/e/x")
      expect(yield* kids.event).toMatchObject({ type: "CHILD", path: "/e" })
    })
  )

  test(it, h, "persistent watches see every change until their scope ends, then the server forgets them", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/p")
      // addWatch completes once the server has the watch: nothing done afterwards is missed
      const got = yield* Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* zk.addWatch("/p")
          const events = yield* Effect.fork(stream.pipe(Stream.take(3), Stream.runCollect, Effect.timeout("10 seconds")))
          yield* zk.set("/p", "1")
          yield* zk.create("/p/c")
          yield* zk.set("/p", "2")
          return Chunk.toReadonlyArray(yield* Fiber.join(events))
        })
      )
      expect(got.map((e) => e.type)).toEqual(["CHANGED", "CHILD", "CHANGED"])
      expect(got.every((e) => e.path === "/p")).toBe(true)
      // After the scope ended the watch is removed on the server: removing it again says NoWatcher.
      expect((yield* Effect.flip(zk.removeWatches("/p", "any")))._tag).toBe("NoWatcherError")
      // The lazy form registers when the stream runs, which cannot be seen from outside: change
      // the node until it reports a change. When the stream ends, the watch goes too.
      const lazy = yield* Effect.fork(zk.watch("/p").pipe(Stream.take(1), Stream.runCollect))
      for (let i = 0; i < 200 && Option.isNone(yield* Fiber.poll(lazy)); i++) {
        yield* zk.set("/p", `${i}`)
        yield* Effect.sleep("25 millis")
      }
      const first = Chunk.toReadonlyArray(yield* Fiber.join(lazy).pipe(Effect.timeout("5 seconds")))
      expect(first).toMatchObject([{ type: "CHANGED", path: "/p" }])
      expect((yield* Effect.flip(zk.removeWatches("/p", "any")))._tag).toBe("NoWatcherError")
    })
  )

  test(it, h, "addWatch: its stream ends when the scope closes; a bad path fails at once", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/aw")
      const [events, rest] = yield* Effect.scoped(
        Effect.gen(function* () {
          const stream = yield* zk.addWatch("/aw")
          yield* zk.set("/aw", "1")
          // collected after the scope closed: what came before, then the end
          return [stream, undefined] as const
        })
      )
      expect(rest).toBeUndefined()
      const got = Chunk.toReadonlyArray(yield* Stream.runCollect(events).pipe(Effect.timeout("5 seconds")))
      expect(got.map((e) => `${e.type} ${e.path}`)).toEqual(["CHANGED /aw"])
      const bad = yield* Effect.flip(Effect.scoped(zk.addWatch("no-slash")))
      expect(bad._tag).toBe("InvalidArgumentError")
    })
  )

  test(it, h, "recursive watches see the whole subtree but not child-list changes", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/r")
      const stream = yield* zk.addWatch("/r", { recursive: true })
      const events = yield* Effect.fork(stream.pipe(Stream.take(4), Stream.runCollect, Effect.timeout("10 seconds")))
      yield* zk.create("/r/a")
      yield* zk.create("/r/a/b", { data: "x" })
      yield* zk.set("/r/a/b", "y")
      yield* zk.delete("/r/a/b")
      const got = Chunk.toReadonlyArray(yield* Fiber.join(events)).map((e) => [e.type, e.path])
      expect(got).toEqual([
        ["CREATED", "/r/a"],
        ["CREATED", "/r/a/b"],
        ["CHANGED", "/r/a/b"],
        ["DELETED", "/r/a/b"]
      ])
    })
  )

  test(it, h, "removeWatches removes one-shot watches on the server and tells the watcher", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      yield* zk.create("/rm")
      yield* zk.get("/rm", { watch: rec.callback })
      yield* zk.removeWatches("/rm", "data")
      expect(yield* rec.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/rm" })
      yield* zk.set("/rm", "x")
      yield* zk.sync("/rm")
      yield* Effect.sleep("200 millis")
      expect(yield* rec.size).toBe(0)
      const none = yield* Effect.flip(zk.removeWatches("/rm", "children"))
      expect(none._tag).toBe("NoWatcherError")
    })
  )

  // Whether the server holds a watch of the session on a node is told by removeWatches without a
  // callback: NoWatcher when it holds none (one found is removed, on both ends).
  const serverHolds = (zk: ZooKeeper.ZooKeeperClient, path: string, type: "data" | "children") =>
    zk.removeWatches(path, type).pipe(
      Effect.as(true),
      Effect.catchTag("NoWatcherError", () => Effect.succeed(false))
    )

  test(it, h, "removeWatches with a callback removes its data watch only; the server is asked only for the last one", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const a = yield* recorder
      const b = yield* recorder
      yield* zk.create("/one", { data: "0" })
      yield* zk.get("/one", { watch: a.callback })
      yield* zk.exists("/one", { watch: b.callback })
      yield* zk.removeWatches("/one", "data", { watch: a.callback })
      expect(yield* a.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/one" })
      // b's watch is still on the server (asking it to remove its one watch would silence b)
      yield* zk.set("/one", "1")
      expect(yield* b.next).toMatchObject({ type: "CHANGED", path: "/one" })
      yield* zk.sync("/one")
      yield* Effect.sleep("200 millis")
      expect(yield* a.size).toBe(0)
      // a callback without such a watch there: NoWatcher, local or not, and b's watch stays
      yield* zk.get("/one", { watch: b.callback })
      expect((yield* Effect.flip(zk.removeWatches("/one", "data", { watch: a.callback })))._tag).toBe("NoWatcherError")
      expect((yield* Effect.flip(zk.removeWatches("/one", "any", { watch: a.callback, local: true })))._tag).toBe(
        "NoWatcherError"
      )
      expect((yield* Effect.flip(zk.removeWatches("/one", "children", { watch: b.callback })))._tag).toBe("NoWatcherError")
      expect((yield* Effect.flip(zk.removeWatches("/nowhere", "data", { watch: b.callback })))._tag).toBe("NoWatcherError")
      // the last one: the server's watch goes too
      yield* zk.removeWatches("/one", "data", { watch: b.callback })
      expect(yield* b.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/one" })
      expect(yield* serverHolds(zk, "/one", "data")).toBe(false)
      // the last one with `local`: the server keeps its watch
      yield* zk.get("/one", { watch: a.callback })
      yield* zk.removeWatches("/one", "data", { watch: a.callback, local: true })
      expect(yield* a.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/one" })
      expect(yield* serverHolds(zk, "/one", "data")).toBe(true)
      yield* zk.set("/one", "2")
      yield* zk.sync("/one")
      yield* Effect.sleep("200 millis")
      expect([yield* a.size, yield* b.size]).toEqual([0, 0])
    })
  )

  test(it, h, "removeWatches with a callback: children and any, each removal told once, the server asked per kind", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const a = yield* recorder
      const b = yield* recorder
      yield* zk.create("/kids")
      yield* zk.getChildren("/kids", { watch: a.callback })
      yield* zk.getChildren("/kids", { watch: b.callback })
      yield* zk.get("/kids", { watch: a.callback })
      // "any": a's children and data watches both go; a was the last data watcher, b still has children
      yield* zk.removeWatches("/kids", "any", { watch: a.callback })
      const removed = [yield* a.next, yield* a.next]
      expect(removed.map((e) => `${e.type} ${e.path}`).sort()).toEqual(["CHILD_WATCH_REMOVED /kids", "DATA_WATCH_REMOVED /kids"])
      expect(yield* serverHolds(zk, "/kids", "data")).toBe(false)
      yield* zk.create("/kids/x")
      expect(yield* b.next).toMatchObject({ type: "CHILD", path: "/kids" })
      yield* zk.sync("/kids")
      yield* Effect.sleep("200 millis")
      expect(yield* a.size).toBe(0)
      // the last children watcher: the server's children watch goes with it
      yield* zk.getChildren("/kids", { watch: b.callback })
      yield* zk.removeWatches("/kids", "children", { watch: b.callback })
      expect(yield* b.next).toMatchObject({ type: "CHILD_WATCH_REMOVED", path: "/kids" })
      expect(yield* serverHolds(zk, "/kids", "children")).toBe(false)
    })
  )

  test(it, h, "removeWatches with a callback leaves the server's watch when a persistent watch is on the node", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const a = yield* recorder
      yield* zk.create("/pw")
      yield* zk.get("/pw", { watch: a.callback })
      const stream = yield* zk.addWatch("/pw")
      const events = yield* Effect.fork(stream.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("10 seconds")))
      // ZooKeeper 3.8 would drop the persistent watch with a data watch removed on the server
      yield* zk.removeWatches("/pw", "data", { watch: a.callback })
      expect(yield* a.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/pw" })
      yield* zk.set("/pw", "1")
      expect(Chunk.toReadonlyArray(yield* Fiber.join(events)).map((e) => `${e.type} ${e.path}`)).toEqual(["CHANGED /pw"])
      expect(yield* a.size).toBe(0)
    })
  )

  test(it, h, "unwatch removes that one-shot watch only, completing its event with the removal; after it fired it does nothing", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const rec = yield* recorder
      yield* zk.create("/uw")
      yield* zk.getChildren("/uw", { watch: rec.callback })
      const children = yield* zk.getChildrenAndWatch("/uw")
      const data = yield* zk.getAndWatch("/uw")
      const absent = yield* zk.existsAndWatch("/uw-absent")
      yield* children.unwatch
      expect(yield* children.event).toMatchObject({ type: "CHILD_WATCH_REMOVED", path: "/uw" })
      yield* absent.unwatch
      expect(yield* absent.event).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/uw-absent" })
      // the other watchers on the node are still there
      yield* zk.create("/uw/kid")
      expect(yield* rec.next).toMatchObject({ type: "CHILD", path: "/uw" })
      yield* zk.set("/uw", "x")
      expect(yield* data.event).toMatchObject({ type: "CHANGED", path: "/uw" })
      yield* data.unwatch
      expect(yield* data.event).toMatchObject({ type: "CHANGED", path: "/uw" })
      expect(yield* rec.size).toBe(0)
    })
  )

  test(it, h, "watches fire for changes made by other sessions, in order", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const seen = yield* Queue.unbounded<string>()
      yield* zk.create("/o")
      const done = yield* Deferred.make<void>()
      const stream = yield* zk.addWatch("/o", { recursive: true })
      const events = yield* Effect.fork(
        stream.pipe(
          Stream.tap((e) => Queue.offer(seen, `${e.type} ${e.path}`)),
          Stream.take(20),
          Stream.runDrain,
          Effect.zipRight(Deferred.succeed(done, undefined))
        )
      )
            for (let i = 0; i < 10; i++) {
        yield* other.create(`${zk.chroot}/o/n${i}`)
        yield* other.delete(`${zk.chroot}/o/n${i}`)
      }
      yield* Deferred.await(done).pipe(Effect.timeout("10 seconds"))
      yield* Fiber.join(events)
      const all = Chunk.toReadonlyArray(yield* Queue.takeAll(seen))
      const expected = Array.from({ length: 10 }, (_, i) => [`CREATED /o/n${i}`, `DELETED /o/n${i}`]).flat()
      expect(all).toEqual(expected)
    })
  )
}
