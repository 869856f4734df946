/**
 * The requests the in-memory server answers and its replies: the same operations, bodies and
 * error codes as ZooKeeper's protocol, as plain objects (server paths, chroot included).
 */
import type { Acl, Stat } from "@effect-zk/core"
import type { NodeKind } from "./tree.js"

type ACL = Acl.ACL

/** A create of any kind. */
export interface CreateBody {
  readonly path: string
  readonly data: Uint8Array
  readonly acl: ReadonlyArray<ACL>
  readonly kind: NodeKind
  readonly sequential: boolean
  /** Milliseconds, for TTL nodes. */
  readonly ttl: number
}

/** One write, alone or inside a multi. */
export type WriteOp =
  | { readonly op: "create"; readonly body: CreateBody }
  | { readonly op: "delete"; readonly body: Requests["delete"] }
  | { readonly op: "setData"; readonly body: Requests["setData"] }
  | { readonly op: "check"; readonly body: Requests["check"] }

/** Request bodies by operation. */
export interface Requests {
  readonly create: CreateBody
  readonly delete: { readonly path: string; readonly version: number }
  readonly setData: { readonly path: string; readonly data: Uint8Array; readonly version: number }
  readonly check: { readonly path: string; readonly version: number }
  readonly exists: { readonly path: string; readonly watch: boolean }
  readonly getData: { readonly path: string; readonly watch: boolean }
  readonly getChildren: { readonly path: string; readonly watch: boolean }
  readonly getACL: { readonly path: string }
  readonly setACL: { readonly path: string; readonly acl: ReadonlyArray<ACL>; readonly version: number }
  readonly sync: { readonly path: string }
  readonly multi: { readonly ops: ReadonlyArray<WriteOp> }
  readonly multiRead: { readonly ops: ReadonlyArray<{ readonly op: "getData" | "getChildren"; readonly path: string }> }
  readonly addWatch: { readonly path: string; readonly recursive: boolean }
  readonly removeWatches: { readonly path: string; readonly type: "children" | "data" | "any" }
  readonly getEphemerals: { readonly prefix: string }
  readonly getAllChildrenNumber: { readonly path: string }
  readonly whoAmI: Record<string, never>
  readonly reconfig: Record<string, never>
}

/** The result of one operation of a multi: a value, or an error code (0 and -2 mean rolled back). */
export type MultiResult =
  | { readonly op: "create"; readonly path: string; readonly stat: Stat.ZnodeStat | undefined }
  | { readonly op: "delete" }
  | { readonly op: "setData"; readonly stat: Stat.ZnodeStat }
  | { readonly op: "check" }
  | { readonly op: "error"; readonly err: number }

/** The result of one read of a multiRead: its value, or its error code. */
export type ReadResult =
  | { readonly op: "getData"; readonly data: Uint8Array; readonly stat: Stat.ZnodeStat }
  | { readonly op: "getChildren"; readonly children: ReadonlyArray<string> }
  | { readonly op: "error"; readonly err: number }

/** Reply values by operation. */
export interface Responses {
  readonly create: { readonly path: string; readonly stat: Stat.ZnodeStat }
  readonly delete: Record<string, never>
  readonly setData: { readonly stat: Stat.ZnodeStat }
  readonly check: Record<string, never>
  readonly exists: { readonly stat: Stat.ZnodeStat }
  readonly getData: { readonly data: Uint8Array; readonly stat: Stat.ZnodeStat }
  readonly getChildren: { readonly children: ReadonlyArray<string>; readonly stat: Stat.ZnodeStat }
  readonly getACL: { readonly acl: ReadonlyArray<ACL>; readonly stat: Stat.ZnodeStat }
  readonly setACL: { readonly stat: Stat.ZnodeStat }
  readonly sync: { readonly path: string }
  readonly multi: { readonly results: ReadonlyArray<MultiResult> }
  readonly multiRead: { readonly results: ReadonlyArray<ReadResult> }
  readonly addWatch: Record<string, never>
  readonly removeWatches: Record<string, never>
  readonly getEphemerals: { readonly paths: ReadonlyArray<string> }
  readonly getAllChildrenNumber: { readonly count: number }
  readonly whoAmI: { readonly ids: ReadonlyArray<{ readonly scheme: string; readonly user: string }> }
  readonly reconfig: Record<string, never>
}

/** The operations. */
export type OpName = keyof Requests

/** A reply: the value, or a ZooKeeper error code. */
export type Reply<A> = { readonly err: 0; readonly value: A } | { readonly err: number; readonly value?: undefined }

/** A successful reply. */
export const ok = <A>(value: A): Reply<A> => ({ err: 0, value })

/** A failed reply. */
export const fail = (err: number): Reply<never> => ({ err })

/** The error codes the server answers with. */
export const Code = {
  RUNTIME_INCONSISTENCY: -2,
  UNIMPLEMENTED: -6,
  BAD_ARGUMENTS: -8,
  NO_NODE: -101,
  NO_AUTH: -102,
  BAD_VERSION: -103,
  NO_CHILDREN_FOR_EPHEMERALS: -108,
  NODE_EXISTS: -110,
  NOT_EMPTY: -111,
  INVALID_ACL: -114,
  AUTH_FAILED: -115,
  NO_WATCHER: -121,
  RECONFIG_DISABLED: -123
} as const
