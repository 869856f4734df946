import {
  Barrier,
  CuratorQueue,
  PersistentTtlNode,
  Counter,
  QueueSharder,
  DoubleBarrier,
  Election,
  GroupMember,
  LeaderLatch,
  Lock,
  ReadLock,
  Semaphore,
  ServiceDiscovery,
  SharedCount,
  WriteLock
} from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import { type Client, childrenOf, client, hosts, newChroot, waitUntil } from "./helpers.js"
import { curator, curatorUnavailable } from "./curator.js"

// LeaderLatch, GroupMember, SharedCount, Counter's Curator encodings (int and long), the queues and QueueSharder, PersistentTtlNode, Barrier, DoubleBarrier, ServiceDiscovery and the "curator" layout of Lock, ReadLock/WriteLock, Semaphore and Election
// keep Curator's znode layouts; these
// cases run Curator 5's own recipes (Debian's libcurator-recipes-java and
// libcurator-discovery-java) in a JVM beside ours.
if (curatorUnavailable !== undefined) console.log(`[curator interop] not run: ${curatorUnavailable}`)

/** Waits until `path` has `n` children. */
const childCount = (zk: Client, path: string, n: number, what: string) =>
  waitUntil(Effect.map(childrenOf(zk, path), (c) => c.length === n), what)

/** Our client and a Curator process in the same fresh chroot. */
const both = Effect.gen(function* () {
  const chroot = yield* newChroot
  const zk = yield* client({ chroot })
  const cu = yield* curator(`${yield* hosts}${chroot}`)
  return { zk, cu, chroot }
})

