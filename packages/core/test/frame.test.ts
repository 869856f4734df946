import { describe, expect, it } from "@effect/vitest"
import { ProtocolError } from "@effect-zk/core/ZooKeeperError"
import fc from "fast-check"
import { DEFAULT_MAX_FRAME_LENGTH, FrameSplitter } from "../src/internal/frame.js"

/** Length-prefixes each payload and concatenates them. */
const stream = (payloads: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(payloads.reduce((n, p) => n + 4 + p.length, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const p of payloads) {
    view.setInt32(at, p.length)
    out.set(p, at + 4)
    at += 4 + p.length
  }
  return out
}

/** Cuts `bytes` at the given positions (sorted, deduplicated, clamped). */
const cut = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(from, p))
    from = p
  }
  return chunks
}

const feed = (splitter: FrameSplitter, chunks: ReadonlyArray<Uint8Array>): { frames: Uint8Array[]; error?: ProtocolError } => {
  const frames: Uint8Array[] = []
  for (const chunk of chunks) {
    const error = splitter.push(chunk, (b, start, end) => frames.push(b.slice(start, end)))
    if (error !== undefined) return { frames, error }
  }
  return { frames }
}

const header = (length: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setInt32(0, length)
  return b
}

const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 })

describe("FrameSplitter", () => {
  it("delivers exactly the frames sent, for any chunking", () => {
    fc.assert(
      fc.property(payloads, fc.array(fc.nat(4000), { maxLength: 40 }), (ps, cuts) => {
        const bytes = stream(ps)
        const splitter = new FrameSplitter()
        const { frames, error } = feed(splitter, cut(bytes, cuts))
        expect(error).toBeUndefined()
        expect(frames).toEqual(ps)
        expect(splitter.buffered).toBe(0)
      }),
      { numRuns: 1000 }
    )
  })

  it("one byte at a time", () => {
    fc.assert(
      fc.property(payloads, (ps) => {
        const bytes = stream(ps)
        const splitter = new FrameSplitter()
        const { frames } = feed(
          splitter,
          Array.from(bytes, (b) => new Uint8Array([b]))
        )
        expect(frames).toEqual(ps)
      }),
      { numRuns: 200 }
    )
  })

  it("many frames in one chunk come out as ranges of the chunk itself", () => {
    const ps = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]
    const chunk = stream(ps)
    const seen: Uint8Array[] = []
    const given: Uint8Array[] = []
    expect(
      new FrameSplitter().push(chunk, (b, start, end) => {
        given.push(b)
        seen.push(b.subarray(start, end))
      })
    ).toBeUndefined()
    expect(seen).toEqual(ps)
    for (const b of given) expect(b).toBe(chunk)
    expect(seen.map((f) => f.byteOffset)).toEqual([4, 10, 14])
  })

  it("a frame split across chunks is assembled into one copy", () => {
    const bytes = stream([new Uint8Array([1, 2, 3, 4, 5])])
    const splitter = new FrameSplitter()
    const seen: Uint8Array[] = []
    splitter.push(bytes.subarray(0, 6), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(seen).toEqual([])
    expect(splitter.buffered).toBe(6)
    splitter.push(bytes.subarray(6), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(seen).toEqual([new Uint8Array([1, 2, 3, 4, 5])])
    expect(seen[0]?.buffer).not.toBe(bytes.buffer)
    expect(splitter.buffered).toBe(0)
  })

  it("a length prefix split across chunks", () => {
    const bytes = stream([new Uint8Array([9, 8, 7])])
    const splitter = new FrameSplitter()
    const seen: Uint8Array[] = []
    splitter.push(bytes.subarray(0, 2), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(splitter.buffered).toBe(2)
    splitter.push(bytes.subarray(2), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(seen).toEqual([new Uint8Array([9, 8, 7])])
  })

  it("rejects a negative length before allocating anything", () => {
    const splitter = new FrameSplitter()
    const error = splitter.push(header(-1), () => expect.unreachable())
    expect(error).toBeInstanceOf(ProtocolError)
    expect(error?.reason).toMatch(/negative frame length -1/)
    expect(splitter.buffered).toBe(0)
  })

  it("rejects a length above the maximum before allocating anything, even when it arrives byte by byte", () => {
    const splitter = new FrameSplitter()
    const big = header(0x7fffffff)
    let error: ProtocolError | undefined
    for (const b of big) error = splitter.push(new Uint8Array([b]), () => expect.unreachable())
    expect(error?.reason).toMatch(/frame length 2147483647 exceeds the maximum of 1052671 bytes/)
    expect(splitter.buffered).toBe(0)
  })

  it("accepts exactly the maximum, which is configurable", () => {
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(0xfffff + 4096)
    const splitter = new FrameSplitter(8)
    const seen: Uint8Array[] = []
    expect(splitter.push(stream([new Uint8Array(8)]), (b, start, end) => seen.push(b.subarray(start, end)))).toBeUndefined()
    expect(seen).toHaveLength(1)
    expect(splitter.push(header(9), () => expect.unreachable())?.reason).toMatch(/exceeds the maximum of 8/)
    const zero = new FrameSplitter(0)
    expect(zero.push(stream([new Uint8Array(0)]), (b, start, end) => seen.push(b.subarray(start, end)))).toBeUndefined()
    expect(zero.push(header(1), () => {})).toBeInstanceOf(ProtocolError)
    expect(() => new FrameSplitter(-1)).toThrow(RangeError)
    expect(() => new FrameSplitter(2 ** 31)).toThrow(RangeError)
  })

  it("the default maximum admits a full 1 MiB getData reply", () => {
    // ReplyHeader 16 + data length 4 + 0xfffff bytes + Stat 68
    const length = 16 + 4 + 0xfffff + 68
    const splitter = new FrameSplitter()
    const seen: number[] = []
    expect(splitter.push(stream([new Uint8Array(length)]), (_b, start, end) => seen.push(end - start))).toBeUndefined()
    expect(seen).toEqual([length])
  })

  it("frames before a bad length are delivered; the error then sticks until reset", () => {
    const splitter = new FrameSplitter(100)
    const good = stream([new Uint8Array([1])])
    const chunk = new Uint8Array([...good, ...header(1000), ...good])
    const seen: Uint8Array[] = []
    const error = splitter.push(chunk, (b, start, end) => seen.push(b.subarray(start, end)))
    expect(error).toBeInstanceOf(ProtocolError)
    expect(seen).toEqual([new Uint8Array([1])])
    expect(splitter.push(good, () => expect.unreachable())).toBe(error)
    splitter.reset()
    expect(splitter.push(good, (b, start, end) => seen.push(b.subarray(start, end)))).toBeUndefined()
    expect(seen).toHaveLength(2)
  })

  it("reset drops a partial frame", () => {
    const splitter = new FrameSplitter()
    splitter.push(stream([new Uint8Array(10)]).subarray(0, 7), () => expect.unreachable())
    expect(splitter.buffered).toBe(7)
    splitter.reset()
    expect(splitter.buffered).toBe(0)
    const seen: Uint8Array[] = []
    splitter.push(stream([new Uint8Array([5])]), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(seen).toEqual([new Uint8Array([5])])
  })

  it("empty chunks change nothing", () => {
    const splitter = new FrameSplitter()
    expect(splitter.push(new Uint8Array(0), () => expect.unreachable())).toBeUndefined()
    splitter.push(new Uint8Array([0, 0]), () => expect.unreachable())
    expect(splitter.push(new Uint8Array(0), () => expect.unreachable())).toBeUndefined()
    expect(splitter.buffered).toBe(2)
  })

  it("a frame handed to onFrame is complete even when onFrame throws", () => {
    const splitter = new FrameSplitter()
    const bytes = stream([new Uint8Array([1]), new Uint8Array([2])])
    expect(() =>
      splitter.push(bytes.subarray(0, 5), () => {
        throw new Error("boom")
      })
    ).toThrow("boom")
    expect(splitter.buffered).toBe(0)
    const seen: Uint8Array[] = []
    splitter.push(bytes.subarray(5), (b, start, end) => seen.push(b.subarray(start, end)))
    expect(seen).toEqual([new Uint8Array([2])])
  })
})
