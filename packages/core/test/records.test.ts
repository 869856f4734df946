import { describe, expect, it } from "@effect/vitest"
import { ProtocolError } from "@effect-zk/core/ZooKeeperError"
import fc from "fast-check"
import { JuteReader, JuteWriter } from "../src/internal/jute.js"
import * as R from "../src/internal/records.js"
import { anyReply, anyRequest, multiRequest, multiResponse, recordArbitraries, recordsOf } from "./recordArbitraries.js"

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
const fromHex = (h: string): Uint8Array => new Uint8Array((h.match(/../g) ?? []).map((x) => Number.parseInt(x, 16)))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

const codecOf = (name: R.RecordName): R.RecordCodec<unknown> => R.records[name] as unknown as R.RecordCodec<unknown>
const encodeRecord = (name: R.RecordName, v: unknown): Uint8Array => {
  const w = new JuteWriter(8)
  codecOf(name).encode(w, v)
  return w.bytes().slice()
}
const decodeRecord = (name: R.RecordName, bytes: Uint8Array): unknown => {
  const r = new JuteReader(bytes)
  const v = codecOf(name).decode(r)
  r.expectEnd(name)
  return v
}
/** The frame without its 4-byte length prefix, after checking the prefix. */
const body = (frame: Uint8Array): Uint8Array => {
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.length - 4)
  return frame.subarray(4)
}
const ok = <A>(v: A | ProtocolError): A => {
  if (v instanceof ProtocolError) throw new Error(`unexpected ProtocolError: ${v.reason}`)
  return v
}
const err = (v: unknown): ProtocolError => {
  expect(v).toBeInstanceOf(ProtocolError)
  return v as ProtocolError
}

// Produced once with ZooKeeper 3.8.0's own serializer (BinaryOutputArchive over the record
// classes in /usr/share/java/zookeeper-jute.jar and MultiOperationRecord/MultiResponse from
// zookeeper.jar): a small Java program built each record below and printed its bytes in hex
// (`java -cp zookeeper.jar:zookeeper-jute.jar:slf4j-api.jar Golden.java`). Requests are
// RequestHeader + body, replies ReplyHeader + body; the handshake records are followed by the
// readOnly flag as ClientCnxn/ServerCnxn write it.
const golden = {
  ConnectRequest: "000000000000000000001234000075300000000000000000000000100000000000000000000000000000000001",
  ConnectResponse: "0000000000009c400100000abcdef012000000100102030405060708090a0b0c0d0e0f1000",
  ConnectResponseOld: "0000000000000fa0fffffffffffffffb000000020908",
  create: "0000000100000001000000102f6170702fc3a9e282ace697a5e69cac0000000568656c6c6f000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d00000003",
  createTTL: "0000000200000015000000042f74746cffffffff000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d00000005000000000000ea60",
  setData: "0000000300000005000000022f61ffffffffffffffff",
  getData: "0000000400000004000000042f612f6201",
  exists: "0000000500000003000000022f6100",
  delete: "0000000600000002000000022f610000000c",
  setACL: "0000000700000007000000022f61000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d00000004",
  reconfig: "0000000800000010ffffffff0000000133000000147365727665722e313d683a323838383a33383838ffffffffffffffff",
  auth: "fffffffc00000064000000000000000664696765737400000003753a70",
  setWatches2: "fffffff800000069000000000000001000000002000000032f6431000000032f64320000000000000001000000022f6300000001000000022f7000000002000000032f7231000000032f7232",
  removeWatches: "0000000900000012000000022f7700000003",
  addWatch: "0000000a0000006a000000022f7700000001",
  getEphemerals: "0000000b00000067000000022f65",
  ping: "fffffffe0000000b",
  multi: "0000000c0000000e0000000100ffffffff000000032f6d310000000568656c6c6f000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d000000000000001300ffffffff000000032f6d32ffffffff000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d000000040000001500ffffffff000000032f6d330000000568656c6c6f000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d0000000500000000000003e80000000200ffffffff000000032f6d34000000030000000500ffffffff000000032f6d350000000568656c6c6fffffffff0000000d00ffffffff000000032f6d3600000009ffffffff01ffffffff",
  multiRead: "0000000d000000160000000800ffffffff000000022f72000000000400ffffffff000000022f7300ffffffff01ffffffff",
  replyGetData: "000000040000000000000055000000000000000568656c6c6f0102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff00000001",
  replyGetDataNull: "00000004000000000000005500000000ffffffff0102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff00000001",
  replyError: "000000040000000000000056ffffff9b",
  replyCreate2: "000000010000000000000001000000000000000e2f736571303030303030303030310102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff00000001",
  replyGetACL: "00000002000000000000000200000000000000020000001f00000005776f726c6400000006616e796f6e6500000001000000066469676573740000000b757365723a782f395a2b3d0102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff00000001",
  replyGetChildren2: "0000000300000000000000030000000000000003000000016100000002c3bc000000000102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff00000001",
  replyWhoAmI: "0000000500000000000000050000000000000002000000026970000000093132372e302e302e31000000066469676573740000000175",
  replyAddWatch: "0000000600000000000000060000000000000000",
  replySasl: "00000007000000000000000700000000ffffffff",
  notification: "ffffffffffffffffffffffff000000000000000400000003000000042f612f62",
  replyMulti: "0000000c000000000000000c00000000000000010000000000000000032f6d310000000f0000000000000000032f6d320102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff000000010000000200000000000000000500000000000102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff000000010000000d00000000000000000400000000000000000568656c6c6f0102030405060708fffffffffffffffe0000018bcfe5687b800000000000000000000007ffffffff7fffffff7fffffffffffffff00000400000000037fffffff000000010000000800000000000000000200000001780000000179ffffffff00ffffff9bffffff9bffffffff01ffffffff",
  cesu8: "0000000200000006eda0bdedb8800000000861eda0b4edb49e62",
} as const

