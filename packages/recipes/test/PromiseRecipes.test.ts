import { connect } from "@effect-zk/platform-node"
import { execute, tsx } from "../../../scripts/runtime.js"
import { PromiseRecipes } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { hosts, newChroot, tcpProxy } from "./helpers.js"
import { rejection, sleep, until, withTwoClients } from "./promiseHelpers.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("PromiseRecipes", (it) => {
  it.effect("lock: exclusive between two clients; withLock releases when its function throws; tryAcquire, timeout, cancel", () =>
    withTwoClients(async (a, b) => {
      const la = PromiseRecipes.lock(a, "/lock", { identifier: "a" })
      const lb = PromiseRecipes.lock(b, "/lock", { identifier: "b" })
      const held = await la.acquire()
      expect(held.node.startsWith("/lock/")).toBe(true)
      expect(await lb.tryAcquire()).toBeUndefined()
      expect(await rejection(lb.acquire({ timeout: 200 }))).toBe("LockTimeoutError")
      // a waiting acquire gets the lock once it is released
      let bGot = false
      const waiting = lb.acquire().then((h) => {
        bGot = true
        return h
      })
      await until(async () => (await la.contenders()).length === 2, "b to line up")
      expect(await la.contenders()).toEqual(["a", "b"])
      expect(bGot).toBe(false)
      await held.release()
      await held.release()
      expect(await held.lost).toBeUndefined()
      const bHeld = await waiting
      expect(bGot).toBe(true)
      await bHeld.release()
      // withLock: the result; a throw releases the lock and passes the error on
      expect(await la.withLock(async () => 42)).toBe(42)
      const failed = await la.withLock(async () => {
        throw new Error("boom")
      }).catch((e: unknown) => (e instanceof Error ? e.message : "?"))
      expect(failed).toBe("boom")
      expect(await la.contenders()).toEqual([])
      // cancel makes a waiting acquire reject with CancelledError
      const hold = await la.acquire()
      const cancelled = rejection(lb.acquire())
      await until(async () => (await la.contenders()).length === 2, "b to line up again")
      await lb.cancel()
      expect(await cancelled).toBe("CancelledError")
      await hold.release()
      expect(await la.contenders()).toEqual([])
    })
  )

  it.scoped("a hold lost when the connection drops: lost settles with LockLostError and guard rejects", () =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
      const chroot = yield* newChroot
      const cs = `${yield* hosts}${chroot}`
      yield* Effect.promise(async () => {
        const a = await connect({ hosts: `${proxy.hosts}${chroot}`, sessionTimeout: "10 seconds" })
        const b = await connect({ hosts: cs })
        try {
          const hold = await PromiseRecipes.lock(a, "/lock").acquire()
          expect(hold.isLost()).toBe(false)
          let finished = false
          const guarded = rejection(
            hold.guard(async () => {
              await sleep(60_000)
              finished = true
            })
          )
          await Effect.runPromise(proxy.cut)
          expect(await guarded).toBe("LockLostError")
          const error = await hold.lost
          expect(error?._tag).toBe("LockLostError")
          expect(hold.isLost()).toBe(true)
          expect(finished).toBe(false)
          // a lost hold does not start guarded work
          expect(await rejection(hold.guard(async () => "late"))).toBe("LockLostError")
          await Effect.runPromise(proxy.heal)
          await hold.release()
          // the other client gets the lock
          const other = await PromiseRecipes.lock(b, "/lock").acquire({ timeout: 15_000 })
          await other.release()
        } finally {
          await Effect.runPromise(proxy.heal)
          await a.close()
          await b.close()
        }
      })
    })
  )

  it.effect("read/write locks and a semaphore", () =>
    withTwoClients(async (a, b) => {
      const r1 = await PromiseRecipes.readLock(a, "/rw").acquire()
      const r2 = await PromiseRecipes.readLock(b, "/rw").acquire({ timeout: 5000 })
      const writer = PromiseRecipes.writeLock(b, "/rw")
      expect(await writer.tryAcquire()).toBeUndefined()
      await r1.release()
      await r2.release()
      const w = await writer.acquire({ timeout: 5000 })
      await w.release()

      const sa = PromiseRecipes.semaphore(a, "/sem", { maxLeases: 2, identifier: "a" })
      const sb = PromiseRecipes.semaphore(b, "/sem", { maxLeases: 2, identifier: "b" })
      const l1 = await sa.acquire()
      const l2 = await sb.acquire()
      expect([...(await sa.contenders())].sort()).toEqual(["a", "b"])
      expect(await PromiseRecipes.semaphore(b, "/sem", { maxLeases: 2 }).tryAcquire()).toBeUndefined()
      await l1.release()
      await l2.release()
      expect(() => PromiseRecipes.semaphore(a, "/sem", { maxLeases: 0 })).toThrow(/maxLeases/)
    })
  )

  it.effect("election: one leader at a time, the next takes over; cancel stops a wait", () =>
    withTwoClients(async (a, b) => {
      const ea = PromiseRecipes.election(a, "/election", { identifier: "a" })
      const eb = PromiseRecipes.election(b, "/election", { identifier: "b" })
      let release: () => void = () => {}
      const leading = new Promise<void>((resolve) => {
        release = resolve
      })
      const order: Array<string> = []
      const first = ea.run(async () => {
        order.push("a")
        await leading
        return "a done"
      })
      await until(() => order.length === 1, "a to lead")
      const second = eb.run(async () => {
        order.push("b")
        return "b done"
      })
      await until(async () => (await ea.contenders()).length === 2, "b to line up")
      expect(await ea.contenders()).toEqual(["a", "b"])
      expect(order).toEqual(["a"])
      release()
      expect(await first).toBe("a done")
      expect(await second).toBe("b done")
      expect(order).toEqual(["a", "b"])
      // a failing leader passes its error on
      const boom = await ea
        .run(async () => {
          throw new Error("leader failed")
        })
        .catch((e: unknown) => (e instanceof Error ? e.message : "?"))
      expect(boom).toBe("leader failed")
      // cancel: a waiting run resolves undefined
      let stop: () => void = () => {}
      const busy = ea.run(() => new Promise<void>((resolve) => (stop = resolve)))
      await until(async () => (await ea.contenders()).length === 1, "a to lead again")
      const waiting = eb.run(async () => "never")
      await until(async () => (await ea.contenders()).length === 2, "b to wait")
      await eb.cancel()
      expect(await waiting).toBeUndefined()
      stop()
      await busy
    })
  )

  it.effect("leader latch: onChange and awaitLeadership follow the leadership; close hands it over", () =>
    withTwoClients(async (a, b) => {
      const la = await PromiseRecipes.leaderLatch(a, "/latch", { id: "a" })
      expect(await la.awaitLeadership()).toBe(true)
      const lb = await PromiseRecipes.leaderLatch(b, "/latch", { id: "b" })
      const seen: Array<boolean> = []
      const stop = lb.onChange((leading) => seen.push(leading))
      await until(() => seen.length >= 1, "b's first value")
      expect(seen).toEqual([false])
      await until(async () => (await la.participants()).length === 2, "b to join")
      expect(await la.participants()).toEqual([
        { id: "a", isLeader: true },
        { id: "b", isLeader: false }
      ])
      await la.close()
      await la.close()
      expect(await lb.awaitLeadership()).toBe(true)
      await until(() => seen.at(-1) === true, "b's change to leading")
      expect(await lb.isLeader()).toBe(true)
      stop()
      await lb.close()
      expect(await lb.isLeader()).toBe(false)
    })
  )

  it.effect("service discovery: register, query, watch and a provider; unregister removes the instance", () =>
    withTwoClients(async (a, b) => {
      const da = PromiseRecipes.serviceDiscovery(a, "/services")
      const db = PromiseRecipes.serviceDiscovery(b, "/services")
      const seen: Array<string> = []
      const stop = db.watch("api", (instances) => seen.push(instances.map((i) => i.id).sort().join(",")))
      const one = await da.register({ name: "api", id: "one", address: "10.0.0.1", port: 8081 })
      const two = await da.register({ name: "api", id: "two", address: "10.0.0.2", port: 8082 })
      await one.awaitPresent()
      await two.awaitPresent()
      expect(await db.names()).toEqual(["api"])
      expect((await db.instances("api")).map((i) => `${i.id}@${i.address}:${i.port}`).sort()).toEqual([
        "one@10.0.0.1:8081",
        "two@10.0.0.2:8082"
      ])
      expect((await db.instance("api", "two"))?.port).toBe(8082)
      expect(await db.instance("api", "none")).toBeUndefined()
      await until(() => seen.at(-1) === "one,two", `the watch to see both (${seen.join(" | ")})`)
      // a provider goes round the instances; one taken out of rotation is skipped
      const provider = await db.provider("api")
      await until(async () => (await provider.all()).length === 2, "the provider's cache")
      const picks = new Set<string>()
      for (let i = 0; i < 4; i++) picks.add((await provider.instance())?.id ?? "none")
      expect([...picks].sort()).toEqual(["one", "two"])
      expect((await two.update({ enabled: false })).enabled).toBe(false)
      expect(two.instance().enabled).toBe(false)
      await until(async () => (await provider.all()).some((i) => i.id === "two" && !i.enabled), "the update to reach b")
      for (let i = 0; i < 3; i++) expect((await provider.instance())?.id).toBe("one")
      // unregistering deletes the node; the watch follows
      await one.unregister()
      await one.unregister()
      await until(() => seen.at(-1) === "two", `the watch to see one go (${seen.join(" | ")})`)
      expect(await provider.instance()).toBeUndefined()
      stop()
      await provider.close()
      await two.unregister()
      expect(await db.instances("api")).toEqual([])
      // a bad name rejects with InvalidArgumentError
      expect(await rejection(da.register({ name: "a/b" }))).toBe("InvalidArgumentError")
    })
  )

  it.effect("dataWatch and childrenWatch: called at once and on every change until stopped", () =>
    withTwoClients(async (a, b) => {
      const data: Array<string> = []
      const stopData = PromiseRecipes.dataWatch(a, "/config", (node, event) =>
        data.push(`${node === undefined ? "none" : new TextDecoder().decode(node.data)}/${event?.type ?? "-"}`)
      )
      await until(() => data.length === 1, "the first call")
      await b.create("/config", { data: "v1" })
      await until(() => data.at(-1) === "v1/CREATED", `the creation (${data.join(" ")})`)
      await b.set("/config", "v2")
      await until(() => data.at(-1) === "v2/CHANGED", `the change (${data.join(" ")})`)
      await b.delete("/config")
      await until(() => data.at(-1) === "none/DELETED", `the deletion (${data.join(" ")})`)
      expect(data[0]).toBe("none/-")
      stopData()
      await b.create("/config", { data: "after" })
      await sleep(200)
      expect(data.at(-1)).toBe("none/DELETED")

      const children: Array<string> = []
      let ended = false
      await b.create("/group")
      PromiseRecipes.childrenWatch(a, "/group", (names) => children.push([...names].sort().join(",")), {
        onEnd: () => {
          ended = true
        }
      })
      await until(() => children.length === 1, "the first children")
      await b.create("/group/x")
      await b.create("/group/y")
      await until(() => children.at(-1) === "x,y", `both children (${children.join(" | ")})`)
      // as kazoo's: the watch stops when the node is deleted
      await b.delete("/group", { recursive: true })
      await until(() => ended, "the watch to end")
      const errors: Array<string> = []
      PromiseRecipes.childrenWatch(a, "relative", () => {}, {
        onError: (e) => errors.push(typeof e === "object" && e !== null && "_tag" in e ? String(e._tag) : "untagged")
      })
      await until(() => errors.length === 1, "the error")
      expect(errors).toEqual(["InvalidArgumentError"])
    })
  )

  it.effect("counter, barriers, party and shared count", () =>
    withTwoClients(async (a, b) => {
      const ca = PromiseRecipes.counter(a, "/counter")
      const cb = PromiseRecipes.counter(b, "/counter")
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? ca : cb).add(1)))
      expect(await cb.value()).toBe(10)
      expect(await ca.subtract(3)).toEqual({ preValue: 10, postValue: 7 })
      expect(() => PromiseRecipes.counter(a, "/c", { kind: "float", curator: true })).toThrow(/ints only/)
      expect(await rejection(PromiseRecipes.counter(a, "relative").value())).toBe("InvalidArgumentError")

      const barrier = PromiseRecipes.barrier(a, "/gate")
      await barrier.create()
      expect(await PromiseRecipes.barrier(b, "/gate").wait({ timeout: 200 })).toBe(false)
      const waiting = PromiseRecipes.barrier(b, "/gate").wait({ timeout: 10_000 })
      expect(await barrier.remove()).toBe(true)
      expect(await waiting).toBe(true)

      const da = PromiseRecipes.doubleBarrier(a, "/double", 2, { identifier: "a" })
      const db = PromiseRecipes.doubleBarrier(b, "/double", 2, { identifier: "b" })
      expect(await rejection(da.enter({ timeout: 200 }))).toBe("LockTimeoutError")
      await Promise.all([da.enter({ timeout: 10_000 }), db.enter({ timeout: 10_000 })])
      await Promise.all([da.leave({ timeout: 10_000 }), db.leave({ timeout: 10_000 })])
      expect(() => PromiseRecipes.doubleBarrier(a, "/double", 0)).toThrow(/numClients/)

      const seen: Array<string> = []
      const stop = PromiseRecipes.party(b, "/party").onChange((members) => seen.push([...members].sort().join(",")))
      const pa = PromiseRecipes.party(a, "/party", "alice")
      const pb = PromiseRecipes.party(b, "/party", "bob", { shallow: false })
      await pa.join()
      await pb.join()
      expect([...(await pa.members())].sort()).toEqual(["alice", "bob"])
      await until(() => seen.at(-1) === "alice,bob", `both members (${seen.join(" | ")})`)
      expect(await pa.leave()).toBe(true)
      expect(await pa.leave()).toBe(false)
      await until(() => seen.at(-1) === "bob", `alice gone (${seen.join(" | ")})`)
      stop()

      const count = await PromiseRecipes.sharedCount(a, "/shared", 5)
      const other = await PromiseRecipes.sharedCount(b, "/shared", 99)
      expect(await other.value()).toBe(5)
      const values: Array<number> = []
      const stopCount = other.onChange((v) => values.push(v))
      const before = await count.versioned()
      await other.set(6)
      expect(await count.trySet(before, 7)).toBe(false)
      expect(await count.trySet(await count.versioned(), 7)).toBe(true)
      await until(() => values.at(-1) === 7, `the count at 7 (${values.join(", ")})`)
      stopCount()
    })
  )

  it.effect("queues: kazoo's in priority order, Curator's with process; items as an async iterable", () =>
    withTwoClients(async (a, b) => {
      const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? "none" : new TextDecoder().decode(bytes))
      const qa = PromiseRecipes.queue(a, "/kq")
      const qb = PromiseRecipes.queue(b, "/kq")
      await qa.put("low", 900)
      await qa.put("high", 1)
      await qa.put("mid")
      expect(await qb.length()).toBe(3)
      expect(text(await qb.poll())).toBe("high")
      const got: Array<string> = []
      for await (const item of qb.items()) {
        got.push(text(item))
        if (got.length === 2) break
      }
      expect(got).toEqual(["mid", "low"])
      expect(await qb.poll()).toBeUndefined()
      // leaving a loop takes nothing more than the loop was given
      for (const item of ["x", "y", "z"]) await qa.put(item)
      for await (const item of qb.items()) {
        expect(text(item)).toBe("x")
        break
      }
      expect(await qb.length()).toBe(2)
      for (const item of ["p", "q", "r"]) await PromiseRecipes.curatorQueue(a, "/cq2").put(item)
      for await (const item of PromiseRecipes.curatorQueue(b, "/cq2").items()) {
        expect(text(item)).toBe("p")
        break
      }
      expect(await PromiseRecipes.curatorQueue(b, "/cq2").length()).toBe(2)

      const producer = PromiseRecipes.curatorQueue(a, "/cq", { lockPath: "/cq-locks" })
      const consumer = PromiseRecipes.curatorQueue(b, "/cq", { lockPath: "/cq-locks" })
      await producer.put("one")
      await producer.put("two")
      expect(text(await consumer.take())).toBe("one")
      // a failing f puts the item back at the end; a succeeding one removes it
      const failed = await consumer
        .process(async () => {
          throw new Error("not now")
        })
        .catch((e: unknown) => (e instanceof Error ? e.message : "?"))
      expect(failed).toBe("not now")
      expect(await consumer.length()).toBe(1)
      const processed: Array<string> = []
      await consumer.process(async (item) => {
        processed.push(text(item))
      })
      expect(processed).toEqual(["two"])
      expect(await consumer.length()).toBe(0)
      expect(await consumer.takeWithin(100)).toBeUndefined()
      expect(await consumer.poll()).toBeUndefined()
      const prio = PromiseRecipes.curatorQueue(a, "/pq", { order: "priority" })
      await prio.put("later", { priority: 5 })
      await prio.put("sooner", { priority: -5 })
      expect([text(await prio.take()), text(await prio.take())]).toEqual(["sooner", "later"])
      expect(() => PromiseRecipes.curatorQueue(a, "/x", { maxItems: 0 })).toThrow(/maxItems/)
    })
  )

  it.effect("a script that closes its client with recipes still open exits by itself", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      for (const mode of ["hold", "latch", "register", "provider", "watch"]) {
        const run = yield* Effect.promise(() =>
          execute(tsx("packages/recipes/test/fixtures/exit-after-close.ts", [mode]), {
            env: { ZK_HOSTS: cs },
            timeoutMillis: 40_000
          })
        )
        expect({ mode, code: run.code, closed: run.stdout.includes("closed") }).toEqual({ mode, code: 0, closed: true })
      }
    }),
    240_000
  )
})
