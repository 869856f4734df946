import { LeaderLatch } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import { type Client, childrenOf, clients, expirableClient, newChroot, client as newClient, recordStates, waitUntil } from "./helpers.js"

/** Joins the latch in a scope of its own, to leave by closing it. */
const join = (zk: Client, id: string, options: LeaderLatch.LeaderLatchOptions = {}) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const latch = yield* LeaderLatch.make(zk, "/latch", { ...options, id }).pipe(Scope.extend(scope))
    yield* waitUntil(Effect.map(latch.node, Option.isSome), `${id}'s node`)
    return { latch, leave: Scope.close(scope, Exit.void) }
  })

const leaders = (latches: ReadonlyArray<LeaderLatch.LeaderLatch>) =>
  Effect.map(
    Effect.forEach(latches, (l) => Effect.map(l.isLeader, (leads) => (leads ? [l.id] : []))),
    (ids) => ids.flat()
  )

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("LeaderLatch", (it) => {
  it.scoped("one leader at a time, in the order they joined; leaving passes the leadership on", () =>
    Effect.gen(function* () {
      const [a, b, c] = yield* clients(3)
      const first = yield* join(a, "a")
      expect(yield* first.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))).toBe(true)
      const second = yield* join(b, "b")
      const third = yield* join(c, "c")
      const all = [first.latch, second.latch, third.latch]
      yield* Effect.sleep("200 millis")
      expect(yield* leaders(all)).toEqual(["a"])
      expect(yield* third.latch.participants).toEqual([
        { id: "a", isLeader: true },
        { id: "b", isLeader: false },
        { id: "c", isLeader: false }
      ])
      // Curator's layout: protected ephemeral sequential latch- nodes
      const names = yield* childrenOf(a, "/latch")
      expect(names).toHaveLength(3)
      for (const name of names) expect(name).toMatch(/^_c_[0-9a-f]{32}-latch-\d{10}$/)

      const seen: Array<boolean> = []
      yield* Stream.runForEach(second.latch.changes, (l) => Effect.sync(() => seen.push(l))).pipe(Effect.forkScoped)
      yield* waitUntil(Effect.sync(() => seen.length >= 1), "b's first change")
      yield* first.leave
      yield* second.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      expect(yield* first.latch.isLeader).toBe(false)
      expect(yield* leaders(all)).toEqual(["b"])
      expect(seen).toEqual([false, true])
      expect((yield* childrenOf(b, "/latch")).length).toBe(2)
      yield* second.leave
      yield* third.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      expect(yield* leaders(all)).toEqual(["c"])
      expect(yield* third.latch.participants).toEqual([{ id: "c", isLeader: true }])
      yield* third.leave
      expect(yield* childrenOf(c, "/latch")).toEqual([])
      // a closed latch leads no more: its waits end, and so do its changes
      expect(yield* third.latch.isLeader).toBe(false)
      expect(yield* third.latch.awaitLeadership.pipe(Effect.timeout("5 seconds"))).toBe(false)
      expect(Array.from(yield* Stream.runCollect(third.latch.changes).pipe(Effect.timeout("5 seconds")))).toEqual([false])
    })
  )

  it.scoped("the leader's node deleted by someone: it is made again at the back, and the next in line leads", () =>
    Effect.gen(function* () {
      const [a, b, admin] = yield* clients(3)
      const first = yield* join(a, "a")
      const second = yield* join(b, "b")
      yield* first.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      const before = Option.getOrThrow(yield* first.latch.node)
      yield* admin.delete(before)
      yield* second.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      yield* waitUntil(
        Effect.map(first.latch.node, (n) => Option.isSome(n) && n.value !== before),
        "a's node made again"
      )
      yield* Effect.sleep("200 millis")
      expect(yield* leaders([first.latch, second.latch])).toEqual(["b"])
      expect((yield* first.latch.participants).map((p) => p.id)).toEqual(["b", "a"])
    })
  )

  it.scoped("the leader's session expires: it stops leading, the next leads, and it rejoins at the back", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk: a, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const b = yield* newClient({ chroot })
      const first = yield* join(a, "a")
      const second = yield* join(b, "b")
      yield* first.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      const seen: Array<boolean> = []
      yield* Stream.runForEach(first.latch.changes, (l) => Effect.sync(() => seen.push(l))).pipe(Effect.forkScoped)
      yield* waitUntil(Effect.sync(() => seen.length >= 1), "a's first change")
      // work run while leading (the README's pattern) is interrupted when the leadership goes
      const work: Array<string> = []
      const whileLeading = Effect.sync(() => work.push("started")).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Effect.sync(() => work.push("interrupted")))
      )
      yield* first.latch.changes.pipe(
        Stream.flatMap((leading) => (leading ? Stream.fromEffect(whileLeading) : Stream.empty), { switch: true }),
        Stream.runDrain,
        Effect.forkScoped
      )
      yield* waitUntil(Effect.sync(() => work.length === 1), "the work started")
      yield* expire
      yield* waitUntil(Effect.sync(() => work.length === 2), "the work interrupted")
      expect(work).toEqual(["started", "interrupted"])
      yield* second.latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
      yield* waitUntil(
        Effect.map(first.latch.participants, (ps) => ps.map((p) => p.id).join(",") === "b,a"),
        "a back in line behind b"
      )
      expect(yield* first.latch.isLeader).toBe(false)
      expect(seen).toEqual([true, false])
    })
  )

  it.scoped("a suspended connection: under 'standard' the leadership ends until reconnected; under 'session' it holds", () =>
    Effect.gen(function* () {
      for (const policy of ["standard", "session"] as const) {
        const chroot = yield* newChroot
        const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "6 seconds" })
        const states = yield* recordStates(zk)
        const { latch } = yield* join(zk, policy, { policy })
        yield* latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
        const seen: Array<boolean> = []
        yield* Stream.runForEach(latch.changes, (l) => Effect.sync(() => seen.push(l))).pipe(Effect.forkScoped)
        yield* waitUntil(Effect.sync(() => seen.length >= 1), "the first change")
        yield* proxy.cut
        yield* states.waitFor("SUSPENDED")
        if (policy === "standard") yield* waitUntil(Effect.map(latch.isLeader, (l) => !l), "the leadership ended")
        else {
          yield* Effect.sleep("300 millis")
          expect(yield* latch.isLeader).toBe(true)
        }
        yield* proxy.heal
        yield* waitUntil(zk.connected, "reconnected")
        yield* latch.awaitLeadership.pipe(Effect.timeout("10 seconds"))
        expect(seen).toEqual(policy === "standard" ? [true, false, true] : [true])
      }
    })
  )

  it.scoped("an invalid path is refused", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const error = yield* Effect.flip(LeaderLatch.make(a, "latch/no-slash"))
      expect(error._tag).toBe("InvalidArgumentError")
    })
  )
})
