/**
 * Jute, ZooKeeper's binary record encoding: big-endian `int` (4 bytes), `long` (8 bytes),
 * `boolean` (1 byte), `buffer` and `ustring` (an `int` length, -1 for null, then the bytes),
 * and vectors (an `int` count, -1 for null, then the items).
 *
 * The writer grows one buffer; the reader decodes from a `Uint8Array` and hands `buffer`s out
 * as views of it, never copies. Reader methods throw {@link JuteDecodeError} on malformed
 * input; the public decoders in `records.ts` turn it into a `ProtocolError`. Every length
 * field is checked against the bytes that remain before anything is allocated.
 *
 * Strings: ZooKeeper's Java writer (`BinaryOutputArchive.writeString`, 3.8) encodes every
 * UTF-16 unit on its own, so characters outside the BMP arrive as two 3-byte surrogate
 * sequences (CESU-8), while its reader expects standard UTF-8. We write standard UTF-8 and
 * read both.
 *
 * @since 0.1.0
 */

interface Utf8Encoder {
  encodeInto(source: string, destination: Uint8Array): { readonly read: number; readonly written: number }
}
interface Utf8Decoder {
  decode(input: Uint8Array): string
}
interface TextCodecGlobals {
  readonly TextEncoder: new () => Utf8Encoder
  readonly TextDecoder: new (label: string, options: { readonly ignoreBOM: boolean }) => Utf8Decoder
}

// The core compiles with `"types": []` and the ES2022 lib, which declare neither class; every
// runtime we support has both, so they are taken from `globalThis` through a minimal shape.
const textGlobals = globalThis as unknown as TextCodecGlobals
const utf8Encoder: Utf8Encoder = new textGlobals.TextEncoder()
// ignoreBOM: a leading U+FEFF is content, as it is for Java's decoder.
const utf8Decoder: Utf8Decoder = new textGlobals.TextDecoder("utf-8", { ignoreBOM: true })

// Measured on Node 20 (see bench/codec.ts): a JS loop beats `encodeInto` only for short
// strings, and V8 builds strings of 12 units or fewer flat (longer ones built by
// concatenation are cons strings, on which `charCodeAt` in a loop is several times slower).
/** Strings up to this many UTF-16 units are encoded by a JS loop while they are ASCII. */
const ASCII_ENCODE_LIMIT = 12
// Building from 8 bytes at a time with `String.fromCharCode` beats `TextDecoder.decode` (about
// 130 ns a call whatever the size) up to about 48 bytes.
/** Strings up to this many bytes are decoded by JS while they are ASCII. */
const ASCII_DECODE_LIMIT = 48
/** Strings up to this many UTF-16 units are remembered as bytes when written twice in a row. */
const REPEAT_LIMIT = 1024
/** The last string `ustring` encoded past the ASCII loop, and its bytes once it repeated. */
const repeated: { text: string | undefined; bytes: Uint8Array | undefined } = { text: undefined, bytes: undefined }

/**
 * Malformed jute input: a truncated field, a length out of bounds, a null where a value is
 * required. Thrown by {@link JuteReader}; the public decoders catch it and return a
 * `ProtocolError` instead. Deliberately not an `Error`: it never escapes the decoders, and
 * skipping the stack capture makes rejecting garbage several times cheaper.
 *
 * @since 0.1.0
 * @category errors
 */
export class JuteDecodeError {
  readonly name = "JuteDecodeError"
  constructor(readonly message: string) {}
}

const truncated = (what: string, need: number, at: number, have: number): JuteDecodeError =>
  new JuteDecodeError(`truncated ${what}: needs ${need} bytes at offset ${at}, ${have} remain`)

const badLength = (what: string, length: number, at: number, have: number): JuteDecodeError =>
  new JuteDecodeError(
    length < 0
      ? `negative ${what} length ${length} at offset ${at}`
      : `${what} length ${length} at offset ${at} exceeds the ${have} bytes that remain`
  )

/**
 * Appends jute values to one growing buffer. `bytes()` is a view of what was written; it stays
 * valid until the next write or `reset()`.
 *
 * @since 0.1.0
 * @category codec
 */
