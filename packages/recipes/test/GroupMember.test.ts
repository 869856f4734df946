import { GroupMember } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope, Stream } from "effect"
import { expect } from "vitest"
import { childrenOf, client, clients, expirableClient, newChroot, tagOf, text, waitUntil } from "./helpers.js"

/** A group's members as `id=data` text, in order. */
const show = (members: GroupMember.Members): string => [...members].map(([id, data]) => `${id}=${text(data)}`).join(",")

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("GroupMember", (it) => {
  it.scoped("members are Curator's <path>/<id> nodes holding their data; joins, data changes and departures are seen", () =>
    Effect.gen(function* () {
      const [a, b, observer] = yield* clients(3)
      const seen: Array<string> = []
      yield* GroupMember.watch(observer, "/group").pipe(
        Stream.runForEach((m) => Effect.sync(() => seen.push(show(m)))),
        Effect.forkScoped
      )
      const one = yield* GroupMember.make(a, "/group", "one", { data: "10.0.0.1" })
      yield* one.awaitPresent
      const bScope = yield* Scope.make()
      const two = yield* GroupMember.make(b, "/group", "two", { data: "10.0.0.2" }).pipe(Scope.extend(bScope))
      yield* two.awaitPresent
      expect(yield* childrenOf(observer, "/group")).toEqual(["one", "two"])
      expect(text((yield* observer.get("/group/one")).data)).toBe("10.0.0.1")
      expect(show(yield* one.members)).toBe("one=10.0.0.1,two=10.0.0.2")
      expect(show(yield* GroupMember.members(observer, "/group"))).toBe("one=10.0.0.1,two=10.0.0.2")
      // a member's own changes stream, and data changes
      const changes: Array<string> = []
      yield* two.changes.pipe(
        Stream.runForEach((m) => Effect.sync(() => changes.push(show(m)))),
        Effect.forkScoped
      )
      yield* waitUntil(Effect.sync(() => changes.at(-1) === "one=10.0.0.1,two=10.0.0.2"), "the first members")
      yield* one.setData("10.0.0.9")
      yield* waitUntil(Effect.sync(() => changes.at(-1) === "one=10.0.0.9,two=10.0.0.2"), `the new data (${changes.join(" | ")})`)
      // two leaves
      yield* Scope.close(bScope, Exit.void)
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "one=10.0.0.9"), `two gone (${seen.join(" | ")})`)
      expect(seen).toContain("one=10.0.0.1,two=10.0.0.2")
      expect(yield* childrenOf(observer, "/group")).toEqual(["one"])
    })
  )

  it.scoped("a member lists itself while its node is being made again, and is back after its session expires", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const observer = yield* client({ chroot })
      const member = yield* GroupMember.make(zk, "/g", "me", { data: "x" })
      yield* member.awaitPresent
      const seen: Array<string> = []
      const watching = yield* GroupMember.watch(observer, "/g").pipe(
        Stream.runForEach((m) => Effect.sync(() => seen.push(show(m)))),
        Effect.fork
      )
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "me=x"), "the member")
      yield* expire
      yield* waitUntil(Effect.sync(() => seen.includes("")), `the node gone with the session (${seen.join(" | ")})`)
      // Curator's getCurrentMembers lists the member itself whatever its node's state
      expect(show(yield* member.members)).toMatch(/^me=x$/)
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "me=x"), `the node made again (${seen.join(" | ")})`, 20_000)
      yield* member.awaitPresent
      yield* Fiber.interrupt(watching)
    })
  )

  it.scoped("bad arguments are refused with InvalidArgumentError; an absent group has no members", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      for (const id of ["", ".", "..", "a/b"]) {
        expect(tagOf(yield* Effect.exit(GroupMember.make(zk, "/g", id)))).toBe("InvalidArgumentError")
      }
      expect(tagOf(yield* Effect.exit(GroupMember.make(zk, "no-slash", "a")))).toBe("InvalidArgumentError")
      expect(tagOf(yield* Effect.exit(GroupMember.members(zk, "/bad//path")))).toBe("InvalidArgumentError")
      expect(tagOf(yield* Effect.exit(Stream.runDrain(GroupMember.watch(zk, "/x/"))))).toBe("InvalidArgumentError")
      expect((yield* GroupMember.members(zk, "/nobody")).size).toBe(0)
    })
  )
})
