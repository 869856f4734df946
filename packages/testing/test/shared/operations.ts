/**
 * The client's operations (once packages/platform-node/test/operations.test.ts, now only here): the
 * same assertions against whatever the harness gives.
 */
import { Acl, MultiRead, Transaction, ZooKeeperMetrics } from "@effect-zk/core"
import { Effect, Metric, Option } from "effect"
import { expect } from "vitest"
import { bytes, type Harness, type It, tagOf, test, text } from "./harness.js"

/** The counts of ZooKeeperMetrics the metrics case reads. */
const metricCounts = Effect.all({
  getOk: Effect.map(
    Metric.value(ZooKeeperMetrics.operations.pipe(Metric.tagged("op", "get"), Metric.tagged("outcome", "ok"))),
    (s) => s.count
  ),
  getNoNode: Effect.map(
    Metric.value(ZooKeeperMetrics.operations.pipe(Metric.tagged("op", "get"), Metric.tagged("outcome", "NoNodeError"))),
    (s) => s.count
  ),
  createInvalid: Effect.map(
    Metric.value(
      ZooKeeperMetrics.operations.pipe(Metric.tagged("op", "create"), Metric.tagged("outcome", "InvalidArgumentError"))
    ),
    (s) => s.count
  ),
  transactionOk: Effect.map(
    Metric.value(ZooKeeperMetrics.operations.pipe(Metric.tagged("op", "transaction"), Metric.tagged("outcome", "ok"))),
    (s) => s.count
  ),
  getTimed: Effect.map(Metric.value(Metric.tagged(ZooKeeperMetrics.operationDuration, "op", "get")), (s) => s.count),
  connected: Effect.map(
    Metric.value(
      ZooKeeperMetrics.stateChanges.pipe(Metric.tagged("state", "CONNECTED"), Metric.tagged("keeperState", "CONNECTED"))
    ),
    (s) => s.count
  )
})

