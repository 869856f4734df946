/**
 * Straight-line decoders for the replies on the hot path (getData, exists, setData): they read
 * the reply's bytes into the public values directly, without the intermediate records of the
 * generic codec, and reuse the bigints of zxids seen in recent replies (a client mostly reads
 * the same nodes again). A reply that is not exactly well formed is left to the generic
 * decoder, which names what is wrong with it.
 */
import type { ZnodeStat } from "../Stat.js"
import { ZnodeStatImpl } from "./stat.js"

/** The size of a Stat on the wire. */
const STAT_SIZE = 68
const TWO_32 = 4294967296

const int32 = (b: Uint8Array, o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!

/** A data node as the client returns it from getData. */
export interface DataAndStat {
  readonly data: Uint8Array
  readonly stat: ZnodeStat
}

/** One client's reply decoders and their cache of recent 64-bit values. */
export class ReplyDecoder {
  private readonly his = [0, 0, 0, 0]
  private readonly los = [0, 0, 0, 0]
  private readonly values: Array<bigint> = [0n, 0n, 0n, 0n]
  private slot = 0

  /** A signed 64-bit big-endian value at `o`, as a bigint (reused when recently seen). */
  long(b: Uint8Array, o: number): bigint {
    const hi = int32(b, o)
    const lo = int32(b, o + 4) >>> 0
    if (hi === 0 && lo === 0) return 0n
    const his = this.his
    const los = this.los
    for (let i = 0; i < 4; i++) if (his[i] === hi && los[i] === lo) return this.values[i]!
    const n = hi * TWO_32 + lo
    const value = Number.isSafeInteger(n) ? BigInt(n) : (BigInt(hi) << 32n) + BigInt(lo)
    const i = this.slot
    this.slot = (i + 1) & 3
    his[i] = hi
    los[i] = lo
    this.values[i] = value
    return value
  }

  /** A millisecond time (a 64-bit value well inside the safe integers) at `o`. */
  private static time(b: Uint8Array, o: number): number {
    return int32(b, o) * TWO_32 + (int32(b, o + 4) >>> 0)
  }

  /** The Stat at `o` (the caller has checked that its 68 bytes are there). */
  stat(b: Uint8Array, o: number): ZnodeStat {
    return new ZnodeStatImpl(
      this.long(b, o),
      this.long(b, o + 8),
      ReplyDecoder.time(b, o + 16),
      ReplyDecoder.time(b, o + 24),
      int32(b, o + 32),
      int32(b, o + 36),
      int32(b, o + 40),
      this.long(b, o + 44),
      int32(b, o + 52),
      int32(b, o + 56),
      this.long(b, o + 60)
    )
  }

  /** A reply `b[offset..end)` that is exactly one Stat (exists, setData); undefined when it is not. */
  statReply(b: Uint8Array, offset: number, end: number): ZnodeStat | undefined {
    return end - offset === STAT_SIZE && end <= b.length ? this.stat(b, offset) : undefined
  }

  /** A getData reply `b[offset..end)` (data, then a Stat); undefined when it is not exactly that. */
  dataReply(b: Uint8Array, offset: number, end: number, empty: Uint8Array): DataAndStat | undefined {
    if (end - offset < 4 + STAT_SIZE || end > b.length) return undefined
    const n = int32(b, offset)
    const start = offset + 4
    if (n === -1) return end - start === STAT_SIZE ? { data: empty, stat: this.stat(b, start) } : undefined
    if (n < 0 || end - start - n !== STAT_SIZE) return undefined
    return { data: b.subarray(start, start + n), stat: this.stat(b, start + n) }
  }
}
