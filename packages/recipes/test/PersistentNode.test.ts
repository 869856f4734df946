import { PersistentNode } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import {
  type Client,
  childrenOf,
  clients,
  expirableClient,
  newChroot,
  client as newClient,
  tagOf,
  text,
  waitUntil,
  watchedAfterReconnect
} from "./helpers.js"

/** The node's owner session and data, or none. */
const nodeOf = (zk: Client, path: string) =>
  Effect.map(Effect.option(zk.get(path)), Option.map((n) => ({ owner: n.stat.ephemeralOwner, data: text(n.data) })))

const sessionOf = (zk: Client) =>
  Effect.map(zk.clientId, (id) => (Option.isSome(id) ? id.value.sessionId : 0n))

// TTL nodes for mode "ttl"
layer(TestCluster.layer({ tickTime: 500, extendedTypesEnabled: true }), { excludeTestServices: true })("PersistentNode", (it) => {
  it.scoped("an ephemeral node with its data, made again after someone deletes it, deleted when the scope closes", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const node = yield* PersistentNode.make(a, "/services/api/host-1", { data: "10.0.0.1:8080" }).pipe(Scope.extend(scope))
      expect(node.path).toBe("/services/api/host-1")
      expect(yield* node.awaitPresent).toBe("/services/api/host-1")
      expect(yield* node.current).toEqual(Option.some("/services/api/host-1"))
      expect(yield* nodeOf(b, "/services/api/host-1")).toEqual(Option.some({ owner: yield* sessionOf(a), data: "10.0.0.1:8080" }))
      expect(yield* node.lastError).toEqual(Option.none())

      // someone deletes it: it comes back, with the same data
      const seen: Array<Option.Option<string>> = []
      yield* Effect.forkScoped(Stream.runForEach(node.changes, (c) => Effect.sync(() => seen.push(c))))
      yield* waitUntil(Effect.sync(() => seen.length >= 1), "the first value of changes") // subscribed
      yield* b.delete("/services/api/host-1")
      yield* waitUntil(Effect.sync(() => seen.length >= 3), "the deletion and the new node in changes")
      expect(seen.slice(0, 3)).toEqual([Option.some("/services/api/host-1"), Option.none(), Option.some("/services/api/host-1")])
      expect(yield* nodeOf(b, "/services/api/host-1")).toEqual(Option.some({ owner: yield* sessionOf(a), data: "10.0.0.1:8080" }))

      // new data: written now, and used when the node is made again
      yield* node.setData("10.0.0.1:8081")
      expect(text(yield* node.data)).toBe("10.0.0.1:8081")
      expect(Option.map(yield* nodeOf(b, "/services/api/host-1"), (n) => n.data)).toEqual(Option.some("10.0.0.1:8081"))
      yield* b.delete("/services/api/host-1")
      yield* waitUntil(
        Effect.map(nodeOf(b, "/services/api/host-1"), (n) => Option.isSome(n) && n.value.data === "10.0.0.1:8081"),
        "the node made again with the new data"
      )

      // the scope closes: the node goes, and stays gone
      yield* Scope.close(scope, Exit.void)
      expect(yield* nodeOf(b, "/services/api/host-1")).toEqual(Option.none())
      yield* Effect.sleep("300 millis")
      expect(yield* nodeOf(b, "/services/api/host-1")).toEqual(Option.none())
      expect(yield* childrenOf(b, "/services/api")).toEqual([])
    })
  )

  it.scoped("made again under the new session after the session expires; a dropped connection changes nothing", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const observer = yield* newClient({ chroot })
      const { expire, proxy, zk } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const node = yield* PersistentNode.make(zk, "/members/m", { data: "m" })
      yield* node.awaitPresent
      const first = yield* sessionOf(zk)
      expect(Option.map(yield* nodeOf(observer, "/members/m"), (n) => n.owner)).toEqual(Option.some(first))

      // a short disconnection within the session: the same node
      const before = yield* observer.exists("/members/m")
      yield* proxy.cut
      yield* Effect.sleep("500 millis")
      yield* proxy.heal
      yield* waitUntil(zk.connected, "reconnection")
      expect(Option.map(yield* observer.exists("/members/m"), (s) => s.czxid)).toEqual(Option.map(before, (s) => s.czxid))

      yield* expire
      const second = yield* sessionOf(zk)
      expect(second).not.toBe(first)
      yield* waitUntil(
        Effect.map(nodeOf(observer, "/members/m"), (n) => Option.isSome(n) && n.value.owner === second),
        "the node under the new session"
      )
      expect(Option.map(yield* nodeOf(observer, "/members/m"), (n) => n.data)).toEqual(Option.some("m"))
      expect(yield* node.awaitPresent).toBe("/members/m")
    })
  )

  it.scoped("a node held by another session is waited on, then taken over when it goes", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      yield* b.create("/leader", { data: "b", ephemeral: true })
      const node = yield* PersistentNode.make(a, "/leader", { data: "a" })
      yield* waitUntil(Effect.map(node.lastError, Option.isSome), "the NodeExists error to show")
      expect(Option.map(yield* node.lastError, (e) => e._tag)).toEqual(Option.some("NodeExistsError"))
      expect(yield* node.current).toEqual(Option.none())
      expect(Option.map(yield* nodeOf(a, "/leader"), (n) => n.data)).toEqual(Option.some("b"))
      yield* b.close
      expect(yield* node.awaitPresent.pipe(Effect.timeout("10 seconds"))).toBe("/leader")
      expect(yield* nodeOf(a, "/leader")).toEqual(Option.some({ owner: yield* sessionOf(a), data: "a" }))
      expect(yield* node.lastError).toEqual(Option.none())
    })
  )

  it.scoped("closed while waiting on a node held by another session, it leaves no watch behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      yield* b.create("/held", { ephemeral: true })
      const scope = yield* Scope.make()
      const node = yield* Scope.extend(PersistentNode.make(a, "/held"), scope)
      yield* waitUntil(Effect.map(node.lastError, Option.isSome), "the NodeExists error to show")
      yield* Effect.sleep("100 millis")
      yield* Scope.close(scope, Exit.void)
      expect(yield* watchedAfterReconnect(a, "/held", "data")).toBe(false)
    })
  )

  it.scoped("the client closed under a live node: the node goes with the session, nothing is kept or retried", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const node = yield* PersistentNode.make(a, "/closing", { data: "c" }).pipe(Scope.extend(scope))
      yield* node.awaitPresent
      yield* a.close
      yield* waitUntil(Effect.map(node.current, Option.isNone), "the node to be reported gone")
      yield* Effect.sleep("300 millis")
      expect(yield* nodeOf(b, "/closing")).toEqual(Option.none())
      expect(yield* node.lastError).toEqual(Option.none())
      yield* Scope.close(scope, Exit.void)
      expect(yield* nodeOf(b, "/closing")).toEqual(Option.none())
    })
  )

  it.scoped("sequential: a protected name, a new sequence number after a deletion, no node left behind", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const node = yield* PersistentNode.make(a, "/workers/w-", { sequential: true, data: "x" }).pipe(Scope.extend(scope))
      const first = yield* node.awaitPresent
      expect(first).toMatch(/^\/workers\/_c_[0-9a-f]{32}-w-\d{10}$/)
      yield* b.delete(first)
      yield* waitUntil(Effect.map(node.current, (p) => Option.isSome(p) && p.value !== first), "a new node")
      const second = Option.getOrThrow(yield* node.current)
      expect(second.slice(0, -10)).toBe(first.slice(0, -10)) // the same protected prefix
      expect(Number(second.slice(-10))).toBeGreaterThan(Number(first.slice(-10)))
      expect(yield* childrenOf(b, "/workers")).toEqual([second.slice("/workers/".length)])
      yield* Scope.close(scope, Exit.void)
      expect(yield* childrenOf(b, "/workers")).toEqual([])
    })
  )

  it.scoped("a creation the server refuses is retried and shown in lastError; invalid paths fail make", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      // an ephemeral parent cannot have children
      yield* b.create("/eph", { ephemeral: true })
      const node = yield* PersistentNode.make(a, "/eph/child")
      yield* waitUntil(Effect.map(node.lastError, Option.isSome), "the error to show")
      expect(Option.map(yield* node.lastError, (e) => e._tag)).toEqual(Option.some("NoChildrenForEphemeralsError"))
      expect(yield* node.current).toEqual(Option.none())
      // once the parent is a plain node, the next try succeeds
      yield* b.delete("/eph")
      yield* b.create("/eph")
      expect(yield* node.awaitPresent.pipe(Effect.timeout("15 seconds"))).toBe("/eph/child")
      expect(yield* node.lastError).toEqual(Option.none())

      for (const bad of ["relative", "/", "/a//b", "/trailing/"]) {
        expect(tagOf(yield* Effect.exit(PersistentNode.make(a, bad)))).toBe("InvalidArgumentError")
      }
      // data over ZooKeeper's limit: refused, and nothing changes
      const huge = new Uint8Array(1024 * 1024)
      expect(tagOf(yield* Effect.exit(PersistentNode.make(a, "/big", { data: huge })))).toBe("InvalidArgumentError")
      yield* node.setData("small")
      expect(tagOf(yield* Effect.exit(node.setData(huge)))).toBe("InvalidArgumentError")
      expect(text(yield* node.data)).toBe("small")
      expect(text((yield* b.get("/eph/child")).data)).toBe("small")
    })
  )

  it.scoped("mode persistent: outlives a session expiry, made again when deleted, takes over a node already there, deleted with the scope", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const other = yield* newClient({ chroot })
      // a node left there (by a process that died) is taken over: our data, the same node
      yield* other.create("/cfg/flags", { data: "stale", makepath: true })
      const stale = Option.getOrThrow(yield* other.exists("/cfg/flags"))
      const scope = yield* Scope.make()
      const node = yield* PersistentNode.make(zk, "/cfg/flags", { mode: "persistent", data: "v1" }).pipe(Scope.extend(scope))
      expect(yield* node.awaitPresent).toBe("/cfg/flags")
      yield* waitUntil(Effect.map(nodeOf(other, "/cfg/flags"), (n) => Option.isSome(n) && n.value.data === "v1"), "our data in it")
      const taken = Option.getOrThrow(yield* other.exists("/cfg/flags"))
      expect(taken.czxid).toBe(stale.czxid)
      expect(taken.ephemeralOwner).toBe(0n)
      // a session expiry leaves it be
      yield* expire
      yield* Effect.sleep("300 millis")
      expect(Option.getOrThrow(yield* other.exists("/cfg/flags")).czxid).toBe(stale.czxid)
      expect(yield* node.current).toEqual(Option.some("/cfg/flags"))
      // deleted by someone: made again, with the data set since
      yield* node.setData("v2")
      yield* other.delete("/cfg/flags")
      yield* waitUntil(
        Effect.map(other.exists("/cfg/flags"), (st) => Option.isSome(st) && st.value.czxid !== stale.czxid),
        "made again"
      )
      expect(Option.getOrThrow(yield* nodeOf(other, "/cfg/flags"))).toEqual({ owner: 0n, data: "v2" })
      yield* Scope.close(scope, Exit.void)
      expect(yield* other.exists("/cfg/flags")).toEqual(Option.none())
    })
  )

  it.scoped("mode persistent, sequential; container; ttl: nodes of that kind, made again when gone; bad combinations refused", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const seq = yield* PersistentNode.make(a, "/jobs/j-", { mode: "persistent", sequential: true }).pipe(Scope.extend(scope))
      const first = yield* seq.awaitPresent
      expect(first).toMatch(/^\/jobs\/_c_[0-9a-f]{32}-j-\d{10}$/)
      yield* b.delete(first)
      yield* waitUntil(Effect.map(seq.current, (p) => Option.isSome(p) && p.value !== first), "a new sequential node")
      expect(yield* childrenOf(b, "/jobs")).toHaveLength(1)
      // a container: ZooKeeper removes it once its last child goes; it is made again
      const box = yield* PersistentNode.make(a, "/box", { mode: "container" }).pipe(Scope.extend(scope))
      yield* box.awaitPresent
      yield* b.create("/box/child")
      const made = Option.getOrThrow(yield* b.exists("/box")).czxid
      yield* b.delete("/box/child")
      yield* b.delete("/box") // what the server's container sweep does
      yield* waitUntil(
        Effect.map(b.exists("/box"), (st) => Option.isSome(st) && st.value.czxid !== made),
        "the container made again"
      )
      const ttl = yield* PersistentNode.make(a, "/ttl-node", { mode: "ttl", ttl: "1 hour", data: "t" }).pipe(Scope.extend(scope))
      yield* ttl.awaitPresent
      expect(Option.getOrThrow(yield* nodeOf(b, "/ttl-node")).data).toBe("t")
      yield* Scope.close(scope, Exit.void)
      expect(yield* childrenOf(b, "/jobs")).toEqual([])
      expect(yield* b.exists("/box")).toEqual(Option.none())
      expect(yield* b.exists("/ttl-node")).toEqual(Option.none())
      // what cannot be kept is refused
      const refused = (options: PersistentNode.Options) => Effect.map(Effect.exit(PersistentNode.make(a, "/x", options)), tagOf)
      expect(yield* refused({ mode: "container", sequential: true })).toBe("InvalidArgumentError")
      expect(yield* refused({ mode: "ttl" })).toBe("InvalidArgumentError")
      expect(yield* refused({ mode: "persistent", ttl: "1 minute" })).toBe("InvalidArgumentError")
      expect(yield* refused({ mode: "forever" as "persistent" })).toBe("InvalidArgumentError")
    })
  )
})
