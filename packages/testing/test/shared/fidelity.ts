/**
 * ZooKeeper's fine print, beyond the client's own tests: what a 3.8 server does with stats,
 * zxids, sequence counters, special nodes, ACLs, four-letter words, transactions and watches.
 * Each was first measured on a real server; running them on both keeps the in-memory server
 * honest.
 */
import { Acl, ServerConfig, Transaction } from "@effect-zk/core"
import { Chunk, Effect, Exit, Fiber, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import { type Harness, type It, recorder, tagOf, test, text, unique } from "./harness.js"

/** Registers the fidelity cases. */
export const fidelity = <R>(it: It<R>, h: Harness<R>): void => {
  test(it, h, "stats: cversion counts creates and deletes, a sequence counts creates; zxids and versions move as ZooKeeper's", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const p = yield* zk.createWithStat("/p", { data: "x" })
      expect(p.stat).toMatchObject({ version: 0, cversion: 0, aversion: 0, numChildren: 0, dataLength: 1, ephemeralOwner: 0n })
      expect(p.stat.czxid).toBe(p.stat.mzxid)
      expect(p.stat.pzxid).toBe(p.stat.czxid)
      expect(p.stat.ctime).toBe(p.stat.mtime)
      const a = yield* zk.createWithStat("/p/a")
      const afterCreate = (yield* zk.get("/p")).stat
      expect(afterCreate).toMatchObject({ cversion: 1, numChildren: 1, version: 0 })
      expect(afterCreate.pzxid).toBe(a.stat.czxid)
      expect(afterCreate.mzxid).toBe(p.stat.mzxid)
      yield* zk.delete("/p/a")
      const afterDelete = (yield* zk.get("/p")).stat
      expect(afterDelete).toMatchObject({ cversion: 2, numChildren: 0 })
      expect(afterDelete.pzxid > afterCreate.pzxid).toBe(true)
      // the sequence counter counts creates only: the delete does not advance it
      expect(yield* zk.create("/p/s-", { sequence: true })).toBe("/p/s-0000000001")
      const set = yield* zk.set("/p", "yy")
      expect(set).toMatchObject({ version: 1, dataLength: 2, cversion: 3, numChildren: 1 })
      expect(set.mzxid > afterDelete.pzxid).toBe(true)
      expect(set.mtime >= set.ctime).toBe(true)
      const acl = yield* zk.setAcls("/p", Acl.OPEN_ACL_UNSAFE)
      expect(acl).toMatchObject({ aversion: 1, version: 1 })
      expect(acl.mzxid).toBe(set.mzxid)
    })
  )

  test(it, h, "every write takes a zxid, even a failed one; reads take none; a transaction takes one for all", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const first = (yield* zk.createWithStat("/z1")).stat.czxid
      expect(tagOf(yield* Effect.exit(zk.create("/z1")))).toBe("NodeExistsError")
      expect(tagOf(yield* Effect.exit(zk.delete("/missing")))).toBe("NoNodeError")
      yield* zk.get("/z1")
      yield* zk.getChildren("/")
      yield* zk.exists("/nothing")
      const second = (yield* zk.createWithStat("/z2")).stat.czxid
      expect(second - first).toBe(3n)
      const results = yield* zk.transaction([Transaction.create("/z3"), Transaction.create("/z4"), Transaction.setData("/z1", "x")])
      // a plain create's result has no stat (the server answers it as create, not create2)
      expect(results.map((r) => (r._tag === "Created" || r._tag === "DataSet" ? r.stat?.mzxid : undefined))).toEqual([
        undefined,
        undefined,
        second + 1n
      ])
      expect((yield* zk.get("/z3")).stat.czxid).toBe(second + 1n)
      expect((yield* zk.get("/z4")).stat.czxid).toBe(second + 1n)
      const failed = yield* Effect.flip(zk.transaction([Transaction.create("/z5"), Transaction.create("/z1")]))
      expect(failed._tag).toBe("TransactionFailedError")
      expect((yield* zk.createWithStat("/z6")).stat.czxid).toBe(second + 3n)
    })
  )

  test(it, h, "sequential creates inside one transaction take consecutive numbers", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/q")
      const results = yield* zk.transaction([
        Transaction.create("/q/n-", { sequence: true }),
        Transaction.create("/q/n-", { sequence: true, ephemeral: true }),
        Transaction.create("/q/m-", { sequence: true })
      ])
      expect(results.map((r) => r._tag === "Created" && r.path)).toEqual(["/q/n-0000000000", "/q/n-0000000001", "/q/m-0000000002"])
      expect(yield* zk.getEphemerals("/q")).toEqual(["/q/n-0000000001"])
    })
  )

  test(it, h, "container and TTL nodes: no ephemeral owner in their stat, children allowed; in a transaction their results have a stat", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const box = yield* zk.createWithStat("/box", { container: true })
      const ttl = yield* zk.createWithStat("/ttl", { ttl: "1 minute" })
      const eph = yield* zk.createWithStat("/eph", { ephemeral: true })
      expect(box.stat.ephemeralOwner).toBe(0n)
      expect(ttl.stat.ephemeralOwner).toBe(0n)
      expect(eph.stat.ephemeralOwner).toBe(Option.getOrThrow(yield* zk.clientId).sessionId)
      expect(yield* zk.create("/box/a")).toBe("/box/a")
      expect(yield* zk.create("/ttl/a")).toBe("/ttl/a")
      const results = yield* zk.transaction([
        Transaction.create("/box2", { container: true }),
        Transaction.create("/ttl2-", { ttl: 5000, sequence: true })
      ])
      expect(results.map((r) => r._tag)).toEqual(["Created", "Created"])
      expect(results[1]?._tag === "Created" && results[1].path).toMatch(/^\/ttl2-\d{10}$/)
      expect(results.every((r) => r._tag === "Created" && r.stat !== undefined)).toBe(true)
    })
  )

  test(it, h, "the special nodes: /zookeeper with config and quota, /zookeeper/config read-only", () =>
    Effect.gen(function* () {
      const root = yield* h.rootClient()
      expect([...(yield* root.getChildren("/zookeeper"))].sort()).toEqual(["config", "quota"])
      const config = yield* root.getAcls("/zookeeper/config")
      expect(config.acl).toEqual(Acl.READ_ACL_UNSAFE)
      expect(config.stat).toMatchObject({ aversion: -1, czxid: 0n, ctime: 0 })
      expect(tagOf(yield* Effect.exit(root.set("/zookeeper/config", "x")))).toBe("NoAuthError")
      expect(tagOf(yield* Effect.exit(root.create("/zookeeper")))).toBe("NodeExistsError")
      const name = unique("/zookeeper/x")
      expect(yield* root.create(name)).toBe(name)
      yield* root.delete(name)
      expect((yield* root.get("/")).stat).toMatchObject({ czxid: 0n, ctime: 0 })
      const zk = yield* h.client()
      expect(tagOf(yield* Effect.exit(zk.create("/")))).toBe("NodeExistsError")
      // getConfig reads /zookeeper/config whatever the chroot: a standalone server's is empty
      const viaRoot = yield* root.get("/zookeeper/config")
      const viaConfig = yield* zk.getConfig()
      expect({ data: text(viaConfig.data), mzxid: viaConfig.stat.mzxid }).toEqual({ data: text(viaRoot.data), mzxid: viaRoot.stat.mzxid })
      expect(yield* ServerConfig.parse(viaConfig.data)).toEqual({ members: [], version: undefined })
    })
  )

  test(it, h, "ACLs are checked before existence and versions; exists needs no permission", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/none", { acl: [{ perms: 0, id: Acl.ANYONE_ID_UNSAFE }] })
      expect(Option.isSome(yield* zk.exists("/none"))).toBe(true)
      for (const [what, effect] of [
        ["get", zk.get("/none")],
        ["getChildren", zk.getChildren("/none")],
        ["getAcls", zk.getAcls("/none")],
        ["getAllChildrenNumber", zk.getAllChildrenNumber("/none")],
        ["set", zk.set("/none", "x", { version: 99 })],
        ["setAcls", zk.setAcls("/none", Acl.OPEN_ACL_UNSAFE, { version: 99 })],
        ["create below", zk.create("/none/x")],
        ["delete a missing child", zk.delete("/none/missing")],
        ["check", zk.transaction([Transaction.check("/none", 99)])]
      ] as const) {
        const exit = yield* Effect.exit(effect as Effect.Effect<unknown, { readonly _tag: string }>)
        const tag = tagOf(exit)
        const inner =
          tag === "TransactionFailedError" && exit._tag === "Failure" && exit.cause._tag === "Fail"
            ? (exit.cause.error as { readonly error?: { readonly _tag: string } }).error?._tag
            : tag
        expect([what, inner]).toEqual([what, "NoAuthError"])
      }
      yield* zk.create("/readonly", { acl: Acl.READ_ACL_UNSAFE })
      expect(tagOf(yield* Effect.exit(zk.create("/readonly", { acl: Acl.READ_ACL_UNSAFE })))).toBe("NodeExistsError")
      expect(tagOf(yield* Effect.exit(zk.delete("/readonly", { version: 5 })))).toBe("BadVersionError")
      yield* zk.delete("/readonly")
    })
  )

  test(it, h, "ACL validation and expansion: auth needs a digest identity, world means anyone, ids are checked, duplicates dropped", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const invalid = (acl: ReadonlyArray<Acl.ACL>) => Effect.map(Effect.exit(zk.create(`/${unique("bad")}`, { acl })), tagOf)
      expect(yield* invalid(Acl.CREATOR_ALL_ACL)).toBe("InvalidACLError")
      expect(yield* invalid([{ perms: 31, id: { scheme: "world", id: "someone" } }])).toBe("InvalidACLError")
      expect(yield* invalid([{ perms: 31, id: { scheme: "digest", id: "nohash" } }])).toBe("InvalidACLError")
      expect(yield* invalid([{ perms: 31, id: { scheme: "ip", id: "not-an-ip" } }])).toBe("InvalidACLError")
      expect(yield* invalid([{ perms: 31, id: { scheme: "nope", id: "x" } }])).toBe("InvalidACLError")
      expect(tagOf(yield* Effect.exit(zk.setAcls("/", [{ perms: 31, id: { scheme: "nope", id: "x" } }])))).toBe("InvalidACLError")
      yield* zk.create("/ip", { data: "v", acl: [Acl.makeAcl("ip", "127.0.0.0/8", { read: true }), Acl.makeAcl("world", "anyone", { admin: true })] })
      expect(text((yield* zk.get("/ip")).data)).toBe("v")
      const twice = [...Acl.OPEN_ACL_UNSAFE, ...Acl.OPEN_ACL_UNSAFE]
      yield* zk.create("/twice", { acl: twice })
      expect((yield* zk.getAcls("/twice")).acl).toEqual(Acl.OPEN_ACL_UNSAFE)
      expect(yield* zk.whoAmI).toEqual([{ scheme: "ip", user: "127.0.0.1" }])
      yield* zk.addAuth("digest", "bob:pw")
      const who = yield* zk.whoAmI
      expect(who).toContainEqual({ scheme: "digest", user: "bob" })
      expect(who).toContainEqual({ scheme: "ip", user: "127.0.0.1" })
      const created = yield* zk.create("/mine", { acl: Acl.CREATOR_ALL_ACL })
      const bob = yield* Acl.makeDigestAcl("bob", "pw", { all: true })
      expect((yield* zk.getAcls(created)).acl).toEqual([bob])
      // a credential without ':' is accepted: the user is the whole of it
      yield* zk.addAuth("digest", "nocolon")
      expect(yield* zk.whoAmI).toContainEqual({ scheme: "digest", user: "nocolon" })
    })
  )

  test(it, h, "getAcls without ADMIN hides digest hashes; with ADMIN shows them", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const bob = yield* Acl.makeDigestAcl("bob", "pw", { read: true })
      yield* zk.create("/hidden", { acl: [bob, Acl.makeAcl("world", "anyone", { read: true })] })
      yield* zk.create("/shown", { acl: [bob, Acl.makeAcl("world", "anyone", { admin: true })] })
      expect((yield* zk.getAcls("/hidden")).acl).toEqual([
        { perms: Acl.Perms.READ, id: { scheme: "digest", id: "bob:x" } },
        { perms: Acl.Perms.READ, id: Acl.ANYONE_ID_UNSAFE }
      ])
      expect((yield* zk.getAcls("/shown")).acl).toEqual([bob, { perms: Acl.Perms.ADMIN, id: Acl.ANYONE_ID_UNSAFE }])
      yield* zk.addAuth("digest", "bob:pw")
      expect((yield* zk.getAcls("/hidden")).acl[0]).toEqual({ perms: Acl.Perms.READ, id: { scheme: "digest", id: "bob:x" } })
    })
  )

  test(it, h, "getEphemerals matches by string prefix; four-letter words; reconfig is disabled", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/eph", { ephemeral: true })
      yield* zk.create("/e2")
      yield* zk.create("/e2/x", { ephemeral: true })
      expect([...(yield* zk.getEphemerals())].sort()).toEqual(["/e2/x", "/eph"])
      expect(yield* zk.getEphemerals("/ep")).toEqual(["/eph"])
      expect(yield* zk.getEphemerals("/zz")).toEqual([])
      expect(yield* zk.command("ruok")).toBe("imok")
      expect(yield* zk.command("isro")).toBe("rw")
      const srvr = yield* zk.command("srvr")
      expect(srvr).toMatch(/^Zookeeper version: 3\.8\./)
      expect(srvr).toContain("Mode: standalone")
      expect(yield* zk.command("xxxx")).toBe("")
      expect((yield* zk.serverVersion).slice(0, 2)).toEqual([3, 8])
      const error = yield* Effect.flip(zk.reconfig({ joining: "server.9=127.0.0.1:2888:3888;2189" }))
      expect(error).toMatchObject({ _tag: "ReconfigDisabledError", op: "reconfig" })
    })
  )

  test(it, h, "a watch set by this session fires before the reply to the change that triggers it", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/own")
      const watched = yield* zk.getAndWatch("/own")
      yield* zk.set("/own", "1")
      // the event completed before set returned: nothing is left to wait for
      expect(yield* Effect.timeout(watched.event, "0 millis")).toMatchObject({ type: "CHANGED", path: "/own" })
      const kids = yield* zk.getChildrenAndWatch("/own")
      yield* zk.transaction([Transaction.create("/own/a")])
      expect(yield* Effect.timeout(kids.event, "0 millis")).toMatchObject({ type: "CHILD", path: "/own" })
    })
  )

  test(it, h, "one deletion fires data, exist and child watches of the node once each; setAcls fires nothing", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const data = yield* recorder
      const exist = yield* recorder
      const child = yield* recorder
      yield* zk.create("/d")
      yield* zk.getChildren("/d", { watch: child.callback })
      yield* zk.get("/d", { watch: data.callback })
      yield* zk.exists("/d", { watch: exist.callback })
      yield* other.setAcls(`${zk.chroot}/d`, Acl.OPEN_ACL_UNSAFE)
      yield* other.delete(`${zk.chroot}/d`)
      for (const rec of [data, exist, child]) expect(yield* rec.next).toMatchObject({ type: "DELETED", path: "/d" })
      yield* zk.sync("/")
      yield* Effect.sleep("200 millis")
      expect([yield* data.size, yield* exist.size, yield* child.size]).toEqual([0, 0, 0])
    })
  )

  test(it, h, "persistent watches: a child's data is not watched, its creation and deletion are, and the watch outlives its node", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const at = (p: string) => `${zk.chroot}${p}`
      yield* zk.create("/q")
      yield* zk.create("/q/c")
      const stream = yield* zk.addWatch("/q")
      const events = yield* Effect.fork(stream.pipe(Stream.take(4), Stream.runCollect, Effect.timeout("10 seconds")))
      yield* other.set(at("/q/c"), "1")
      yield* other.delete(at("/q/c"))
      yield* other.delete(at("/q"))
      yield* other.create(at("/q"))
      yield* other.set(at("/q"), "x")
      const got = Chunk.toReadonlyArray(yield* Fiber.join(events)).map((e) => `${e.type} ${e.path}`)
      expect(got).toEqual(["CHILD /q", "DELETED /q", "CREATED /q", "CHANGED /q"])
    })
  )

  test(it, h, "recursive watches: the node itself, deletion and re-creation, transactions in order", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const at = (p: string) => `${zk.chroot}${p}`
      yield* zk.create("/r")
      const stream = yield* zk.addWatch("/r", { recursive: true })
      const events = yield* Effect.fork(stream.pipe(Stream.take(8), Stream.runCollect, Effect.timeout("10 seconds")))
      yield* other.create(at("/r/a"))
      yield* other.delete(at("/r/a"))
      yield* other.delete(at("/r"))
      yield* other.create(at("/r"))
      yield* other.setAcls(at("/r"), Acl.OPEN_ACL_UNSAFE)
      yield* other.transaction([
        Transaction.create(at("/r/t")),
        Transaction.setData(at("/r"), "x"),
        Transaction.create(at("/r/t/u")),
        Transaction.remove(at("/r/t/u"))
      ])
      const got = Chunk.toReadonlyArray(yield* Fiber.join(events)).map((e) => `${e.type} ${e.path}`)
      expect(got).toEqual([
        "CREATED /r/a",
        "DELETED /r/a",
        "DELETED /r",
        "CREATED /r",
        "CREATED /r/t",
        "CHANGED /r",
        "CREATED /r/t/u",
        "DELETED /r/t/u"
      ])
    })
  )

  test(it, h, "removeWatches by type: an exists watch is a data watch; a persistent watch is left alone", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const rec = yield* recorder
      yield* zk.exists("/nx", { watch: rec.callback })
      expect(tagOf(yield* Effect.exit(zk.removeWatches("/nx", "children")))).toBe("NoWatcherError")
      yield* zk.removeWatches("/nx", "data")
      expect(yield* rec.next).toMatchObject({ type: "DATA_WATCH_REMOVED", path: "/nx" })
      // ZooKeeper 3.6-3.8 keep a persistent watch in their data and children tables and would
      // drop it with either: the client does not ask them to while one is on the node
      yield* zk.create("/pw")
      const watched = yield* zk.addWatch("/pw")
      const events = yield* Effect.fork(watched.pipe(Stream.take(1), Stream.runCollect, Effect.timeout("5 seconds")))
      for (const type of ["data", "children", "any"] as const) {
        expect(tagOf(yield* Effect.exit(zk.removeWatches("/pw", type)))).toBe("NoWatcherError")
      }
      yield* zk.get("/pw", { watch: rec.callback })
      yield* zk.getChildren("/pw", { watch: rec.callback })
      yield* zk.removeWatches("/pw", "any")
      const removed = [yield* rec.next, yield* rec.next].map((e) => e.type).sort()
      expect(removed).toEqual(["CHILD_WATCH_REMOVED", "DATA_WATCH_REMOVED"])
      yield* other.set(`${zk.chroot}/pw`, "x")
      expect(Chunk.toReadonlyArray(yield* Fiber.join(events))).toMatchObject([{ type: "CHANGED", path: "/pw" }])
      expect(yield* rec.size).toBe(0)
    })
  )

  test(it, h, "ZooKeeper 3.8: a one-shot watch on a node turns the session's persistent watch there into a one-shot one", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const other = yield* h.rootClient()
      const rec = yield* recorder
      yield* zk.create("/m")
      const stream = yield* zk.addWatch("/m")
      const events = yield* Effect.fork(
        stream.pipe(Stream.take(2), Stream.runCollect, Effect.timeout("1500 millis"), Effect.option)
      )
      yield* zk.get("/m", { watch: rec.callback })
      yield* other.set(`${zk.chroot}/m`, "1")
      yield* other.set(`${zk.chroot}/m`, "2")
      expect(yield* rec.next).toMatchObject({ type: "CHANGED", path: "/m" })
      expect(Option.isNone(yield* Fiber.join(events))).toBe(true)
    })
  )

  test(it, h, "watches re-registered after a reconnect fire for what happened meanwhile: deleted, created, children changed", () =>
    Effect.gen(function* () {
      const { zk, cut, heal } = yield* h.controlled()
      const other = yield* h.rootClient()
      const base = unique("/rw")
      yield* zk.create(base)
      yield* zk.create(`${base}/gone`)
      const gone = yield* zk.getAndWatch(`${base}/gone`)
      const later = yield* zk.existsAndWatch(`${base}/later`)
      const kids = yield* zk.getChildrenAndWatch(base)
      const still = yield* zk.getAndWatch(base)
      yield* cut
      yield* other.delete(`${base}/gone`)
      yield* other.create(`${base}/later`)
      yield* heal
      expect(yield* gone.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "DELETED", path: `${base}/gone` })
      expect(yield* later.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CREATED", path: `${base}/later` })
      expect(yield* kids.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHILD", path: base })
      // a node that did not change keeps its watch, which fires on the next change
      yield* other.set(base, "now")
      expect(yield* still.event.pipe(Effect.timeout("10 seconds"))).toMatchObject({ type: "CHANGED", path: base })
    })
  )

  test(it, h, "wchp and wchc list the data table's watches (exists, getData, persistent, recursive), not children watches", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      for (const path of ["/d", "/c", "/p", "/r"]) yield* zk.create(path)
      yield* zk.get("/d", { watch: () => {} })
      yield* zk.exists("/e", { watch: () => {} })
      yield* zk.getChildren("/c", { watch: () => {} })
      yield* zk.addWatch("/p")
      yield* zk.addWatch("/r", { recursive: true })
      const chroot = zk.chroot ?? ""
      const ours = (lines: ReadonlyArray<string>) =>
        lines
          .map((line) => line.trim())
          .filter((line) => line.startsWith(`${chroot}/`))
          .map((line) => line.slice(chroot.length))
          .sort()
      expect(ours((yield* zk.command("wchp")).split("\n"))).toEqual(["/d", "/e", "/p", "/r"])
      const id = Option.getOrThrow(yield* zk.clientId).sessionId
      const wchc = (yield* zk.command("wchc")).split("\n")
      const start = wchc.indexOf(`0x${id.toString(16)}`)
      expect(start).toBeGreaterThanOrEqual(0)
      const end = wchc.findIndex((line, i) => i > start && !line.startsWith("\t"))
      expect(ours(wchc.slice(start + 1, end))).toEqual(["/d", "/e", "/p", "/r"])
      expect(yield* zk.command("wchs")).toMatch(/^\d+ connections watching \d+ paths\nTotal watches:\d+\n$/)
    })
  )

  test(it, h, "ZooKeeper 3.8: a persistent watch whose stream ends stays on the server while a one-shot watch on the node remains", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const at = (p: string) => `${zk.chroot}${p}`
      const watchedPaths = Effect.map(zk.command("wchp"), (text) => text.split("\n").filter((line) => line.startsWith("/")))
      yield* zk.create("/p")
      yield* zk.create("/q")
      yield* zk.getChildren("/p", { watch: () => {} })
      for (const path of ["/p", "/q"]) {
        // a scope per path: closing it ends the watch as the end of a stream would
        const scope = yield* Scope.make()
        yield* Scope.extend(zk.addWatch(path), scope)
        expect(yield* watchedPaths).toContain(at(path))
        yield* Scope.close(scope, Exit.void)
      }
      // 3.8 removes watches by kind only: the client keeps the server's watch while its own one-shot one needs it
      const after = yield* watchedPaths
      expect(after).toContain(at("/p"))
      expect(after).not.toContain(at("/q"))
      yield* zk.removeWatches("/p", "data")
      expect(tagOf(yield* Effect.exit(zk.removeWatches("/q", "any")))).toBe("NoWatcherError")
    })
  )
}
