/**
 * Golden tests of the wire protocol against a real ZooKeeper (3.8, from test-cluster): request
 * frames built with our codec go over a plain socket (no client library), the replies are split
 * with our FrameSplitter and decoded with our decoders, and every field of every reply is
 * checked against what ZooKeeper answers: exact values where they are deterministic, relations
 * (zxid order, times near now) where they are not.
 *
 * Facts about ZooKeeper 3.8 these tests pin down (each test documents its own in more detail):
 * - Every write is logged as a transaction, failed ones too (as an error txn): each write's
 *   reply carries a new zxid, a failed one included. Reads and pings report the last zxid;
 *   auth replies carry zxid 0, the Unimplemented reply to an unknown opcode zxid -1.
 * - Watch notifications (xid -1) carry zxid -1 on 3.8 (3.9 sends the zxid of the change, see
 *   ZOOKEEPER-4655), and reach the session that made the change before the reply to it.
 * - A ping is answered with xid -2 whatever xid it was sent with.
 * - A failed multi has err 0 in its ReplyHeader; the failure is in the per-op results. Inside
 *   a multi a create's kind comes from its flags, not its opcode: create2 is answered as a
 *   plain create (no Stat), createContainer with plain flags makes a plain node. Outside a
 *   multi it is the opposite: create2 with the container flag makes a plain node.
 * - getACL hides digest hashes ("user:x") from readers without ADMIN permission.
 * - A handshake naming a session, even with a wrong password, drops that session's live
 *   connection before the password is checked.
 * - A garbage request body is answered with MarshallingError (-5) and the connection stays.
 *   The server hangs up on what the connection layer cannot read (bad lengths, a frame too
 *   short for a RequestHeader, a garbage handshake or auth packet), after replying to an
 *   unknown opcode (-6) or auth scheme (-115).
 *
 * Huge declared frame lengths in replies are covered by frame.test.ts ("rejects a length above
 * the maximum ..."), not repeated here.
 */
import { createHash } from "node:crypto"
import { isIP } from "node:net"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import { expect } from "vitest"
import { JuteReader, JuteWriter } from "../src/internal/jute.js"
import * as R from "../src/internal/records.js"
import {
  bodyOf,
  eventOf,
  OPEN_ACL,
  parseReply,
  type Reply,
  type Session,
  utf8,
  WAIT_MS,
  type Wire,
  WireSocket,
  withWire
} from "./wireHelpers.js"

// Session timeouts: ZooKeeper clamps the requested one to [minSessionTimeout,
// maxSessionTimeout], by default [2, 20] ticks; the harness sets maxSessionTimeout itself, so
// it is given here as 20 ticks explicitly.
const TICK = 500
const MIN_TIMEOUT = 2 * TICK
const MAX_TIMEOUT = 20 * TICK
// The container reaper runs this often, so container and TTL nodes vanish within the test.
const REAPER_INTERVAL_MS = 100

const Err = {
  ok: 0,
  runtimeInconsistency: -2,
  marshallingError: -5,
  unimplemented: -6,
  badArguments: -8,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  invalidACL: -114,
  authFailed: -115
} as const

const SEQUENCE_SUFFIX = /^\d{10}$/

/** Runs `body` against member 1's client port. */
const wired = (body: (wire: Wire) => Promise<void>) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const address = yield* cluster.clientAddress(1)
    yield* Effect.promise(() => withWire(address, body))
  })

const expectOk = (reply: Reply, xid?: number): void => {
  expect(reply.header.err).toBe(Err.ok)
  if (xid !== undefined) expect(reply.header.xid).toBe(xid)
}

/** An error reply: the code in the header, the request's xid, no body at all. */
const expectError = (reply: Reply, err: number): void => {
  expect(reply.header.err).toBe(err)
  expect(reply.bodyLength).toBe(0)
  expect(reply.frame.length).toBe(R.REPLY_HEADER_LENGTH)
}

/** A time in ms since the epoch taken by the server between `before` and `after` (same host). */
const expectNow = (ms: bigint, before: number, after: number): void => {
  expect(Number(ms)).toBeGreaterThanOrEqual(before - 2_000)
  expect(Number(ms)).toBeLessThanOrEqual(after + 2_000)
}

/** A node just created, as its Create2Response's Stat reports it. */
const expectFreshStat = (
  stat: R.Stat,
  expected: { readonly dataLength: number; readonly ephemeralOwner: bigint; readonly before: number; readonly after: number }
): void => {
  expect(stat.mzxid).toBe(stat.czxid)
  expect(stat.pzxid).toBe(stat.czxid)
  expect(stat.czxid).toBeGreaterThan(0n)
  expect(stat.mtime).toBe(stat.ctime)
  expectNow(stat.ctime, expected.before, expected.after)
  expect(stat.version).toBe(0)
  expect(stat.cversion).toBe(0)
  expect(stat.aversion).toBe(0)
  expect(stat.ephemeralOwner).toBe(expected.ephemeralOwner)
  expect(stat.dataLength).toBe(expected.dataLength)
  expect(stat.numChildren).toBe(0)
}

interface Created {
  readonly reply: Reply
  readonly path: string
  readonly stat: R.Stat
}

/** create2 that must succeed. */
const create = async (
  s: Session,
  path: string,
  options: { readonly data?: Uint8Array | null; readonly flags?: number; readonly acl?: ReadonlyArray<R.ACL> } = {}
): Promise<Created> => {
  const reply = await s.call("create2", {
    path,
    data: options.data === undefined ? null : options.data,
    acl: options.acl ?? OPEN_ACL,
    flags: options.flags ?? R.CreateFlags.PERSISTENT
  })
  expectOk(reply)
  const body = bodyOf("create2", reply)
  expect(reply.header.zxid).toBeGreaterThanOrEqual(body.stat.czxid)
  return { reply, path: body.path, stat: body.stat }
}

const statOf = async (s: Session, path: string): Promise<R.Stat> => {
  const reply = await s.call("exists", { path, watch: false })
  expectOk(reply)
  return bodyOf("exists", reply).stat
}

/** Reads the notification that must come next and checks its header. */
const notification = async (s: Session, changeZxid?: bigint): Promise<R.WatcherEvent> => {
  const reply = await s.next()
  expect(reply.header.xid).toBe(R.Xid.notification)
  expect(reply.header.err).toBe(Err.ok)
  // 3.8 sends -1; 3.9+ sends the zxid of the change that fired the watch (ZOOKEEPER-4655).
  if (reply.header.zxid !== -1n && changeZxid !== undefined) expect(reply.header.zxid).toBe(changeZxid)
  return eventOf(reply)
}

const event = (type: number, path: string): R.WatcherEvent => ({ type, state: R.KeeperStateCode.SyncConnected, path })

/** Nothing more arrives on `s` within a short while (notifications come before the reply that follows them, so a quiet socket after a reply means none was sent). */
const expectQuiet = async (s: Session): Promise<void> => {
  const ping = await s.send("ping", R.Xid.ping, {})
  expect(ping.header.xid).toBe(R.Xid.ping)
  expect(s.socket.pending).toBe(0)
}