const stat: R.Stat = {
  czxid: 0x0102030405060708n,
  mzxid: -2n,
  ctime: 1700000000123n,
  mtime: -(2n ** 63n),
  version: 7,
  cversion: -1,
  aversion: 2147483647,
  ephemeralOwner: 2n ** 63n - 1n,
  dataLength: 1024,
  numChildren: 3,
  pzxid: 0x7fffffff00000001n
}
const acl: R.ACL[] = [
  { perms: 31, id: { scheme: "world", id: "anyone" } },
  { perms: 1, id: { scheme: "digest", id: "user:x/9Z+=" } }
]
const hello = utf8("hello")

describe("golden bytes: ZooKeeper 3.8's Java serializer", () => {
  it("encodes requests exactly as ZooKeeper does", () => {
    const cases: ReadonlyArray<readonly [keyof typeof golden, Uint8Array]> = [
      ["create", R.encodeRequest("create", 1, { path: "/app/é€日本", data: hello, acl, flags: R.CreateFlags.EPHEMERAL_SEQUENTIAL })],
      ["createTTL", R.encodeRequest("createTTL", 2, { path: "/ttl", data: null, acl, flags: R.CreateFlags.PERSISTENT_WITH_TTL, ttl: 60000n })],
      ["setData", R.encodeRequest("setData", 3, { path: "/a", data: null, version: -1 })],
      ["getData", R.encodeRequest("getData", 4, { path: "/a/b", watch: true })],
      ["exists", R.encodeRequest("exists", 5, { path: "/a", watch: false })],
      ["delete", R.encodeRequest("delete", 6, { path: "/a", version: 12 })],
      ["setACL", R.encodeRequest("setACL", 7, { path: "/a", acl, version: 4 })],
      ["reconfig", R.encodeRequest("reconfig", 8, { joiningServers: null, leavingServers: "3", newMembers: "server.1=h:2888:3888", curConfigId: -1n })],
      ["auth", R.encodeRequest("auth", R.Xid.auth, { type: 0, scheme: "digest", auth: utf8("u:p") })],
      [
        "setWatches2",
        R.encodeRequest("setWatches2", R.Xid.setWatches, {
          relativeZxid: 0x10n,
          dataWatches: ["/d1", "/d2"],
          existWatches: [],
          childWatches: ["/c"],
          persistentWatches: ["/p"],
          persistentRecursiveWatches: ["/r1", "/r2"]
        })
      ],
      ["removeWatches", R.encodeRequest("removeWatches", 9, { path: "/w", type: R.WatcherType.Any })],
      ["addWatch", R.encodeRequest("addWatch", 10, { path: "/w", mode: R.AddWatchMode.PERSISTENT_RECURSIVE })],
      ["getEphemerals", R.encodeRequest("getEphemerals", 11, { prefixPath: "/e" })],
      ["ping", R.encodeRequest("ping", R.Xid.ping, {})],
      [
        "multi",
        R.encodeRequest("multi", 12, {
          ops: [
            { op: "create", request: { path: "/m1", data: hello, acl, flags: R.CreateFlags.PERSISTENT } },
            { op: "createContainer", request: { path: "/m2", data: null, acl, flags: R.CreateFlags.CONTAINER } },
            { op: "createTTL", request: { path: "/m3", data: hello, acl, flags: R.CreateFlags.PERSISTENT_WITH_TTL, ttl: 1000n } },
            { op: "delete", request: { path: "/m4", version: 3 } },
            { op: "setData", request: { path: "/m5", data: hello, version: -1 } },
            { op: "check", request: { path: "/m6", version: 9 } }
          ]
        })
      ],
      [
        "multiRead",
        R.encodeRequest("multiRead", 13, {
          ops: [
            { op: "getChildren", request: { path: "/r" } },
            { op: "getData", request: { path: "/s" } }
          ]
        })
      ],
      [
        "ConnectRequest",
        R.encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: 0x1234n,
          timeOut: 30000,
          sessionId: 0n,
          passwd: new Uint8Array(16),
          readOnly: true
        })
      ]
    ]
    for (const [name, frame] of cases) expect([name, hex(body(frame))]).toEqual([name, golden[name]])
  })

  it("decodes ZooKeeper's replies, and encodes them back to the same bytes", () => {
    const replies = [
      ["replyGetData", "getData", { data: hello, stat }],
      ["replyGetDataNull", "getData", { data: null, stat }],
      ["replyCreate2", "create2", { path: "/seq0000000001", stat }],
      ["replyGetACL", "getACL", { acl, stat }],
      ["replyGetChildren2", "getChildren2", { children: ["a", "ü", ""], stat }],
      [
        "replyWhoAmI",
        "whoAmI",
        {
          clientInfo: [
            { authScheme: "ip", user: "127.0.0.1" },
            { authScheme: "digest", user: "u" }
          ]
        }
      ],
      ["replyAddWatch", "addWatch", {}],
      ["replySasl", "sasl", { token: null }],
      [
        "replyMulti",
        "multi",
        {
          results: [
            { op: "create", path: "/m1" },
            { op: "create2", path: "/m2", stat },
            { op: "delete" },
            { op: "setData", stat },
            { op: "check" },
            { op: "getData", data: hello, stat },
            { op: "getChildren", children: ["x", "y"] },
            { op: "error", err: -101 }
          ]
        }
      ]
    ] as const
    for (const [name, op, expected] of replies) {
      const frame = fromHex(golden[name])
      const header = ok(R.decodeReplyHeader(frame))
      expect(header.err).toBe(0)
      expect(ok(R.decodeResponse(op, frame, R.REPLY_HEADER_LENGTH))).toEqual(expected)
      expect([name, hex(body(R.encodeReply(op, header, ok(R.decodeResponse(op, frame, 16)))))]).toEqual([name, golden[name]])
    }
  })

  it("decodes an error reply header and a notification", () => {
    expect(R.decodeReplyHeader(fromHex(golden.replyError))).toEqual({ xid: 4, zxid: 0x56n, err: -101 })
    const note = fromHex(golden.notification)
    expect(R.decodeReplyHeader(note)).toEqual({ xid: R.Xid.notification, zxid: -1n, err: 0 })
    const event = { type: R.EventType.NodeChildrenChanged, state: R.KeeperStateCode.SyncConnected, path: "/a/b" }
    expect(R.decodeWatcherEvent(note, R.REPLY_HEADER_LENGTH)).toEqual(event)
    expect(hex(body(R.encodeNotification(event)))).toBe(golden.notification)
  })

  it("handshake replies, with and without the readOnly flag (pre-3.4 servers)", () => {
    const passwd = new Uint8Array(Array.from({ length: 16 }, (_, i) => i + 1))
    const resp = { protocolVersion: 0, timeOut: 40000, sessionId: 0x0100000abcdef012n, passwd, readOnly: false }
    expect(R.decodeConnectResponse(fromHex(golden.ConnectResponse))).toEqual(resp)
    expect(hex(body(R.encodeConnectResponse(resp)))).toBe(golden.ConnectResponse)
    expect(R.decodeConnectResponse(fromHex(golden.ConnectResponseOld))).toEqual({
      protocolVersion: 0,
      timeOut: 4000,
      sessionId: -5n,
      passwd: new Uint8Array([9, 8]),
      readOnly: false
    })
    const withRo = fromHex(golden.ConnectResponse)
    withRo[withRo.length - 1] = 1
    expect(ok(R.decodeConnectResponse(withRo)).readOnly).toBe(true)
    expect(R.decodeConnectRequest(fromHex(golden.ConnectRequest))).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0x1234n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
      readOnly: true
    })
  })

  it("decodes the CESU-8 ZooKeeper writes for characters outside the BMP; writes standard UTF-8", () => {
    expect(decodeRecord("GetChildrenResponse", fromHex(golden.cesu8))).toEqual({ children: ["😀", "a\u{1d11e}b"] })
    // ZooKeeper reads strings with a standard UTF-8 decoder, so standard UTF-8 is what we send.
    expect(hex(encodeRecord("PathRequest", { path: "😀" }))).toBe("00000004f09f9880")
  })

  it("server reports createContainer/createTTL multi results as create2 (opcode 15)", () => {
    // golden.replyMulti's second result came from CreateResult(path, stat), which ZooKeeper's
    // FinalRequestProcessor builds for create2, createContainer and createTTL alike.
    expect(golden.replyMulti).toContain("0000000f00000000002f6d32".slice(0, 10))
    const results = ok(R.decodeResponse("multi", fromHex(golden.replyMulti), 16)).results
    expect(results[1]?.op).toBe("create2")
  })
})

