/**
 * PromiseRecipes, continued (the first file holds locks to shared counts): leases, the locking
 * queue, shared values, group members, the tree cache and the set partitioner, each against a
 * real server through two promise clients.
 */
import { Acl } from "@effect-zk/core"
import { PromiseRecipes, type TreeCache } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { expect } from "vitest"
import { rejection, sleep, until, withTwoClients } from "./promiseHelpers.js"

const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? "none" : new TextDecoder().decode(bytes))

/** The `_tag` of what `f` throws. */
const thrown = (f: () => unknown): string => {
  try {
    f()
    return "returned"
  } catch (error) {
    return typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : `untagged: ${String(error)}`
  }
}

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("PromiseRecipes (2)", (it) => {
  it.effect("lease and multiLease: one holder at a time; renewal by the holder; the other takes it once released", () =>
    withTwoClients(async (a, b) => {
      const started = Date.now()
      const la = await PromiseRecipes.lease(a, "/lease", "1 hour", { identifier: "a" })
      expect({ obtained: la.obtained, path: la.path, holder: la.holder }).toEqual({ obtained: true, path: "/lease", holder: "a" })
      expect((la.expires?.getTime() ?? 0) - started).toBeGreaterThan(59 * 60_000)
      const lb = await PromiseRecipes.lease(b, "/lease", "1 hour", { identifier: "b" })
      expect({ obtained: lb.obtained, holder: lb.holder }).toEqual({ obtained: false, holder: "a" })
      // releasing an attempt that obtained nothing leaves a's lease alone
      await lb.release()
      expect((await PromiseRecipes.lease(b, "/lease", "1 hour", { identifier: "b" })).obtained).toBe(false)
      // the holder renews it
      const renewed = await PromiseRecipes.lease(a, "/lease", "2 hours", { identifier: "a" })
      expect(renewed.obtained).toBe(true)
      expect((renewed.expires?.getTime() ?? 0) - started).toBeGreaterThan(119 * 60_000)
      await la.release()
      await la.release()
      const lb2 = await PromiseRecipes.lease(b, "/lease", "1 hour", { identifier: "b" })
      expect({ obtained: lb2.obtained, holder: lb2.holder }).toEqual({ obtained: true, holder: "b" })
      // a release of a's that comes after b took the lease does not end b's
      await renewed.release()
      const aAgain = await PromiseRecipes.lease(a, "/lease", "1 hour", { identifier: "a" })
      expect({ obtained: aAgain.obtained, holder: aAgain.holder }).toEqual({ obtained: false, holder: "b" })
      await lb2.release()
      expect((await PromiseRecipes.lease(a, "/lease", "1 hour", { identifier: "a" })).obtained).toBe(true)

      const x = await PromiseRecipes.multiLease(a, 2, "/multi", "1 hour", { identifier: "x" })
      const y = await PromiseRecipes.multiLease(b, 2, "/multi", "1 hour", { identifier: "y" })
      const z = await PromiseRecipes.multiLease(a, 2, "/multi", "1 hour", { identifier: "z" })
      expect([x, y, z].map((l) => `${l.obtained} ${l.path} ${l.holder}`)).toEqual([
        "true /multi/0 x",
        "true /multi/1 y",
        "false /multi/1 y"
      ])
      await x.release()
      const z2 = await PromiseRecipes.multiLease(a, 2, "/multi", "1 hour", { identifier: "z" })
      expect(`${z2.obtained} ${z2.path} ${z2.holder}`).toBe("true /multi/0 z")
      expect(await rejection(PromiseRecipes.multiLease(a, 0, "/multi", "1 hour", { identifier: "x" }))).toBe(
        "InvalidArgumentError"
      )
    })
  )

  it.effect("lockingQueue: an item leaves only when consumed, goes back when released; get waits; process", () =>
    withTwoClients(async (a, b) => {
      const qa = PromiseRecipes.lockingQueue(a, "/lq")
      const qb = PromiseRecipes.lockingQueue(b, "/lq")
      expect(qa.id).not.toBe(qb.id)
      expect(await qa.putAll(["one", "two"], 10)).toHaveLength(2)
      await qa.put("three")
      expect(await qb.length()).toBe(3)
      expect(text(await qb.get({ timeout: 5000 }))).toBe("one")
      expect(await qb.holdsLock()).toBe(true)
      // the same item again until it is consumed or released
      expect(text(await qb.get())).toBe("one")
      // "one" is locked by b: a gets the next
      expect(text(await qa.get({ timeout: 5000 }))).toBe("two")
      expect(await qa.consume()).toBe(true)
      expect(await qa.consume()).toBe(false)
      expect(await qa.length()).toBe(2)
      // b gives "one" back without consuming it: another taker gets it
      expect(await qb.release()).toBe(true)
      expect(await qb.holdsLock()).toBe(false)
      expect(await qb.release()).toBe(false)
      const qa2 = PromiseRecipes.lockingQueue(a, "/lq")
      expect(text(await qa2.get({ timeout: 5000 }))).toBe("one")
      expect(text(await qb.get({ timeout: 5000 }))).toBe("three")
      expect(await qa.get({ timeout: 200 })).toBeUndefined()
      expect(await qa2.consume()).toBe(true)
      expect(await qb.consume()).toBe(true)
      expect(await qa.length()).toBe(0)
      // a waiting get is given an item the other client puts
      const waiting = qb.get({ timeout: 10_000 })
      await sleep(100)
      await qa.put("late")
      expect(text(await waiting)).toBe("late")
      expect(await qb.consume()).toBe(true)
      // process: a rejection releases the item and passes on; a resolution consumes it
      await qa.put("job")
      const failed = await qb
        .process(async () => {
          throw new Error("not now")
        })
        .catch((e: unknown) => (e instanceof Error ? e.message : "?"))
      expect(failed).toBe("not now")
      expect(await qb.holdsLock()).toBe(false)
      expect(await qb.length()).toBe(1)
      await qa.put("job2")
      expect(await qa.process(async (item) => text(item).toUpperCase())).toBe("JOB")
      // process took one item only: the next is free for the other client
      expect(await qa.holdsLock()).toBe(false)
      expect(await qb.length()).toBe(1)
      expect(text(await qb.get({ timeout: 5000 }))).toBe("job2")
      expect(await qb.consume()).toBe(true)
      expect(await qb.length()).toBe(0)
      expect(await rejection(qa.put("x", 1000))).toBe("InvalidArgumentError")
    })
  )

  it.effect("sharedValue: seeded once, set, trySet refused at a stale version, listeners follow", () =>
    withTwoClients(async (a, b) => {
      const va = await PromiseRecipes.sharedValue(a, "/config/mode", "seed")
      const vb = await PromiseRecipes.sharedValue(b, "/config/mode", "other seed")
      expect(text(await vb.value())).toBe("seed")
      const values: Array<string> = []
      const stop = vb.onChange((value) => values.push(text(value)))
      await until(() => values.length === 1, "the first value")
      expect(values).toEqual(["seed"])
      const before = await va.versioned()
      await vb.set("b's")
      expect(await va.trySet(before, "stale")).toBe(false)
      expect(text(await va.value())).toBe("b's")
      const current = await va.versioned()
      expect(current.version).toBe(before.version + 1)
      expect(await va.trySet(current, new Uint8Array([104, 105]))).toBe(true)
      await until(() => values.at(-1) === "hi", `the value "hi" (${values.join(" | ")})`)
      stop()
      await va.set("after")
      await sleep(200)
      expect(values.at(-1)).toBe("hi")
      expect(await rejection(PromiseRecipes.sharedValue(a, "relative", "x"))).toBe("InvalidArgumentError")
    })
  )

  it.effect("groupMember: members and data seen by the other client; close removes the member and stops its listeners", () =>
    withTwoClients(async (a, b) => {
      const show = (members: ReadonlyMap<string, Uint8Array>) =>
        [...members].map(([id, data]) => `${id}=${text(data)}`).join(",")
      const ga = await PromiseRecipes.groupMember(a, "/group", "a", { data: "A" })
      await ga.awaitPresent()
      const gb = await PromiseRecipes.groupMember(b, "/group", "b")
      const seen: Array<string> = []
      const stop = gb.onChange((members) => seen.push(show(members)))
      await until(() => seen.at(-1) === "a=A,b=", `both members (${seen.join(" | ")})`)
      expect(show(await gb.members())).toBe("a=A,b=")
      await ga.setData("A2")
      await until(() => seen.at(-1) === "a=A2,b=", `a's new data (${seen.join(" | ")})`)
      const aSeen: Array<string> = []
      ga.onChange((members) => aSeen.push(show(members)))
      await until(() => aSeen.length === 1, "a's first members")
      await ga.close()
      await ga.close()
      await until(() => seen.at(-1) === "b=", `a gone (${seen.join(" | ")})`)
      expect(show(await gb.members())).toBe("b=")
      expect(await b.getChildren("/group")).toEqual(["b"])
      // a's listener ended with its membership
      const count = aSeen.length
      await gb.setData("B")
      await until(() => seen.at(-1) === "b=B", `b's new data (${seen.join(" | ")})`)
      await sleep(200)
      expect(aSeen.length).toBe(count)
      stop()
      await gb.close()
      expect(await a.getChildren("/group")).toEqual([])
      expect(await rejection(PromiseRecipes.groupMember(a, "/group", "a/b"))).toBe("InvalidArgumentError")
    })
  )

  it.effect("treeCache: loads, follows another client's create/change/delete, stops calling after stop, faults, closes", () =>
    withTwoClients(async (a, b) => {
      const show = (e: TreeCache.TreeEvent) =>
        "node" in e ? `${e.type} ${e.node.path}${e.type === "NODE_REMOVED" ? "" : `=${text(e.node.data)}`}` : e.type
      await b.create("/tree", { data: "root" })
      // a node the cache may not read: a fault
      await b.create("/tree/secret", { data: "s", acl: [{ perms: Acl.Perms.ALL & ~Acl.Perms.READ, id: Acl.ANYONE_ID_UNSAFE }] })
      const cache = PromiseRecipes.treeCache(a, "/tree")
      const events: Array<string> = []
      const stop = cache.listen((e) => events.push(show(e)))
      const all: Array<string> = []
      let ended = false
      cache.listen((e) => all.push(show(e)), {
        onEnd: () => {
          ended = true
        }
      })
      const faults: Array<string> = []
      const stopFaults = cache.onFault((e) => faults.push(typeof e === "object" && e !== null && "_tag" in e ? String(e._tag) : "?"))
      const allFaults: Array<unknown> = []
      cache.onFault((e) => allFaults.push(e))
      expect(cache.isInitialized()).toBe(false)
      await cache.start()
      expect(await rejection(cache.start())).toBe("TreeCacheStateError")
      expect(await cache.initialized({ timeout: 10_000 })).toBe(true)
      expect(cache.isInitialized()).toBe(true)
      expect(events).toEqual(["NODE_ADDED /tree=root", "INITIALIZED"])
      expect(faults).toEqual(["NoAuthError"])
      expect(cache.getData("/tree/secret")).toBeUndefined()
      await b.create("/tree/x", { data: "1" })
      await until(() => events.at(-1) === "NODE_ADDED /tree/x=1", `x's creation (${events.join(" | ")})`)
      expect(text(cache.getData("/tree/x")?.data)).toBe("1")
      expect(cache.getChildren("/tree")).toEqual(["x"])
      await b.set("/tree/x", "2")
      await until(() => events.at(-1) === "NODE_UPDATED /tree/x=2", `x's change (${events.join(" | ")})`)
      await b.delete("/tree/x")
      await until(() => events.at(-1) === "NODE_REMOVED /tree/x", `x's deletion (${events.join(" | ")})`)
      expect(cache.getData("/tree/x")).toBeUndefined()
      expect(cache.getChildren("/tree")).toEqual([])
      expect(thrown(() => cache.getData("/elsewhere"))).toBe("InvalidArgumentError")
      // stopped: no more calls, while the cache and the other listeners go on
      stop()
      stopFaults()
      const count = events.length
      await b.create("/tree/y", { data: "3" })
      await until(() => all.at(-1) === "NODE_ADDED /tree/y=3", `y's creation (${all.join(" | ")})`)
      expect(events.length).toBe(count)
      expect([...cache.snapshot().keys()]).toEqual(["/tree", "/tree/y"])
      // a fault after stopFaults (a's client closed under the cache) reaches only the listener still on
      const faultCount = allFaults.length
      await a.close()
      await until(() => allFaults.length > faultCount, "the closed client's fault")
      expect(faults).toEqual(["NoAuthError"])
      // closing ends the listeners and forgets the tree
      await cache.close()
      await cache.close()
      await until(() => ended, "the listener to end")
      expect(cache.getData("/tree")).toBeUndefined()
      expect(await Promise.race([cache.initialized(), sleep(5000).then(() => "still waiting")])).toBe(false)
      expect(await rejection(cache.start())).toBe("TreeCacheStateError")
      const allCount = all.length
      await b.set("/tree/y", "4")
      await sleep(200)
      expect(all.length).toBe(allCount)
      // a cache never started: close ends its listeners too
      const unstarted = PromiseRecipes.treeCache(b, "/tree")
      let unstartedEnded = false
      unstarted.listen(() => {}, {
        onEnd: () => {
          unstartedEnded = true
        }
      })
      await unstarted.close()
      await until(() => unstartedEnded, "the unstarted cache's listener to end")
      expect(thrown(() => PromiseRecipes.treeCache(b, "relative"))).toBe("InvalidArgumentError")
    })
  )

  it.effect("setPartitioner: two members split the set into disjoint shares; one leaves, the other takes it all", () =>
    withTwoClients(async (a, b) => {
      const items = ["i0", "i1", "i2", "i3", "i4", "i5"]
      const timing = { timeBoundary: "500 millis", maxReactionTime: "200 millis" } as const
      const pa = await PromiseRecipes.setPartitioner(a, "/part", items, { ...timing, identifier: "a" })
      const pb = await PromiseRecipes.setPartitioner(b, "/part", items, { ...timing, identifier: "b" })
      // kazoo's loop as callbacks: release the share when asked to
      const drive = (p: PromiseRecipes.PromiseSetPartitioner) => {
        const log: Array<string> = []
        const end = { ended: false }
        p.onChange(
          (state, partitions) => {
            log.push(state === "ACQUIRED" ? `ACQUIRED ${partitions.join(",")}` : state)
            if (state === "RELEASE") void p.releaseSet()
          },
          {
            onEnd: () => {
              end.ended = true
            }
          }
        )
        return { log, end }
      }
      const da = drive(pa)
      const db = drive(pb)
      const split = () =>
        pa.state() === "ACQUIRED" &&
        pb.state() === "ACQUIRED" &&
        [...pa.partitions(), ...pb.partitions()].sort().join(",") === items.join(",")
      await until(split, `both shares (a: ${da.log.join(" | ")}; b: ${db.log.join(" | ")})`, 20_000)
      await pa.waitForAcquire("1 second")
      const [sa, sb] = [pa.partitions(), pb.partitions()]
      expect(sa.filter((item) => sb.includes(item))).toEqual([])
      // kazoo's partition function: members sorted, every second item from each one's position
      expect(sa).toEqual(["i0", "i2", "i4"])
      expect(sb).toEqual(["i1", "i3", "i5"])
      await until(() => da.log.at(-1) === "ACQUIRED i0,i2,i4", `a's ACQUIRED call (${da.log.join(" | ")})`)
      await until(() => db.log.at(-1) === "ACQUIRED i1,i3,i5", `b's ACQUIRED call (${db.log.join(" | ")})`)
      // b leaves: a is told to release, and allocates the whole set
      await pb.close()
      await pb.close()
      expect(pb.state()).toBe("FAILURE")
      expect(pb.partitions()).toEqual([])
      await until(() => db.end.ended, "b's listener to end")
      expect(db.log.at(-1)).toBe("FAILURE")
      await until(() => pa.state() === "ACQUIRED" && pa.partitions().length === items.length, `a's whole set (${da.log.join(" | ")})`, 20_000)
      expect(da.log.slice(da.log.indexOf("ACQUIRED i0,i2,i4"))).toContain("RELEASE")
      expect(await b.getChildren("/part/party")).toHaveLength(1)
      await pa.close()
      expect(pa.state()).toBe("FAILURE")
      await until(() => da.end.ended, "a's listener to end")
      expect(await b.getChildren("/part/party")).toEqual([])
    })
  )

  it.effect("lockingQueue: a get waiting when its client is closed rejects with ClientClosedError", () =>
    withTwoClients(async (a, b) => {
      const waiting = rejection(PromiseRecipes.lockingQueue(a, "/lq-closing").get())
      const long = rejection(PromiseRecipes.lockingQueue(a, "/lq-closing").get({ timeout: 600_000 }))
      await sleep(200)
      await a.close()
      // bounded: the old get never settled
      const settled = await Promise.race([Promise.all([waiting, long]), sleep(10_000).then(() => "still waiting")])
      expect(settled).toEqual(["ClientClosedError", "ClientClosedError"])
      expect(await b.getChildren("/lq-closing/taken")).toEqual([])
    })
  )
})
