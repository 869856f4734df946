/**
 * The codec of every ZooKeeper record, declared once: the `records` table holds one
 * `encode`/`decode` pair per record, side by side, fields in `zookeeper.jute` order; the
 * `operations` table maps each operation to its opcode and its request and reply records.
 * `records.ts` builds whole frames from these two tables and re-exports them.
 *
 * Decoders throw `JuteDecodeError` on malformed input (the frame functions in `records.ts`
 * turn it into a `ProtocolError`). A field typed as non-null that arrives as jute null (-1)
 * is malformed for strings and buffers; for lists it decodes as empty (ZooKeeper's Java code
 * treats null and empty lists alike).
 *
 * @since 0.1.0
 */
import { JuteDecodeError, type JuteReader as Reader, type JuteReader, type JuteWriter as Writer, type JuteWriter } from "./jute.js"
import type * as P from "./protocol.js"
import { OpCode } from "./protocol.js"

/**
 * How one record is written and read.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordCodec<T> {
  readonly encode: (w: JuteWriter, v: T) => void
  readonly decode: (r: JuteReader) => T
}

// ---------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------

const str = (r: Reader): string => {
  const s = r.ustring()
  if (s === null) throw new JuteDecodeError(`null string at offset ${r.offset - 4} where a value is required`)
  return s
}
const buf = (r: Reader): Uint8Array => {
  const b = r.buffer()
  if (b === null) throw new JuteDecodeError(`null buffer at offset ${r.offset - 4} where a value is required`)
  return b
}
const strings = (r: Reader): string[] => r.vector(str, 4) ?? []
const writeStr = (w: Writer, s: string): void => {
  w.ustring(s)
}
const writeStrings = (w: Writer, v: ReadonlyArray<string>): void => {
  w.vector(v, writeStr)
}

const EMPTY: P.EmptyRecord = Object.freeze({})

// ---------------------------------------------------------------------------------------------
// Records: one encode/decode pair each, fields in zookeeper.jute order
// ---------------------------------------------------------------------------------------------

const Id: RecordCodec<P.Id> = {
  encode: (w, v) => void w.ustring(v.scheme).ustring(v.id),
  decode: (r) => ({ scheme: str(r), id: str(r) })
}

const ACL: RecordCodec<P.ACL> = {
  encode: (w, v) => Id.encode(w.int(v.perms), v.id),
  decode: (r) => ({ perms: r.int(), id: Id.decode(r) })
}

const Stat: RecordCodec<P.Stat> = {
  encode: (w, v) =>
    void w.long(v.czxid).long(v.mzxid).long(v.ctime).long(v.mtime).int(v.version).int(v.cversion).int(v.aversion)
      .long(v.ephemeralOwner).int(v.dataLength).int(v.numChildren).long(v.pzxid),
  decode: (r) => ({
    czxid: r.long(),
    mzxid: r.long(),
    ctime: r.long(),
    mtime: r.long(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long()
  })
}

const ClientInfo: RecordCodec<P.ClientInfo> = {
  encode: (w, v) => void w.ustring(v.authScheme).ustring(v.user),
  decode: (r) => ({ authScheme: str(r), user: str(r) })
}

const writeAcl = ACL.encode
const acls = (r: Reader): P.ACL[] => r.vector(ACL.decode, 12) ?? []

const RequestHeader: RecordCodec<P.RequestHeader> = {
  encode: (w, v) => void w.int(v.xid).int(v.type),
  decode: (r) => ({ xid: r.int(), type: r.int() })
}

const ReplyHeader: RecordCodec<P.ReplyHeader> = {
  encode: (w, v) => void w.int(v.xid).long(v.zxid).int(v.err),
  decode: (r) => ({ xid: r.int(), zxid: r.long(), err: r.int() })
}

const MultiHeader: RecordCodec<P.MultiHeader> = {
  encode: (w, v) => void w.int(v.type).bool(v.done).int(v.err),
  decode: (r) => ({ type: r.int(), done: r.bool(), err: r.int() })
}

// The handshake: `readOnly` is written after the jute record (ClientCnxn / ServerCnxn), and
// old peers omit it, so it is read only when bytes remain.
const ConnectRequest: RecordCodec<P.ConnectRequest> = {
  encode: (w, v) =>
    void w.int(v.protocolVersion).long(v.lastZxidSeen).int(v.timeOut).long(v.sessionId).buffer(v.passwd).bool(v.readOnly),
  decode: (r) => ({
    protocolVersion: r.int(),
    lastZxidSeen: r.long(),
    timeOut: r.int(),
    sessionId: r.long(),
    passwd: buf(r),
    readOnly: r.remaining() > 0 ? r.bool() : false
  })
}

const ConnectResponse: RecordCodec<P.ConnectResponse> = {
  encode: (w, v) => void w.int(v.protocolVersion).int(v.timeOut).long(v.sessionId).buffer(v.passwd).bool(v.readOnly),
  decode: (r) => ({
    protocolVersion: r.int(),
    timeOut: r.int(),
    sessionId: r.long(),
    passwd: buf(r),
    readOnly: r.remaining() > 0 ? r.bool() : false
  })
}

const WatcherEvent: RecordCodec<P.WatcherEvent> = {
  encode: (w, v) => void w.int(v.type).int(v.state).ustring(v.path),
  // A null path (never sent by 3.4-3.9 servers) decodes as "" rather than failing the connection.
  decode: (r) => ({ type: r.int(), state: r.int(), path: r.ustring() ?? "" })
}

const EmptyRecord: RecordCodec<P.EmptyRecord> = {
  encode: () => {},
  decode: () => EMPTY
}

const ErrorResponse: RecordCodec<P.ErrorResponse> = {
  encode: (w, v) => void w.int(v.err),
  decode: (r) => ({ err: r.int() })
}

// --- requests --------------------------------------------------------------------------------

const CreateRequest: RecordCodec<P.CreateRequest> = {
  encode: (w, v) => void w.ustring(v.path).buffer(v.data).vector(v.acl, writeAcl).int(v.flags),
  decode: (r) => ({ path: str(r), data: r.buffer(), acl: acls(r), flags: r.int() })
}

const CreateTTLRequest: RecordCodec<P.CreateTTLRequest> = {
  encode: (w, v) => void w.ustring(v.path).buffer(v.data).vector(v.acl, writeAcl).int(v.flags).long(v.ttl),
  decode: (r) => ({ path: str(r), data: r.buffer(), acl: acls(r), flags: r.int(), ttl: r.long() })
}

const DeleteRequest: RecordCodec<P.DeleteRequest> = {
  encode: (w, v) => void w.ustring(v.path).int(v.version),
  decode: (r) => ({ path: str(r), version: r.int() })
}

const PathRequest: RecordCodec<P.PathRequest> = {
  encode: (w, v) => void w.ustring(v.path),
  decode: (r) => ({ path: str(r) })
}

const PathWatchRequest: RecordCodec<P.PathWatchRequest> = {
  encode: (w, v) => void w.ustring(v.path).bool(v.watch),
  decode: (r) => ({ path: str(r), watch: r.bool() })
}

const SetDataRequest: RecordCodec<P.SetDataRequest> = {
  encode: (w, v) => void w.ustring(v.path).buffer(v.data).int(v.version),
  decode: (r) => ({ path: str(r), data: r.buffer(), version: r.int() })
}

const SetACLRequest: RecordCodec<P.SetACLRequest> = {
  encode: (w, v) => void w.ustring(v.path).vector(v.acl, writeAcl).int(v.version),
  decode: (r) => ({ path: str(r), acl: acls(r), version: r.int() })
}

const CheckVersionRequest: RecordCodec<P.CheckVersionRequest> = {
  encode: (w, v) => void w.ustring(v.path).int(v.version),
  decode: (r) => ({ path: str(r), version: r.int() })
}

const ReconfigRequest: RecordCodec<P.ReconfigRequest> = {
  encode: (w, v) => void w.ustring(v.joiningServers).ustring(v.leavingServers).ustring(v.newMembers).long(v.curConfigId),
  decode: (r) => ({ joiningServers: r.ustring(), leavingServers: r.ustring(), newMembers: r.ustring(), curConfigId: r.long() })
}

const WatchesRequest: RecordCodec<P.WatchesRequest> = {
  encode: (w, v) => void w.ustring(v.path).int(v.type),
  decode: (r) => ({ path: str(r), type: r.int() })
}

const AuthPacket: RecordCodec<P.AuthPacket> = {
  encode: (w, v) => void w.int(v.type).ustring(v.scheme).buffer(v.auth),
  decode: (r) => ({ type: r.int(), scheme: str(r), auth: buf(r) })
}

const SetWatches: RecordCodec<P.SetWatches> = {
  encode: (w, v) => {
    w.long(v.relativeZxid)
    writeStrings(w, v.dataWatches)
    writeStrings(w, v.existWatches)
    writeStrings(w, v.childWatches)
  },
  decode: (r) => ({
    relativeZxid: r.long(),
    dataWatches: strings(r),
    existWatches: strings(r),
    childWatches: strings(r)
  })
}

const SetWatches2: RecordCodec<P.SetWatches2> = {
  encode: (w, v) => {
    w.long(v.relativeZxid)
    writeStrings(w, v.dataWatches)
    writeStrings(w, v.existWatches)
    writeStrings(w, v.childWatches)
    writeStrings(w, v.persistentWatches)
    writeStrings(w, v.persistentRecursiveWatches)
  },
  decode: (r) => ({
    relativeZxid: r.long(),
    dataWatches: strings(r),
    existWatches: strings(r),
    childWatches: strings(r),
    persistentWatches: strings(r),
    persistentRecursiveWatches: strings(r)
  })
}

const SaslRequest: RecordCodec<P.SaslRequest> = {
  encode: (w, v) => void w.buffer(v.token),
  decode: (r) => ({ token: buf(r) })
}

const GetEphemeralsRequest: RecordCodec<P.GetEphemeralsRequest> = {
  encode: (w, v) => void w.ustring(v.prefixPath),
  decode: (r) => ({ prefixPath: str(r) })
}

const AddWatchRequest: RecordCodec<P.AddWatchRequest> = {
  encode: (w, v) => void w.ustring(v.path).int(v.mode),
  decode: (r) => ({ path: str(r), mode: r.int() })
}

// MultiOperationRecord: each op is a MultiHeader {type, done: false, err: -1} and its request
// record; a MultiHeader {-1, true, -1} ends the list. Reads inside multiRead travel as
// GetChildrenRequest / GetDataRequest with watch = false.
const MultiRequest: RecordCodec<P.MultiRequest> = {
  encode: (w, v) => {
    const ops = v.ops
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as P.MultiOp
      w.int(OpCode[op.op]).bool(false).int(-1)
      switch (op.op) {
        case "create":
        case "create2":
        case "createContainer":
          CreateRequest.encode(w, op.request)
          break
        case "createTTL":
          CreateTTLRequest.encode(w, op.request)
          break
        case "delete":
          DeleteRequest.encode(w, op.request)
          break
        case "setData":
          SetDataRequest.encode(w, op.request)
          break
        case "check":
          CheckVersionRequest.encode(w, op.request)
          break
        case "getChildren":
        case "getData":
          w.ustring(op.request.path).bool(false)
          break
      }
    }
    w.int(-1).bool(true).int(-1)
  },
  decode: (r) => {
    const ops: P.MultiOp[] = []
    for (;;) {
      const type = r.int()
      if (r.bool()) break
      r.int()
      switch (type) {
        case OpCode.create:
          ops.push({ op: "create", request: CreateRequest.decode(r) })
          break
        case OpCode.create2:
          ops.push({ op: "create2", request: CreateRequest.decode(r) })
          break
        case OpCode.createContainer:
          ops.push({ op: "createContainer", request: CreateRequest.decode(r) })
          break
        case OpCode.createTTL:
          ops.push({ op: "createTTL", request: CreateTTLRequest.decode(r) })
          break
        case OpCode.delete:
          ops.push({ op: "delete", request: DeleteRequest.decode(r) })
          break
        case OpCode.setData:
          ops.push({ op: "setData", request: SetDataRequest.decode(r) })
          break
        case OpCode.check:
          ops.push({ op: "check", request: CheckVersionRequest.decode(r) })
          break
        case OpCode.getChildren:
          ops.push({ op: "getChildren", request: { path: PathWatchRequest.decode(r).path } })
          break
        case OpCode.getData:
          ops.push({ op: "getData", request: { path: PathWatchRequest.decode(r).path } })
          break
        default:
          throw new JuteDecodeError(`opcode ${type} cannot appear in a multi request (offset ${r.offset - 9})`)
      }
    }
    r.int()
    return { ops }
  }
}

// --- replies ---------------------------------------------------------------------------------

const PathResponse: RecordCodec<P.PathResponse> = PathRequest

const Create2Response: RecordCodec<P.Create2Response> = {
  encode: (w, v) => Stat.encode(w.ustring(v.path), v.stat),
  decode: (r) => ({ path: str(r), stat: Stat.decode(r) })
}

const StatResponse: RecordCodec<P.StatResponse> = {
  encode: (w, v) => Stat.encode(w, v.stat),
  decode: (r) => ({ stat: Stat.decode(r) })
}

const GetDataResponse: RecordCodec<P.GetDataResponse> = {
  encode: (w, v) => Stat.encode(w.buffer(v.data), v.stat),
  decode: (r) => ({ data: r.buffer(), stat: Stat.decode(r) })
}

const GetACLResponse: RecordCodec<P.GetACLResponse> = {
  encode: (w, v) => Stat.encode(w.vector(v.acl, writeAcl), v.stat),
  decode: (r) => ({ acl: acls(r), stat: Stat.decode(r) })
}

const GetChildrenResponse: RecordCodec<P.GetChildrenResponse> = {
  encode: (w, v) => writeStrings(w, v.children),
  decode: (r) => ({ children: strings(r) })
}

const GetChildren2Response: RecordCodec<P.GetChildren2Response> = {
  encode: (w, v) => Stat.encode(w.vector(v.children, writeStr), v.stat),
  decode: (r) => ({ children: strings(r), stat: Stat.decode(r) })
}

const SaslResponse: RecordCodec<P.SaslResponse> = {
  encode: (w, v) => void w.buffer(v.token),
  decode: (r) => ({ token: r.buffer() })
}

const GetEphemeralsResponse: RecordCodec<P.GetEphemeralsResponse> = {
  encode: (w, v) => writeStrings(w, v.ephemerals),
  decode: (r) => ({ ephemerals: strings(r) })
}

const GetAllChildrenNumberResponse: RecordCodec<P.GetAllChildrenNumberResponse> = {
  encode: (w, v) => void w.int(v.totalNumber),
  decode: (r) => ({ totalNumber: r.int() })
}

const WhoAmIResponse: RecordCodec<P.WhoAmIResponse> = {
  encode: (w, v) => void w.vector(v.clientInfo, ClientInfo.encode),
  decode: (r) => ({ clientInfo: r.vector(ClientInfo.decode, 8) ?? [] })
}

// ZooKeeper 3.6+ answers addWatch with an ErrorResponse(0) body; accept it, or nothing.
const AddWatchResponse: RecordCodec<P.EmptyRecord> = {
  encode: (w) => void w.int(0),
  decode: (r) => {
    if (r.remaining() > 0) r.int()
    return EMPTY
  }
}

// MultiResponse: each result is a MultiHeader {type, done: false, err} (err: the code for an
// error result, else 0) and its reply record; a MultiHeader {-1, true, -1} ends the list.
const multiResultCode: { readonly [K in P.MultiResult["op"]]: number } = {
  create: OpCode.create,
  create2: OpCode.create2,
  delete: OpCode.delete,
  setData: OpCode.setData,
  check: OpCode.check,
  getData: OpCode.getData,
  getChildren: OpCode.getChildren,
  error: OpCode.error
}

const MultiResponse: RecordCodec<P.MultiResponse> = {
  encode: (w, v) => {
    const results = v.results
    for (let i = 0; i < results.length; i++) {
      const res = results[i] as P.MultiResult
      w.int(multiResultCode[res.op]).bool(false).int(res.op === "error" ? res.err : 0)
      switch (res.op) {
        case "create":
          w.ustring(res.path)
          break
        case "create2":
          Stat.encode(w.ustring(res.path), res.stat)
          break
        case "setData":
          Stat.encode(w, res.stat)
          break
        case "getData":
          Stat.encode(w.buffer(res.data), res.stat)
          break
        case "getChildren":
          writeStrings(w, res.children)
          break
        case "error":
          w.int(res.err)
          break
        case "delete":
        case "check":
          break
      }
    }
    w.int(-1).bool(true).int(-1)
  },
  decode: (r) => {
    const results: P.MultiResult[] = []
    for (;;) {
      const type = r.int()
      if (r.bool()) break
      r.int()
      switch (type) {
        case OpCode.create:
          results.push({ op: "create", path: str(r) })
          break
        case OpCode.create2:
          results.push({ op: "create2", path: str(r), stat: Stat.decode(r) })
          break
        case OpCode.delete:
          results.push({ op: "delete" })
          break
        case OpCode.setData:
          results.push({ op: "setData", stat: Stat.decode(r) })
          break
        case OpCode.check:
          results.push({ op: "check" })
          break
        case OpCode.getData:
          results.push({ op: "getData", data: r.buffer(), stat: Stat.decode(r) })
          break
        case OpCode.getChildren:
          results.push({ op: "getChildren", children: strings(r) })
          break
        case OpCode.error:
          results.push({ op: "error", err: r.int() })
          break
        default:
          throw new JuteDecodeError(`opcode ${type} cannot appear in a multi reply (offset ${r.offset - 9})`)
      }
    }
    r.int()
    return { results }
  }
}

/**
 * Every record's codec, by name (ZooKeeper's name where one record has one use; `PathRequest`,
 * `PathWatchRequest`, `WatchesRequest`, `PathResponse` and `StatResponse` stand for the
 * records ZooKeeper declares several times with the same fields).
 *
 * @since 0.1.0
 * @category codecs
 */
