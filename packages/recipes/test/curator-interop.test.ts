import { LeaderLatch, Lock, ServiceDiscovery } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import { childrenOf, client, hosts, newChroot, waitUntil } from "./helpers.js"
import { curator, curatorUnavailable } from "./curator.js"

// LeaderLatch, ServiceDiscovery and Lock's "curator" layout keep Curator's znode layouts; these
// cases run Curator 5's own recipes (Debian's libcurator-recipes-java and
// libcurator-discovery-java) in a JVM beside ours.
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

  it.scoped.skipIf(curatorUnavailable !== undefined)(
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
        yield* waitUntil(Effect.map(childrenOf(zk, "/mutex"), (c) => c.length === 2), "our node")
        for (const name of yield* childrenOf(zk, "/mutex")) expect(name).toMatch(/^_c_[0-9a-f-]{36}-lock-\d{10}$/)
        yield* Effect.sleep("300 millis")
        expect(yield* Deferred.isDone(inside)).toBe(false)
        // Curator releases: ours gets in; Curator cannot while ours holds
        yield* cu.call("release m")
        yield* Deferred.await(inside).pipe(Effect.timeout("10 seconds"))
        expect(yield* cu.call("acquire m 500")).toBe("false")
        // Curator waits; ours leaves; Curator gets in
        const curatorWaits = yield* Effect.fork(cu.call("acquire m 10000"))
        yield* waitUntil(Effect.map(childrenOf(zk, "/mutex"), (c) => c.length === 2), "Curator's node")
        yield* Deferred.succeed(leave, undefined)
        yield* Fiber.join(holder)
        expect(yield* Fiber.join(curatorWaits)).toBe("true")
        yield* cu.call("release m")
        yield* waitUntil(Effect.map(childrenOf(zk, "/mutex"), (c) => c.length === 0), "no node left")
      }),
    60_000
  )

  it.scoped.skipIf(curatorUnavailable !== undefined)(
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
      }),
    60_000
  )
})
