import { SetPartitioner } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import { describe, expect, it as plain } from "vitest"
import { childrenOf, type Client, client, expirableClient, newChroot, recordStates, waitUntil } from "./helpers.js"

const ITEMS = Array.from({ length: 10 }, (_, i) => `item-${i}`)
const timing = { timeBoundary: "500 millis", maxReactionTime: "200 millis" } as const

/** kazoo's loop: release when asked, wait while allocating, stop on failure. */
const drive = (p: SetPartitioner.SetPartitioner) =>
  Effect.gen(function* () {
    for (;;) {
      const state = yield* p.state
      if (state === "FAILURE") return
      if (state === "RELEASE") yield* p.releaseSet
      else if (state === "ALLOCATING") yield* p.waitForAcquire("1 second")
      else yield* Effect.sleep("20 millis")
    }
  })

describe("SetPartitioner.defaultPartitionFunction", () => {
  plain("sorts items and members in Python's order and strides from the member's position", () => {
    const set = ["e", "a", "d", "b", "c", "f", "g"]
    expect(SetPartitioner.defaultPartitionFunction("m1", ["m2", "m0", "m1"], set)).toEqual(["b", "e"])
    expect(SetPartitioner.defaultPartitionFunction("m0", ["m2", "m0", "m1"], set)).toEqual(["a", "d", "g"])
    expect(SetPartitioner.defaultPartitionFunction("x", ["m0"], set)).toEqual([])
    // code points, not UTF-16 units: U+FF61 sorts before U+1F600
    expect(SetPartitioner.defaultPartitionFunction("a", ["a"], ["\u{1F600}", "\uFF61"])).toEqual(["\uFF61", "\u{1F600}"])
  })
})

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("SetPartitioner", (it) => {
  it.scoped("three members split the set; one leaves, the two others rebalance; no item is owned twice at any moment", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const zks: Array<Client> = []
      for (let i = 0; i < 3; i++) zks.push(yield* client({ chroot }))
      const scopes: Array<Scope.CloseableScope> = []
      const members: Array<SetPartitioner.SetPartitioner> = []
      for (let i = 0; i < 3; i++) {
        const scope = yield* Scope.make()
        scopes.push(scope)
        const p = yield* Scope.extend(
          SetPartitioner.make(zks[i]!, "/work", ITEMS, { ...timing, identifier: `worker-${i}` }),
          scope
        )
        members.push(p)
        yield* Effect.forkIn(drive(p), scope)
      }
      // every 10 ms: the shares of the members that hold one must not overlap
      const violations: Array<string> = []
      let samples = 0
      const monitor = yield* Effect.fork(
        Effect.forever(
          Effect.gen(function* () {
            const owner = new Map<string, number>()
            for (let i = 0; i < members.length; i++) {
              for (const item of yield* members[i]!.partitions) {
                const previous = owner.get(item)
                if (previous !== undefined) violations.push(`${item}: worker-${previous} and worker-${i}`)
                owner.set(item, i)
              }
            }
            samples++
            yield* Effect.sleep("10 millis")
          })
        )
      )
      const shares = (ps: ReadonlyArray<SetPartitioner.SetPartitioner>) =>
        Effect.forEach(ps, (p) => Effect.zip(p.state, p.partitions))
      const settled = (ps: ReadonlyArray<SetPartitioner.SetPartitioner>) =>
        Effect.map(shares(ps), (all) => {
          const items = all.flatMap(([, share]) => share)
          return all.every(([state]) => state === "ACQUIRED") && items.length === ITEMS.length && new Set(items).size === ITEMS.length
        })
      yield* waitUntil(settled(members), "three members to share the set", 20_000)
      expect((yield* shares(members)).map(([, share]) => share.length).sort()).toEqual([3, 3, 4])
      expect((yield* members[0]!.partitions)).toEqual(["item-0", "item-3", "item-6", "item-9"])
      // each owned item is a kazoo lock node under /work/locks/<item>
      expect(yield* childrenOf(zks[0]!, "/work/locks")).toEqual([...ITEMS].sort())
      expect((yield* childrenOf(zks[0]!, "/work/party")).map((n) => n.slice(33)).sort()).toEqual(["worker-0", "worker-1", "worker-2"])
      // worker-1 leaves: finish (its scope closes)
      const leaver = members[1]!
      yield* Scope.close(scopes[1]!, Exit.void)
      expect(yield* leaver.state).toBe("FAILURE")
      expect(yield* leaver.partitions).toEqual([])
      const rest = [members[0]!, members[2]!]
      yield* waitUntil(
        Effect.zipWith(settled(rest), Effect.map(shares(rest), (all) => all.every(([, s]) => s.length === 5)), (a, b) => a && b),
        "the two others to rebalance",
        20_000
      )
      expect(yield* members[0]!.partitions).toEqual(["item-0", "item-2", "item-4", "item-6", "item-8"])
      expect((yield* childrenOf(zks[0]!, "/work/party")).map((n) => n.slice(33)).sort()).toEqual(["worker-0", "worker-2"])
      yield* Fiber.interrupt(monitor)
      expect(samples).toBeGreaterThan(50)
      expect(violations).toEqual([])
      for (const scope of [scopes[0]!, scopes[2]!]) yield* Scope.close(scope, Exit.void)
      // all gone: no lock held, nobody in the party
      yield* waitUntil(
        Effect.map(Effect.forEach(ITEMS, (item) => childrenOf(zks[0]!, `/work/locks/${item}`)), (all) => all.every((c) => c.length === 0)),
        "every lock to be released"
      ).pipe(
        Effect.tapError(() =>
          Effect.flatMap(Effect.forEach(ITEMS, (item) => childrenOf(zks[0]!, `/work/locks/${item}`)), (all) =>
            Effect.flatMap(Effect.forEach(members, (m) => m.state), (st) =>
              Effect.log(`locks left: ${JSON.stringify(all)}; states: ${JSON.stringify(st)}`)
            )
          )
        )
      )
      expect(yield* childrenOf(zks[0]!, "/work/party")).toEqual([])
    })
  )

  it.scoped("the states as a Stream; a dropped connection asks for a release; a lost session is a FAILURE", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const seen: Array<SetPartitioner.PartitionState> = []
      const p = yield* SetPartitioner.make(zk, "/work", ["a", "b"], timing)
      expect(p.identifier).toMatch(/^[0-9a-f]{32}$/)
      const states = yield* Effect.fork(p.states.pipe(Stream.runForEach((s) => Effect.sync(() => seen.push(s)))))
      yield* p.waitForAcquire("10 seconds")
      expect(yield* p.state).toBe("ACQUIRED")
      expect(yield* p.partitions).toEqual(["a", "b"])
      const connections = yield* recordStates(zk)
      const mark = connections.seen.length
      yield* proxy.cut
      yield* waitUntil(Effect.map(p.state, (s) => s === "RELEASE"), "RELEASE after the drop")
      yield* proxy.heal
      // listeners run in order: once ours heard CONNECTED, the partitioner's has too
      yield* connections.waitFor("CONNECTED", mark)
      yield* p.releaseSet
      yield* p.waitForAcquire("10 seconds")
      expect(yield* p.state).toBe("ACQUIRED")
      yield* expire
      yield* waitUntil(Effect.map(p.state, (s) => s === "FAILURE"), "FAILURE after the expiry")
      yield* Fiber.join(states).pipe(Effect.timeout("5 seconds"))
      expect(seen).toEqual(["ALLOCATING", "ACQUIRED", "RELEASE", "ALLOCATING", "ACQUIRED", "RELEASE", "FAILURE"])
    })
  )
})
