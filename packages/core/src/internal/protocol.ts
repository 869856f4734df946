/**
 * The ZooKeeper wire protocol as types and constants: opcodes, special xids, create flags,
 * and one interface per jute record (field names and order as in ZooKeeper's
 * `zookeeper.jute`). The codecs live in `records.ts`, which re-exports everything here.
 *
 * Longs are `bigint` (zxids, session ids and times use all 64 bits); byte buffers are
 * `Uint8Array`s, in decoded replies views of the received frame rather than copies.
 *
 * Why this file is long: it is one documented declaration per ZooKeeper record and holds no
 * logic; splitting it would scatter the protocol's vocabulary.
 *
 * @since 0.1.0
 */

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/**
 * Request type codes (`ZooDefs.OpCode`).
 *
 * @since 0.1.0
 * @category constants
 */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1
} as const

/**
 * The xids with a fixed meaning: watch notifications from the server, pings, auth packets,
 * and SetWatches on reconnect.
 *
 * @since 0.1.0
 * @category constants
 */
export const Xid = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const

/**
 * `CreateRequest.flags` values (`CreateMode.toFlag()`).
 *
 * @since 0.1.0
 * @category constants
 */
export const CreateFlags = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6
} as const

/**
 * `AddWatchRequest.mode` values.
 *
 * @since 0.1.0
 * @category constants
 */
export const AddWatchMode = { PERSISTENT: 0, PERSISTENT_RECURSIVE: 1 } as const

/**
 * `WatchesRequest.type` values for checkWatches/removeWatches (`Watcher.WatcherType`).
 *
 * @since 0.1.0
 * @category constants
 */
export const WatcherType = { Children: 1, Data: 2, Any: 3 } as const

/**
 * `WatcherEvent.type` values (`Watcher.Event.EventType`).
 *
 * @since 0.1.0
 * @category constants
 */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7
} as const

/**
 * `WatcherEvent.state` values (`Watcher.Event.KeeperState`).
 *
 * @since 0.1.0
 * @category constants
 */
export const KeeperStateCode = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Closed: 7,
  Expired: -112
} as const

/**
 * The protocol version a client sends in its `ConnectRequest`.
 *
 * @since 0.1.0
 * @category constants
 */
export const PROTOCOL_VERSION = 0

/**
 * Bytes of a `ReplyHeader` (xid int, zxid long, err int) at the start of every reply frame.
 *
 * @since 0.1.0
 * @category constants
 */
export const REPLY_HEADER_LENGTH = 16

// ---------------------------------------------------------------------------------------------
// Data records (org.apache.zookeeper.data)
// ---------------------------------------------------------------------------------------------

/**
 * An identity: an auth scheme and an id in it (`world:anyone`, `digest:user:hash`, ...).
 *
 * @since 0.1.0
 * @category models
 */
export interface Id {
  readonly scheme: string
  readonly id: string
}

/**
 * An access control entry: a permission bit set for an identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface ACL {
  readonly perms: number
  readonly id: Id
}

/**
 * A znode's metadata as the server reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stat {
  readonly czxid: bigint
  readonly mzxid: bigint
  readonly ctime: bigint
  readonly mtime: bigint
  readonly version: number
  readonly cversion: number
  readonly aversion: number
  readonly ephemeralOwner: bigint
  readonly dataLength: number
  readonly numChildren: number
  readonly pzxid: bigint
}

/**
 * One authenticated identity of a session, as whoAmI reports it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientInfo {
  readonly authScheme: string
  readonly user: string
}

// ---------------------------------------------------------------------------------------------
// Headers and the handshake
// ---------------------------------------------------------------------------------------------

/**
 * Precedes every request body: the request's xid and its opcode.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestHeader {
  readonly xid: number
  readonly type: number
}

/**
 * Precedes every reply: the xid it answers, the server's last zxid, and an error code (0: OK).
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplyHeader {
  readonly xid: number
  readonly zxid: bigint
  readonly err: number
}

/**
 * Precedes each operation (and ends the list, `done: true`) inside multi requests and replies.
 *
 * @since 0.1.0
 * @category models
 */
