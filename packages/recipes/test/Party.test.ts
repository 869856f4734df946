import { Party } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Queue, Scope, Stream } from "effect"
import { expect } from "vitest"
import {
  childrenOf,
  clients,
  expirableClient,
  hosts,
  newChroot,
  client as newClient,
  text,
  waitUntil
} from "./helpers.js"
import { kazooProcess } from "./kazoo2/process.js"
import { takeWithin } from "./recipesII.js"

const sorted = (xs: ReadonlyArray<string>) => [...xs].sort()

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Party", (it) => {
  it.scoped("Party: kazoo's node (hex + __party__, the identifier as data), join / leave / members / count", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const pa = yield* Party.make(a, "/party", "alice")
      const pb = yield* Party.make(b, "/party", "bob")
      expect(pa.node).toMatch(/^[0-9a-f]{32}__party__$/)
      expect(yield* pa.members).toEqual([])
      expect(yield* pa.count).toBe(0)
      yield* pa.join
      yield* pa.join // again: nothing changes
      yield* pb.join
      expect(yield* pa.participating).toBe(true)
      expect(sorted(yield* pb.members)).toEqual(["alice", "bob"])
      expect(yield* pb.count).toBe(2)
      const nodes = yield* childrenOf(a, "/party")
      expect(nodes).toEqual(sorted([pa.node, pb.node]))
      expect(text((yield* a.get(`/party/${pa.node}`)).data)).toBe("alice")
      // a node without __party__ in its name is not a member
      yield* a.create("/party/stranger", { data: "x" })
      expect(yield* pa.count).toBe(2)
      expect(yield* pa.leave).toBe(true)
      expect(yield* pa.leave).toBe(false)
      expect(yield* pa.participating).toBe(false)
      expect(yield* pb.members).toEqual(["bob"])
      // ephemeral: bob's session ends, bob is gone
      yield* b.close
      yield* waitUntil(Effect.map(pa.count, (n) => n === 0), "bob's node to go")
    })
  )

  it.scoped("ShallowParty: the identifier in the node name (hex-identifier); joinScoped leaves with the scope; changes as a Stream", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const pa = yield* Party.makeShallow(a, "/shallow", "alice")
      const pb = yield* Party.makeShallow(b, "/shallow", "bob-2")
      expect(pa.node).toMatch(/^[0-9a-f]{32}-alice$/)
      const changes = yield* Queue.unbounded<ReadonlyArray<string>>()
      const watching = yield* Effect.fork(pa.changes.pipe(Stream.runForEach((m) => Queue.offer(changes, sorted(m)))))
      expect(yield* takeWithin(changes, "first list")).toEqual([])
      yield* pa.join
      expect(yield* takeWithin(changes, "alice")).toEqual(["alice"])
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* pb.joinScoped
          expect(yield* takeWithin(changes, "bob")).toEqual(["alice", "bob-2"])
          expect(sorted(yield* pa.members)).toEqual(["alice", "bob-2"])
        })
      )
      expect(yield* takeWithin(changes, "bob gone")).toEqual(["alice"])
      expect(yield* pb.participating).toBe(false)
      yield* Fiber.interrupt(watching)
    })
  )

  it.scoped("joinScoped stays joined across a session expiry (join, as kazoo's, does not); leave ends it", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const observer = yield* newClient({ chroot })
      const { expire, zk } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const watcher = yield* Party.make(observer, "/crew", "watcher")
      const scoped = yield* Party.make(zk, "/crew", "scoped")
      const plain = yield* Party.make(zk, "/crew", "plain")
      const scope = yield* Scope.make()
      yield* Scope.extend(scoped.joinScoped, scope)
      yield* plain.join
      expect(sorted(yield* watcher.members)).toEqual(["plain", "scoped"])
      const ownerOf = (node: string) => Effect.map(observer.exists(`/crew/${node}`), Option.map((s) => s.ephemeralOwner))
      const before = yield* ownerOf(scoped.node)

      yield* expire
      // kazoo's join: gone with the session; joinScoped: back under the new session
      yield* waitUntil(
        Effect.map(ownerOf(scoped.node), (o) => Option.isSome(o) && Option.isSome(before) && o.value !== before.value),
        "the scoped member under the new session"
      )
      expect(sorted(yield* watcher.members)).toEqual(["scoped"])
      expect(yield* scoped.participating).toBe(true)

      // leave ends a scoped membership for good; closing the scope then changes nothing
      expect(yield* scoped.leave).toBe(true)
      expect(yield* scoped.participating).toBe(false)
      expect(yield* watcher.members).toEqual([])
      yield* Effect.sleep("300 millis")
      expect(yield* watcher.members).toEqual([])
      yield* Scope.close(scope, Exit.void)
      expect(yield* scoped.leave).toBe(false)

      // and the scope's close ends it too
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* scoped.joinScoped
          expect(yield* watcher.members).toEqual(["scoped"])
        })
      )
      expect(yield* watcher.members).toEqual([])
      expect(yield* scoped.participating).toBe(false)
    })
  )

  it.scoped("interop with kazoo: members of Party and ShallowParty are seen by both", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const zk = yield* newClient({ chroot })
      const kazoo = yield* kazooProcess(`${yield* hosts}${chroot}`)
      for (const shallow of [false, true]) {
        const path = shallow ? "/shallow" : "/party"
        const ours = shallow ? yield* Party.makeShallow(zk, path, "effect-zk") : yield* Party.make(zk, path, "effect-zk")
        yield* ours.join
        yield* kazoo.call("party_join", { path, identifier: "kazoo", shallow })
        expect(sorted(yield* ours.members)).toEqual(["effect-zk", "kazoo"])
        expect(yield* ours.count).toBe(2)
        expect(yield* kazoo.call("party_members", { path, identifier: "kazoo", shallow })).toEqual(["effect-zk", "kazoo"])
        expect(yield* kazoo.call("party_len", { path, identifier: "kazoo", shallow })).toBe(2)
        expect(yield* ours.leave).toBe(true)
        expect(yield* kazoo.call("party_members", { path, identifier: "kazoo", shallow })).toEqual(["kazoo"])
        expect(yield* kazoo.call("party_leave", { path, identifier: "kazoo", shallow })).toBe(true)
        expect(yield* ours.members).toEqual([])
      }
    })
  )
})