export class JuteWriter {
  private buf: Uint8Array
  private view: DataView
  private pos = 0

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity | 0))
    this.view = new DataView(this.buf.buffer)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos
  }

  /** Bytes the writer can hold before it grows. */
  get capacity(): number {
    return this.buf.length
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): this {
    this.pos = 0
    return this
  }

  /** Forgets what was written after the first `length` bytes. */
  truncate(length: number): this {
    if (length >= 0 && length < this.pos) this.pos = length
    return this
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): this {
    if (this.pos + n > this.buf.length) this.grow(n)
    return this
  }

  private grow(n: number): void {
    let capacity = this.buf.length * 2
    while (capacity < this.pos + n) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** A 32-bit signed big-endian integer. */
  int(v: number): this {
    if (this.pos + 4 > this.buf.length) this.grow(4)
    this.view.setInt32(this.pos, v)
    this.pos += 4
    return this
  }

  /** A 64-bit signed big-endian integer (wrapped to 64 bits). */
  long(v: bigint): this {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.view.setBigInt64(this.pos, v)
    this.pos += 8
    return this
  }

  /** One byte, 1 or 0. */
  bool(v: boolean): this {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = v ? 1 : 0
    return this
  }

  /** A length-prefixed byte buffer; null is length -1. */
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1)
    const n = v.length
    if (this.pos + 4 + n > this.buf.length) this.grow(4 + n)
    this.view.setInt32(this.pos, n)
    this.buf.set(v, this.pos + 4)
    this.pos += 4 + n
    return this
  }

  /** A length-prefixed UTF-8 string; null is length -1. */
  ustring(v: string | null): this {
    if (v === null) return this.int(-1)
    const n = v.length
    // UTF-8 needs at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    if (this.pos + 4 + n * 3 > this.buf.length) this.grow(4 + n * 3)
    const buf = this.buf
    const start = this.pos + 4
    let p = start
    let i = 0
    if (n <= ASCII_ENCODE_LIMIT) {
      for (; i < n; i++) {
        const c = v.charCodeAt(i)
        if (c >= 0x80) break
        buf[p++] = c
      }
    }
    if (i < n) {
      if (v === repeated.text && repeated.bytes !== undefined) {
        buf.set(repeated.bytes, start)
        p = start + repeated.bytes.length
      } else {
        p += utf8Encoder.encodeInto(i === 0 ? v : v.slice(i), buf.subarray(p)).written
        // Kept from the second time in a row a string is written (a client mostly repeats its
        // paths), so that strings that never repeat cost no copy.
        if (v !== repeated.text) {
          repeated.text = v
          repeated.bytes = undefined
        } else if (n <= REPEAT_LIMIT) repeated.bytes = buf.slice(start, p)
      }
    }
    this.view.setInt32(this.pos, p - start)
    this.pos = p
    return this
  }

  /** A count-prefixed vector; null is count -1. */
  vector<T>(items: ReadonlyArray<T> | null, write: (w: JuteWriter, item: T) => void): this {
    if (items === null) return this.int(-1)
    const n = items.length
    this.int(n)
    for (let i = 0; i < n; i++) write(this, items[i] as T)
    return this
  }

  /** Raw bytes, no length prefix. */
  raw(v: Uint8Array): this {
    const n = v.length
    if (this.pos + n > this.buf.length) this.grow(n)
    this.buf.set(v, this.pos)
    this.pos += n
    return this
  }

  /** Overwrites the `int` at byte `at` (already written), e.g. a frame's length prefix. */
  patchInt(at: number, v: number): this {
    this.view.setInt32(at, v)
    return this
  }

  /** A view of the bytes written so far. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

// Creating a DataView costs more than decoding a whole Stat, and every frame of a socket read
// shares one ArrayBuffer: so one view of the last buffer seen is kept and reused. (It keeps
// that one buffer reachable until a frame from another buffer is decoded.)
let lastBuffer: ArrayBufferLike | undefined
let lastView: DataView | undefined

const viewOf = (buffer: ArrayBufferLike): DataView => {
  if (buffer !== lastBuffer || lastView === undefined) {
    lastView = new DataView(buffer)
    lastBuffer = buffer
  }
  return lastView
}

/**
 * Reads jute values from a `Uint8Array`, from `offset` on. Throws {@link JuteDecodeError} on
 * malformed input. `buffer()` returns views of the input.
 *
 * @since 0.1.0
 * @category codec
 */
