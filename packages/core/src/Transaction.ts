/**
 * Transactions (ZooKeeper `multi`): a list of create / delete / setData / check operations
 * applied all together or not at all.
 *
 * ```ts
 * const results = yield* zk.transaction([
 *   Transaction.create("/app/a", { data: "x" }),
 *   Transaction.check("/app", 3),
 *   Transaction.setData("/app/b", "y"),
 *   Transaction.remove("/app/c")
 * ])
 * ```
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type { ACL } from "./Acl.js"
import type { ZnodeStat } from "./Stat.js"
import type { ZooKeeperError } from "./ZooKeeperError.js"

/**
 * Node data as bytes, or a string (encoded as UTF-8).
 *
 * @since 0.1.0
 * @category models
 */
export type Bytes = Uint8Array | string

/**
 * How a node is created.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateOptions {
  /** The node's data; empty when absent. */
  readonly data?: Bytes | undefined
  /** The node's ACL; the client's default ACL when absent. */
  readonly acl?: ReadonlyArray<ACL> | undefined
  /** Remove the node when the session ends. */
  readonly ephemeral?: boolean | undefined
  /** Append a 10-digit, zero-padded, increasing counter to the name. */
  readonly sequence?: boolean | undefined
  /** A container node: removed by the server once its last child is gone. */
  readonly container?: boolean | undefined
  /** A TTL node: removed when unchanged and childless for this long (server needs extendedTypesEnabled). */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * One operation of a transaction.
 *
 * @since 0.1.0
 * @category models
 */
export type Op =
  | { readonly _tag: "Create"; readonly path: string; readonly options: CreateOptions }
  | { readonly _tag: "Delete"; readonly path: string; readonly version: number }
  | { readonly _tag: "SetData"; readonly path: string; readonly data: Bytes; readonly version: number }
  | { readonly _tag: "Check"; readonly path: string; readonly version: number }

/** Creates a node. @since 0.1.0 @category constructors */
export const create = (path: string, options: CreateOptions = {}): Op => ({ _tag: "Create", path, options })

/** Deletes a node (at the version, or any version when -1 / absent). @since 0.1.0 @category constructors */
export const remove = (path: string, options: { readonly version?: number | undefined } = {}): Op => ({
  _tag: "Delete",
  path,
  version: options.version ?? -1
})

/** Sets a node's data (at the version, or any version when -1 / absent). @since 0.1.0 @category constructors */
export const setData = (path: string, data: Bytes, options: { readonly version?: number | undefined } = {}): Op => ({
  _tag: "SetData",
  path,
  data,
  version: options.version ?? -1
})

/** Checks that a node is at a version. @since 0.1.0 @category constructors */
export const check = (path: string, version: number): Op => ({ _tag: "Check", path, version })

/**
 * The result of one applied operation.
 *
 * @since 0.1.0
 * @category models
 */
export type Result =
  | { readonly _tag: "Created"; readonly path: string; readonly stat: ZnodeStat | undefined }
  | { readonly _tag: "Deleted"; readonly path: string }
  | { readonly _tag: "DataSet"; readonly path: string; readonly stat: ZnodeStat }
  | { readonly _tag: "Checked"; readonly path: string }

/**
 * What happened to each operation of a transaction that failed: the one that failed says
 * why, the others were rolled back (or never ran).
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Failed"; readonly path: string; readonly error: ZooKeeperError }
  | { readonly _tag: "RolledBack"; readonly path: string }

/**
 * A transaction was not applied: `failedIndex` is the first operation that failed and `error`
 * why; `outcomes` has one entry per operation. Nothing was changed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransactionFailedError extends Data.TaggedError("TransactionFailedError")<{
  readonly failedIndex: number
  readonly error: ZooKeeperError
  readonly outcomes: ReadonlyArray<Outcome>
}> {
  override get message(): string {
    return `transaction not applied: operation ${this.failedIndex} failed: ${this.error.message}`
  }
}