export const records = {
  Id,
  ACL,
  Stat,
  ClientInfo,
  RequestHeader,
  ReplyHeader,
  MultiHeader,
  ConnectRequest,
  ConnectResponse,
  WatcherEvent,
  EmptyRecord,
  ErrorResponse,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  PathRequest,
  PathWatchRequest,
  SetDataRequest,
  SetACLRequest,
  CheckVersionRequest,
  ReconfigRequest,
  WatchesRequest,
  AuthPacket,
  SetWatches,
  SetWatches2,
  SaslRequest,
  GetEphemeralsRequest,
  AddWatchRequest,
  MultiRequest,
  PathResponse,
  Create2Response,
  StatResponse,
  GetDataResponse,
  GetACLResponse,
  GetChildrenResponse,
  GetChildren2Response,
  SaslResponse,
  GetEphemeralsResponse,
  GetAllChildrenNumberResponse,
  WhoAmIResponse,
  AddWatchResponse,
  MultiResponse
} as const

/**
 * The name of a record in {@link records}.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordName = keyof typeof records

/**
 * The value type of a record in {@link records}.
 *
 * @since 0.1.0
 * @category models
 */
export type RecordType<K extends RecordName> = (typeof records)[K] extends RecordCodec<infer T> ? T : never

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/**
 * An operation's opcode and the records of its request and reply bodies.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<K extends P.OpName> {
  readonly code: number
  readonly request: RecordCodec<P.Requests[K]>
  readonly response: RecordCodec<P.Responses[K]>
}

/**
 * Every operation a client can send: opcode, request record, reply record.
 *
 * @since 0.1.0
 * @category codecs
 */