export interface MultiHeader {
  readonly type: number
  readonly done: boolean
  readonly err: number
}

/**
 * The first frame a client sends (no RequestHeader). `readOnly` travels after the jute record.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectRequest {
  readonly protocolVersion: number
  readonly lastZxidSeen: bigint
  readonly timeOut: number
  readonly sessionId: bigint
  readonly passwd: Uint8Array
  readonly readOnly: boolean
}

/**
 * The server's answer to a ConnectRequest (no ReplyHeader). `readOnly` is absent on servers
 * older than 3.4 and then decodes as false. A `timeOut` of 0 means the session expired.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectResponse {
  readonly protocolVersion: number
  readonly timeOut: number
  readonly sessionId: bigint
  readonly passwd: Uint8Array
  readonly readOnly: boolean
}

/**
 * A watch notification (reply xid -1).
 *
 * @since 0.1.0
 * @category models
 */
export interface WatcherEvent {
  readonly type: number
  readonly state: number
  readonly path: string
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/**
 * A record with no fields (ping, whoAmI and closeSession requests; many replies).
 *
 * @since 0.1.0
 * @category models
 */
export type EmptyRecord = Readonly<Record<string, never>>

/**
 * create, create2 and createContainer (`CreateRequest`).
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateRequest {
  readonly path: string
  readonly data: Uint8Array | null
  readonly acl: ReadonlyArray<ACL>
  readonly flags: number
}

/**
 * createTTL (`CreateTTLRequest`): a CreateRequest with a time to live in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateTTLRequest extends CreateRequest {
  readonly ttl: bigint
}

/**
 * delete (`DeleteRequest`); version -1 matches any.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeleteRequest {
  readonly path: string
  readonly version: number
}

/**
 * A request that is just a path: getACL, sync, deleteContainer, getAllChildrenNumber; and
 * getData/getChildren inside multiRead (sent with watch = false).
 *
 * @since 0.1.0
 * @category models
 */
export interface PathRequest {
  readonly path: string
}

/**
 * exists, getData, getChildren, getChildren2: a path and whether to leave a watch.
 *
 * @since 0.1.0
 * @category models
 */
export interface PathWatchRequest {
  readonly path: string
  readonly watch: boolean
}

/**
 * setData (`SetDataRequest`); version -1 matches any.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetDataRequest {
  readonly path: string
  readonly data: Uint8Array | null
  readonly version: number
}

/**
 * setACL (`SetACLRequest`); version is the ACL version (aversion), -1 matches any.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetACLRequest {
  readonly path: string
  readonly acl: ReadonlyArray<ACL>
  readonly version: number
}

/**
 * check (`CheckVersionRequest`), only meaningful inside multi.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckVersionRequest {
  readonly path: string
  readonly version: number
}

/**
 * reconfig (`ReconfigRequest`); curConfigId -1 skips the config version check.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReconfigRequest {
  readonly joiningServers: string | null
  readonly leavingServers: string | null
  readonly newMembers: string | null
  readonly curConfigId: bigint
}

/**
 * checkWatches and removeWatches (`CheckWatchesRequest`, `RemoveWatchesRequest`); `type` is a
 * {@link WatcherType}.
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchesRequest {
  readonly path: string
  readonly type: number
}

/**
 * auth (`AuthPacket`), sent with xid -4; `type` is 0.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthPacket {
  readonly type: number
  readonly scheme: string
  readonly auth: Uint8Array
}

/**
 * setWatches (`SetWatches`): re-registers watches after a reconnect, sent with xid -8.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetWatches {
  readonly relativeZxid: bigint
  readonly dataWatches: ReadonlyArray<string>
  readonly existWatches: ReadonlyArray<string>
  readonly childWatches: ReadonlyArray<string>
}

/**
 * setWatches2 (`SetWatches2`, 3.6+): SetWatches plus persistent watches.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetWatches2 extends SetWatches {
  readonly persistentWatches: ReadonlyArray<string>
  readonly persistentRecursiveWatches: ReadonlyArray<string>
}

/**
 * sasl (`GetSASLRequest`): one SASL token from the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaslRequest {
  readonly token: Uint8Array
}

/**
 * getEphemerals (`GetEphemeralsRequest`).
 *
 * @since 0.1.0
 * @category models
 */
export interface GetEphemeralsRequest {
  readonly prefixPath: string
}

/**
 * addWatch (`AddWatchRequest`); `mode` is an {@link AddWatchMode}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddWatchRequest {
  readonly path: string
  readonly mode: number
}

/**
 * One operation of a multi (writes and check) or multiRead (getChildren, getData) request.
 *
 * @since 0.1.0
 * @category models
 */
export type MultiOp =
  | { readonly op: "create" | "create2" | "createContainer"; readonly request: CreateRequest }
  | { readonly op: "createTTL"; readonly request: CreateTTLRequest }
  | { readonly op: "delete"; readonly request: DeleteRequest }
  | { readonly op: "setData"; readonly request: SetDataRequest }
  | { readonly op: "check"; readonly request: CheckVersionRequest }
  | { readonly op: "getChildren" | "getData"; readonly request: PathRequest }

/**
 * multi and multiRead (`MultiOperationRecord`).
 *
 * @since 0.1.0
 * @category models
 */
export interface MultiRequest {
  readonly ops: ReadonlyArray<MultiOp>
}

/**
 * Every request body, by operation name.
 *
 * @since 0.1.0
 * @category models
 */
export interface Requests {
  readonly create: CreateRequest
  readonly create2: CreateRequest
  readonly createContainer: CreateRequest
  readonly createTTL: CreateTTLRequest
  readonly delete: DeleteRequest
  readonly deleteContainer: PathRequest
  readonly exists: PathWatchRequest
  readonly getData: PathWatchRequest
  readonly setData: SetDataRequest
  readonly getACL: PathRequest
  readonly setACL: SetACLRequest
  readonly getChildren: PathWatchRequest
  readonly getChildren2: PathWatchRequest
  readonly sync: PathRequest
  readonly ping: EmptyRecord
  readonly check: CheckVersionRequest
  readonly multi: MultiRequest
  readonly multiRead: MultiRequest
  readonly reconfig: ReconfigRequest
  readonly checkWatches: WatchesRequest
  readonly removeWatches: WatchesRequest
  readonly auth: AuthPacket
  readonly setWatches: SetWatches
  readonly setWatches2: SetWatches2
  readonly sasl: SaslRequest
  readonly getEphemerals: GetEphemeralsRequest
  readonly getAllChildrenNumber: PathRequest
  readonly addWatch: AddWatchRequest
  readonly whoAmI: EmptyRecord
  readonly closeSession: EmptyRecord
}

/**
 * The name of an operation a client can send.
 *
 * @since 0.1.0
 * @category models
 */
export type OpName = keyof Requests

// ---------------------------------------------------------------------------------------------
// Reply bodies
// ---------------------------------------------------------------------------------------------

/**
 * create and sync replies (`CreateResponse`, `SyncResponse`): the path (a created sequential
 * node's actual name).
 *
 * @since 0.1.0
 * @category models
 */
export interface PathResponse {
  readonly path: string
}

/**
 * create2, createContainer and createTTL replies (`Create2Response`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Create2Response {
  readonly path: string
  readonly stat: Stat
}

/**
 * exists, setData and setACL replies (`ExistsResponse`, `SetDataResponse`, `SetACLResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StatResponse {
  readonly stat: Stat
}

/**
 * The body of an `error` result inside a multi reply (`ErrorResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorResponse {
  readonly err: number
}

/**
 * getData and reconfig replies (`GetDataResponse`); `data` is a view of the reply frame.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetDataResponse {
  readonly data: Uint8Array | null
  readonly stat: Stat
}

/**
 * getACL reply (`GetACLResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface GetACLResponse {
  readonly acl: ACL[]
  readonly stat: Stat
}

/**
 * getChildren reply (`GetChildrenResponse`): child names, not paths.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetChildrenResponse {
  readonly children: string[]
}

/**
 * getChildren2 reply (`GetChildren2Response`).
 *
 * @since 0.1.0
 * @category models
 */
export interface GetChildren2Response {
  readonly children: string[]
  readonly stat: Stat
}

/**
 * The result of one operation of a multi or multiRead. Inside a multi the server rebuilds
 * every create from its flags, whatever its opcode (create, create2, createContainer): a
 * container or TTL flag gives a `create2` result (opcode 15, with the Stat), other flags a
 * `create` result (opcode 1, the path only), so a create2 op is answered as `create`. On
 * failure every result is `error`: 0 for operations rolled back, the code for the one that
 * failed, -2 (runtime inconsistency) for those after it.
 *
 * @since 0.1.0
 * @category models
 */
export type MultiResult =
  | { readonly op: "create"; readonly path: string }
  | { readonly op: "create2"; readonly path: string; readonly stat: Stat }
  | { readonly op: "delete" }
  | { readonly op: "setData"; readonly stat: Stat }
  | { readonly op: "check" }
  | { readonly op: "getData"; readonly data: Uint8Array | null; readonly stat: Stat }
  | { readonly op: "getChildren"; readonly children: string[] }
  | { readonly op: "error"; readonly err: number }

/**
 * multi and multiRead replies (`MultiResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface MultiResponse {
  readonly results: MultiResult[]
}

/**
 * sasl reply (`SetSASLResponse`): the server's challenge; null once the exchange completed.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaslResponse {
  readonly token: Uint8Array | null
}

/**
 * getEphemerals reply (`GetEphemeralsResponse`): paths of the session's ephemeral nodes.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetEphemeralsResponse {
  readonly ephemerals: string[]
}

/**
 * getAllChildrenNumber reply (`GetAllChildrenNumberResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface GetAllChildrenNumberResponse {
  readonly totalNumber: number
}

/**
 * whoAmI reply (`WhoAmIResponse`).
 *
 * @since 0.1.0
 * @category models
 */
export interface WhoAmIResponse {
  readonly clientInfo: ClientInfo[]
}

/**
 * Every reply body, by operation name. The body is present only when the ReplyHeader's `err`
 * is 0 (multi and multiRead report per-operation errors inside their body instead).
 *
 * @since 0.1.0
 * @category models
 */
export interface Responses {
  readonly create: PathResponse
  readonly create2: Create2Response
  readonly createContainer: Create2Response
  readonly createTTL: Create2Response
  readonly delete: EmptyRecord
  readonly deleteContainer: EmptyRecord
  readonly exists: StatResponse
  readonly getData: GetDataResponse
  readonly setData: StatResponse
  readonly getACL: GetACLResponse
  readonly setACL: StatResponse
  readonly getChildren: GetChildrenResponse
  readonly getChildren2: GetChildren2Response
  readonly sync: PathResponse
  readonly ping: EmptyRecord
  readonly check: EmptyRecord
  readonly multi: MultiResponse
  readonly multiRead: MultiResponse
  readonly reconfig: GetDataResponse
  readonly checkWatches: EmptyRecord
  readonly removeWatches: EmptyRecord
  readonly auth: EmptyRecord
  readonly setWatches: EmptyRecord
  readonly setWatches2: EmptyRecord
  readonly sasl: SaslResponse
  readonly getEphemerals: GetEphemeralsResponse
  readonly getAllChildrenNumber: GetAllChildrenNumberResponse
  readonly addWatch: EmptyRecord
  readonly whoAmI: WhoAmIResponse
  readonly closeSession: EmptyRecord
}
