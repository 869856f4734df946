import { Modeled } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Fiber, Option, Schedule, Schema, Stream } from "effect"
import { expect } from "vitest"
import { childrenOf, client, clients, tagOf, text, waitUntil } from "./helpers.js"

const User = Schema.Struct({ name: Schema.NonEmptyString, age: Schema.Int, since: Schema.Date })
type User = typeof User.Type

const alice: User = { name: "Alice", age: 30, since: new Date("2024-01-02T03:04:05.000Z") }
const bob: User = { name: "Bob", age: 40, since: new Date("2023-05-06T07:08:09.000Z") }

/** Bytes ↔ string in UTF-8, a codec other than JSON. */
const Utf8Text: Schema.Schema<string, Uint8Array> = Schema.transform(Schema.Uint8ArrayFromSelf, Schema.String, {
  strict: true,
  decode: (bytes) => new TextDecoder().decode(bytes),
  encode: (s) => new TextEncoder().encode(s)
})

const ageOf = (v: Option.Option<User>): number | null => (Option.isSome(v) ? v.value.age : null)

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Modeled", (it) => {
  it.scoped("round trip: create, read, versioned, update, delete; the node holds the schema's encoding as JSON in UTF-8", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const Users = Modeled.make(zk, { path: "/users", schema: User })
      const node = Users.at("alice")
      expect(node.path).toBe("/users/alice")
      expect(yield* node.create(alice, { makepath: true })).toBe("/users/alice")
      // the stored bytes are the encoded form (the Date as an ISO string), as JSON text
      const raw = yield* zk.get("/users/alice")
      expect(JSON.parse(text(raw.data))).toEqual({ name: "Alice", age: 30, since: "2024-01-02T03:04:05.000Z" })
      expect(text(raw.data)).toBe(`{"name":"Alice","age":30,"since":"2024-01-02T03:04:05.000Z"}`)
      const read = yield* node.read
      expect(read).toEqual(alice)
      expect(read.since).toBeInstanceOf(Date)
      const first = yield* node.versioned
      expect(first.path).toBe("/users/alice")
      expect(first.value).toEqual(alice)
      expect(first.version).toBe(0)
      expect(first.stat.version).toBe(0)
      // creating it again is the client's NodeExistsError
      expect(tagOf(yield* Effect.exit(node.create(bob)))).toBe("NodeExistsError")
      const stat = yield* node.update({ ...alice, age: 31 })
      expect(stat.version).toBe(1)
      expect((yield* node.read).age).toBe(31)
      expect((yield* node.versioned).version).toBe(1)
      yield* node.delete()
      expect(Option.isNone(yield* zk.exists("/users/alice"))).toBe(true)
      expect(tagOf(yield* Effect.exit(node.read))).toBe("NoNodeError")
      expect(tagOf(yield* Effect.exit(node.update(alice)))).toBe("NoNodeError")
      // the single-node form
      const config = Modeled.node(zk, { path: "/config/app", schema: User })
      yield* config.create(bob, { makepath: true })
      expect(yield* config.read).toEqual(bob)
    })
  )

  it.scoped("compare-and-set: a write at the version read wins; at a stale version it fails with BadVersionError and writes nothing", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const onA = Modeled.node(a, { path: "/cas", schema: User })
      const onB = Modeled.node(b, { path: "/cas", schema: User })
      yield* onA.create(alice)
      const before = yield* onA.versioned
      // b writes in between
      yield* onB.update({ ...alice, age: 50 }, { version: before.version })
      const lost = yield* Effect.flip(onA.update({ ...before.value, age: 31 }, { version: before.version }))
      expect(lost._tag).toBe("BadVersionError")
      if (lost._tag === "BadVersionError") expect(lost.path).toBe("/cas")
      const now = yield* onA.versioned
      expect(now.value.age).toBe(50)
      expect(now.version).toBe(1)
      // read again, then it wins
      const stat = yield* onA.update({ ...now.value, age: 51 }, { version: now.version })
      expect(stat.version).toBe(2)
      expect((yield* onB.read).age).toBe(51)
      // delete at a stale version fails and leaves the node; at the current one it goes
      expect(tagOf(yield* Effect.exit(onB.delete({ version: 1 })))).toBe("BadVersionError")
      expect((yield* onA.read).age).toBe(51)
      yield* onB.delete({ version: 2 })
      expect(Option.isNone(yield* a.exists("/cas"))).toBe(true)
    })
  )

  it.scoped("modify: concurrent read-modify-writes from two clients lose no update", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const onA = Modeled.node(a, { path: "/counter", schema: User })
      const onB = Modeled.node(b, { path: "/counter", schema: User })
      yield* onA.create({ ...alice, age: 0 })
      const bump = (m: Modeled.Model<User>) => m.modify((u) => ({ ...u, age: u.age + 1 }))
      const written = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => bump(i % 2 === 0 ? onA : onB)),
        { concurrency: "unbounded" }
      )
      // every call wrote a different value: 1 to 20
      expect(written.map((u) => u.age).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      const end = yield* onB.versioned
      expect(end.value.age).toBe(20)
      expect(end.version).toBe(20)
      // a missing node is the client's NoNodeError
      expect(tagOf(yield* Effect.exit(Modeled.node(a, { path: "/none", schema: User }).modify((u) => u)))).toBe(
        "NoNodeError"
      )
    })
  )

  it.scoped("collection: children and list (every child decoded, with path and version); sequential children", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const onA = Modeled.make(a, { path: "/team", schema: User })
      const onB = Modeled.make(b, { path: "/team", schema: User })
      // a missing collection is the client's NoNodeError; an empty one has no children
      expect(tagOf(yield* Effect.exit(onB.list))).toBe("NoNodeError")
      yield* a.ensurePath("/team")
      expect(yield* onB.children).toEqual([])
      expect(yield* onB.list).toEqual([])
      yield* onA.at("alice").create(alice)
      yield* onA.at("bob").create(bob)
      yield* onA.at("bob").update({ ...bob, age: 41 })
      const carol: User = { name: "Carol", age: 25, since: new Date("2022-01-01T00:00:00.000Z") }
      // the sequence number is the parent's child version: two children were created before
      const seq = yield* onA.at("member-").create(carol, { sequence: true, ephemeral: true })
      expect(seq).toBe("/team/member-0000000002")
      expect([...(yield* onB.children)].sort()).toEqual(["alice", "bob", "member-0000000002"])
      const list = [...(yield* onB.list)].sort((x, y) => x.path.localeCompare(y.path))
      expect(list.map((v) => [v.path, v.value, v.version])).toEqual([
        ["/team/alice", alice, 0],
        ["/team/bob", { ...bob, age: 41 }, 1],
        ["/team/member-0000000002", carol, 0]
      ])
      expect(list.every((v) => v.stat.version === v.version)).toBe(true)
      // the collection under the root
      const root = Modeled.make(b, { path: "/", schema: User })
      expect(root.at("team").path).toBe("/team")
    })
  )

  it.scoped("data that is not JSON, or JSON the schema refuses, fails with MalformedDataError naming the path and the parse message", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const Users = Modeled.make(zk, { path: "/users", schema: User })
      yield* zk.create("/users/not-json", { data: "{name: 'x'", makepath: true })
      yield* zk.create("/users/missing-age", { data: JSON.stringify({ name: "Bob", since: "2024-01-01T00:00:00Z" }) })
      const eve = { name: "Eve", age: 1.5, since: "2024-01-01T00:00:00Z" }
      yield* zk.create("/users/float-age", { data: JSON.stringify(eve) })
      yield* zk.create("/users/empty")

      const notJson = yield* Effect.flip(Users.at("not-json").read)
      expect(notJson._tag).toBe("MalformedDataError")
      if (notJson._tag !== "MalformedDataError") return
      expect(notJson.path).toBe("/users/not-json")
      expect(notJson.reason).toMatch(/JSON/)
      expect(notJson.message).toContain(`"/users/not-json"`)

      const missing = yield* Effect.flip(Users.at("missing-age").versioned)
      expect(missing._tag).toBe("MalformedDataError")
      if (missing._tag !== "MalformedDataError") return
      expect(missing.path).toBe("/users/missing-age")
      expect(missing.reason).toContain(`["age"]`)
      expect(missing.reason).toContain("is missing")

      const float = yield* Effect.flip(Users.at("float-age").read)
      expect(float._tag).toBe("MalformedDataError")
      if (float._tag !== "MalformedDataError") return
      expect(float.path).toBe("/users/float-age")
      expect(float.reason).toContain("1.5")

      expect(tagOf(yield* Effect.exit(Users.at("empty").read))).toBe("MalformedDataError")
      // one bad child fails the whole list with the same typed error
      const listed = yield* Effect.flip(Users.list)
      expect(listed._tag).toBe("MalformedDataError")
      // with a codec other than JSON: a number kept as its plain text
      const port = Modeled.node(zk, { path: "/port", schema: Schema.NumberFromString, codec: Utf8Text })
      yield* port.create(2181)
      expect(text((yield* zk.get("/port")).data)).toBe("2181")
      expect(yield* port.read).toBe(2181)
      yield* zk.set("/port", "not a number")
      const port2 = yield* Effect.flip(port.read)
      expect(port2._tag).toBe("MalformedDataError")
      if (port2._tag === "MalformedDataError") expect(port2.reason).toContain("not a number")
    })
  )

  it.scoped("a value the schema refuses fails with InvalidArgumentError and nothing is written", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const Users = Modeled.make(zk, { path: "/users", schema: User })
      const node = Users.at("x")
      const created = yield* Effect.flip(node.create({ ...alice, age: 1.5 }, { makepath: true }))
      expect(created._tag).toBe("InvalidArgumentError")
      if (created._tag !== "InvalidArgumentError") return
      expect(created.op).toBe("Modeled.create")
      expect(created.path).toBe("/users/x")
      expect(created.argument).toBe("value")
      expect(created.reason).toContain("1.5")
      // not even the parents that makepath would have made
      expect(Option.isNone(yield* zk.exists("/users"))).toBe(true)
      yield* node.create(alice, { makepath: true })
      const updated = yield* Effect.flip(node.update({ ...alice, name: "" }))
      expect(updated._tag).toBe("InvalidArgumentError")
      if (updated._tag === "InvalidArgumentError") expect(updated.op).toBe("Modeled.update")
      const after = yield* node.versioned
      expect(after.version).toBe(0)
      expect(after.value).toEqual(alice)
      expect(tagOf(yield* Effect.exit(node.update({ ...alice, since: new Date(Number.NaN) })))).toBe("InvalidArgumentError")
      expect((yield* node.versioned).version).toBe(0)
    })
  )

  it.scoped("changes: none while missing, then each value another client writes, none on deletion; data that stops decoding fails the stream", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const writer = Modeled.node(a, { path: "/watched", schema: User })
      const watched = Modeled.node(b, { path: "/watched", schema: User })
      const seen: Array<Option.Option<User>> = []
      const fiber = yield* watched.changes.pipe(
        Stream.runForEach((v) => Effect.sync(() => seen.push(v))),
        Effect.forkScoped
      )
      const ages = () => seen.map(ageOf).join(", ")
      yield* waitUntil(Effect.sync(() => seen.length === 1), "the first element")
      expect(Option.isNone(seen[0]!)).toBe(true)
      yield* writer.create(alice)
      yield* waitUntil(Effect.sync(() => seen.length === 2), `the created value (${ages()})`)
      expect(seen[1]).toEqual(Option.some(alice))
      yield* writer.update({ ...alice, age: 31 })
      yield* waitUntil(Effect.sync(() => seen.length === 3), `the updated value (${ages()})`)
      yield* writer.delete()
      yield* waitUntil(Effect.sync(() => seen.length === 4), `the deletion (${ages()})`)
      expect(seen.map(ageOf)).toEqual([null, 30, 31, null])
      // someone writes data the schema cannot read: the stream fails with the typed error
      yield* a.create("/watched", { data: JSON.stringify({ name: "Mallory" }) })
      const failed = yield* Effect.flip(Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      expect(failed._tag).toBe("MalformedDataError")
      if (failed._tag === "MalformedDataError") expect(failed.path).toBe("/watched")
      expect(seen).toHaveLength(4)
      // a stream started on bad data fails at once
      const again = yield* Effect.flip(Stream.runDrain(watched.changes).pipe(Effect.timeout("10 seconds")))
      expect(again._tag).toBe("MalformedDataError")
      // retried, as the module suggests, it waits for data that decodes
      const retried = yield* watched.changes.pipe(
        Stream.retry(Schedule.spaced("100 millis")),
        Stream.runHead,
        Effect.fork
      )
      yield* Effect.sleep("300 millis")
      expect(retried.unsafePoll()).toBeNull()
      yield* writer.update(bob)
      expect(yield* Fiber.join(retried).pipe(Effect.timeout("10 seconds"))).toEqual(Option.some(Option.some(bob)))
    })
  )

  it.scoped("cached: a live copy of the collection, read without round trips; bad children reported apart", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const onB = Modeled.make(b, { path: "/crew", schema: User })
      yield* onB.at("alice").create(alice, { makepath: true })
      const cache = yield* Modeled.make(a, { path: "/crew", schema: User }).cached
      // loaded when made
      expect([...(yield* cache.current).models.keys()]).toEqual(["alice"])
      const views: Array<string> = []
      yield* cache.changes.pipe(
        Stream.runForEach((view) =>
          Effect.sync(() => views.push([...view.models.entries()].map(([n, v]) => `${n}:${v.value.age}`).sort().join(",")))
        ),
        Effect.forkScoped
      )
      yield* waitUntil(Effect.sync(() => views.at(-1) === "alice:30"), "the first view")
      yield* onB.at("bob").create(bob)
      yield* onB.at("bob").update({ ...bob, age: 41 })
      yield* waitUntil(Effect.sync(() => views.at(-1) === "alice:30,bob:41"), `bob at 41 (${views.join(" | ")})`)
      const got = yield* cache.get("bob")
      expect(Option.map(got, (v) => [v.value.name, v.version])).toEqual(Option.some(["Bob", 1]))
      expect(yield* cache.get("nobody")).toEqual(Option.none())
      // a child that does not decode is reported apart, and get fails for it
      yield* b.create("/crew/bad", { data: "not json" })
      yield* waitUntil(Effect.map(cache.current, (v) => v.malformed.has("bad")), "the bad child")
      const view = yield* cache.current
      expect([...view.models.keys()].sort()).toEqual(["alice", "bob"])
      expect(view.malformed.get("bad")?.path).toBe("/crew/bad")
      expect(tagOf(yield* Effect.exit(cache.get("bad")))).toBe("MalformedDataError")
      expect(tagOf(yield* Effect.exit(cache.get("a/b")))).toBe("InvalidArgumentError")
      // a deletion leaves the copy
      yield* onB.at("alice").delete()
      yield* waitUntil(Effect.sync(() => views.at(-1) === "bob:41"), `alice gone (${views.join(" | ")})`)
      // deeper nodes are not models of the collection
      yield* b.create("/crew/bob/note", { data: "x" })
      yield* Effect.sleep("200 millis")
      expect([...(yield* cache.current).models.keys()]).toEqual(["bob"])
    })
  )

  it.scoped("names and paths are checked: a child name that is not one segment, or a bad path, is InvalidArgumentError and sends nothing", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const Users = Modeled.make(zk, { path: "/users", schema: User })
      for (const name of ["a/b", "/a", "", ".", "..", "x\u0001"]) {
        const model = Users.at(name)
        const created = yield* Effect.flip(model.create(alice, { makepath: true }))
        expect(created._tag, name).toBe("InvalidArgumentError")
        if (created._tag === "InvalidArgumentError") {
          expect(created.op, name).toBe("Modeled.at")
          expect(created.argument, name).toBe("name")
        }
        expect(tagOf(yield* Effect.exit(model.read)), name).toBe("InvalidArgumentError")
        expect(tagOf(yield* Effect.exit(model.update(alice))), name).toBe("InvalidArgumentError")
        expect(tagOf(yield* Effect.exit(model.delete())), name).toBe("InvalidArgumentError")
        expect(tagOf(yield* Effect.exit(Stream.runHead(model.changes))), name).toBe("InvalidArgumentError")
      }
      expect(yield* childrenOf(zk, "/")).toEqual([])
      const slash = yield* Effect.flip(Users.at("a/b").read)
      expect(slash.message).toContain("a/b")
      // bad paths for a node or a collection
      const relative = Modeled.node(zk, { path: "relative", schema: User })
      expect(tagOf(yield* Effect.exit(relative.read))).toBe("InvalidArgumentError")
      const trailing = Modeled.make(zk, { path: "/users/", schema: User })
      expect(tagOf(yield* Effect.exit(trailing.children))).toBe("InvalidArgumentError")
      expect(tagOf(yield* Effect.exit(trailing.list))).toBe("InvalidArgumentError")
      expect(tagOf(yield* Effect.exit(trailing.at("ok").create(alice, { makepath: true })))).toBe("InvalidArgumentError")
      expect(yield* childrenOf(zk, "/")).toEqual([])
      // a good name works
      yield* Users.at("ok").create(alice, { makepath: true })
      expect(yield* childrenOf(zk, "/users")).toEqual(["ok"])
    })
  )
})
