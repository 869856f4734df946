/**
 * A znode's metadata, kazoo's `ZnodeStat`: ZooKeeper's eleven `Stat` fields plus kazoo's
 * readable names (`created` in seconds, `ownerSessionId` only for ephemeral nodes, ...).
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { type Inspectable, NodeInspectSymbol } from "effect/Inspectable"

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

const TypeId: unique symbol = Symbol.for("effect-zk/ZnodeStat")

class ZnodeStatImpl implements ZnodeStat {
  readonly [TypeId] = TypeId
  readonly czxid: bigint
  readonly mzxid: bigint
  readonly ctime: number
  readonly mtime: number
  readonly version: number
  readonly cversion: number
  readonly aversion: number
  readonly ephemeralOwner: bigint
  readonly dataLength: number
  readonly numChildren: number
  readonly pzxid: bigint

  constructor(r: StatRecord) {
    this.czxid = r.czxid
    this.mzxid = r.mzxid
    this.ctime = Number(r.ctime)
    this.mtime = Number(r.mtime)
    this.version = r.version
    this.cversion = r.cversion
    this.aversion = r.aversion
    this.ephemeralOwner = r.ephemeralOwner
    this.dataLength = r.dataLength
    this.numChildren = r.numChildren
    this.pzxid = r.pzxid
  }

  get aclVersion(): number {
    return this.aversion
  }
  get childrenVersion(): number {
    return this.cversion
  }
  get childrenCount(): number {
    return this.numChildren
  }
  get created(): number {
    return this.ctime / 1000
  }
  get lastModified(): number {
    return this.mtime / 1000
  }
  get creationTransactionId(): bigint {
    return this.czxid
  }
  get lastModifiedTransactionId(): bigint {
    return this.mzxid
  }
  get ownerSessionId(): bigint | undefined {
    return this.ephemeralOwner === 0n ? undefined : this.ephemeralOwner
  }
  get isEphemeral(): boolean {
    return this.ephemeralOwner !== 0n
  }

  [Equal.symbol](that: Equal.Equal): boolean {
    return (
      isZnodeStat(that) &&
      this.czxid === that.czxid &&
      this.mzxid === that.mzxid &&
      this.ctime === that.ctime &&
      this.mtime === that.mtime &&
      this.version === that.version &&
      this.cversion === that.cversion &&
      this.aversion === that.aversion &&
      this.ephemeralOwner === that.ephemeralOwner &&
      this.dataLength === that.dataLength &&
      this.numChildren === that.numChildren &&
      this.pzxid === that.pzxid
    )
  }

  [Hash.symbol](): number {
    return Hash.cached(
      this,
      Hash.array([Hash.hash(this.mzxid), Hash.hash(this.pzxid), this.version, this.cversion, this.aversion])
    )
  }

  toJSON(): Record<string, unknown> {
    return {
      _id: "ZnodeStat",
      czxid: String(this.czxid),
      mzxid: String(this.mzxid),
      ctime: this.ctime,
      mtime: this.mtime,
      version: this.version,
      cversion: this.cversion,
      aversion: this.aversion,
      ephemeralOwner: String(this.ephemeralOwner),
      dataLength: this.dataLength,
      numChildren: this.numChildren,
      pzxid: String(this.pzxid)
    }
  }

  toString(): string {
    return `ZnodeStat(${JSON.stringify(this.toJSON())})`
  }

  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

/**
 * Whether a value is a {@link ZnodeStat}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isZnodeStat = (u: unknown): u is ZnodeStat => typeof u === "object" && u !== null && TypeId in u

/**
 * The public stat for a decoded `Stat` record. Cheap: eleven field copies; kazoo's names are
 * getters on the prototype.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromRecord = (record: StatRecord): ZnodeStat => new ZnodeStatImpl(record)
