// fast-check arbitraries for every ZooKeeper record and every operation's request and reply,
// shared by records.test.ts and fuzz.test.ts.
import fc from "fast-check"
import * as R from "../src/internal/records.js"

export const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff })
export const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, -1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 63n - 1n, -(2n ** 63n))
)
/** Well-formed strings: ASCII paths, BMP text, astral characters, a leading BOM. */
export const text = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary-ascii", minLength: 60, maxLength: 90 }),
  fc.constantFrom("", "/", "/zookeeper/quota", "\ufeffbom", "é€日本", "😀", "a\u{1d11e}b", "\u0000nul")
)
export const bytes = fc.uint8Array({ maxLength: 48 })
export const nullableBytes = fc.option(bytes, { nil: null })
export const nullableText = fc.option(text, { nil: null })
export const strings = fc.array(text, { maxLength: 5 })

export const id = fc.record({ scheme: text, id: text })
export const acl = fc.record({ perms: int32, id })
export const acls = fc.array(acl, { maxLength: 4 })
export const stat: fc.Arbitrary<R.Stat> = fc.record({
  czxid: int64,
  mzxid: int64,
  ctime: int64,
  mtime: int64,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: int64,
  dataLength: int32,
  numChildren: int32,
  pzxid: int64
})

const createRequest: fc.Arbitrary<R.CreateRequest> = fc.record({ path: text, data: nullableBytes, acl: acls, flags: int32 })
const createTTLRequest: fc.Arbitrary<R.CreateTTLRequest> = fc.record({
  path: text,
  data: nullableBytes,
  acl: acls,
  flags: int32,
  ttl: int64
})
const deleteRequest = fc.record({ path: text, version: int32 })
const pathRequest = fc.record({ path: text })
const pathWatchRequest = fc.record({ path: text, watch: fc.boolean() })
const setDataRequest = fc.record({ path: text, data: nullableBytes, version: int32 })
const setACLRequest = fc.record({ path: text, acl: acls, version: int32 })
const watchesRequest = fc.record({ path: text, type: int32 })
const setWatches: fc.Arbitrary<R.SetWatches> = fc.record({
  relativeZxid: int64,
  dataWatches: strings,
  existWatches: strings,
  childWatches: strings
})
const setWatches2: fc.Arbitrary<R.SetWatches2> = fc.record({
  relativeZxid: int64,
  dataWatches: strings,
  existWatches: strings,
  childWatches: strings,
  persistentWatches: strings,
  persistentRecursiveWatches: strings
})

/** Every kind of multi/multiRead operation. */
export const multiOp: fc.Arbitrary<R.MultiOp> = fc.oneof(
  fc.record({ op: fc.constantFrom("create" as const, "create2" as const, "createContainer" as const), request: createRequest }),
  fc.record({ op: fc.constant("createTTL" as const), request: createTTLRequest }),
  fc.record({ op: fc.constant("delete" as const), request: deleteRequest }),
  fc.record({ op: fc.constant("setData" as const), request: setDataRequest }),
  fc.record({ op: fc.constant("check" as const), request: deleteRequest }),
  fc.record({ op: fc.constantFrom("getChildren" as const, "getData" as const), request: pathRequest })
)
export const multiRequest: fc.Arbitrary<R.MultiRequest> = fc.record({ ops: fc.array(multiOp, { maxLength: 8 }) })

/** Every kind of multi result, ErrorResult included. */
export const multiResult: fc.Arbitrary<R.MultiResult> = fc.oneof(
  fc.record({ op: fc.constant("create" as const), path: text }),
  fc.record({ op: fc.constant("create2" as const), path: text, stat }),
  fc.record({ op: fc.constantFrom("delete" as const, "check" as const) }),
  fc.record({ op: fc.constant("setData" as const), stat }),
  fc.record({ op: fc.constant("getData" as const), data: nullableBytes, stat }),
  fc.record({ op: fc.constant("getChildren" as const), children: fc.array(text, { maxLength: 4 }) }),
  fc.record({ op: fc.constant("error" as const), err: int32 })
)
export const multiResponse: fc.Arbitrary<R.MultiResponse> = fc.record({ results: fc.array(multiResult, { maxLength: 8 }) })

const empty: fc.Arbitrary<R.EmptyRecord> = fc.constant({})
const pathResponse = fc.record({ path: text })
const create2Response = fc.record({ path: text, stat })
const statResponse = fc.record({ stat })
const getDataResponse = fc.record({ data: nullableBytes, stat })

