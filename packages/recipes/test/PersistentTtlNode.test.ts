import { PersistentTtlNode } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { expect } from "vitest"
import { childrenOf, clients, text, waitUntil } from "./helpers.js"

// TTL nodes
layer(TestCluster.layer({ tickTime: 500, extendedTypesEnabled: true }), { excludeTestServices: true })("PersistentTtlNode", (it) => {
  it.scoped("a container with its data and a TTL child touched every ttl / factor; a deleted child comes back; both go with the scope", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const node = yield* PersistentTtlNode.make(a, "/workers/host-1", "1 second", { data: "10.0.0.1" }).pipe(
        Scope.extend(scope)
      )
      expect(yield* node.awaitPresent).toBe("/workers/host-1")
      expect(node.childPath).toBe("/workers/host-1/touch")
      expect(text((yield* b.get("/workers/host-1")).data)).toBe("10.0.0.1")
      yield* waitUntil(Effect.map(b.exists("/workers/host-1/touch"), Option.isSome), "the touch child")
      // touched again and again: its data version goes up (a set each half ttl)
      const first = Option.getOrThrow(yield* b.exists("/workers/host-1/touch"))
      yield* waitUntil(
        Effect.map(b.exists("/workers/host-1/touch"), (st) => Option.isSome(st) && st.value.version >= first.version + 2),
        "two more touches"
      )
      expect(yield* node.lastTouchError).toEqual(Option.none())
      // deleted: made again at the next touch
      yield* b.delete("/workers/host-1/touch")
      yield* waitUntil(Effect.map(b.exists("/workers/host-1/touch"), Option.isSome), "the child made again")
      yield* node.setData("10.0.0.2")
      expect(text((yield* b.get("/workers/host-1")).data)).toBe("10.0.0.2")
      yield* Scope.close(scope, Exit.void)
      expect(yield* childrenOf(b, "/workers")).toEqual([])
    })
  )

  it.scoped("bad arguments are refused with InvalidArgumentError", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const tagOf = (e: Effect.Effect<unknown, unknown, Scope.Scope>) => Effect.map(Effect.flip(e), (x) => (x as { _tag: string })._tag)
      expect(yield* tagOf(PersistentTtlNode.make(a, "/x", 0))).toBe("InvalidArgumentError")
      expect(yield* tagOf(PersistentTtlNode.make(a, "/x", "1 second", { touchFactor: 0 }))).toBe("InvalidArgumentError")
      expect(yield* tagOf(PersistentTtlNode.make(a, "/x", "1 second", { childName: "a/b" }))).toBe("InvalidArgumentError")
      expect(yield* tagOf(PersistentTtlNode.make(a, "relative", "1 second"))).toBe("InvalidArgumentError")
    })
  )
})

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("PersistentTtlNode without TTL nodes", (it) => {
  it.scoped("a server that refuses TTL nodes: the container is kept, each touch fails, lastTouchError says why", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const node = yield* PersistentTtlNode.make(a, "/no-ttl", "400 millis")
      yield* node.awaitPresent
      yield* waitUntil(Effect.map(node.lastTouchError, Option.isSome), "a failed touch")
      expect(Option.map(yield* node.lastTouchError, (e) => e._tag)).toEqual(Option.some("UnimplementedError"))
    })
  )
})