describe("tables", () => {
  it("OpCode, Xid and flags match ZooKeeper 3.8", () => {
    expect(R.OpCode).toMatchObject({ create: 1, delete: 2, exists: 3, getData: 4, setData: 5, getACL: 6, setACL: 7 })
    expect(R.OpCode).toMatchObject({ getChildren: 8, sync: 9, ping: 11, getChildren2: 12, check: 13, multi: 14 })
    expect(R.OpCode).toMatchObject({ create2: 15, reconfig: 16, checkWatches: 17, removeWatches: 18, createContainer: 19 })
    expect(R.OpCode).toMatchObject({ deleteContainer: 20, createTTL: 21, multiRead: 22, auth: 100, setWatches: 101 })
    expect(R.OpCode).toMatchObject({ sasl: 102, getEphemerals: 103, getAllChildrenNumber: 104, setWatches2: 105 })
    expect(R.OpCode).toMatchObject({ addWatch: 106, whoAmI: 107, createSession: -10, closeSession: -11, error: -1 })
    expect(R.Xid).toEqual({ notification: -1, ping: -2, auth: -4, setWatches: -8 })
    expect(Object.values(R.CreateFlags)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it("every operation names its opcode and the records of its request and reply", () => {
    expect(R.opNames).toHaveLength(30)
    for (const op of R.opNames) {
      const operation = R.operations[op]
      expect(operation.code).toBe(R.OpCode[op])
      expect(R.opNameOf(operation.code)).toBe(op)
      const [request, response] = recordsOf(op)
      expect([op, operation.request]).toEqual([op, R.records[request]])
      expect([op, operation.response]).toEqual([op, R.records[response]])
    }
    expect(R.opNameOf(R.OpCode.createSession)).toBeUndefined()
  })
})

describe("round trips: decode(encode(x)) = x", () => {
  const names = Object.keys(R.records) as R.RecordName[]

  it.each(names)("record %s", (name) => {
    fc.assert(
      fc.property(recordArbitraries[name] as fc.Arbitrary<unknown>, (v) => {
        const bytes = encodeRecord(name, v)
        expect(decodeRecord(name, bytes)).toEqual(v)
        // deterministic, and independent of what the writer held before
        expect(encodeRecord(name, v)).toEqual(bytes)
        const w = new JuteWriter(4).int(7)
        codecOf(name).encode(w, v)
        expect(w.bytes().subarray(4)).toEqual(bytes)
      }),
      { numRuns: 150 }
    )
  })

  it("every request frame, through decodeRequest", () => {
    fc.assert(
      fc.property(anyRequest, ({ op, xid, body: b }) => {
        const frame = R.encodeRequest(op, xid, b)
        expect(R.decodeRequest(body(frame))).toEqual({ xid, op, body: b })
        expect(R.encodeRequest(op, xid, b)).toEqual(frame)
      }),
      { numRuns: 1500 }
    )
  })

  it("every reply frame, through decodeReplyHeader and decodeResponse", () => {
    fc.assert(
      fc.property(anyReply, ({ op, header, body: b }) => {
        const frame = body(R.encodeReply(op, header, b))
        expect(R.decodeReplyHeader(frame)).toEqual(header)
        expect(R.decodeResponse(op, frame, R.REPLY_HEADER_LENGTH)).toEqual(b)
      }),
      { numRuns: 1500 }
    )
  })

  it("multi with every op kind and every result kind", () => {
    fc.assert(
      fc.property(multiRequest, multiResponse, (req, resp) => {
        expect(R.decodeRequest(body(R.encodeRequest("multi", 1, req)))).toEqual({ xid: 1, op: "multi", body: req })
        expect(R.decodeResponse("multi", body(R.encodeReply("multi", { xid: 1, zxid: 2n, err: 0 }, resp)), 16)).toEqual(resp)
      }),
      { numRuns: 500 }
    )
  })

  it("the handshake both ways", () => {
    fc.assert(
      fc.property(recordArbitraries.ConnectRequest, recordArbitraries.ConnectResponse, (req, resp) => {
        expect(R.decodeConnectRequest(body(R.encodeConnectRequest(req)))).toEqual(req)
        expect(R.decodeConnectResponse(body(R.encodeConnectResponse(resp)))).toEqual(resp)
      })
    )
  })

  it("writeRequest coalesces frames into one writer", () => {
    const w = new JuteWriter(16)
    R.writeRequest(w, "getData", 1, { path: "/a", watch: true })
    R.writeRequest(w, "ping", R.Xid.ping, {})
    expect(w.bytes()).toEqual(
      new Uint8Array([...R.encodeRequest("getData", 1, { path: "/a", watch: true }), ...R.encodeRequest("ping", -2, {})])
    )
  })

  it("encodeRequest returns a fresh copy each time", () => {
    const a = R.encodeRequest("sync", 1, { path: "/a" })
    const b = R.encodeRequest("sync", 2, { path: "/b" })
    expect(a.buffer).not.toBe(b.buffer)
    expect(ok(R.decodeRequest(a.subarray(4)))).toEqual({ xid: 1, op: "sync", body: { path: "/a" } })
    // a huge frame does not leave a huge scratch buffer behind, and encoding still works
    const big = R.encodeRequest("setData", 3, { path: "/big", data: new Uint8Array(1 << 20), version: -1 })
    expect(big.length).toBe(4 + 8 + 8 + 4 + (1 << 20) + 4)
    expect(R.encodeRequest("sync", 1, { path: "/a" })).toEqual(a)
  })

  it("getData data is a view of the frame, not a copy", () => {
    const frame = body(R.encodeReply("getData", { xid: 1, zxid: 1n, err: 0 }, { data: hello, stat }))
    const data = ok(R.decodeResponse("getData", frame, 16)).data!
    expect(data.buffer).toBe(frame.buffer)
    expect(data.byteOffset).toBe(frame.byteOffset + 20)
  })
})

describe("malformed replies give ProtocolError", () => {
  const reply = <K extends R.OpName>(op: K, b: R.Responses[K]): Uint8Array => body(R.encodeReply(op, { xid: 1, zxid: 1n, err: 0 }, b))

  it("decodeReplyHeader: frames shorter than 16 bytes", () => {
    for (let n = 0; n < 16; n++) expect(err(R.decodeReplyHeader(new Uint8Array(n))).reason).toMatch(/shorter than a ReplyHeader/)
    expect(R.decodeReplyHeader(new Uint8Array(16))).toEqual({ xid: 0, zxid: 0n, err: 0 })
  })

  it("decodeResponse: every truncation of a valid reply", () => {
    const frame = reply("getChildren2", { children: ["a", "bb", "é"], stat })
    for (let n = 16; n < frame.length; n++) {
      const e = err(R.decodeResponse("getChildren2", frame.subarray(0, n), 16))
      expect(e.op).toBe("getChildren2")
      expect(e.reason).toMatch(/truncated|exceeds/)
    }
  })

  it("decodeResponse: trailing bytes", () => {
    const frame = reply("exists", { stat })
    const longer = new Uint8Array(frame.length + 1)
    longer.set(frame)
    expect(err(R.decodeResponse("exists", longer, 16)).reason).toMatch(/1 trailing bytes after the exists reply/)
    expect(err(R.decodeResponse("delete", new Uint8Array(17), 16)).reason).toMatch(/trailing/)
    expect(err(R.decodeWatcherEvent(new Uint8Array(30), 16)).reason).toMatch(/trailing|exceeds/)
  })

  it("decodeResponse: negative vector length other than -1", () => {
    const frame = reply("getChildren", { children: [] })
    new DataView(frame.buffer, frame.byteOffset).setInt32(16, -2)
    expect(err(R.decodeResponse("getChildren", frame, 16)).reason).toMatch(/negative vector length -2/)
    // -1 (null) is a legal jute vector; a list field decodes it as empty
    new DataView(frame.buffer, frame.byteOffset).setInt32(16, -1)
    expect(R.decodeResponse("getChildren", frame, 16)).toEqual({ children: [] })
  })

  it("decodeResponse: forged lengths fail fast", () => {
    const frame = new Uint8Array(20)
    new DataView(frame.buffer).setInt32(16, 0x7fffffff)
    expect(err(R.decodeResponse("getData", frame, 16)).reason).toMatch(/buffer length 2147483647/)
    expect(err(R.decodeResponse("getChildren", frame, 16)).reason).toMatch(/vector length 2147483647/)
    expect(err(R.decodeResponse("create", frame, 16)).reason).toMatch(/string length 2147483647/)
  })

  it("decodeResponse: null where a string is required; an offset outside the frame", () => {
    const frame = new Uint8Array(20)
    new DataView(frame.buffer).setInt32(16, -1)
    expect(err(R.decodeResponse("create", frame, 16)).reason).toMatch(/null string/)
    expect(err(R.decodeResponse("ping", frame, 21)).reason).toMatch(/offset 21/)
  })

  it("unknown opcodes inside multi, and unknown request opcodes", () => {
    const w = new JuteWriter().int(R.OpCode.getACL).bool(false).int(0)
    expect(err(R.decodeResponse("multi", w.bytes(), 0)).reason).toMatch(/opcode 6 cannot appear in a multi reply/)
    const req = new JuteWriter().int(1).int(R.OpCode.multi).int(R.OpCode.exists).bool(false).int(-1)
    expect(err(R.decodeRequest(req.bytes())).reason).toMatch(/opcode 3 cannot appear in a multi request/)
    expect(err(R.decodeRequest(new JuteWriter().int(1).int(999).bytes())).reason).toMatch(/unknown request opcode 999/)
  })

  it("addWatch accepts the ErrorResponse(0) body 3.6+ servers send, or none", () => {
    expect(R.decodeResponse("addWatch", new Uint8Array(20), 16)).toEqual({})
    expect(R.decodeResponse("addWatch", new Uint8Array(16), 16)).toEqual({})
    expect(R.decodeResponse("addWatch", new Uint8Array(18), 16)).toBeInstanceOf(ProtocolError)
  })

  it("ConnectResponse: truncated and trailing", () => {
    const frame = body(
      R.encodeConnectResponse({ protocolVersion: 0, timeOut: 1, sessionId: 1n, passwd: new Uint8Array(16), readOnly: true })
    )
    for (let n = 0; n < frame.length - 1; n++) expect(R.decodeConnectResponse(frame.subarray(0, n))).toBeInstanceOf(ProtocolError)
    const longer = new Uint8Array(frame.length + 1)
    longer.set(frame)
    expect(err(R.decodeConnectResponse(longer)).reason).toMatch(/trailing/)
  })
})
