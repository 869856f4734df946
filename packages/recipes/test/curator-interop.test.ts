import { LeaderLatch } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { expect } from "vitest"
import { childrenOf, client, hosts, newChroot, waitUntil } from "./helpers.js"
import { curator, curatorUnavailable } from "./curator.js"

// LeaderLatch keeps Curator's znode layout; these cases run Curator 5's own LeaderLatch (Debian's
// libcurator-recipes-java) in a JVM beside ours on the same latch.
if (curatorUnavailable !== undefined) console.log(`[curator interop] not run: ${curatorUnavailable}`)

/** Our client and a Curator process in the same fresh chroot. */
const both = Effect.gen(function* () {
  const chroot = yield* newChroot
  const zk = yield* client({ chroot })
  const cu = yield* curator(`${yield* hosts}${chroot}`)
  return { zk, cu }
})

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("interop with Curator 5", (it) => {
  it.scoped.skipIf(curatorUnavailable !== undefined)(
    "LeaderLatch: Curator's participant and ours share one line, one leader at a time",
    () =>
      Effect.gen(function* () {
        const { zk, cu } = yield* both
        // Curator first: it leads, ours waits behind it
        yield* cu.call("latch j /latch java")
        expect(yield* cu.call("await j 10000")).toBe("true")
        const scope = yield* Scope.make()
        const ours = yield* LeaderLatch.make(zk, "/latch", { id: "effect" }).pipe(Scope.extend(scope))
        yield* waitUntil(Effect.map(childrenOf(zk, "/latch"), (c) => c.length === 2), "our node")
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
        yield* waitUntil(Effect.map(childrenOf(zk, "/latch"), (c) => c.length === 2), "Curator's node")
        expect(yield* cu.call("leader j2")).toBe("false")
        expect(yield* cu.call("participants j2")).toBe("effect*,java-2")
        // ours leaves: Curator leads
        yield* Scope.close(scope, Exit.void)
        expect(yield* cu.call("await j2 10000")).toBe("true")
        yield* cu.call("close j2")
        yield* waitUntil(Effect.map(childrenOf(zk, "/latch"), (c) => c.length === 0), "no node left")
      }),
    60_000
  )
})
