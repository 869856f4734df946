/**
 * Splits the byte stream of a connection into frames: each is a 4-byte big-endian length and
 * that many bytes. Copes with frames split across reads and many frames in one read.
 *
 * @since 0.1.0
 */
import { ProtocolError } from "../ZooKeeperError.js"

/**
 * The largest frame accepted by default: ZooKeeper's default `jute.maxbuffer` (0xfffff bytes,
 * the largest znode data a server accepts) plus 4 KiB for the reply header, the Stat and
 * other fields around it. A larger length is treated as corrupt input, as ZooKeeper's own
 * client does, rather than allocated.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_FRAME_LENGTH = 0xfffff + 1024 * 4

/**
 * A streaming frame splitter. `push` each chunk read from the socket; every complete frame is
 * handed to `onFrame` without its length prefix: as a view of the chunk when the whole frame
 * lies in it, otherwise as one assembled copy. A frame handed out stays valid as long as the
 * chunk it views is not reused by the caller.
 *
 * A declared length below 0 or above the maximum is a ProtocolError, found before anything is
 * allocated; after an error the splitter keeps returning it (the connection is to be dropped)
 * until `reset()`. Frames are delivered before `push` returns, in order; if `onFrame` throws,
 * the exception propagates and the bytes after that frame in the chunk are not consumed.
 *
 * @since 0.1.0
 * @category framing
 */
export class FrameSplitter {
  private readonly maxFrameLength: number
  /** The first bytes of a length prefix that straddles chunks. */
  private readonly header = new Uint8Array(4)
  private headerFill = 0
  /** The frame being assembled across chunks, if any. */
  private partial: Uint8Array | null = null
  private partialFill = 0
  private failure: ProtocolError | undefined = undefined

  constructor(maxFrameLength: number = DEFAULT_MAX_FRAME_LENGTH) {
    if (!Number.isInteger(maxFrameLength) || maxFrameLength < 0 || maxFrameLength > 0x7fffffff) {
      throw new RangeError(`maxFrameLength must be an integer in [0, 2^31 - 1], got ${maxFrameLength}`)
    }
    this.maxFrameLength = maxFrameLength
  }

  /** Bytes held back for a frame not complete yet (length prefix included). */
  get buffered(): number {
    return this.partial === null ? this.headerFill : 4 + this.partialFill
  }

  /** Forgets any partial frame and any error, for a new connection. */
  reset(): void {
    this.headerFill = 0
    this.partial = null
    this.partialFill = 0
    this.failure = undefined
  }

  /**
   * Feeds one chunk; calls `onFrame` for each frame it completes, as `bytes[start..end)` (the
   * chunk itself when the frame lies in it: no view is made per frame).
   */
  push(chunk: Uint8Array, onFrame: (bytes: Uint8Array, start: number, end: number) => void): ProtocolError | undefined {
    if (this.failure !== undefined) return this.failure
    const n = chunk.length
    let i = 0

    // Finish a frame begun in an earlier chunk.
    if (this.partial !== null) {
      const partial = this.partial
      const take = Math.min(partial.length - this.partialFill, n)
      partial.set(chunk.subarray(0, take), this.partialFill)
      this.partialFill += take
      i = take
      if (this.partialFill < partial.length) return undefined
      this.partial = null
      this.partialFill = 0
      onFrame(partial, 0, partial.length)
    } else if (this.headerFill > 0) {
      const header = this.header
      while (this.headerFill < 4 && i < n) header[this.headerFill++] = chunk[i++] as number
      if (this.headerFill < 4) return undefined
      this.headerFill = 0
      const length = ((header[0] as number) << 24) | ((header[1] as number) << 16) | ((header[2] as number) << 8) | (header[3] as number)
      const error = this.check(length)
      if (error !== undefined) return error
      if (n - i >= length) {
        const start = i
        i += length
        onFrame(chunk, start, i)
      } else {
        this.begin(chunk, i, length)
        return undefined
      }
    }

    // Whole frames that lie in this chunk, then the start of the next one.
    while (n - i >= 4) {
      const length =
        ((chunk[i] as number) << 24) | ((chunk[i + 1] as number) << 16) | ((chunk[i + 2] as number) << 8) | (chunk[i + 3] as number)
      const error = this.check(length)
      if (error !== undefined) return error
      const start = i + 4
      if (n - start < length) {
        this.begin(chunk, start, length)
        return undefined
      }
      i = start + length
      onFrame(chunk, start, i)
    }
    while (i < n) this.header[this.headerFill++] = chunk[i++] as number
    return undefined
  }

  private check(length: number): ProtocolError | undefined {
    if (length >= 0 && length <= this.maxFrameLength) return undefined
    this.failure = new ProtocolError({
      reason:
        length < 0
          ? `negative frame length ${length}`
          : `frame length ${length} exceeds the maximum of ${this.maxFrameLength} bytes`
    })
    return this.failure
  }

  private begin(chunk: Uint8Array, from: number, length: number): void {
    const partial = new Uint8Array(length)
    partial.set(chunk.subarray(from), 0)
    this.partial = partial
    this.partialFill = chunk.length - from
  }
}