layer(
  TestCluster.layer({
    extendedTypesEnabled: true,
    tickTime: TICK,
    maxSessionTimeout: MAX_TIMEOUT,
    systemProperties: { "znode.container.checkIntervalMs": String(REAPER_INTERVAL_MS) }
  }),
  { excludeTestServices: true }
)("wire protocol against a real ZooKeeper", (it) => {
  it.effect("connect: every ConnectResponse field; the session timeout is clamped to [2, 20] ticks", () =>
    wired(async (wire) => {
      const cases: ReadonlyArray<readonly [asked: number, negotiated: number]> = [
        [100, MIN_TIMEOUT],
        [4321, 4321],
        [600_000, MAX_TIMEOUT]
      ]
      const ids = new Set<bigint>()
      for (const [asked, negotiated] of cases) {
        const s = await wire.connect({ timeOut: asked })
        const { response } = s
        expect(response.protocolVersion).toBe(0)
        expect(response.timeOut).toBe(negotiated)
        expect(response.sessionId).not.toBe(0n)
        expect(response.passwd.length).toBe(16)
        expect(response.passwd.some((b) => b !== 0)).toBe(true)
        expect(response.readOnly).toBe(false)
        // protocolVersion 4 + timeOut 4 + sessionId 8 + passwd (4 + 16) + readOnly flag 1
        expect(s.handshakeFrame.length).toBe(37)
        expect(s.handshakeFrame[36]).toBe(0)
        ids.add(response.sessionId)
      }
      expect(ids.size).toBe(cases.length)
      // Asking for a read-only-capable session on a server that is not read-only: readOnly false.
      const ro = await wire.connect({ readOnly: true })
      expect(ro.response.readOnly).toBe(false)
      expect(ro.response.timeOut).toBe(10_000)
    }))

  it.effect("getData: the root node, data bytes as written, null and empty data, NoNode", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const root = await s.call("getData", { path: "/", watch: false })
      expectOk(root, 1)
      const rootBody = bodyOf("getData", root)
      // The root is not created by a transaction: zxids and times 0, and empty (not null) data.
      expect(rootBody.data).toEqual(new Uint8Array(0))
      expect(rootBody.stat).toMatchObject({
        czxid: 0n,
        mzxid: 0n,
        ctime: 0n,
        mtime: 0n,
        version: 0,
        aversion: 0,
        ephemeralOwner: 0n,
        dataLength: 0
      })
      expect(rootBody.stat.numChildren).toBeGreaterThanOrEqual(1) // /zookeeper at least
      expect(rootBody.stat.pzxid).toBeLessThanOrEqual(root.header.zxid)

      // Every byte value survives the round trip.
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
      const made = await create(s, "/wg-getdata", { data: bytes })
      const got = await s.call("getData", { path: "/wg-getdata", watch: false })
      expectOk(got)
      expect(got.header.zxid).toBeGreaterThanOrEqual(made.stat.czxid)
      const body = bodyOf("getData", got)
      expect(body.data).toEqual(bytes)
      expect(body.stat).toEqual(made.stat)
      expect(body.stat.dataLength).toBe(256)

      // A node created with null data reads back as jute null (-1 length), an empty buffer as empty.
      await create(s, "/wg-getdata/null", { data: null })
      await create(s, "/wg-getdata/empty", { data: new Uint8Array(0) })
      const nullData = bodyOf("getData", await s.call("getData", { path: "/wg-getdata/null", watch: false }))
      const emptyData = bodyOf("getData", await s.call("getData", { path: "/wg-getdata/empty", watch: false }))
      expect(nullData.data).toBeNull()
      expect(nullData.stat.dataLength).toBe(0)
      expect(emptyData.data).toEqual(new Uint8Array(0))
      expect(emptyData.stat.dataLength).toBe(0)

      expectError(await s.call("getData", { path: "/wg-getdata/missing", watch: false }), Err.noNode)
    }))

  it.effect("create2 in each mode: persistent, ephemeral, sequential (10-digit suffix = parent's cversion)", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const owner = s.response.sessionId
      const P = "/wg-create"
      const before = Date.now()
      const parent = await create(s, P, { data: utf8("parent") })
      expect(parent.path).toBe(P)
      expectFreshStat(parent.stat, { dataLength: 6, ephemeralOwner: 0n, before, after: Date.now() })

      const persistent = await create(s, `${P}/persistent`, { data: utf8("p") })
      expect(persistent.path).toBe(`${P}/persistent`)
      expectFreshStat(persistent.stat, { dataLength: 1, ephemeralOwner: 0n, before, after: Date.now() })
      expect(persistent.stat.czxid).toBeGreaterThan(parent.stat.czxid)

      const ephemeral = await create(s, `${P}/ephemeral`, { flags: R.CreateFlags.EPHEMERAL })
      expect(ephemeral.path).toBe(`${P}/ephemeral`)
      expectFreshStat(ephemeral.stat, { dataLength: 0, ephemeralOwner: owner, before, after: Date.now() })

      // The sequence number is the parent's cversion before the create: 2 children made so far.
      const seq = await create(s, `${P}/seq-`, { flags: R.CreateFlags.PERSISTENT_SEQUENTIAL, data: utf8("s") })
      expect(seq.path).toBe(`${P}/seq-0000000002`)
      expect(seq.path.slice(`${P}/seq-`.length)).toMatch(SEQUENCE_SUFFIX)
      expectFreshStat(seq.stat, { dataLength: 1, ephemeralOwner: 0n, before, after: Date.now() })

      const eseq = await create(s, `${P}/eseq-`, { flags: R.CreateFlags.EPHEMERAL_SEQUENTIAL })
      expect(eseq.path).toBe(`${P}/eseq-0000000003`)
      expectFreshStat(eseq.stat, { dataLength: 0, ephemeralOwner: owner, before, after: Date.now() })

      // A name that ends in "/" gets just the digits.
      const bare = await create(s, `${P}/`, { flags: R.CreateFlags.PERSISTENT_SEQUENTIAL })
      expect(bare.path).toBe(`${P}/0000000004`)

      // Plain create (opcode 1) answers with the path only.
      const plain = await s.call("create", { path: `${P}/plain`, data: null, acl: OPEN_ACL, flags: 0 })
      expectOk(plain)
      expect(bodyOf("create", plain)).toEqual({ path: `${P}/plain` })

      const parentNow = await statOf(s, P)
      expect(parentNow).toEqual({
        ...parent.stat,
        cversion: 6,
        numChildren: 6,
        pzxid: parentNow.pzxid
      })
      expect(parentNow.pzxid).toBeGreaterThan(bare.stat.czxid)
      expect(parentNow.pzxid).toBeLessThanOrEqual(plain.header.zxid)
    }))

  it.effect("containers and TTL nodes: their opcodes, Create2Response, hidden owner, reaped by the server", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-extended"
      await create(s, P)
      const before = Date.now()

      const container = await s.call("createContainer", {
        path: `${P}/container`,
        data: utf8("c"),
        acl: OPEN_ACL,
        flags: R.CreateFlags.CONTAINER
      })
      expectOk(container)
      const containerBody = bodyOf("createContainer", container)
      expect(containerBody.path).toBe(`${P}/container`)
      // The server marks containers (and TTL nodes) in ephemeralOwner internally and reports 0.
      expectFreshStat(containerBody.stat, { dataLength: 1, ephemeralOwner: 0n, before, after: Date.now() })

      const ttl = await s.call("createTTL", {
        path: `${P}/ttl`,
        data: null,
        acl: OPEN_ACL,
        flags: R.CreateFlags.PERSISTENT_WITH_TTL,
        ttl: 300n
      })
      expectOk(ttl)
      const ttlBody = bodyOf("createTTL", ttl)
      expect(ttlBody.path).toBe(`${P}/ttl`)
      expectFreshStat(ttlBody.stat, { dataLength: 0, ephemeralOwner: 0n, before, after: Date.now() })

      const ttlSeq = await s.call("createTTL", {
        path: `${P}/ttlseq-`,
        data: null,
        acl: OPEN_ACL,
        flags: R.CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL,
        ttl: 600_000n
      })
      expectOk(ttlSeq)
      expect(bodyOf("createTTL", ttlSeq).path).toBe(`${P}/ttlseq-0000000002`)

      // What makes a container is the opcode: create2 with the CONTAINER flag is accepted and
      // makes a plain persistent node (the reaper below leaves it alone).
      await create(s, `${P}/not-a-container`, { flags: R.CreateFlags.CONTAINER })

      // TTL flags and a TTL only go together, and only with createTTL: BadArguments otherwise.
      const ttlRequest = { path: `${P}/bad`, data: null, acl: OPEN_ACL }
      expectError(await s.call("createTTL", { ...ttlRequest, flags: R.CreateFlags.PERSISTENT, ttl: 1000n }), Err.badArguments)
      expectError(await s.call("createTTL", { ...ttlRequest, flags: R.CreateFlags.EPHEMERAL, ttl: 1000n }), Err.badArguments)
      expectError(await s.call("createTTL", { ...ttlRequest, flags: R.CreateFlags.PERSISTENT_WITH_TTL, ttl: 0n }), Err.badArguments)
      expectError(await s.call("create2", { ...ttlRequest, flags: R.CreateFlags.PERSISTENT_WITH_TTL }), Err.badArguments)
      expectError(await s.call("create2", { ...ttlRequest, flags: 7 }), Err.badArguments)

      // Inside a multi it is the other way round: the flags decide, the opcode does not.
      const multi = await s.call("multi", {
        ops: [
          { op: "create", request: { path: `${P}/multi-container`, data: null, acl: OPEN_ACL, flags: R.CreateFlags.CONTAINER } },
          { op: "createContainer", request: { path: `${P}/multi-plain`, data: null, acl: OPEN_ACL, flags: R.CreateFlags.PERSISTENT } }
        ]
      })
      expectOk(multi)
      const [multiContainer, multiPlain] = bodyOf("multi", multi).results
      expect(multiContainer?.op).toBe("create2")
      expect(multiPlain).toEqual({ op: "create", path: `${P}/multi-plain` })

      // A container is reaped once it has had a child and has none left; a TTL node once it is
      // childless and unmodified for its TTL. Both prove the server took them for what we sent.
      for (const parent of [`${P}/container`, `${P}/not-a-container`, `${P}/multi-container`, `${P}/multi-plain`]) {
        await create(s, `${parent}/child`)
        expectOk(await s.call("delete", { path: `${parent}/child`, version: -1 }))
      }
      const deadline = Date.now() + 10_000
      let gone: ReadonlyArray<string> = []
      while (Date.now() < deadline) {
        const left: string[] = []
        for (const name of ["container", "ttl", "multi-container"]) {
          const r = await s.call("exists", { path: `${P}/${name}`, watch: false })
          if (r.header.err === Err.noNode) left.push(name)
        }
        gone = left
        if (gone.length === 3) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(gone).toEqual(["container", "ttl", "multi-container"])
      expectOk(await s.call("exists", { path: `${P}/not-a-container`, watch: false }))
      expectOk(await s.call("exists", { path: `${P}/multi-plain`, watch: false }))
      expectOk(await s.call("exists", { path: `${P}/ttlseq-0000000002`, watch: false }))
    }))

  it.effect("create errors: NodeExists, NoNode, InvalidACL, NoChildrenForEphemerals, BadArguments; each is a txn", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-create-errors"
      const made = await create(s, P)
      await create(s, `${P}/eph`, { flags: R.CreateFlags.EPHEMERAL })
      let last = made.reply.header.zxid
      const request = (path: string, acl: ReadonlyArray<R.ACL> = OPEN_ACL): R.CreateRequest => ({ path, data: null, acl, flags: 0 })
      const cases: ReadonlyArray<readonly [string, R.CreateRequest, number]> = [
        ["the node exists", request(P), Err.nodeExists],
        ["the parent is missing", request(`${P}/missing/child`), Err.noNode],
        ["an empty ACL", request(`${P}/noacl`, []), Err.invalidACL],
        ["a child of an ephemeral", request(`${P}/eph/child`), Err.noChildrenForEphemerals],
        ["a trailing slash", request(`${P}/`), Err.badArguments],
        ["a NUL character", request(`${P}/a\u0000b`), Err.badArguments],
        ["no slash at all", request("relative"), Err.badArguments],
        // The parent is looked up before the path's syntax is checked.
        ["a trailing slash under a missing parent", request(`${P}/missing/`), Err.noNode]
      ]
      for (const [what, req, err] of cases) {
        const reply = await s.call("create2", req)
        expect({ what, err: reply.header.err }).toEqual({ what, err })
        expectError(reply, err)
        // A failed write is still logged (as an error txn), so its reply has a new zxid.
        expect(reply.header.zxid).toBeGreaterThan(last)
        last = reply.header.zxid
      }
      // Reads do not: the same zxid comes back.
      const read = await s.call("exists", { path: P, watch: false })
      expect(read.header.zxid).toBe(last)
    }))

  it.effect("setData: version, mzxid and mtime advance, the rest stays; one-shot data watch; BadVersion, NoNode", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-setdata"
      const made = await create(s, P, { data: utf8("v0") })
      expectOk(await s.call("getData", { path: P, watch: true }))

      await new Promise((resolve) => setTimeout(resolve, 5)) // so mtime moves past ctime
      const xid = s.xid()
      s.socket.send(R.encodeRequest("setData", xid, { path: P, data: utf8("v1!"), version: 0 }))
      // The watch fires before the change's own reply reaches the session that made it.
      const fired = await s.next()
      const reply = await s.next()
      expectOk(reply, xid)
      expect(reply.bodyLength).toBe(68) // a Stat: 6 longs, 5 ints
      const stat = bodyOf("setData", reply).stat
      expect(fired.header.xid).toBe(R.Xid.notification)
      expect(fired.header.err).toBe(Err.ok)
      if (fired.header.zxid !== -1n) expect(fired.header.zxid).toBe(stat.mzxid)
      expect(eventOf(fired)).toEqual(event(R.EventType.NodeDataChanged, P))
      expect(stat).toEqual({
        ...made.stat,
        mzxid: stat.mzxid,
        mtime: stat.mtime,
        version: 1,
        dataLength: 3
      })
      expect(stat.mzxid).toBeGreaterThan(made.stat.mzxid)
      expect(stat.mtime).toBeGreaterThan(made.stat.mtime)
      expectNow(stat.mtime, Date.now() - 10_000, Date.now())
      expect(reply.header.zxid).toBeGreaterThanOrEqual(stat.mzxid)

      expectError(await s.call("setData", { path: P, data: utf8("x"), version: 0 }), Err.badVersion)

      // The data watch was one-shot: this change fires nothing.
      const third = await s.call("setData", { path: P, data: null, version: -1 })
      expectOk(third)
      const thirdStat = bodyOf("setData", third).stat
      expect(thirdStat.version).toBe(2)
      expect(thirdStat.dataLength).toBe(0)
      expect(thirdStat.mzxid).toBeGreaterThan(stat.mzxid)
      expect(thirdStat.czxid).toBe(made.stat.czxid)
      await expectQuiet(s)
      expect(bodyOf("getData", await s.call("getData", { path: P, watch: false })).data).toBeNull()

      expectError(await s.call("setData", { path: `${P}/missing`, data: null, version: -1 }), Err.noNode)
    }))

  it.effect("multi: one result per op, all at one zxid; a create2 op is answered as create; stats as of each op", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-multi"
      const parent = await create(s, P, { data: utf8("p0") })
      const before = Date.now()
      const reply = await s.call("multi", {
        ops: [
          { op: "create", request: { path: `${P}/a`, data: null, acl: OPEN_ACL, flags: 0 } },
          { op: "create2", request: { path: `${P}/b`, data: utf8("bb"), acl: OPEN_ACL, flags: 0 } },
          {
            op: "createTTL",
            request: { path: `${P}/t`, data: utf8("t"), acl: OPEN_ACL, flags: R.CreateFlags.PERSISTENT_WITH_TTL, ttl: 600_000n }
          },
          { op: "setData", request: { path: P, data: utf8("p1!"), version: 0 } },
          { op: "check", request: { path: P, version: 1 } },
          { op: "delete", request: { path: `${P}/a`, version: 0 } }
        ]
      })
      expectOk(reply)
      const { results } = bodyOf("multi", reply)
      // The server rebuilds each create of a multi from its flags (MultiOperationRecord ->
      // Op.create): plain flags give a CreateResult without Stat (opcode 1) even for create2;
      // only container and TTL flags give one with a Stat (opcode 15).
      expect(results.map((r) => r.op)).toEqual(["create", "create", "create2", "setData", "check", "delete"])
      const [a, b, t, set, check, del] = results
      expect(a).toEqual({ op: "create", path: `${P}/a` })
      expect(b).toEqual({ op: "create", path: `${P}/b` })
      expect(check).toEqual({ op: "check" })
      expect(del).toEqual({ op: "delete" })
      if (t?.op !== "create2" || set?.op !== "setData") throw new Error("unexpected result types")
      expect(t.path).toBe(`${P}/t`)
      expectFreshStat(t.stat, { dataLength: 1, ephemeralOwner: 0n, before, after: Date.now() })
      // One transaction: every op has the same zxid and the same time.
      const zxid = t.stat.czxid
      expect(set.stat).toEqual({
        ...parent.stat,
        mzxid: zxid,
        mtime: t.stat.ctime,
        version: 1,
        dataLength: 3,
        // as of the setData: a, b and t created, a not deleted yet
        cversion: 3,
        numChildren: 3,
        pzxid: zxid
      })
      expect(reply.header.zxid).toBeGreaterThanOrEqual(zxid)

      const after = bodyOf("getChildren2", await s.call("getChildren2", { path: P, watch: false }))
      expect([...after.children].sort()).toEqual(["b", "t"])
      expect(after.stat).toEqual({ ...set.stat, cversion: 4, numChildren: 2 })
      const bData = bodyOf("getData", await s.call("getData", { path: `${P}/b`, watch: false }))
      expect(bData.data).toEqual(utf8("bb"))
      expect(bData.stat.czxid).toBe(zxid)

      // An empty multi: err 0 and a body that is just the end marker {-1, true, -1}.
      const empty = await s.call("multi", { ops: [] })
      expectOk(empty)
      expect(empty.bodyLength).toBe(9)
      expect(bodyOf("multi", empty)).toEqual({ results: [] })

      // A plain create with a TTL flag cannot even be rebuilt (it has no TTL): the whole multi
      // fails with MarshallingError in the ReplyHeader and no body.
      const unbuildable = await s.call("multi", {
        ops: [{ op: "create", request: { path: `${P}/x`, data: null, acl: OPEN_ACL, flags: R.CreateFlags.PERSISTENT_WITH_TTL } }]
      })
      expectError(unbuildable, Err.marshallingError)
    }))

  it.effect("multi with a failing op: header err 0; ErrorResults 0 / the code / -2; nothing applied", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-multi-fail"
      await create(s, P, { data: utf8("p") })
      await create(s, `${P}/b`)
      const before = await s.call("getData", { path: P, watch: false })

      // ZooKeeper answers a failed multi with err 0 in the ReplyHeader and one ErrorResult per
      // op: 0 for the ops before the failing one (rolled back), the failing op's own code, and
      // RuntimeInconsistency (-2) for the ops after it (never tried). Each result travels as
      // MultiHeader {type -1, done false, err = code} followed by ErrorResponse {err = code}.
      const reply = await s.call("multi", {
        ops: [
          { op: "create", request: { path: `${P}/c`, data: null, acl: OPEN_ACL, flags: 0 } },
          { op: "setData", request: { path: P, data: utf8("changed"), version: -1 } },
          { op: "check", request: { path: P, version: 99 } },
          { op: "delete", request: { path: `${P}/b`, version: -1 } }
        ]
      })
      expectOk(reply)
      expect(reply.header.zxid).toBeGreaterThan(before.header.zxid) // logged as a txn too
      expect(bodyOf("multi", reply).results).toEqual([
        { op: "error", err: Err.ok },
        { op: "error", err: Err.ok },
        { op: "error", err: Err.badVersion },
        { op: "error", err: Err.runtimeInconsistency }
      ])
      // The same from the raw bytes, MultiHeaders included.
      const r = new JuteReader(reply.frame, R.REPLY_HEADER_LENGTH)
      for (const code of [Err.ok, Err.ok, Err.badVersion, Err.runtimeInconsistency]) {
        expect([r.int(), r.bool(), r.int(), r.int()]).toEqual([R.OpCode.error, false, code, code])
      }
      expect([r.int(), r.bool(), r.int()]).toEqual([-1, true, -1])
      expect(r.remaining()).toBe(0)

      // Nothing was applied.
      expectError(await s.call("exists", { path: `${P}/c`, watch: false }), Err.noNode)
      expectOk(await s.call("exists", { path: `${P}/b`, watch: false }))
      expect(bodyOf("getData", await s.call("getData", { path: P, watch: false }))).toEqual(bodyOf("getData", before))

      // A failure in the first op: its code, then -2 for the rest.
      const first = await s.call("multi", {
        ops: [
          { op: "delete", request: { path: `${P}/missing`, version: -1 } },
          { op: "create", request: { path: `${P}/d`, data: null, acl: OPEN_ACL, flags: 0 } }
        ]
      })
      expectOk(first)
      expect(bodyOf("multi", first).results).toEqual([
        { op: "error", err: Err.noNode },
        { op: "error", err: Err.runtimeInconsistency }
      ])
    }))

  it.effect("multiRead: per-op results, a failing read does not affect the others", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-multiread"
      const parent = await create(s, P, { data: utf8("x") })
      const child = await create(s, `${P}/k`)
      const reply = await s.call("multiRead", {
        ops: [
          { op: "getData", request: { path: P } },
          { op: "getData", request: { path: `${P}/missing` } },
          { op: "getChildren", request: { path: P } }
        ]
      })
      expectOk(reply)
      expect(bodyOf("multiRead", reply).results).toEqual([
        {
          op: "getData",
          data: utf8("x"),
          stat: { ...parent.stat, cversion: 1, numChildren: 1, pzxid: child.stat.czxid }
        },
        { op: "error", err: Err.noNode },
        { op: "getChildren", children: ["k"] }
      ])
    }))

  it.effect("getChildren2: names, and the parent's cversion, numChildren and pzxid after creates and deletes", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-children"
      const parent = await create(s, P, { data: utf8("abc") })
      const c1 = await create(s, `${P}/c1`)
      const c2 = await create(s, `${P}/c2`)
      const c3 = await create(s, `${P}/c3`)
      expect(c2.stat.czxid).toBeGreaterThan(c1.stat.czxid)
      const mid = bodyOf("getChildren2", await s.call("getChildren2", { path: P, watch: false }))
      expect([...mid.children].sort()).toEqual(["c1", "c2", "c3"])
      expect(mid.stat).toEqual({ ...parent.stat, cversion: 3, numChildren: 3, pzxid: c3.stat.czxid })

      const del = await s.call("delete", { path: `${P}/c2`, version: 0 })
      expectOk(del)
      expect(del.bodyLength).toBe(0)
      const got = await s.call("getChildren2", { path: P, watch: false })
      expectOk(got)
      const body = bodyOf("getChildren2", got)
      expect([...body.children].sort()).toEqual(["c1", "c3"])
      // A delete counts as a child change too, and moves pzxid to its zxid.
      expect(body.stat).toEqual({ ...parent.stat, cversion: 4, numChildren: 2, pzxid: body.stat.pzxid })
      expect(body.stat.pzxid).toBeGreaterThan(c3.stat.czxid)
      expect(body.stat.pzxid).toBeLessThanOrEqual(del.header.zxid)
      // The parent's own data is untouched.
      expect(body.stat.mzxid).toBe(parent.stat.czxid)

      const leaf = bodyOf("getChildren2", await s.call("getChildren2", { path: `${P}/c1`, watch: false }))
      expect(leaf).toEqual({ children: [], stat: c1.stat })
      expectError(await s.call("getChildren2", { path: `${P}/c2`, watch: false }), Err.noNode)
      expect(bodyOf("getChildren", await s.call("getChildren", { path: `${P}/c1`, watch: false }))).toEqual({ children: [] })
    }))

  it.effect("exists: a missing node is err -101 in the header and no body; a watch on it fires on create", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-exists"
      const xid = s.xid()
      s.socket.send(R.encodeRequest("exists", xid, { path: P, watch: true }))
      const raw = await s.socket.next()
      // The whole frame: xid, zxid, err -101, nothing else.
      expect(raw.length).toBe(16)
      const missing = parseReply(raw)
      expect(missing.header.xid).toBe(xid)
      expect(missing.header.err).toBe(Err.noNode)
      expect(missing.header.zxid).toBeGreaterThan(0n)

      const createXid = s.xid()
      s.socket.send(R.encodeRequest("create2", createXid, { path: P, data: null, acl: OPEN_ACL, flags: 0 }))
      const fired = await notification(s)
      expect(fired).toEqual(event(R.EventType.NodeCreated, P))
      const created = await s.next()
      expectOk(created, createXid)
      const stat = bodyOf("create2", created).stat

      const present = await s.call("exists", { path: P, watch: false })
      expectOk(present)
      expect(present.bodyLength).toBe(68)
      expect(bodyOf("exists", present).stat).toEqual(stat)
    }))

  it.effect("getACL: world:anyone; an auth ACL is stored as digest:user:base64(sha1(user:pw)), redacted for non-admins; setACL", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-acl"
      const open = await create(s, P)
      const got = await s.call("getACL", { path: P })
      expectOk(got)
      expect(bodyOf("getACL", got)).toEqual({ acl: OPEN_ACL, stat: open.stat })

      expectOk(await s.send("auth", R.Xid.auth, { type: 0, scheme: "digest", auth: utf8("user:pw") }), R.Xid.auth)
      const digest = `user:${createHash("sha1").update("user:pw").digest("base64")}`
      const secret = await create(s, `${P}/secret`, {
        data: utf8("s"),
        acl: [{ perms: 31, id: { scheme: "auth", id: "" } }]
      })
      const acl = bodyOf("getACL", await s.call("getACL", { path: `${P}/secret` }))
      expect(acl).toEqual({ acl: [{ perms: 31, id: { scheme: "digest", id: digest } }], stat: secret.stat })

      // Another session without the identity may not read it.
      const other = await wire.connect()
      expectError(await other.call("getData", { path: `${P}/secret`, watch: false }), Err.noAuth)

      const set = await s.call("setACL", {
        path: `${P}/secret`,
        acl: [{ perms: 1, id: { scheme: "world", id: "anyone" } }, ...acl.acl],
        version: 0
      })
      expectOk(set)
      const setStat = bodyOf("setACL", set).stat
      expect(setStat).toEqual({ ...secret.stat, aversion: 1 })
      expectError(await s.call("setACL", { path: `${P}/secret`, acl: OPEN_ACL, version: 0 }), Err.badVersion)
      const after = bodyOf("getACL", await other.call("getACL", { path: `${P}/secret` }))
      expect(after.stat).toEqual(setStat)
      // A reader without ADMIN permission gets digest ids with the hash replaced by "x".
      expect(after.acl).toEqual([
        { perms: 1, id: { scheme: "world", id: "anyone" } },
        { perms: 31, id: { scheme: "digest", id: "user:x" } }
      ])
      // The owner (ADMIN through the digest identity) still sees the hash.
      expect(bodyOf("getACL", await s.call("getACL", { path: `${P}/secret` }))).toEqual({
        acl: [
          { perms: 1, id: { scheme: "world", id: "anyone" } },
          { perms: 31, id: { scheme: "digest", id: digest } }
        ],
        stat: setStat
      })
      expect(bodyOf("getData", await other.call("getData", { path: `${P}/secret`, watch: false })).data).toEqual(utf8("s"))
      expectError(await s.call("getACL", { path: `${P}/missing` }), Err.noNode)
    }))

  it.effect("addWatch: ErrorResponse(0) body; persistent and recursive watches fire (xid -1) and stay", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const writer = await wire.connect()
      const P = "/wg-addwatch"
      await create(s, P)

      const added = await s.call("addWatch", { path: P, mode: R.AddWatchMode.PERSISTENT })
      expectOk(added)
      // ZooKeeper answers addWatch with an ErrorResponse {err: 0}: four zero bytes.
      expect(added.bodyLength).toBe(4)
      expect([...added.frame.subarray(R.REPLY_HEADER_LENGTH)]).toEqual([0, 0, 0, 0])
      expect(bodyOf("addWatch", added)).toEqual({})

      // Same session: the notification comes first, then the reply; twice, as the watch stays.
      for (const text of ["one", "two"]) {
        const xid = s.xid()
        s.socket.send(R.encodeRequest("setData", xid, { path: P, data: utf8(text), version: -1 }))
        const first = await s.next()
        const reply = await s.next()
        expectOk(reply, xid)
        const mzxid = bodyOf("setData", reply).stat.mzxid
        expect(first.header.xid).toBe(R.Xid.notification)
        expect(first.header.err).toBe(Err.ok)
        expect(first.header.zxid === -1n || first.header.zxid === mzxid).toBe(true)
        expect(first.bodyLength).toBe(4 + 4 + 4 + P.length)
        expect(eventOf(first)).toEqual(event(R.EventType.NodeDataChanged, P))
      }

      // A persistent (non-recursive) watch sees the node's children change, not grandchildren.
      const child = await create(writer, `${P}/k`)
      expect(await notification(s, child.stat.czxid)).toEqual(event(R.EventType.NodeChildrenChanged, P))
      await create(writer, `${P}/k/g`)
      await expectQuiet(s)

      // Recursive: every node below, as NodeCreated/NodeDataChanged/NodeDeleted, no child events.
      const recursive = await s.call("addWatch", { path: `${P}/k`, mode: R.AddWatchMode.PERSISTENT_RECURSIVE })
      expectOk(recursive)
      expect(recursive.bodyLength).toBe(4)
      const deep = await create(writer, `${P}/k/g/deep`)
      expect(await notification(s, deep.stat.czxid)).toEqual(event(R.EventType.NodeCreated, `${P}/k/g/deep`))
      expectOk(await writer.call("setData", { path: `${P}/k/g`, data: utf8("x"), version: -1 }))
      expect(await notification(s)).toEqual(event(R.EventType.NodeDataChanged, `${P}/k/g`))
      expectOk(await writer.call("delete", { path: `${P}/k/g/deep`, version: -1 }))
      expect(await notification(s)).toEqual(event(R.EventType.NodeDeleted, `${P}/k/g/deep`))
      await expectQuiet(s)

      // Watching a path that does not exist is allowed.
      expectOk(await s.call("addWatch", { path: `${P}/none`, mode: R.AddWatchMode.PERSISTENT }))
    }))

  it.effect("getEphemerals: the session's own ephemerals whose path starts with the prefix", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const other = await wire.connect()
      const P = "/wg-ephemerals"
      await create(s, P)
      await create(s, `${P}/sub`)
      await create(s, `${P}/e1`, { flags: R.CreateFlags.EPHEMERAL })
      await create(s, `${P}/sub/e2`, { flags: R.CreateFlags.EPHEMERAL })
      const seq = await create(s, `${P}/e-`, { flags: R.CreateFlags.EPHEMERAL_SEQUENTIAL })
      await create(other, `${P}/theirs`, { flags: R.CreateFlags.EPHEMERAL })

      const all = await s.call("getEphemerals", { prefixPath: P })
      expectOk(all)
      expect([...bodyOf("getEphemerals", all).ephemerals].sort()).toEqual([seq.path, `${P}/e1`, `${P}/sub/e2`].sort())
      const sub = bodyOf("getEphemerals", await s.call("getEphemerals", { prefixPath: `${P}/sub` }))
      expect(sub).toEqual({ ephemerals: [`${P}/sub/e2`] })
      // The prefix is a string prefix, not a path: "/e" also matches "/e-0000000002".
      const e = bodyOf("getEphemerals", await s.call("getEphemerals", { prefixPath: `${P}/e` }))
      expect([...e.ephemerals].sort()).toEqual([seq.path, `${P}/e1`].sort())
      expect(bodyOf("getEphemerals", await other.call("getEphemerals", { prefixPath: P }))).toEqual({
        ephemerals: [`${P}/theirs`]
      })
      // A prefix nothing starts with is no error, just an empty list.
      const none = await s.call("getEphemerals", { prefixPath: "/wg-no-such-prefix" })
      expectOk(none)
      expect(none.bodyLength).toBe(4)
      expect(bodyOf("getEphemerals", none)).toEqual({ ephemerals: [] })
    }))

  it.effect("auth (xid -4, zxid 0 in the reply) and whoAmI", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const anonymous = await s.call("whoAmI", {})
      expectOk(anonymous)
      const [ip] = bodyOf("whoAmI", anonymous).clientInfo
      expect(bodyOf("whoAmI", anonymous).clientInfo).toHaveLength(1)
      expect(ip?.authScheme).toBe("ip")
      expect(isIP(ip?.user ?? "")).not.toBe(0)

      const auth = await s.send("auth", R.Xid.auth, { type: 0, scheme: "digest", auth: utf8("user:pw") })
      // Auth replies are built outside the request pipeline, with zxid 0.
      expect(auth.header).toEqual({ xid: R.Xid.auth, zxid: 0n, err: Err.ok })
      expect(auth.bodyLength).toBe(0)

      const bySchemeAndUser = (a: R.ClientInfo, b: R.ClientInfo): number =>
        `${a.authScheme}:${a.user}` < `${b.authScheme}:${b.user}` ? -1 : 1
      const who = await s.call("whoAmI", {})
      expectOk(who)
      expect([...bodyOf("whoAmI", who).clientInfo].sort(bySchemeAndUser)).toEqual([
        { authScheme: "digest", user: "user" },
        { authScheme: "ip", user: ip?.user }
      ])

      // A second identity adds to the first. The reply echoes whatever xid the packet had:
      // what makes it an auth packet is its type (100).
      const second = await s.send("auth", 77, { type: 0, scheme: "digest", auth: utf8("other:secret") })
      expect(second.header).toEqual({ xid: 77, zxid: 0n, err: Err.ok })
      expect([...bodyOf("whoAmI", await s.call("whoAmI", {})).clientInfo].sort(bySchemeAndUser)).toEqual([
        { authScheme: "digest", user: "other" },
        { authScheme: "digest", user: "user" },
        { authScheme: "ip", user: ip?.user }
      ])
    }))

  it.effect("ping (xid -2, whatever xid was sent), sync and getAllChildrenNumber", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-misc"
      await create(s, P)
      await create(s, `${P}/a`)
      await create(s, `${P}/a/b`)
      await create(s, `${P}/a/b/c`)
      const last = await create(s, `${P}/d`)

      const ping = await s.send("ping", R.Xid.ping, {})
      expect(ping.header.xid).toBe(R.Xid.ping)
      expect(ping.header.err).toBe(Err.ok)
      expect(ping.header.zxid).toBeGreaterThanOrEqual(last.reply.header.zxid)
      expect(ping.frame.length).toBe(16)
      // The server answers any ping with xid -2.
      const odd = await s.send("ping", 42, {})
      expect(odd.header.xid).toBe(R.Xid.ping)
      expect(odd.frame.length).toBe(16)

      const sync = await s.call("sync", { path: P })
      expectOk(sync)
      expect(sync.header.zxid).toBeGreaterThanOrEqual(last.reply.header.zxid)
      expect(bodyOf("sync", sync)).toEqual({ path: P })
      expect(sync.bodyLength).toBe(4 + P.length)

      const count = await s.call("getAllChildrenNumber", { path: P })
      expectOk(count)
      expect(count.bodyLength).toBe(4)
      // Every descendant, not the node itself.
      expect(bodyOf("getAllChildrenNumber", count)).toEqual({ totalNumber: 4 })
      expect(bodyOf("getAllChildrenNumber", await s.call("getAllChildrenNumber", { path: `${P}/a` }))).toEqual({ totalNumber: 2 })
      expect(bodyOf("getAllChildrenNumber", await s.call("getAllChildrenNumber", { path: `${P}/d` }))).toEqual({ totalNumber: 0 })
      expectError(await s.call("getAllChildrenNumber", { path: `${P}/missing` }), Err.noNode)
    }))

  it.effect("pipelining: many requests in one write are answered in order", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const P = "/wg-pipeline"
      await create(s, P, { data: utf8("d") })
      const w = new JuteWriter(64)
      R.writeRequest(w, "getData", 101, { path: P, watch: false })
      R.writeRequest(w, "exists", 102, { path: `${P}/missing`, watch: false })
      R.writeRequest(w, "create2", 103, { path: `${P}/new`, data: null, acl: OPEN_ACL, flags: 0 })
      R.writeRequest(w, "ping", R.Xid.ping, {})
      R.writeRequest(w, "getChildren", 104, { path: P, watch: false })
      s.socket.send(w.bytes().slice())
      const replies: Reply[] = []
      for (let i = 0; i < 5; i++) replies.push(await s.next())
      expect(replies.map((r) => [r.header.xid, r.header.err])).toEqual([
        [101, Err.ok],
        [102, Err.noNode],
        [103, Err.ok],
        [R.Xid.ping, Err.ok],
        [104, Err.ok]
      ])
      const zxids = replies.map((r) => r.header.zxid)
      for (let i = 1; i < zxids.length; i++) expect(zxids[i]).toBeGreaterThanOrEqual(zxids[i - 1] ?? 0n)
      expect(bodyOf("getData", replies[0] as Reply).data).toEqual(utf8("d"))
      expect(bodyOf("create2", replies[2] as Reply).path).toBe(`${P}/new`)
      expect(bodyOf("getChildren", replies[4] as Reply)).toEqual({ children: ["new"] })
    }))

  it.effect("reconnect with the session id and passwd, then setWatches2 (xid -8) fires what was missed", () =>
    wired(async (wire) => {
      const first = await wire.connect({ timeOut: MAX_TIMEOUT })
      const writer = await wire.connect()
      const P = "/wg-setwatches"
      for (const name of ["", "/data", "/gone", "/same", "/parent", "/pers", "/rec"]) await create(first, `${P}${name}`)
      const eph = await create(first, `${P}/eph`, { flags: R.CreateFlags.EPHEMERAL })
      const lastZxid = eph.reply.header.zxid
      // Drop the connection, not the session.
      first.socket.destroy()
      await first.socket.closed()

      // Changes while disconnected.
      expectOk(await writer.call("setData", { path: `${P}/data`, data: utf8("x"), version: -1 }))
      expectOk(await writer.call("delete", { path: `${P}/gone`, version: -1 }))
      await create(writer, `${P}/new`)
      await create(writer, `${P}/parent/kid`)

      const again = await wire.connect({
        sessionId: first.response.sessionId,
        passwd: first.response.passwd,
        lastZxidSeen: lastZxid,
        timeOut: MAX_TIMEOUT
      })
      // Same session, same password, same timeout.
      expect(again.response).toEqual(first.response)
      expect(again.handshakeFrame).toEqual(first.handshakeFrame)

      again.socket.send(
        R.encodeRequest("setWatches2", R.Xid.setWatches, {
          relativeZxid: lastZxid,
          dataWatches: [`${P}/data`, `${P}/gone`, `${P}/same`],
          existWatches: [`${P}/new`, `${P}/never`],
          childWatches: [`${P}/parent`],
          persistentWatches: [`${P}/pers`],
          persistentRecursiveWatches: [`${P}/rec`]
        })
      )
      // Watches whose node changed after relativeZxid fire at once, before the reply, in the
      // order data, exist, child watches; the others are registered.
      expect(await notification(again)).toEqual(event(R.EventType.NodeDataChanged, `${P}/data`))
      expect(await notification(again)).toEqual(event(R.EventType.NodeDeleted, `${P}/gone`))
      expect(await notification(again)).toEqual(event(R.EventType.NodeCreated, `${P}/new`))
      expect(await notification(again)).toEqual(event(R.EventType.NodeChildrenChanged, `${P}/parent`))
      const reply = await again.next()
      expect(reply.header.xid).toBe(R.Xid.setWatches)
      expect(reply.header.err).toBe(Err.ok)
      expect(reply.header.zxid).toBeGreaterThan(lastZxid)
      expect(reply.bodyLength).toBe(0)
      expect(bodyOf("setWatches2", reply)).toEqual({})
      await expectQuiet(again)

      // The session's ephemeral survived the disconnect.
      expect(bodyOf("getEphemerals", await again.call("getEphemerals", { prefixPath: P }))).toEqual({
        ephemerals: [`${P}/eph`]
      })

      // The registered watches fire on later changes.
      expectOk(await writer.call("setData", { path: `${P}/same`, data: utf8("y"), version: -1 }))
      expect(await notification(again)).toEqual(event(R.EventType.NodeDataChanged, `${P}/same`))
      await create(writer, `${P}/never`)
      expect(await notification(again)).toEqual(event(R.EventType.NodeCreated, `${P}/never`))
      for (let i = 0; i < 2; i++) {
        expectOk(await writer.call("setData", { path: `${P}/pers`, data: utf8(String(i)), version: -1 }))
        expect(await notification(again)).toEqual(event(R.EventType.NodeDataChanged, `${P}/pers`))
      }
      await create(writer, `${P}/rec/a`)
      expect(await notification(again)).toEqual(event(R.EventType.NodeCreated, `${P}/rec/a`))
      await expectQuiet(again)
    }))

  it.effect("reconnect with a wrong password: an invalid-session answer, and the live connection is dropped", () =>
    wired(async (wire) => {
      const live = await wire.connect()
      const bad = await wire.connect({ sessionId: live.response.sessionId, passwd: new Uint8Array(16) })
      // timeOut 0, sessionId 0 and a zero password say "no such session"; then the server hangs up.
      expect(bad.response).toEqual({
        protocolVersion: 0,
        timeOut: 0,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false
      })
      expect((await bad.socket.closed()).gotEnd).toBe(true)
      // ZooKeeper closes the session's current connection before it checks the password.
      expect((await live.socket.closed()).gotEnd).toBe(true)
      // The session itself is fine.
      const resumed = await wire.connect({ sessionId: live.response.sessionId, passwd: live.response.passwd })
      expect(resumed.response).toEqual(live.response)
      expectOk(await resumed.call("exists", { path: "/", watch: false }))
    }))

  it.effect("closeSession: an empty reply, the server hangs up, ephemerals go, the session cannot resume", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const observer = await wire.connect()
      const P = "/wg-close"
      await create(s, P)
      const eph = await create(s, `${P}/eph`, { flags: R.CreateFlags.EPHEMERAL })
      expectOk(await observer.call("exists", { path: `${P}/eph`, watch: true }))

      const closing = await s.call("closeSession", {})
      expectOk(closing)
      expect(closing.bodyLength).toBe(0)
      expect(closing.header.zxid).toBeGreaterThan(eph.stat.czxid) // closing is a txn
      expect((await s.socket.closed()).gotEnd).toBe(true)

      expect(await notification(observer)).toEqual(event(R.EventType.NodeDeleted, `${P}/eph`))
      expectError(await observer.call("exists", { path: `${P}/eph`, watch: false }), Err.noNode)

      const resumed = await wire.connect({ sessionId: s.response.sessionId, passwd: s.response.passwd })
      expect(resumed.response).toEqual({
        protocolVersion: 0,
        timeOut: 0,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false
      })
      expect((await resumed.socket.closed()).gotEnd).toBe(true)
    }))

  it.effect("a garbage body for a valid opcode: MarshallingError (-5), and the connection stays usable", () =>
    wired(async (wire) => {
      // ZooKeeper 3.8 reads the RequestHeader in the connection layer and the body only in the
      // request processors, which answer a body they cannot parse with MarshallingError and
      // carry on; the connection is not closed. Writes still log an error txn.
      const s = await wire.connect()
      await create(s, "/wg-garbage")
      const frame = (xid: number, op: number, body: ReadonlyArray<number>): Uint8Array => {
        const w = new JuteWriter(32).int(8 + body.length).int(xid).int(op)
        for (const b of body) w.raw(new Uint8Array([b]))
        return w.bytes().slice()
      }
      const hugeString = [0x7f, 0xff, 0xff, 0xff] // a string length of 2^31-1
      // [what, xid, opcode, body, is a write (logged as an error txn, so a new zxid)]
      const cases: ReadonlyArray<readonly [string, number, number, ReadonlyArray<number>, boolean]> = [
        ["getData", 11, R.OpCode.getData, hugeString, false],
        ["getData without its watch flag", 12, R.OpCode.getData, [0, 0, 0, 1, 0x2f], false],
        ["create2", 13, R.OpCode.create2, hugeString, true],
        ["setData, empty body", 14, R.OpCode.setData, [], true],
        ["multi", 15, R.OpCode.multi, hugeString, true],
        ["getChildren2, negative string length", 16, R.OpCode.getChildren2, [0xff, 0xff, 0xff, 0xf0, 0], false],
        ["setWatches2", R.Xid.setWatches, R.OpCode.setWatches2, hugeString, false]
      ]
      let last = (await s.send("ping", R.Xid.ping, {})).header.zxid
      for (const [what, xid, op, body, write] of cases) {
        s.socket.send(frame(xid, op, body))
        const reply = await s.next()
        expect({ what, xid: reply.header.xid, err: reply.header.err }).toEqual({ what, xid, err: Err.marshallingError })
        expectError(reply, Err.marshallingError)
        if (write) expect(reply.header.zxid).toBeGreaterThan(last)
        else expect(reply.header.zxid).toBe(last)
        last = reply.header.zxid
        await expectQuiet(s)
      }
      // Bytes after a complete body are ignored.
      const valid = R.encodeRequest("getData", 20, { path: "/wg-garbage", watch: false })
      const padded = new Uint8Array(valid.length + 3)
      padded.set(valid)
      new DataView(padded.buffer).setInt32(0, padded.length - 4)
      padded.set([1, 2, 3], valid.length)
      s.socket.send(padded)
      const reply = await s.next()
      expectOk(reply, 20)
      expect(bodyOf("getData", reply).data).toBeNull()
      expect(s.socket.isClosed).toBe(false)
    }))

  it.effect("what makes the server hang up: unknown opcode, unreadable frame or header, bad auth, bad handshake", () =>
    wired(async (wire) => {
      const raw = (bytes: ReadonlyArray<number>): Uint8Array => new Uint8Array(bytes)

      // An unknown opcode: Unimplemented (-6) with zxid -1, then the connection is closed.
      const unknown = await wire.connect()
      unknown.socket.send(raw([0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0x03, 0xe7]))
      const unimplemented = await unknown.next()
      expect(unimplemented.header).toEqual({ xid: 5, zxid: -1n, err: Err.unimplemented })
      expect(unimplemented.bodyLength).toBe(0)
      expect((await unknown.socket.closed()).gotEnd).toBe(true)

      // The connection layer cannot read these: no reply at all, the connection is closed.
      const silent: ReadonlyArray<readonly [string, Uint8Array]> = [
        ["a frame too short for a RequestHeader", raw([0, 0, 0, 2, 0, 0])],
        ["a length above jute.maxbuffer (0xfffff)", raw([0, 0x10, 0, 0])],
        ["a negative length", raw([0xff, 0xff, 0xff, 0xf0])],
        ["an auth packet with a garbage body", raw([0, 0, 0, 12, 0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 100, 0x7f, 0xff, 0xff, 0xff])]
      ]
      for (const [what, bytes] of silent) {
        const s = await wire.connect()
        s.socket.send(bytes)
        const outcome = await s.socket.next().then(
          (frame) => `a frame of ${frame.length} bytes`,
          () => "closed"
        )
        expect({ what, outcome }).toEqual({ what, outcome: "closed" })
        expect((await s.socket.closed()).gotEnd).toBe(true)
      }

      // An auth scheme the server does not know: AuthFailed (-115), zxid 0, then closed.
      const scheme = await wire.connect()
      scheme.socket.send(R.encodeRequest("auth", R.Xid.auth, { type: 0, scheme: "no-such-scheme", auth: utf8("x") }))
      const failed = await scheme.next()
      expect(failed.header).toEqual({ xid: R.Xid.auth, zxid: 0n, err: Err.authFailed })
      expect(failed.bodyLength).toBe(0)
      expect((await scheme.socket.closed()).gotEnd).toBe(true)

      // Handshakes the server refuses without a ConnectResponse: one it cannot parse, and one
      // from a client that has seen a zxid the server has not (it would go back in time).
      const handshakes: ReadonlyArray<readonly [string, Uint8Array]> = [
        ["a garbage ConnectRequest", raw([0, 0, 0, 4, 1, 2, 3, 4])],
        [
          "lastZxidSeen ahead of the server",
          R.encodeConnectRequest({
            protocolVersion: 0,
            lastZxidSeen: 1n << 40n,
            timeOut: 10_000,
            sessionId: 0n,
            passwd: new Uint8Array(16),
            readOnly: false
          })
        ]
      ]
      for (const [what, bytes] of handshakes) {
        const socket = await wire.open()
        socket.send(bytes)
        const outcome = await socket.next().then(
          (frame) => `a frame of ${frame.length} bytes`,
          () => "closed"
        )
        expect({ what, outcome }).toEqual({ what, outcome: "closed" })
      }
    }))

  it.effect("the helper's waits are bounded: next() rejects when nothing comes", () =>
    wired(async (wire) => {
      const s = await wire.connect()
      const started = Date.now()
      await expect(s.socket.next(200)).rejects.toThrow("no frame within 200 ms")
      expect(Date.now() - started).toBeLessThan(WAIT_MS)
      expect(s.socket.pending).toBe(0)
      const socket = await WireSocket.open(wire.address)
      socket.destroy()
      await expect(socket.closed()).resolves.toMatchObject({ error: undefined })
    }))
})