// TTL nodes, for PersistentTtlNode
layer(TestCluster.layer({ tickTime: 500, extendedTypesEnabled: true }), { excludeTestServices: true })("interop with Curator 5", (it) => {
  const interop = it.scoped.skipIf(curatorUnavailable !== undefined)
  interop(
    "LeaderLatch: Curator's participant and ours share one line, one leader at a time",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        // Curator first: it leads, ours waits behind it
        yield* cu.call("latch j /latch java")
        expect(yield* cu.call("await j 10000")).toBe("true")
        const scope = yield* Scope.make()
        const ours = yield* LeaderLatch.make(zk, "/latch", { id: "effect" }).pipe(Scope.extend(scope))
        yield* childCount(zk, "/latch", 2, "our node")
        yield* Effect.sleep("300 millis")
        expect(yield* ours.isLeader).toBe(false)
        expect(yield* ours.participants).toEqual([
          { id: "java", isLeader: true },
          { id: "effect", isLeader: false }
        ])
        expect(yield* cu.call("participants j")).toBe("java*,effect")
        // the same node names: Curator's protected latch- nodes on both sides
        for (const name of yield* childrenOf(zk, "/latch")) expect(name).toMatch(/^_c_[0-9a-f-]{32,36}-latch-\d{10}$/)
        // Curator leaves: ours leads; Curator joins again, behind ours
        yield* cu.call("close j")
        expect(yield* ours.awaitLeadership.pipe(Effect.timeout("10 seconds"))).toBe(true)
        yield* cu.call("latch j2 /latch java-2")
        yield* childCount(zk, "/latch", 2, "Curator's node")
        expect(yield* cu.call("leader j2")).toBe("false")
        expect(yield* cu.call("participants j2")).toBe("effect*,java-2")
        // ours leaves: Curator leads
        yield* Scope.close(scope, Exit.void)
        expect(yield* cu.call("await j2 10000")).toBe("true")
        yield* cu.call("close j2")
        yield* childCount(zk, "/latch", 0, "no node left")
      }),
    60_000
  )

  interop(
    "Election with layout 'curator' and Curator's LeaderSelector: one election, one leader at a time",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        const leads = (expected: string) =>
          waitUntil(Effect.map(cu.call("leads s"), (l) => l === expected), `Curator leads: ${expected}`)
        yield* cu.call("selector s /elect java")
        yield* leads("true")
        const election = yield* Election.make(zk, "/elect", { identifier: "effect", layout: "curator" })
        const inside = yield* Deferred.make<void>()
        const leave = yield* Deferred.make<void>()
        const running = yield* Effect.fork(election.run(Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(leave))))
        yield* childCount(zk, "/elect", 2, "our node")
        for (const name of yield* childrenOf(zk, "/elect")) expect(name).toMatch(/^_c_[0-9a-f-]{36}-lock-\d{10}$/)
        expect(yield* election.contenders).toEqual(["java", "effect"])
        expect(yield* cu.call("selection s")).toBe("java*,effect")
        expect(yield* election.isLeader).toBe(false)
        // Curator's leader ends its term: ours is elected; Curator lines up again, behind ours
        yield* cu.call("abdicate s")
        yield* Deferred.await(inside).pipe(Effect.timeout("10 seconds"))
        expect(yield* cu.call("requeue s")).toBe("true")
        yield* childCount(zk, "/elect", 2, "Curator's node")
        expect(yield* cu.call("selection s")).toBe("effect*,java")
        expect(yield* cu.call("leads s")).toBe("false")
        // ours ends: Curator is elected
        yield* Deferred.succeed(leave, undefined)
        expect(yield* Fiber.join(running)).toEqual(Option.some(undefined))
        yield* leads("true")
        yield* cu.call("unselect s")
        yield* childCount(zk, "/elect", 0, "no node left")
      }),
    60_000
  )

  interop(
    "Lock with layout 'curator' and Curator's InterProcessMutex exclude each other",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("mutex m /mutex")
        expect(yield* cu.call("acquire m 5000")).toBe("true")
        const ours = yield* Lock.make(zk, "/mutex", { identifier: "effect", layout: "curator" })
        expect(Option.isNone(yield* Effect.scoped(ours.tryAcquire()))).toBe(true)
        const inside = yield* Deferred.make<void>()
        const leave = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(ours.withLock(Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(leave))))
        yield* childCount(zk, "/mutex", 2, "our node")
        for (const name of yield* childrenOf(zk, "/mutex")) expect(name).toMatch(/^_c_[0-9a-f-]{36}-lock-\d{10}$/)
        yield* Effect.sleep("300 millis")
        expect(yield* Deferred.isDone(inside)).toBe(false)
        // Curator releases: ours gets in; Curator cannot while ours holds
        yield* cu.call("release m")
        yield* Deferred.await(inside).pipe(Effect.timeout("10 seconds"))
        expect(yield* cu.call("acquire m 500")).toBe("false")
        // Curator waits; ours leaves; Curator gets in
        const curatorWaits = yield* Effect.fork(cu.call("acquire m 10000"))
        yield* childCount(zk, "/mutex", 2, "Curator's node")
        yield* Deferred.succeed(leave, undefined)
        yield* Fiber.join(holder)
        expect(yield* Fiber.join(curatorWaits)).toBe("true")
        yield* cu.call("release m")
        yield* childCount(zk, "/mutex", 0, "no node left")
      }),
    60_000
  )

  interop(
    "ReadLock/WriteLock with layout 'curator' and Curator's InterProcessReadWriteLock: readers share, writers exclude",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        const layout = "curator" as const
        yield* cu.call("rwlock rw /rw")
        // Curator reads: our reader joins it, our writer cannot
        expect(yield* cu.call("acquire rw.r 5000")).toBe("true")
        const reader = yield* ReadLock.make(zk, "/rw", { identifier: "effect-r", layout })
        const writer = yield* WriteLock.make(zk, "/rw", { identifier: "effect-w", layout })
        const ourRead = yield* Effect.scoped(Effect.map(reader.tryAcquire(), Option.isSome))
        expect(ourRead).toBe(true)
        expect(Option.isNone(yield* Effect.scoped(writer.tryAcquire()))).toBe(true)
        // our writer waits for Curator's reader
        const inside = yield* Deferred.make<void>()
        const leave = yield* Deferred.make<void>()
        const writing = yield* Effect.fork(writer.withLock(Effect.zipRight(Deferred.succeed(inside, undefined), Deferred.await(leave))))
        yield* childCount(zk, "/rw", 2, "our writer's node")
        const names = yield* childrenOf(zk, "/rw")
        expect(names.filter((n) => /^_c_[0-9a-f-]{36}-__READ__\d{10}$/.test(n))).toHaveLength(1)
        expect(names.filter((n) => /^_c_[0-9a-f-]{36}-__WRIT__\d{10}$/.test(n))).toHaveLength(1)
        yield* Effect.sleep("300 millis")
        expect(yield* Deferred.isDone(inside)).toBe(false)
        yield* cu.call("release rw.r")
        yield* Deferred.await(inside).pipe(Effect.timeout("10 seconds"))
        // ours writes: Curator can neither read nor write
        expect(yield* cu.call("acquire rw.r 500")).toBe("false")
        expect(yield* cu.call("acquire rw.w 500")).toBe("false")
        // Curator's writer waits; ours leaves; Curator's gets in, and then our reader waits
        const curatorWrites = yield* Effect.fork(cu.call("acquire rw.w 10000"))
        yield* childCount(zk, "/rw", 2, "Curator's writer's node")
        yield* Deferred.succeed(leave, undefined)
        yield* Fiber.join(writing)
        expect(yield* Fiber.join(curatorWrites)).toBe("true")
        expect(Option.isNone(yield* Effect.scoped(reader.tryAcquire()))).toBe(true)
        yield* cu.call("release rw.w")
        expect(Option.isSome(yield* Effect.scoped(reader.tryAcquire()))).toBe(true)
        yield* childCount(zk, "/rw", 0, "no node left")
      }),
    60_000
  )

  interop(
    "Semaphore with layout 'curator' and Curator's InterProcessSemaphoreV2 share the leases",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("semaphore s /sem 2 java")
        expect(yield* cu.call("lease s l1 5000")).toBe("true")
        const ours = yield* Semaphore.make(zk, "/sem", { identifier: "effect-1", maxLeases: 2, layout: "curator" })
        const second = yield* Semaphore.make(zk, "/sem", { identifier: "effect-2", maxLeases: 2, layout: "curator" })
        const scope = yield* Scope.make()
        yield* ours.acquire().pipe(Scope.extend(scope))
        expect(yield* ours.leaseHolders).toEqual(["java", "effect-1"])
        for (const name of yield* childrenOf(zk, "/sem/leases")) expect(name).toMatch(/^_c_[0-9a-f-]{36}-lease-\d{10}$/)
        // both leases taken: Curator's third times out, leaving nothing; ours waits
        expect(yield* cu.call("lease s l2 500")).toBe("false")
        expect(yield* childrenOf(zk, "/sem/leases")).toHaveLength(2)
        expect(Option.isNone(yield* Effect.scoped(second.tryAcquire))).toBe(true)
        const waiting = yield* Effect.fork(Effect.scoped(Effect.zipRight(second.acquire(), second.leaseHolders)))
        yield* childCount(zk, "/sem/leases", 3, "our waiter's lease node")
        // Curator returns its lease: ours gets in
        yield* cu.call("return l1")
        expect(yield* Fiber.join(waiting).pipe(Effect.timeout("10 seconds"))).toEqual(["effect-1", "effect-2"])
        // now Curator waits for one of ours
        const curatorWaits = yield* Effect.fork(cu.call("lease s l3 10000"))
        yield* childCount(zk, "/sem/leases", 2, "Curator's lease node")
        yield* Scope.close(scope, Exit.void)
        expect(yield* Fiber.join(curatorWaits)).toBe("true")
        expect(yield* ours.leaseHolders).toEqual(["java"])
        yield* cu.call("return l3")
        yield* childCount(zk, "/sem/leases", 0, "no lease left")
        expect(yield* childrenOf(zk, "/sem/locks")).toEqual([])
      }),
    60_000
  )

  interop(
    "GroupMember: Curator's members and ours see each other, their data and their departures",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("member j /group java 10.0.0.1")
        const scope = yield* Scope.make()
        const ours = yield* GroupMember.make(zk, "/group", "effect", { data: "10.0.0.2" }).pipe(Scope.extend(scope))
        yield* ours.awaitPresent
        const show = (m: GroupMember.Members) => [...m].map(([id, data]) => `${id}=${new TextDecoder().decode(data)}`).join(",")
        const seen: Array<string> = []
        yield* ours.changes.pipe(
          Stream.runForEach((m) => Effect.sync(() => seen.push(show(m)))),
          Effect.forkScoped
        )
        yield* waitUntil(Effect.sync(() => seen.at(-1) === "effect=10.0.0.2,java=10.0.0.1"), `both members (${seen.join(" | ")})`)
        // Curator's view of ours (its cache follows in the background)
        yield* waitUntil(
          Effect.map(cu.call("members j"), (m) => m === "effect=10.0.0.2,java=10.0.0.1"),
          "Curator sees both"
        )
        // data changes, each way
        yield* ours.setData("10.0.0.3")
        yield* waitUntil(Effect.map(cu.call("members j"), (m) => m === "effect=10.0.0.3,java=10.0.0.1"), "Curator sees our new data")
        yield* cu.call("memberdata j 10.0.0.9")
        yield* waitUntil(Effect.sync(() => seen.at(-1) === "effect=10.0.0.3,java=10.0.0.9"), `Curator's new data (${seen.join(" | ")})`)
        // departures, each way
        yield* cu.call("leave j")
        yield* waitUntil(Effect.sync(() => seen.at(-1) === "effect=10.0.0.3"), `Curator gone (${seen.join(" | ")})`)
        yield* cu.call("member j2 /group java-2 x")
        yield* waitUntil(Effect.map(cu.call("members j2"), (m) => m === "effect=10.0.0.3,java-2=x"), "Curator sees ours")
        yield* Scope.close(scope, Exit.void)
        yield* waitUntil(Effect.map(cu.call("members j2"), (m) => m === "java-2=x"), "Curator sees ours gone")
        yield* cu.call("leave j2")
      }),
    60_000
  )

  interop(
    "SharedCount: Curator's and ours read each other's values; a stale compare-and-set loses on either side",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("count c /epoch 5")
        const ours = yield* SharedCount.make(zk, "/epoch", 99)
        expect(yield* ours.value).toBe(5)
        const seen = yield* ours.versioned
        // Curator moves it on: our compare-and-set at the old version loses
        yield* cu.call("setcount c 6")
        expect(yield* ours.trySet(seen, 50)).toBe(false)
        expect(yield* ours.trySet(yield* ours.versioned, 7)).toBe(true)
        yield* waitUntil(Effect.map(cu.call("getcount c"), (n) => n === "7"), "Curator sees 7")
        expect(yield* cu.call("trycount c 8")).toBe("true")
        expect(yield* ours.value).toBe(8)
        yield* ours.set(-3)
        yield* waitUntil(Effect.map(cu.call("getcount c"), (n) => n === "-3"), "Curator sees -3")
      }),
    60_000
  )

  interop(
    "Counter with curator: 'long' and Curator's DistributedAtomicLong count together",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("long l /ids")
        expect(yield* cu.call("longadd l 3")).toBe("true 3")
        const ours = yield* Counter.make(zk, "/ids", { curator: "long" })
        expect(yield* ours.add(2 ** 33)).toEqual({ preValue: 3, postValue: 2 ** 33 + 3 })
        expect(yield* cu.call("longadd l -1")).toBe(`true ${2 ** 33 + 2}`)
        expect(yield* ours.value).toBe(2 ** 33 + 2)
        // racing increments from both sides lose none
        yield* Effect.all(
          [
            Effect.forEach(Array.from({ length: 20 }), () => ours.add(1), { discard: true }),
            Effect.forEach(Array.from({ length: 20 }), () => cu.call("longadd l 1"), { discard: true })
          ],
          { concurrency: 2 }
        )
        expect(yield* cu.call("longget l")).toBe(String(2 ** 33 + 42))
      }),
    60_000
  )

  interop(
    "Counter with curator: true and Curator's DistributedAtomicInteger count together; ours refuses to pass 32 bits",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("int i /hits")
        expect(yield* cu.call("intadd i 5")).toBe("true 5")
        const ours = yield* Counter.make(zk, "/hits", { curator: true })
        expect(yield* ours.add(-7)).toEqual({ preValue: 5, postValue: -2 })
        expect(yield* cu.call("intget i")).toBe("-2")
        expect(yield* cu.call("intadd i 2147483000")).toBe("true 2147482998")
        expect(yield* ours.value).toBe(2_147_482_998)
        // past 2^31 - 1: refused here (Curator's own add would wrap to a negative count)
        const over = yield* Effect.flip(ours.add(1000))
        expect(over).toMatchObject({ _tag: "InvalidArgumentError", argument: "value" })
        expect(yield* cu.call("intget i")).toBe("2147482998")
        // racing decrements from both sides lose none
        yield* Effect.all(
          [
            Effect.forEach(Array.from({ length: 20 }), () => ours.add(-1), { discard: true }),
            Effect.forEach(Array.from({ length: 20 }), () => cu.call("intadd i -1"), { discard: true })
          ],
          { concurrency: 2 }
        )
        expect(yield* ours.value).toBe(2_147_482_958)
        expect(yield* cu.call("intget i")).toBe("2147482958")
      }),
    60_000
  )

  interop(
    "PersistentTtlNode and Curator's: the same nodes (the node with its data, one child named touch)",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        expect(yield* cu.call("ttlnode /theirs 3000 data")).toBe("true")
        const ours = yield* PersistentTtlNode.make(zk, "/ours", "3 seconds", { data: "data" })
        yield* ours.awaitPresent
        yield* waitUntil(
          Effect.map(Effect.all([zk.exists("/theirs/touch"), zk.exists("/ours/touch")]), ([t, o]) => Option.isSome(t) && Option.isSome(o)),
          "both touch children"
        )
        const kinds = (p: string) =>
          Effect.all([zk.get(p), zk.get(`${p}/touch`)]).pipe(
            Effect.map(([parent, child]) => ({
              data: new TextDecoder().decode(parent.data),
              parentOwner: parent.stat.ephemeralOwner,
              childOwner: child.stat.ephemeralOwner,
              children: parent.stat.numChildren
            }))
          )
        // (a client sees 0 as the owner of containers and TTL nodes: their kinds do not show)
        const theirs = yield* kinds("/theirs")
        expect(theirs).toEqual({ data: "data", parentOwner: 0n, childOwner: 0n, children: 1 })
        expect(yield* kinds("/ours")).toEqual(theirs)
        expect(yield* zk.getChildren("/theirs")).toEqual(yield* zk.getChildren("/ours"))
      }),
    60_000
  )

  interop(
    "CuratorQueue.simple and Curator's SimpleDistributedQueue: items offered on either side are taken on the other",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("sq q /simple")
        yield* cu.call("sqoffer q from-curator-1")
        yield* cu.call("sqoffer q from-curator-2")
        const ours = yield* CuratorQueue.simple(zk, "/simple")
        const text = (b: Uint8Array) => new TextDecoder().decode(b)
        expect(text(yield* ours.take)).toBe("from-curator-1")
        yield* ours.offer("from-us")
        expect(yield* cu.call("sqpoll q 5000")).toBe("from-curator-2")
        expect(yield* cu.call("sqpoll q 5000")).toBe("from-us")
        expect(yield* cu.call("sqpoll q 100")).toBe("none")
      }),
    60_000
  )

  interop(
    "CuratorQueue.distributed and Curator's DistributedQueue, priority, delay and id queues: items (and putMulti's) cross both ways, in order",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        const text = (b: Uint8Array) => new TextDecoder().decode(b)
        const takeN = (q: CuratorQueue.DistributedQueue, n: number) =>
          Effect.map(Stream.runCollect(Stream.take(Stream.map(q.items, text), n)), (c) => [...c])
        // Curator produces, we consume: one item, then three in one node
        yield* cu.call("dq p /fifo fifo - producer")
        yield* cu.call("dqput p x")
        yield* cu.call("dqput p y,z,w")
        const fifo = yield* CuratorQueue.distributed(zk, "/fifo")
        expect(yield* takeN(fifo, 4)).toEqual(["x", "y", "z", "w"])
        // we produce, Curator's consumer consumes
        yield* cu.call("dq c /fifo fifo - consumer")
        yield* fifo.put("p")
        yield* fifo.putMulti(["q", "r"])
        const curatorGot = [yield* cu.call("dqnext c 5000"), yield* cu.call("dqnext c 5000"), yield* cu.call("dqnext c 5000")]
        expect(curatorGot).toEqual(["p", "q", "r"])
        // priority: both sides' items in one order
        yield* cu.call("dq pp /prio priority - producer")
        yield* cu.call("dqput pp late 10")
        yield* cu.call("dqput pp early -5")
        const prio = yield* CuratorQueue.distributed(zk, "/prio", { order: "priority" })
        yield* prio.put("mid", { priority: 0 })
        expect(yield* takeN(prio, 3)).toEqual(["early", "mid", "late"])
        yield* prio.put("b", { priority: 7 })
        yield* prio.put("a", { priority: -7 })
        yield* cu.call("dq pc /prio priority - consumer")
        expect([yield* cu.call("dqnext pc 5000"), yield* cu.call("dqnext pc 5000")]).toEqual(["a", "b"])
        // delay: Curator's due time is honoured here, ours by Curator
        yield* cu.call("dq dp /delay delay - producer")
        yield* cu.call("dqput dp later 700")
        yield* cu.call("dqput dp now 0")
        const delay = yield* CuratorQueue.distributed(zk, "/delay", { order: "delay" })
        expect(text(yield* delay.take)).toBe("now")
        expect(yield* delay.takeWithin("200 millis")).toEqual(Option.none())
        expect(text(yield* delay.take)).toBe("later")
        yield* cu.call("dq dc /delay delay - consumer")
        yield* delay.put("ours-later", { delayUntil: Date.now() + 800 })
        yield* delay.put("ours-now")
        expect(yield* cu.call("dqnext dc 5000")).toBe("ours-now")
        expect(yield* cu.call("dqnext dc 300")).toBe("none")
        expect(yield* cu.call("dqnext dc 5000")).toBe("ours-later")
        // id: Curator's ids read and removed here, ours there
        yield* cu.call("dq ip /ids id - producer")
        yield* cu.call("dqput ip one job/1")
        yield* cu.call("dqput ip two job-2")
        yield* cu.call("dqput ip three job/1")
        const ids = yield* CuratorQueue.distributed(zk, "/ids", { order: "id" })
        expect(yield* ids.remove("job/1")).toBe(2)
        yield* ids.put("four", { id: "job|4" })
        yield* ids.put("five", { id: "job-5" })
        expect(yield* cu.call("dqremove ip job_4")).toBe("1")
        expect(yield* takeN(ids, 2)).toEqual(["two", "five"])
      }),
    60_000
  )

  interop(
    "CuratorQueue.distributed with a lockPath and Curator's DistributedQueue with the same lockPath: every item processed once",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        const text = (b: Uint8Array) => new TextDecoder().decode(b)
        yield* cu.call("dq p /jobs fifo /jobs-locks producer")
        for (let i = 0; i < 10; i++) yield* cu.call(`dqput p job-${i}`)
        const ours = yield* CuratorQueue.distributed(zk, "/jobs", { lockPath: "/jobs-locks" })
        const done: Array<string> = []
        // Curator's consumer and ours take turns on the same items
        yield* cu.call("dq c /jobs fifo /jobs-locks consumer")
        yield* Effect.forEach(Array.from({ length: 3 }), () =>
          Effect.timeout(ours.process((item) => Effect.sync(() => done.push(text(item)))), "300 millis").pipe(Effect.ignore)
        )
        const curatorDone: Array<string> = []
        for (;;) {
          const next = yield* cu.call("dqnext c 1500")
          if (next === "none") break
          curatorDone.push(next)
        }
        const all = [...done, ...curatorDone].sort()
        expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `job-${i}`).sort())
        expect(yield* childrenOf(zk, "/jobs")).toEqual([])
      }),
    60_000
  )

  interop(
    "QueueSharder and Curator's QueueSharder: the same shards, made by whichever leads, items put on either side",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        const text = (b: Uint8Array) => new TextDecoder().decode(b)
        // Curator's starts first and leads: it makes the first shard (at most 2, checks every 100 ms)
        yield* cu.call("sharder c /sharded /sharded-leader 3 100 2")
        const first = yield* cu.call("shards c")
        expect(first).toMatch(/^\/sharded\/queue-[0-9a-f-]{36}$/)
        // Curator's latch joins the line in the background: ours must come after it to follow
        yield* childCount(zk, "/sharded-leader", 1, "Curator's latch node")
        const scope = yield* Scope.make()
        const ours = yield* QueueSharder.make(
          zk,
          "/sharded",
          "/sharded-leader",
          (path) => CuratorQueue.distributed(zk, path),
          { newQueueThreshold: 3, maxQueues: 3, thresholdCheck: "1 hour" }
        ).pipe(Scope.extend(scope))
        expect([...(yield* ours.shards).keys()]).toEqual([first])
        expect(yield* ours.isLeader).toBe(false)
        // we fill the shard; Curator's leader adds a second, which we take in
        for (const item of ["a", "b", "c"]) yield* Effect.flatMap(ours.queue, (q) => q.put(item))
        yield* waitUntil(Effect.map(ours.shards, (s) => s.size === 2), "the shard Curator adds")
        yield* ours.check
        const [second] = yield* ours.preferred
        expect(second).not.toBe(first)
        expect(yield* cu.call("shards c")).toBe([first, second].sort().join(","))
        // Curator puts into the shard it prefers, the new one; it stops at its maxQueues (2)
        for (const item of ["x", "y", "z"]) yield* cu.call(`sharderput c ${item}`)
        expect(yield* childrenOf(zk, second!)).toHaveLength(3)
        yield* Effect.sleep("300 millis")
        expect((yield* ours.shards).size).toBe(2)
        // Curator's sharder goes: ours leads and adds the third shard, which a new Curator sharder finds
        yield* cu.call("sharderclose c")
        yield* waitUntil(ours.isLeader, "ours to lead")
        yield* ours.check
        const paths = [...(yield* ours.shards).keys()].sort()
        expect(paths).toHaveLength(3)
        yield* cu.call("sharder c2 /sharded /sharded-leader 3 100 2")
        expect(yield* cu.call("shards c2")).toBe(paths.join(","))
        // every item, wherever it went, read back here in each shard's order
        const shards = yield* ours.shards
        const taken = (path: string, n: number) =>
          Effect.map(Stream.runCollect(Stream.take(Stream.map(shards.get(path)!.items, text), n)), (c) => [...c])
        expect(yield* taken(first, 3)).toEqual(["a", "b", "c"])
        expect(yield* taken(second!, 3)).toEqual(["x", "y", "z"])
        yield* Scope.close(scope, Exit.void)
      }),
    60_000
  )

  interop(
    "Barrier and Curator's DistributedBarrier: one node, set and removed from either side",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("barrier b /gate")
        const ours = yield* Barrier.make(zk, "/gate")
        // Curator sets it: ours waits until Curator removes it
        yield* cu.call("setbarrier b")
        expect(yield* ours.wait({ timeout: "300 millis" })).toBe(false)
        const waiting = yield* Effect.fork(ours.wait({ timeout: "10 seconds" }))
        yield* cu.call("removebarrier b")
        expect(yield* Fiber.join(waiting)).toBe(true)
        // ours sets it: Curator waits until ours removes it
        yield* ours.create
        expect(yield* cu.call("waitbarrier b 300")).toBe("false")
        const curatorWaits = yield* Effect.fork(cu.call("waitbarrier b 10000"))
        yield* Effect.sleep("200 millis")
        expect(yield* ours.remove).toBe(true)
        expect(yield* Fiber.join(curatorWaits)).toBe("true")
      }),
    60_000
  )

  interop(
    "DoubleBarrier and Curator's DistributedDoubleBarrier: three participants enter together and leave together",
    () =>
      Effect.gen(function* () {
        const { zk, cu, chroot } = yield* both
        const other = yield* client({ chroot })
        yield* cu.call("double d /double 3")
        const ours = yield* DoubleBarrier.make(zk, "/double", 3, { identifier: "effect-1" })
        const ours2 = yield* DoubleBarrier.make(other, "/double", 3, { identifier: "effect-2" })
        // Curator enters first and waits for the other two
        const curatorEnters = yield* Effect.fork(cu.call("denter d 10000"))
        yield* childCount(zk, "/double", 1, "Curator's node")
        const entering = yield* Effect.fork(ours.enter({ timeout: "10 seconds" }))
        yield* childCount(zk, "/double", 2, "our first node")
        yield* Effect.sleep("200 millis")
        expect(yield* ours.participating).toBe(false)
        yield* ours2.enter({ timeout: "10 seconds" })
        yield* Fiber.join(entering)
        expect(yield* Fiber.join(curatorEnters)).toBe("true")
        // leaving: nobody is through until all three have left
        const curatorLeaves = yield* Effect.fork(cu.call("dleave d 10000"))
        const leaving = yield* Effect.fork(ours.leave({ timeout: "10 seconds" }))
        yield* Effect.sleep("300 millis")
        expect((yield* Fiber.poll(leaving))._tag).toBe("None")
        yield* ours2.leave({ timeout: "10 seconds" })
        yield* Fiber.join(leaving)
        expect(yield* Fiber.join(curatorLeaves)).toBe("true")
        yield* childCount(zk, "/double", 0, "no node left")
      }),
    60_000
  )

  interop(
    "ServiceDiscovery: Curator's instances and ours, each found by the other",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        yield* cu.call("discovery /services")
        const javaId = yield* cu.call("register api 10.0.0.1 8080 a")
        const discovery = ServiceDiscovery.make(zk, "/services")
        const seen: Array<string> = []
        yield* Stream.runForEach(discovery.watch("api"), (all) => Effect.sync(() => seen.push(all.map((i) => i.id).join(",")))).pipe(
          Effect.forkScoped
        )
        // Curator's instance, read by us
        const java = Option.getOrThrow(yield* discovery.instance("api", javaId))
        expect(java).toMatchObject({
          name: "api",
          id: javaId,
          address: "10.0.0.1",
          port: 8080,
          sslPort: null,
          payload: { "@class": "java.util.HashMap", zone: "a" },
          serviceType: "DYNAMIC"
        })
        expect(ServiceDiscovery.buildUri(java)).toBe("http://10.0.0.1:8080")
        // ours, read by Curator (a typed payload carries Curator's "@class")
        const ours = yield* discovery.register({
          name: "api",
          id: "effect-1",
          address: "10.0.0.2",
          port: 9090,
          payload: { "@class": "java.util.HashMap", zone: "b" },
          uriSpec: "{scheme}://{address}:{port}"
        })
        yield* ours.awaitPresent
        const both2 = [`${javaId}@10.0.0.1:8080/a/http://10.0.0.1:8080`, "effect-1@10.0.0.2:9090/b/http://10.0.0.2:9090"].sort()
        expect(yield* cu.call("instances api")).toBe(both2.join(","))
        // Curator unregisters: our watch sees it go
        yield* cu.call(`unregister ${javaId}`)
        yield* waitUntil(Effect.sync(() => seen.at(-1) === "effect-1"), `Curator's instance gone (seen: ${seen.join(" | ")})`)
        expect(yield* cu.call("instances api")).toBe("effect-1@10.0.0.2:9090/b/http://10.0.0.2:9090")
        // a STATIC instance of ours (a persistent node) is read by Curator as well
        const fixed = yield* discovery.register({
          name: "api",
          id: "effect-static",
          address: "10.0.0.3",
          port: 7070,
          payload: { "@class": "java.util.HashMap", zone: "c" },
          serviceType: "STATIC"
        })
        yield* fixed.awaitPresent
        expect(yield* cu.call("instances api")).toBe(
          "effect-1@10.0.0.2:9090/b/http://10.0.0.2:9090,effect-static@10.0.0.3:7070/c//STATIC"
        )
      }),
    60_000
  )

  interop(
    "ServiceDiscovery: sequential and disabled instances, Curator's and ours, each understood by the other's provider",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        // "full": Curator writes its "enabled" member (its default, compatible form never does)
        yield* cu.call("discovery /rot full")
        const javaSeq = yield* cu.call("register api 10.0.0.1 8080 a DYNAMIC_SEQUENTIAL")
        const javaOn = yield* cu.call("register api 10.0.0.2 8080 b DYNAMIC true")
        const javaOff = yield* cu.call("register api 10.0.0.3 8080 c DYNAMIC false")
        const discovery = ServiceDiscovery.make(zk, "/rot")
        const theirs = yield* discovery.instances("api")
        expect(theirs.map((i) => `${i.id}:${i.serviceType}:${i.enabled}`).sort()).toEqual(
          [`${javaSeq}:DYNAMIC_SEQUENTIAL:true`, `${javaOn}:DYNAMIC:true`, `${javaOff}:DYNAMIC:false`].sort()
        )
        // our provider leaves Curator's disabled instance out
        const provider = yield* discovery.provider("api")
        yield* waitUntil(Effect.map(provider.all, (all) => all.length === 3), "Curator's three instances in our cache")
        const picked = new Set<string>()
        for (let n = 0; n < 6; n++) picked.add(Option.getOrThrow(yield* provider.instance).id)
        expect([...picked].sort()).toEqual([javaSeq, javaOn].sort())
        // ours: a sequential instance and a disabled one; Curator lists both, its provider offers one
        const seq = yield* discovery.register({
          name: "api",
          id: "ours-seq",
          address: "10.0.1.1",
          port: 9090,
          payload: { "@class": "java.util.HashMap", zone: "d" },
          serviceType: "DYNAMIC_SEQUENTIAL"
        })
        const off = yield* discovery.register({
          name: "api",
          id: "ours-off",
          address: "10.0.1.2",
          port: 9090,
          payload: { "@class": "java.util.HashMap", zone: "e" },
          enabled: false
        })
        yield* seq.awaitPresent
        yield* off.awaitPresent
        const listed = (yield* cu.call("instances api")).split(",")
        expect(listed).toContain("ours-seq@10.0.1.1:9090/d//DYNAMIC_SEQUENTIAL")
        expect(listed).toContain("ours-off@10.0.1.2:9090/e//disabled")
        expect(yield* cu.call("provide api 30")).toBe([javaSeq, javaOn, "ours-seq"].sort().join(","))
        // back in rotation on each side
        yield* off.update({ enabled: true })
        expect(yield* cu.call("provide api 30")).toBe([javaSeq, javaOn, "ours-seq", "ours-off"].sort().join(","))
        yield* cu.call(`enable ${javaOff} true`)
        yield* waitUntil(
          Effect.map(provider.all, (all) => all.find((i) => i.id === javaOff)?.enabled === true),
          "Curator's instance enabled in our cache"
        )
        const all = new Set<string>()
        for (let n = 0; n < 12; n++) all.add(Option.getOrThrow(yield* provider.instance).id)
        expect([...all].sort()).toEqual([javaSeq, javaOn, javaOff, "ours-seq", "ours-off"].sort())
      }),
    60_000
  )
})