/** Registers the operation cases. */
export const operations = <R>(it: It<R>, h: Harness<R>): void => {
  test(it, h, "metrics: true counts operations by outcome, times them and counts state changes; without, nothing", () =>
    Effect.gen(function* () {
      const plain = yield* h.client()
      const before = yield* metricCounts
      yield* plain.create("/plain")
      yield* plain.get("/plain")
      yield* Effect.flip(plain.get("/missing"))
      expect(yield* metricCounts).toEqual(before)
      const zk = yield* h.client({ metrics: true })
      yield* zk.create("/m", { data: "x" })
      yield* zk.get("/m")
      yield* zk.get("/m")
      yield* Effect.flip(zk.get("/missing"))
      yield* Effect.flip(zk.create("no-slash"))
      yield* zk.transaction([Transaction.create("/m/a"), Transaction.check("/m", 0)])
      const after = yield* metricCounts
      expect(after.getOk - before.getOk).toBe(2)
      expect(after.getNoNode - before.getNoNode).toBe(1)
      expect(after.createInvalid - before.createInvalid).toBe(1)
      expect(after.transactionOk - before.transactionOk).toBe(1)
      expect(after.getTimed - before.getTimed).toBe(3)
      expect(after.connected - before.connected).toBe(1)
    })
  )

  test(it, h, "create, get, set and delete with kazoo's stat fields", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const path = yield* zk.create("/node", { data: "hello" })
      expect(path).toBe("/node")
      const first = yield* zk.get("/node")
      expect(text(first.data)).toBe("hello")
      expect(first.stat.version).toBe(0)
      expect(first.stat.dataLength).toBe(5)
      expect(first.stat.numChildren).toBe(0)
      expect(first.stat.ephemeralOwner).toBe(0n)
      expect(first.stat.czxid).toBe(first.stat.mzxid)
      expect(first.stat.ctime).toBeGreaterThan(Date.now() - 60_000)
      const stat = yield* zk.set("/node", bytes("world"), { version: 0 })
      expect(stat.version).toBe(1)
      expect(stat.mzxid > first.stat.mzxid).toBe(true)
      const second = yield* zk.get("/node")
      expect(text(second.data)).toBe("world")
      yield* zk.delete("/node", { version: 1 })
      expect(Option.isNone(yield* zk.exists("/node"))).toBe(true)
    })
  )

  test(it, h, "error paths: NoNode, NodeExists, BadVersion, NotEmpty, NoChildrenForEphemerals", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      expect(tagOf(yield* Effect.exit(zk.get("/missing")))).toBe("NoNodeError")
      expect(tagOf(yield* Effect.exit(zk.create("/a/b")))).toBe("NoNodeError")
      yield* zk.create("/a")
      expect(tagOf(yield* Effect.exit(zk.create("/a")))).toBe("NodeExistsError")
      expect(tagOf(yield* Effect.exit(zk.set("/a", "x", { version: 7 })))).toBe("BadVersionError")
      expect(tagOf(yield* Effect.exit(zk.delete("/a", { version: 3 })))).toBe("BadVersionError")
      yield* zk.create("/a/child")
      expect(tagOf(yield* Effect.exit(zk.delete("/a")))).toBe("NotEmptyError")
      yield* zk.create("/eph", { ephemeral: true })
      expect(tagOf(yield* Effect.exit(zk.create("/eph/child")))).toBe("NoChildrenForEphemeralsError")
      const error = yield* Effect.flip(zk.get("/missing"))
      expect(error.message).toContain('get "/missing"')
      expect(error).toMatchObject({ op: "get", path: "/missing" })
    })
  )

  test(it, h, "makepath, ensurePath and recursive delete", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      expect(yield* zk.create("/x/y/z", { data: "deep", makepath: true })).toBe("/x/y/z")
      expect(text((yield* zk.get("/x/y/z")).data)).toBe("deep")
      yield* zk.ensurePath("/x/y/z")
      yield* zk.ensurePath("/p/q/r")
      expect(Option.isSome(yield* zk.exists("/p/q/r"))).toBe(true)
      yield* zk.create("/x/y/z2")
      yield* zk.delete("/x", { recursive: true })
      expect(Option.isNone(yield* zk.exists("/x"))).toBe(true)
      // recursive delete of a missing node is not an error (kazoo)
      yield* zk.delete("/x", { recursive: true })
    })
  )

  test(it, h, "sequence nodes get 10-digit zero-padded increasing suffixes", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/seq")
      const a = yield* zk.create("/seq/item-", { sequence: true })
      const b = yield* zk.create("/seq/item-", { sequence: true, ephemeral: true })
      const c = yield* zk.create("/seq/", { sequence: true })
      expect(a).toBe("/seq/item-0000000000")
      expect(b).toBe("/seq/item-0000000001")
      expect(c).toBe("/seq/0000000002")
      const children = [...(yield* zk.getChildren("/seq"))].sort()
      expect(children).toEqual(["0000000002", "item-0000000000", "item-0000000001"])
    })
  )

  test(it, h, "ephemeral nodes vanish when their session closes", () =>
    Effect.gen(function* () {
      const observer = yield* h.rootClient()
      const eph = yield* Effect.scoped(
        Effect.gen(function* () {
          const other = yield* h.rootClient()
          const base = `/eph-${Date.now()}`
          yield* other.create(base)
          const p = yield* other.create(`${base}/e`, { ephemeral: true })
          const stat = yield* observer.exists(p)
          expect(Option.isSome(stat)).toBe(true)
          const st = Option.getOrThrow(stat)
          expect(st.ephemeralOwner).not.toBe(0n)
          expect(yield* other.getEphemerals(base)).toEqual([p])
          return p
        })
      )
      expect(Option.isNone(yield* observer.exists(eph))).toBe(true)
    })
  )

  test(it, h, "chroot is applied to every path and stripped from results and events", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      const root = yield* h.rootClient()
      expect(zk.chroot).toMatch(/^\/test-/)
      yield* zk.create("/c")
      expect(Option.isSome(yield* root.exists(`${zk.chroot}/c`))).toBe(true)
      const seq = yield* zk.create("/c/s-", { sequence: true, ephemeral: true })
      expect(seq).toBe("/c/s-0000000000")
      expect(yield* zk.getEphemerals()).toEqual(["/c/s-0000000000"])
      expect(yield* zk.sync("/c")).toBe("/c")
      const watched = yield* zk.getAndWatch("/c")
      yield* root.set(`${zk.chroot}/c`, "v")
      const event = yield* watched.event
      expect(event).toEqual({ type: "CHANGED", state: "CONNECTED", path: "/c" })
      expect(zk.unchroot(`${zk.chroot}/c`)).toBe("/c")
      const created = yield* zk.createWithStat("/c2", { data: "x" })
      expect(created.path).toBe("/c2")
      expect(created.stat.dataLength).toBe(1)
      const [r] = yield* zk.transaction([Transaction.create("/c3")])
      expect(r).toMatchObject({ _tag: "Created", path: "/c3" })
    })
  )

  test(it, h, "withChroot: a view on the same session, paths relative to its chroot, nested views compose", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.ensurePath("/ns/app")
      const view = yield* zk.withChroot("/ns")
      expect(view.chroot).toBe(`${zk.chroot}/ns`)
      expect(yield* view.create("/app/x", { data: "1" })).toBe("/app/x")
      expect(text((yield* zk.get("/ns/app/x")).data)).toBe("1")
      expect(yield* view.create("/app/e-", { sequence: true, ephemeral: true })).toBe("/app/e-0000000001")
      expect(yield* view.getEphemerals()).toEqual(["/app/e-0000000001"])
      expect(yield* view.clientId).toEqual(yield* zk.clientId)
      const nested = yield* view.withChroot("/app")
      expect(nested.chroot).toBe(`${zk.chroot}/ns/app`)
      expect([...(yield* nested.getChildren("/"))].sort()).toEqual(["e-0000000001", "x"])
      const watched = yield* nested.getAndWatch("/x")
      yield* zk.set("/ns/app/x", "2")
      expect(yield* watched.event).toEqual({ type: "CHANGED", state: "CONNECTED", path: "/x" })
      const [r] = yield* nested.transaction([Transaction.create("/t")])
      expect(r).toMatchObject({ _tag: "Created", path: "/t" })
      expect(nested.unchroot(`${zk.chroot}/ns/app/t`)).toBe("/t")
      // a sequential child of the view's root stays inside the view
      const seq = yield* nested.create("/", { sequence: true })
      expect(seq).toMatch(/^\/\d{10}$/)
      expect(Option.isSome(yield* zk.exists(`/ns/app${seq}`))).toBe(true)
      const [viaTransaction] = yield* nested.transaction([Transaction.create("/", { sequence: true })])
      expect(viaTransaction).toMatchObject({ _tag: "Created", path: expect.stringMatching(/^\/\d{10}$/) })
      expect((yield* zk.withChroot("/")).chroot).toBe(zk.chroot)
      expect(tagOf(yield* Effect.exit(zk.withChroot("relative")))).toBe("InvalidArgumentError")
      // closing a view closes the session
      yield* view.close
      expect(tagOf(yield* Effect.exit(zk.get("/")))).toBe("ClientClosedError")
    })
  )

  test(it, h, "transactions apply all or nothing and say which operation failed", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/t", { data: "0" })
      const results = yield* zk.transaction([
        Transaction.create("/t/a", { data: "a" }),
        Transaction.check("/t", 0),
        Transaction.setData("/t", "1", { version: 0 }),
        Transaction.create("/t/b"),
        Transaction.remove("/t/b")
      ])
      expect(results.map((r) => r._tag)).toEqual(["Created", "Checked", "DataSet", "Created", "Deleted"])
      expect(results[2]).toMatchObject({ _tag: "DataSet", stat: { version: 1 } })
      const failure = yield* Effect.flip(
        zk.transaction([
          Transaction.create("/t/c"),
          Transaction.setData("/t", "2", { version: 0 }),
          Transaction.remove("/t/a")
        ])
      )
      expect(failure._tag).toBe("TransactionFailedError")
      if (failure._tag !== "TransactionFailedError") return
      expect(failure.failedIndex).toBe(1)
      expect(failure.error._tag).toBe("BadVersionError")
      expect(failure.outcomes.map((o) => o._tag)).toEqual(["RolledBack", "Failed", "RolledBack"])
      // nothing applied
      expect(Option.isNone(yield* zk.exists("/t/c"))).toBe(true)
      expect(Option.isSome(yield* zk.exists("/t/a"))).toBe(true)
      expect(text((yield* zk.get("/t")).data)).toBe("1")
    })
  )

  test(it, h, "ACLs: getAcls/setAcls, InvalidACL, NoAuth, digest auth, whoAmI", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/open")
      const { acl, stat } = yield* zk.getAcls("/open")
      expect(acl).toEqual(Acl.OPEN_ACL_UNSAFE)
      expect(stat.aversion).toBe(0)
      const cred = yield* Acl.makeDigestAcl("alice", "secret", { all: true })
      yield* zk.create("/locked", { data: "s", acl: [cred] })
      expect(tagOf(yield* Effect.exit(zk.get("/locked")))).toBe("NoAuthError")
      expect(tagOf(yield* Effect.exit(zk.create("/bad", { acl: [{ perms: 31, id: { scheme: "nope", id: "x" } }] })))).toBe(
        "InvalidACLError"
      )
      yield* zk.addAuth("digest", "alice:secret")
      expect(text((yield* zk.get("/locked")).data)).toBe("s")
      const who = yield* zk.whoAmI
      expect(who).toContainEqual({ scheme: "digest", user: "alice" })
      const readAdmin = [{ perms: Acl.Perms.READ | Acl.Perms.ADMIN, id: Acl.ANYONE_ID_UNSAFE }]
      const updated = yield* zk.setAcls("/open", readAdmin, { version: 0 })
      expect(updated.aversion).toBe(1)
      expect(tagOf(yield* Effect.exit(zk.setAcls("/open", Acl.OPEN_ACL_UNSAFE, { version: 0 })))).toBe(
        "BadVersionError"
      )
      expect((yield* zk.getAcls("/open")).acl).toEqual(readAdmin)
      expect(tagOf(yield* Effect.exit(zk.set("/open", "w")))).toBe("NoAuthError")
    })
  )

  test(it, h, "container and TTL nodes", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      expect(yield* zk.create("/box", { container: true })).toBe("/box")
      const ttl = yield* zk.createWithStat("/ttl", { ttl: "10 seconds" })
      expect(ttl.path).toBe("/ttl")
      const seqTtl = yield* zk.create("/ttl-", { ttl: 5000, sequence: true })
      expect(seqTtl).toMatch(/^\/ttl-\d{10}$/)
      expect(tagOf(yield* Effect.exit(zk.create("/bad", { ttl: 1000, ephemeral: true })))).toBe("InvalidArgumentError")
    })
  )

  test(it, h, "multiRead: data, children and each read's own error in one request, under the chroot; bad reads refused", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/mr/a", { data: "one", makepath: true })
      yield* zk.create("/mr/b")
      yield* zk.create("/locked", { data: "secret", acl: [Acl.makeAcl("digest", "nobody:x", { all: true })] })
      const results = yield* zk.multiRead([
        MultiRead.getData("/mr/a"),
        MultiRead.getChildren("/mr"),
        MultiRead.getData("/missing"),
        MultiRead.getChildren("/mr/a"),
        MultiRead.getData("/locked")
      ])
      expect(results.map((r) => `${r._tag} ${r.path}`)).toEqual([
        "Data /mr/a",
        "Children /mr",
        "Failed /missing",
        "Children /mr/a",
        "Failed /locked"
      ])
      const [data, children, missing, none, locked] = results
      if (data?._tag !== "Data" || children?._tag !== "Children") throw new Error("unexpected results")
      expect(text(data.data)).toBe("one")
      expect(data.stat.version).toBe(0)
      expect(data.stat.dataLength).toBe(3)
      expect([...children.children].sort()).toEqual(["a", "b"])
      expect(missing).toMatchObject({ _tag: "Failed", error: { _tag: "NoNodeError", path: "/missing" } })
      expect(none).toMatchObject({ _tag: "Children", children: [] })
      expect(locked).toMatchObject({ _tag: "Failed", error: { _tag: "NoAuthError" } })
      expect(yield* zk.multiRead([])).toEqual([])
      const bad = yield* Effect.flip(zk.multiRead([MultiRead.getData("/mr/a"), MultiRead.getData("relative")]))
      expect(bad).toMatchObject({ _tag: "InvalidArgumentError" })
      const notRead = yield* Effect.flip(zk.multiRead([{ _tag: "Delete", path: "/mr/a" } as unknown as MultiRead.Op]))
      expect(notRead).toMatchObject({ _tag: "InvalidArgumentError", argument: "ops" })
      expect(Option.isSome(yield* zk.exists("/mr/a"))).toBe(true)
    })
  )

  test(it, h, "sync, serverVersion, command, getAllChildrenNumber", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      yield* zk.create("/n/a/b", { makepath: true })
      yield* zk.create("/n/c")
      expect(yield* zk.getAllChildrenNumber("/n")).toBe(3)
      const version = yield* zk.serverVersion
      expect(version.length).toBe(3)
      expect(version[0]).toBe(3)
      expect(yield* zk.command("ruok")).toBe("imok")
      expect(tagOf(yield* Effect.exit(zk.command("RUOK!")))).toBe("InvalidArgumentError")
    })
  )

  test(it, h, "bad input fails with a typed error before anything is sent", () =>
    Effect.gen(function* () {
      const zk = yield* h.client()
      for (const bad of ["", "relative", "/trailing/", "/a//b", "/a/./b", "/a/../b", "/nul\u0000", "/ctl\u0001"]) {
        const error = yield* Effect.flip(zk.create(bad))
        expect(error._tag).toBe("InvalidArgumentError")
      }
      const big = new Uint8Array(0xfffff + 1)
      const tooBig = yield* Effect.flip(zk.create("/big", { data: big }))
      expect(tooBig._tag).toBe("InvalidArgumentError")
      expect(tooBig.message).toContain("data")
      expect(Option.isNone(yield* zk.exists("/big"))).toBe(true)
      const badVersion = yield* Effect.flip(zk.set("/x", "1", { version: -2 }))
      expect(badVersion._tag).toBe("InvalidArgumentError")
      expect(badVersion.message).toContain("version")
      const root = yield* h.rootClient()
      const reserved = yield* Effect.flip(root.delete("/zookeeper"))
      expect(reserved._tag).toBe("InvalidArgumentError")
      yield* zk.close
      const closed = yield* Effect.flip(zk.get("/"))
      expect(closed._tag).toBe("ClientClosedError")
    })
  )
}