export class JuteReader {
  /** The bytes read from. */
  readonly bytes: Uint8Array
  /** The position of the next read, an index into `bytes`. */
  offset: number
  private readonly end: number
  /** A view of the whole underlying ArrayBuffer (shared, see `viewOf`), for longs. */
  private readonly view: DataView
  /** `bytes.byteOffset`: where `bytes` starts in `view`. */
  private readonly base: number

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes
    this.end = bytes.length
    if (!(offset >= 0 && offset <= this.end) || !Number.isInteger(offset)) {
      throw new JuteDecodeError(`offset ${offset} is outside the ${this.end} bytes given`)
    }
    this.offset = offset
    this.view = viewOf(bytes.buffer)
    this.base = bytes.byteOffset
  }

  /** Bytes not read yet. */
  remaining(): number {
    return this.end - this.offset
  }

  /** A 32-bit signed big-endian integer. */
  int(): number {
    const o = this.offset
    if (o + 4 > this.end) throw truncated("int", 4, o, this.end - o)
    this.offset = o + 4
    const b = this.bytes
    return ((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)
  }

  /** A 64-bit signed big-endian integer. */
  long(): bigint {
    const o = this.offset
    if (o + 8 > this.end) throw truncated("long", 8, o, this.end - o)
    this.offset = o + 8
    return this.view.getBigInt64(this.base + o)
  }

  /** One byte; any non-zero value is true (as Java's `DataInput.readBoolean`). */
  bool(): boolean {
    const o = this.offset
    if (o + 1 > this.end) throw truncated("boolean", 1, o, 0)
    this.offset = o + 1
    return this.bytes[o] !== 0
  }

  /** A length-prefixed buffer, as a view of the input; null for length -1. */
  buffer(): Uint8Array | null {
    const at = this.offset
    const n = this.int()
    if (n === -1) return null
    const o = this.offset
    if (n < 0 || n > this.end - o) throw badLength("buffer", n, at, this.end - o)
    this.offset = o + n
    return this.bytes.subarray(o, o + n)
  }

  /** A length-prefixed UTF-8 (or CESU-8) string; null for length -1. */
  ustring(): string | null {
    const at = this.offset
    const n = this.int()
    if (n === -1) return null
    const o = this.offset
    if (n < 0 || n > this.end - o) throw badLength("string", n, at, this.end - o)
    this.offset = o + n
    return decodeUtf8(this.bytes, o, o + n)
  }

  /**
   * A count-prefixed vector; null for count -1. The count is checked against the bytes that
   * remain (each item takes at least `minItemBytes`) before any item is read.
   */
  vector<T>(read: (r: JuteReader) => T, minItemBytes = 1): T[] | null {
    const at = this.offset
    const n = this.int()
    if (n === -1) return null
    const have = this.end - this.offset
    if (n < 0 || n * minItemBytes > have) throw badLength("vector", n, at, have)
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(read(this))
    return out
  }

  /** Fails unless every byte was read. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) {
      throw new JuteDecodeError(`${this.end - this.offset} trailing bytes after ${what} at offset ${this.offset}`)
    }
  }
}

/**
 * Decodes `bytes[start, end)` as UTF-8, also accepting the 3-byte surrogate encodings
 * (CESU-8) ZooKeeper's Java writer emits for characters outside the BMP. Malformed sequences
 * become U+FFFD, as in Java.
 *
 * @since 0.1.0
 * @category codec
 */
export const decodeUtf8 = (bytes: Uint8Array, start: number, end: number): string => {
  if (end - start <= ASCII_DECODE_LIMIT) {
    const s = decodeShortAscii(bytes, start, end)
    if (s !== undefined) return s
  }
  const all = bytes.subarray(start, end)
  // 0xED leads every encoded surrogate (U+D800..U+DFFF is ED A0 80 .. ED BF BF).
  return all.indexOf(0xed) === -1 ? utf8Decoder.decode(all) : decodeWithSurrogates(bytes, start, end)
}

const fromCharCode = String.fromCharCode

/** The string if `bytes[start, end)` is all ASCII, else undefined. */
const decodeShortAscii = (b: Uint8Array, start: number, end: number): string | undefined => {
  let s = ""
  let i = start
  for (; i + 8 <= end; i += 8) {
    const b0 = b[i] as number
    const b1 = b[i + 1] as number
    const b2 = b[i + 2] as number
    const b3 = b[i + 3] as number
    const b4 = b[i + 4] as number
    const b5 = b[i + 5] as number
    const b6 = b[i + 6] as number
    const b7 = b[i + 7] as number
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) & 0x80) return undefined
    s += fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7)
  }
  for (; i < end; i++) {
    const c = b[i] as number
    if (c & 0x80) return undefined
    s += fromCharCode(c)
  }
  return s
}

const decodeWithSurrogates = (bytes: Uint8Array, start: number, end: number): string => {
  let out = ""
  let segment = start
  let i = start
  while (i + 2 < end) {
    const b1 = bytes[i + 1] as number
    const b2 = bytes[i + 2] as number
    if (bytes[i] === 0xed && b1 >= 0xa0 && b1 <= 0xbf && b2 >= 0x80 && b2 <= 0xbf) {
      if (segment < i) out += utf8Decoder.decode(bytes.subarray(segment, i))
      out += String.fromCharCode(0xd000 | ((b1 & 0x3f) << 6) | (b2 & 0x3f))
      i += 3
      segment = i
    } else {
      i++
    }
  }
  if (segment < end) out += utf8Decoder.decode(bytes.subarray(segment, end))
  return out
}
