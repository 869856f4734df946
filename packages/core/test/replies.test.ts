// The hot path's reply decoders against the generic codec: the same values for every well-formed
// reply (the cache of recent zxids included), and no value (so the generic decoder reports the
// error) for anything else.
import { describe, expect, it } from "@effect/vitest"
import * as Stat from "@effect-zk/core/Stat"
import { Equal } from "effect"
import fc from "fast-check"
import * as R from "../src/internal/records.js"
import { ReplyDecoder } from "../src/internal/replies.js"
import { bytes, int64, stat } from "./recordArbitraries.js"

/** A reply frame's body: what `encodeReply` writes after the 16-byte reply header. */
const body = <K extends R.OpName>(op: K, value: R.Responses[K]): Uint8Array =>
  R.encodeReply(op, { xid: 1, zxid: 9n, err: 0 }, value).subarray(4 + 16)

const EMPTY = new Uint8Array(0)

describe("ReplyDecoder", () => {
  it("a Stat reply (exists, setData) gives what the generic decoder gives", () => {
    const decoder = new ReplyDecoder()
    fc.assert(
      fc.property(stat, (s) => {
        const frame = body("exists", { stat: s })
        const fast = decoder.statReply(frame, 0, frame.length)
        expect(fast).toBeDefined()
        const generic = Stat.fromRecord((R.decodeResponse("exists", frame, 0) as R.Responses["exists"]).stat)
        expect(Equal.equals(fast, generic)).toBe(true)
        expect(fast?.toJSON()).toEqual(generic.toJSON())
      }),
      { numRuns: 2000 }
    )
  })

  it("a getData reply gives the same data and stat, null data as empty, anywhere in a chunk", () => {
    const decoder = new ReplyDecoder()
    fc.assert(
      fc.property(fc.option(bytes, { nil: null }), stat, fc.nat(8), bytes, (data, s, pad, after) => {
        // the reply sits in a chunk between other bytes (frames before and after it)
        const inner = body("getData", { data, stat: s })
        const chunk = new Uint8Array(pad + inner.length + after.length)
        chunk.set(inner, pad)
        chunk.set(after, pad + inner.length)
        const fast = decoder.dataReply(chunk, pad, pad + inner.length, EMPTY)
        const generic = R.decodeResponse("getData", inner, 0) as R.Responses["getData"]
        expect(fast).toBeDefined()
        expect(Array.from(fast?.data ?? [])).toEqual(Array.from(generic.data ?? []))
        if (generic.data === null) expect(fast?.data).toBe(EMPTY)
        expect(Equal.equals(fast?.stat, Stat.fromRecord(generic.stat))).toBe(true)
      }),
      { numRuns: 2000 }
    )
  })

  it("reuses the bigint of a recently seen zxid, and is right after its four slots turn over", () => {
    const decoder = new ReplyDecoder()
    const at = (v: bigint) => {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setBigInt64(0, v)
      return b
    }
    fc.assert(
      fc.property(fc.array(int64, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(11), { maxLength: 30 }), (values, picks) => {
        for (const v of values) expect(decoder.long(at(v), 0)).toBe(v)
        for (const i of picks) {
          const v = values[i % values.length]!
          expect(decoder.long(at(v), 0)).toBe(v)
        }
      })
    )
  })

  it("anything not exactly a reply of that shape is left to the generic decoder", () => {
    const decoder = new ReplyDecoder()
    const s: R.Stat = {
      czxid: 1n,
      mzxid: 2n,
      ctime: 3n,
      mtime: 4n,
      version: 5,
      cversion: 6,
      aversion: 7,
      ephemeralOwner: 0n,
      dataLength: 3,
      numChildren: 0,
      pzxid: 8n
    }
    const statReply = (b: Uint8Array) => decoder.statReply(b, 0, b.length)
    const dataReply = (b: Uint8Array) => decoder.dataReply(b, 0, b.length, EMPTY)
    const stat68 = body("exists", { stat: s })
    expect(statReply(stat68)).toBeDefined()
    expect(statReply(stat68.subarray(0, 67))).toBeUndefined()
    expect(statReply(new Uint8Array([...stat68, 0]))).toBeUndefined()
    // an end past the bytes given is refused, not read
    expect(decoder.statReply(stat68.subarray(0, 60), 0, 68)).toBeUndefined()
    const data = body("getData", { data: new Uint8Array([1, 2, 3]), stat: s })
    expect(dataReply(data)).toBeDefined()
    expect(dataReply(data.subarray(0, data.length - 1))).toBeUndefined()
    expect(dataReply(new Uint8Array([...data, 0]))).toBeUndefined()
    expect(decoder.dataReply(data.subarray(0, 70), 0, data.length, EMPTY)).toBeUndefined()
    // a data length that runs past the frame, or a negative one other than -1
    const long = data.slice()
    new DataView(long.buffer).setInt32(0, 4)
    expect(dataReply(long)).toBeUndefined()
    new DataView(long.buffer).setInt32(0, -2)
    expect(dataReply(long)).toBeUndefined()
    expect(dataReply(new Uint8Array(10))).toBeUndefined()
  })
})