export const operations: { readonly [K in P.OpName]: Operation<K> } = {
  create: { code: OpCode.create, request: CreateRequest, response: PathResponse },
  create2: { code: OpCode.create2, request: CreateRequest, response: Create2Response },
  createContainer: { code: OpCode.createContainer, request: CreateRequest, response: Create2Response },
  createTTL: { code: OpCode.createTTL, request: CreateTTLRequest, response: Create2Response },
  delete: { code: OpCode.delete, request: DeleteRequest, response: EmptyRecord },
  deleteContainer: { code: OpCode.deleteContainer, request: PathRequest, response: EmptyRecord },
  exists: { code: OpCode.exists, request: PathWatchRequest, response: StatResponse },
  getData: { code: OpCode.getData, request: PathWatchRequest, response: GetDataResponse },
  setData: { code: OpCode.setData, request: SetDataRequest, response: StatResponse },
  getACL: { code: OpCode.getACL, request: PathRequest, response: GetACLResponse },
  setACL: { code: OpCode.setACL, request: SetACLRequest, response: StatResponse },
  getChildren: { code: OpCode.getChildren, request: PathWatchRequest, response: GetChildrenResponse },
  getChildren2: { code: OpCode.getChildren2, request: PathWatchRequest, response: GetChildren2Response },
  sync: { code: OpCode.sync, request: PathRequest, response: PathResponse },
  ping: { code: OpCode.ping, request: EmptyRecord, response: EmptyRecord },
  check: { code: OpCode.check, request: CheckVersionRequest, response: EmptyRecord },
  multi: { code: OpCode.multi, request: MultiRequest, response: MultiResponse },
  multiRead: { code: OpCode.multiRead, request: MultiRequest, response: MultiResponse },
  reconfig: { code: OpCode.reconfig, request: ReconfigRequest, response: GetDataResponse },
  checkWatches: { code: OpCode.checkWatches, request: WatchesRequest, response: EmptyRecord },
  removeWatches: { code: OpCode.removeWatches, request: WatchesRequest, response: EmptyRecord },
  auth: { code: OpCode.auth, request: AuthPacket, response: EmptyRecord },
  setWatches: { code: OpCode.setWatches, request: SetWatches, response: EmptyRecord },
  setWatches2: { code: OpCode.setWatches2, request: SetWatches2, response: EmptyRecord },
  sasl: { code: OpCode.sasl, request: SaslRequest, response: SaslResponse },
  getEphemerals: { code: OpCode.getEphemerals, request: GetEphemeralsRequest, response: GetEphemeralsResponse },
  getAllChildrenNumber: {
    code: OpCode.getAllChildrenNumber,
    request: PathRequest,
    response: GetAllChildrenNumberResponse
  },
  addWatch: { code: OpCode.addWatch, request: AddWatchRequest, response: AddWatchResponse },
  whoAmI: { code: OpCode.whoAmI, request: EmptyRecord, response: WhoAmIResponse },
  closeSession: { code: OpCode.closeSession, request: EmptyRecord, response: EmptyRecord }
}

/**
 * Every operation name, in the order of {@link operations}.
 *
 * @since 0.1.0
 * @category constants
 */
export const opNames: ReadonlyArray<P.OpName> = Object.keys(operations) as Array<P.OpName>

const opNameByCode = new Map<number, P.OpName>(opNames.map((name) => [operations[name].code, name]))

/**
 * The operation an opcode denotes, if a client can send it.
 *
 * @since 0.1.0
 * @category codecs
 */
export const opNameOf = (code: number): P.OpName | undefined => opNameByCode.get(code)