/** One arbitrary per entry of `records`. */
export const recordArbitraries: { readonly [K in R.RecordName]: fc.Arbitrary<R.RecordType<K>> } = {
  Id: id,
  ACL: acl,
  Stat: stat,
  ClientInfo: fc.record({ authScheme: text, user: text }),
  RequestHeader: fc.record({ xid: int32, type: int32 }),
  ReplyHeader: fc.record({ xid: int32, zxid: int64, err: int32 }),
  MultiHeader: fc.record({ type: int32, done: fc.boolean(), err: int32 }),
  ConnectRequest: fc.record({
    protocolVersion: int32,
    lastZxidSeen: int64,
    timeOut: int32,
    sessionId: int64,
    passwd: bytes,
    readOnly: fc.boolean()
  }),
  ConnectResponse: fc.record({ protocolVersion: int32, timeOut: int32, sessionId: int64, passwd: bytes, readOnly: fc.boolean() }),
  WatcherEvent: fc.record({ type: int32, state: int32, path: text }),
  EmptyRecord: empty,
  ErrorResponse: fc.record({ err: int32 }),
  CreateRequest: createRequest,
  CreateTTLRequest: createTTLRequest,
  DeleteRequest: deleteRequest,
  PathRequest: pathRequest,
  PathWatchRequest: pathWatchRequest,
  SetDataRequest: setDataRequest,
  SetACLRequest: setACLRequest,
  CheckVersionRequest: deleteRequest,
  ReconfigRequest: fc.record({
    joiningServers: nullableText,
    leavingServers: nullableText,
    newMembers: nullableText,
    curConfigId: int64
  }),
  WatchesRequest: watchesRequest,
  AuthPacket: fc.record({ type: int32, scheme: text, auth: bytes }),
  SetWatches: setWatches,
  SetWatches2: setWatches2,
  SaslRequest: fc.record({ token: bytes }),
  GetEphemeralsRequest: fc.record({ prefixPath: text }),
  AddWatchRequest: fc.record({ path: text, mode: int32 }),
  MultiRequest: multiRequest,
  PathResponse: pathResponse,
  Create2Response: create2Response,
  StatResponse: statResponse,
  GetDataResponse: getDataResponse,
  GetACLResponse: fc.record({ acl: acls, stat }),
  GetChildrenResponse: fc.record({ children: strings }),
  GetChildren2Response: fc.record({ children: strings, stat }),
  SaslResponse: fc.record({ token: nullableBytes }),
  GetEphemeralsResponse: fc.record({ ephemerals: strings }),
  GetAllChildrenNumberResponse: fc.record({ totalNumber: int32 }),
  WhoAmIResponse: fc.record({ clientInfo: fc.array(fc.record({ authScheme: text, user: text }), { maxLength: 4 }) }),
  AddWatchResponse: empty,
  MultiResponse: multiResponse
}

/** The record name of each operation's request and reply, as `operations` pairs them. */
const opRecords: { readonly [K in R.OpName]: readonly [R.RecordName, R.RecordName] } = {
  create: ["CreateRequest", "PathResponse"],
  create2: ["CreateRequest", "Create2Response"],
  createContainer: ["CreateRequest", "Create2Response"],
  createTTL: ["CreateTTLRequest", "Create2Response"],
  delete: ["DeleteRequest", "EmptyRecord"],
  deleteContainer: ["PathRequest", "EmptyRecord"],
  exists: ["PathWatchRequest", "StatResponse"],
  getData: ["PathWatchRequest", "GetDataResponse"],
  setData: ["SetDataRequest", "StatResponse"],
  getACL: ["PathRequest", "GetACLResponse"],
  setACL: ["SetACLRequest", "StatResponse"],
  getChildren: ["PathWatchRequest", "GetChildrenResponse"],
  getChildren2: ["PathWatchRequest", "GetChildren2Response"],
  sync: ["PathRequest", "PathResponse"],
  ping: ["EmptyRecord", "EmptyRecord"],
  check: ["CheckVersionRequest", "EmptyRecord"],
  multi: ["MultiRequest", "MultiResponse"],
  multiRead: ["MultiRequest", "MultiResponse"],
  reconfig: ["ReconfigRequest", "GetDataResponse"],
  checkWatches: ["WatchesRequest", "EmptyRecord"],
  removeWatches: ["WatchesRequest", "EmptyRecord"],
  auth: ["AuthPacket", "EmptyRecord"],
  setWatches: ["SetWatches", "EmptyRecord"],
  setWatches2: ["SetWatches2", "EmptyRecord"],
  sasl: ["SaslRequest", "SaslResponse"],
  getEphemerals: ["GetEphemeralsRequest", "GetEphemeralsResponse"],
  getAllChildrenNumber: ["PathRequest", "GetAllChildrenNumberResponse"],
  addWatch: ["AddWatchRequest", "AddWatchResponse"],
  whoAmI: ["EmptyRecord", "WhoAmIResponse"],
  closeSession: ["EmptyRecord", "EmptyRecord"]
}

/** Which record in `records` each operation's request and reply use. */
export const recordsOf = (op: R.OpName): readonly [R.RecordName, R.RecordName] => opRecords[op]

/** An arbitrary request body for `op`. */
export const requestOf = <K extends R.OpName>(op: K): fc.Arbitrary<R.Requests[K]> =>
  recordArbitraries[opRecords[op][0]] as unknown as fc.Arbitrary<R.Requests[K]>

/** An arbitrary reply body for `op`. */
export const responseOf = <K extends R.OpName>(op: K): fc.Arbitrary<R.Responses[K]> =>
  recordArbitraries[opRecords[op][1]] as unknown as fc.Arbitrary<R.Responses[K]>

/** An operation with a request body. */
export const anyRequest: fc.Arbitrary<{ op: R.OpName; xid: number; body: R.Requests[R.OpName] }> = fc
  .constantFrom(...R.opNames)
  .chain((op) => fc.record({ op: fc.constant(op), xid: int32, body: requestOf(op) }))

/** An operation with a reply header and body. */
export const anyReply: fc.Arbitrary<{ op: R.OpName; header: R.ReplyHeader; body: R.Responses[R.OpName] }> = fc
  .constantFrom(...R.opNames)
  .chain((op) =>
    fc.record({
      op: fc.constant(op),
      header: fc.record({ xid: int32, zxid: int64, err: fc.constant(0) }),
      body: responseOf(op)
    })
  )
