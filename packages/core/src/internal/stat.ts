/**
 * The public stat's implementation, shared by `Stat.fromRecord` and the reply decoders of the
 * hot path (which build it straight from the reply's bytes).
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { NodeInspectSymbol } from "effect/Inspectable"
import type { ZnodeStat } from "../Stat.js"

/** Marks a `ZnodeStat`. */
export const TypeId: unique symbol = Symbol.for("effect-zk/ZnodeStat")

/** The one implementation of the public `ZnodeStat`. */
export class ZnodeStatImpl implements ZnodeStat {
  /** On the prototype (see below), not a field of every stat. */
  declare readonly [TypeId]: typeof TypeId
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

  constructor(
    czxid: bigint,
    mzxid: bigint,
    ctime: number,
    mtime: number,
    version: number,
    cversion: number,
    aversion: number,
    ephemeralOwner: bigint,
    dataLength: number,
    numChildren: number,
    pzxid: bigint
  ) {
    this.czxid = czxid
    this.mzxid = mzxid
    this.ctime = ctime
    this.mtime = mtime
    this.version = version
    this.cversion = cversion
    this.aversion = aversion
    this.ephemeralOwner = ephemeralOwner
    this.dataLength = dataLength
    this.numChildren = numChildren
    this.pzxid = pzxid
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
      isStat(that) &&
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

Object.defineProperty(ZnodeStatImpl.prototype, TypeId, { value: TypeId })

/** Whether a value is a ZnodeStat. */
export const isStat = (u: unknown): u is ZnodeStat => typeof u === "object" && u !== null && TypeId in u
