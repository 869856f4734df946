import { LockingQueue } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Deferred, type Duration, Effect, Fiber, Option, Stream } from "effect"
import { expect } from "vitest"
import { childrenOf, clients, expirableClient, hosts, newChroot, client as newClient, tagOf, text, watchedAfterReconnect } from "./helpers.js"
import { kazooProcess } from "./kazoo2/process.js"

const ENTRY = /^entry-\d{3}-\d{10}$/

const getText = (queue: LockingQueue.LockingQueue, timeout: Duration.DurationInput) =>
  Effect.map(queue.get({ timeout }), Option.map(text))

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("LockingQueue", (it) => {
  it.scoped("kazoo's layout; get locks the lowest free entry and gives it again until consumed; release gives it back", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const a = yield* LockingQueue.make(zk, "/lq")
      const b = yield* LockingQueue.make(other, "/lq")
      expect(a.id).toMatch(/^[0-9a-f]{32}$/)
      expect(yield* a.putAll(["x1", "x2"], 50)).toHaveLength(2)
      const urgent = yield* a.put("urgent", 1)
      expect(urgent).toMatch(/^\/lq\/entries\/entry-001-\d{10}$/)
      yield* a.put("later")
      expect((yield* childrenOf(other, "/lq/entries")).every((n) => ENTRY.test(n))).toBe(true)
      expect(yield* a.length).toBe(4)
      expect(yield* a.holdsLock).toBe(false)
      expect(yield* getText(a, "1 second")).toEqual(Option.some("urgent"))
      // locked: an ephemeral node named after the entry, holding our id
      const [lockName] = yield* childrenOf(other, "/lq/taken")
      expect(`/lq/entries/${lockName}`).toBe(urgent)
      expect(text((yield* other.get(`/lq/taken/${lockName}`)).data)).toBe(a.id)
      expect((yield* other.exists(`/lq/taken/${lockName}`)).pipe(Option.map((s) => s.isEphemeral))).toEqual(Option.some(true))
      expect(yield* a.holdsLock).toBe(true)
      // the same item again until consumed; the other handle gets the next free one
      expect(yield* getText(a, "1 second")).toEqual(Option.some("urgent"))
      expect(yield* getText(b, "1 second")).toEqual(Option.some("x1"))
      expect(yield* b.release).toBe(true)
      expect(yield* b.release).toBe(false)
      expect(yield* a.consume).toBe(true)
      expect(yield* a.consume).toBe(false)
      expect(yield* a.length).toBe(3)
      expect(yield* getText(a, "1 second")).toEqual(Option.some("x1"))
      yield* a.consume
      expect(yield* getText(a, "1 second")).toEqual(Option.some("x2"))
      yield* a.consume
      expect(yield* getText(a, "1 second")).toEqual(Option.some("later"))
      yield* a.consume
      expect(yield* childrenOf(other, "/lq/taken")).toEqual([])
      // empty: none after the timeout
      const started = Date.now()
      expect(yield* getText(a, "400 millis")).toEqual(Option.none())
      expect(Date.now() - started).toBeGreaterThanOrEqual(350)
      for (const bad of [-1, 1000]) expect((yield* Effect.flip(a.put("x", bad)))._tag).toBe("InvalidArgumentError")
    })
  )

  it.scoped("get waits for an item; a released item goes to a waiting consumer", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const a = yield* LockingQueue.make(zk, "/lq")
      const b = yield* LockingQueue.make(other, "/lq")
      const waiting = yield* Effect.fork(getText(a, "10 seconds"))
      yield* Effect.sleep("300 millis")
      yield* b.put("one")
      expect(yield* Fiber.join(waiting)).toEqual(Option.some("one"))
      const other2 = yield* Effect.fork(getText(b, "10 seconds"))
      yield* Effect.sleep("300 millis")
      expect(Option.isNone(yield* Fiber.poll(other2))).toBe(true)
      yield* a.release
      expect(yield* Fiber.join(other2)).toEqual(Option.some("one"))
      expect(yield* b.consume).toBe(true)
    })
  )

  it.scoped("process: each item locked, given to the function, consumed on success, released on failure or interruption", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const a = yield* LockingQueue.make(zk, "/lq")
      const b = yield* LockingQueue.make(other, "/lq")
      yield* b.putAll(["one", "two", "bad", "four"])
      const done = yield* a
        .process((value) => (text(value) === "bad" ? Effect.fail("bad item" as const) : Effect.succeed(text(value))))
        .pipe(
          Stream.runCollect,
          Effect.flip,
          Effect.timeout("10 seconds")
        )
      expect(done).toBe("bad item")
      // one and two consumed, bad released
      expect(yield* b.length).toBe(2)
      expect(yield* childrenOf(other, "/lq/taken")).toEqual([])
      // interrupted while processing: released
      const started = yield* Deferred.make<void>()
      const running = yield* Effect.fork(
        a.process(() => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)).pipe(Stream.runDrain)
      )
      yield* Deferred.await(started).pipe(Effect.timeout("10 seconds"))
      expect((yield* childrenOf(other, "/lq/taken")).length).toBe(1)
      yield* Fiber.interrupt(running)
      expect(yield* childrenOf(other, "/lq/taken")).toEqual([])
      const rest = yield* b.process((v) => Effect.succeed(text(v))).pipe(Stream.take(2), Stream.runCollect, Effect.timeout("10 seconds"))
      expect(Array.from(rest)).toEqual(["bad", "four"])
      expect(yield* b.length).toBe(0)
    })
  )

  it.scoped("a lost session loses the lock: holdsLock and consume say so, and the item is free again", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const other = yield* newClient({ chroot })
      const a = yield* LockingQueue.make(zk, "/lq")
      const b = yield* LockingQueue.make(other, "/lq")
      yield* b.put("job")
      expect(yield* getText(a, "2 seconds")).toEqual(Option.some("job"))
      yield* expire
      expect(yield* a.holdsLock).toBe(false)
      expect(yield* a.consume).toBe(false)
      expect(yield* getText(b, "2 seconds")).toEqual(Option.some("job"))
      expect(yield* b.consume).toBe(true)
    })
  )

  it.scoped("a get waiting when the client is closed ends with ClientClosedError, without a timeout or with a long one", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const forever = yield* Effect.fork((yield* LockingQueue.make(zk, "/closing")).get())
      const long = yield* Effect.fork((yield* LockingQueue.make(zk, "/closing")).get({ timeout: "10 minutes" }))
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(forever))).toBe(true)
      yield* zk.close
      for (const waiting of [forever, long]) {
        // bounded: the old get waited on callback watches a closed client never calls
        const exit = yield* Fiber.await(waiting).pipe(Effect.timeoutOption("10 seconds"))
        expect(Option.map(exit, tagOf)).toEqual(Option.some("ClientClosedError"))
      }
      // nothing was taken on the way
      expect(yield* childrenOf(other, "/closing/taken")).toEqual([])
    })
  )

  it.scoped("a waiting get survives a dropped connection, a cut one and a session expiry, and takes what is put afterwards", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy, expire } = yield* expirableClient(chroot, { sessionTimeout: "6 seconds" })
      const other = yield* newClient({ chroot })
      const a = yield* LockingQueue.make(zk, "/lq")
      const b = yield* LockingQueue.make(other, "/lq")
      const waitFor = (fiber: Fiber.RuntimeFiber<Option.Option<Uint8Array>, unknown>) =>
        Fiber.join(fiber).pipe(Effect.map(Option.map(text)), Effect.timeout("10 seconds"))
      // the connection dropped and made again at once
      const first = yield* Effect.fork(a.get())
      yield* Effect.sleep("200 millis")
      yield* zk.restart
      yield* b.put("after a restart")
      expect(yield* waitFor(first)).toEqual(Option.some("after a restart"))
      expect(yield* a.consume).toBe(true)
      // cut off (suspended) while the item comes: the watch, set again on reconnecting, fires
      const second = yield* Effect.fork(a.get({ timeout: "1 minute" }))
      yield* Effect.sleep("200 millis")
      yield* proxy.cut
      yield* b.put("while cut off")
      yield* Effect.sleep("500 millis")
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      yield* proxy.heal
      expect(yield* waitFor(second)).toEqual(Option.some("while cut off"))
      expect(yield* a.consume).toBe(true)
      // the session expired: it holds nothing while it waits, and looks again on the new session
      const third = yield* Effect.fork(a.get())
      yield* Effect.sleep("200 millis")
      yield* expire
      expect(Option.isNone(yield* Fiber.poll(third))).toBe(true)
      yield* b.put("after an expiry")
      expect(yield* waitFor(third)).toEqual(Option.some("after an expiry"))
      expect(yield* a.holdsLock).toBe(true)
      expect(yield* a.consume).toBe(true)
    })
  )

  it.scoped("gets that time out or are interrupted leave no watcher behind; a waiting one watches the entries", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const watched = (node: string) => watchedAfterReconnect(zk, node, "children")
      const queue = yield* LockingQueue.make(zk, "/idle")
      // an idle queue polled in a loop, then once with no time at all
      for (let i = 0; i < 5; i++) expect(yield* getText(queue, "20 millis")).toEqual(Option.none())
      expect(yield* queue.get({ timeout: 0 })).toEqual(Option.none())
      expect(yield* watched("/idle/entries")).toBe(false)
      expect(yield* watched("/idle/taken")).toBe(false)
      // what the check sees of a watch the client still has: a waiting get's
      const waiting = yield* Effect.fork(queue.get())
      yield* Effect.sleep("200 millis")
      expect(yield* watched("/idle/entries")).toBe(true)
      yield* Fiber.interrupt(waiting)
      expect(yield* watched("/idle/entries")).toBe(false)
      expect(yield* watched("/idle/taken")).toBe(false)
      // a get that took an item leaves none either; nor one that found its handle's item
      yield* LockingQueue.make(other, "/idle").pipe(Effect.flatMap((q) => q.put("one")))
      expect(yield* getText(queue, "5 seconds")).toEqual(Option.some("one"))
      expect(yield* getText(queue, "5 seconds")).toEqual(Option.some("one"))
      expect(yield* watched("/idle/entries")).toBe(false)
      expect(yield* watched("/idle/taken")).toBe(false)
      expect(yield* queue.consume).toBe(true)
    })
  )

  it.scoped("interop with kazoo: each takes the other's items in priority order, and their locks exclude each other", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const zk = yield* newClient({ chroot })
      const kazoo = yield* kazooProcess(`${yield* hosts}${chroot}`)
      // kazoo puts (one by one and all at once), we take
      yield* kazoo.call("lqueue_put", { path: "/fromKazoo", value: "k-mid", priority: 50 })
      yield* kazoo.call("lqueue_put_all", { path: "/fromKazoo", values: ["k-low1", "k-low2"], priority: 900 })
      yield* kazoo.call("lqueue_put", { path: "/fromKazoo", value: "k-top", priority: 0 })
      const ours = yield* LockingQueue.make(zk, "/fromKazoo")
      expect(yield* ours.length).toBe(4)
      const got: Array<string> = []
      for (let i = 0; i < 4; i++) {
        const item = yield* getText(ours, "2 seconds")
        if (Option.isSome(item)) got.push(item.value)
        expect(yield* ours.consume).toBe(true)
      }
      expect(got).toEqual(["k-top", "k-mid", "k-low1", "k-low2"])
      expect(yield* kazoo.call("lqueue_len", { path: "/fromKazoo" })).toBe(0)
      // we put, kazoo takes
      const queue = yield* LockingQueue.make(zk, "/fromUs")
      yield* queue.putAll(["e-1", "e-2"], 10)
      yield* queue.put("e-0", 3)
      yield* queue.put("e-last", 700)
      const taken: Array<unknown> = []
      for (let i = 0; i < 4; i++) {
        taken.push(yield* kazoo.call("lqueue_get", { path: "/fromUs", timeout: 2 }))
        expect(yield* kazoo.call("lqueue_consume", { path: "/fromUs" })).toBe(true)
      }
      expect(taken).toEqual(["e-0", "e-1", "e-2", "e-last"])
      expect(yield* kazoo.call("lqueue_get", { path: "/fromUs", timeout: 0.3 })).toBe(null)
      // locks: kazoo holds the first item, we get the second; kazoo releases, we get the first
      const shared = yield* LockingQueue.make(zk, "/shared")
      yield* shared.put("first", 1)
      yield* shared.put("second", 2)
      expect(yield* kazoo.call("lqueue_get", { path: "/shared", timeout: 2 })).toBe("first")
      expect(yield* getText(shared, "2 seconds")).toEqual(Option.some("second"))
      expect(yield* shared.release).toBe(true)
      expect(yield* kazoo.call("lqueue_release", { path: "/shared" })).toBe(true)
      expect(yield* getText(shared, "2 seconds")).toEqual(Option.some("first"))
      expect(yield* kazoo.call("lqueue_get", { path: "/shared", timeout: 2 })).toBe("second")
      expect(yield* shared.consume).toBe(true)
      expect(yield* kazoo.call("lqueue_consume", { path: "/shared" })).toBe(true)
      expect(yield* kazoo.call("lqueue_len", { path: "/shared" })).toBe(0)
    })
  )
})
