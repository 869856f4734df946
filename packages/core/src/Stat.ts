/**
 * A znode's metadata, kazoo's `ZnodeStat`: ZooKeeper's eleven `Stat` fields plus kazoo's
 * readable names (`created` in seconds, `ownerSessionId` only for ephemeral nodes, ...).
 *
 * @since 0.1.0
 */
import type * as Equal from "effect/Equal"
import type { Inspectable } from "effect/Inspectable"
import { isStat, ZnodeStatImpl } from "./internal/stat.js"

/**
 * The `Stat` record as the protocol decodes it (times are 64-bit milliseconds).
 *
 * @since 0.1.0
 * @category models
 */
export interface StatRecord {
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
 * A znode's metadata. ZooKeeper's fields keep their names (zxids and the owner session as
 * `bigint`, `ctime`/`mtime` as epoch milliseconds); kazoo's convenience names are derived.
 * Two stats are `Equal.equals` when their eleven fields are; `toJSON` gives the eleven fields
 * (bigints as decimal strings).
 *
 * @since 0.1.0
 * @category models
 */
export interface ZnodeStat extends Equal.Equal, Inspectable {
  /** The zxid of the change that created the znode. */
  readonly czxid: bigint
  /** The zxid of the change that last modified the znode's data. */
  readonly mzxid: bigint
  /** Creation time, milliseconds since the epoch. */
  readonly ctime: number
  /** Last modification time, milliseconds since the epoch. */
  readonly mtime: number
  /** The number of changes to the data. */
  readonly version: number
  /** The number of changes to the children. */
  readonly cversion: number
  /** The number of changes to the ACL. */
  readonly aversion: number
  /** The owner's session id for an ephemeral node, `0n` otherwise. */
  readonly ephemeralOwner: bigint
  /** The length of the data in bytes. */
  readonly dataLength: number
  /** The number of children. */
  readonly numChildren: number
  /** The zxid of the change that last modified the children. */
  readonly pzxid: bigint

  /** kazoo's `acl_version`: `aversion`. */
  readonly aclVersion: number
  /** kazoo's `children_version`: `cversion`. */
  readonly childrenVersion: number
  /** kazoo's `children_count`: `numChildren`. */
  readonly childrenCount: number
  /** kazoo's `created`: `ctime` in seconds since the epoch (fractional). */
  readonly created: number
  /** kazoo's `last_modified`: `mtime` in seconds since the epoch (fractional). */
  readonly lastModified: number
  /** kazoo's `creation_transaction_id`: `czxid`. */
  readonly creationTransactionId: bigint
  /** kazoo's `last_modified_transaction_id`: `mzxid`. */
  readonly lastModifiedTransactionId: bigint
  /** kazoo's `owner_session_id`: the owner's session id, `undefined` unless ephemeral. */
  readonly ownerSessionId: bigint | undefined
  /** Whether the znode is ephemeral (it has an owner session). */
  readonly isEphemeral: boolean
}

/**
 * Whether a value is a {@link ZnodeStat}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isZnodeStat = (u: unknown): u is ZnodeStat => isStat(u)

/**
 * The public stat for a decoded `Stat` record. Cheap: eleven field copies; kazoo's names are
 * getters on the prototype.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRecord = (record: StatRecord): ZnodeStat =>
  new ZnodeStatImpl(
    record.czxid,
    record.mzxid,
    Number(record.ctime),
    Number(record.mtime),
    record.version,
    record.cversion,
    record.aversion,
    record.ephemeralOwner,
    record.dataLength,
    record.numChildren,
    record.pzxid
  )
