import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { decodeUtf8, JuteDecodeError, JuteReader, JuteWriter } from "../src/internal/jute.js"

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")
const fromHex = (h: string): Uint8Array => new Uint8Array((h.match(/../g) ?? []).map((x) => Number.parseInt(x, 16)))
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff })
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const wellFormed = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary-ascii", minLength: 40, maxLength: 300 })
)

/** Runs `read` over what `write` produced and checks every byte was consumed. */
const roundTrip = <T>(write: (w: JuteWriter) => void, read: (r: JuteReader) => T): T => {
  const w = new JuteWriter(16)
  write(w)
  const r = new JuteReader(w.bytes())
  const v = read(r)
  expect(r.remaining()).toBe(0)
  return v
}

const decodeError = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(JuteDecodeError)
    return (e as JuteDecodeError).message
  }
  throw new Error("expected a JuteDecodeError")
}

describe("JuteWriter / JuteReader", () => {
  it("encodes primitives big-endian, as Java's DataOutput", () => {
    const w = new JuteWriter()
      .int(1)
      .int(-1)
      .long(0x0102030405060708n)
      .long(-2n)
      .bool(true)
      .bool(false)
      .buffer(new Uint8Array([0xaa, 0xbb]))
      .buffer(null)
      .ustring("hé")
      .ustring(null)
      .ustring("")
      .vector(["a"], (w, s) => void w.ustring(s))
      .vector(null, () => {})
    expect(hex(w.bytes())).toBe(
      "00000001" +
        "ffffffff" +
        "0102030405060708" +
        "fffffffffffffffe" +
        "01" +
        "00" +
        "00000002aabb" +
        "ffffffff" +
        "0000000368c3a9" +
        "ffffffff" +
        "00000000" +
        "000000010000000161" +
        "ffffffff"
    )
    expect(w.length).toBe(w.bytes().length)
  })

  it("round-trips ints and longs over their full range", () => {
    fc.assert(
      fc.property(int32, int64, (i, l) => {
        const [a, b] = roundTrip(
          (w) => w.int(i).long(l),
          (r) => [r.int(), r.long()] as const
        )
        expect(a).toBe(i)
        expect(b).toBe(l)
      }),
      { numRuns: 2000 }
    )
    for (const l of [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(roundTrip((w) => w.long(l), (r) => r.long())).toBe(l)
    }
  })

  it("round-trips strings (ASCII fast path, UTF-8, astral, BOM, long), nulls and buffers", () => {
    fc.assert(
      fc.property(wellFormed, fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }), (s, b) => {
        const [s2, b2, n] = roundTrip(
          (w) => w.ustring(s).buffer(b).ustring(null),
          (r) => [r.ustring(), r.buffer(), r.ustring()] as const
        )
        expect(s2).toBe(s)
        expect(b2).toEqual(b)
        expect(n).toBeNull()
      }),
      { numRuns: 2000 }
    )
    for (const s of ["\ufeff", "\ufeffx", "a".repeat(64) + "é", "é" + "a".repeat(100), "😀".repeat(40)]) {
      expect(roundTrip((w) => w.ustring(s), (r) => r.ustring())).toBe(s)
    }
  })

  it("writes strings repeated in a row as TextEncoder does (the copy kept of a repeated string)", () => {
    const pool = fc.constantFrom(
      "/services/orders/leader",
      "/é/ünïcode/path/than/twelve",
      "/ab\u00e9c",
      "x".repeat(2000),
      "/a"
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(pool, wellFormed), { maxLength: 12 }), (strings) => {
        const shared = new JuteWriter(8)
        for (const s of strings) shared.ustring(s)
        const expected = strings.map((s) => {
          const b = utf8(s)
          return hex(new Uint8Array([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255])) + hex(b)
        })
        expect(hex(shared.bytes())).toBe(expected.join(""))
        const r = new JuteReader(shared.bytes())
        for (const s of strings) expect(r.ustring()).toBe(s)
        expect(r.remaining()).toBe(0)
      })
    )
    // Three times in a row, then at an offset that is not the first string's.
    const w = new JuteWriter(4)
    const path = "/services/orders/leader-é"
    w.ustring(path).ustring(path).int(7).ustring(path)
    const r = new JuteReader(w.bytes())
    expect([r.ustring(), r.ustring(), r.int(), r.ustring()]).toEqual([path, path, 7, path])
    expect(hex(w.bytes().subarray(4, 4 + utf8(path).length))).toBe(hex(utf8(path)))
  })

  it("round-trips vectors, null and empty", () => {
    fc.assert(
      fc.property(fc.option(fc.array(int32), { nil: null }), (xs) => {
        const ys = roundTrip(
          (w) => w.vector(xs, (w, x) => void w.int(x)),
          (r) => r.vector((r) => r.int(), 4)
        )
        expect(ys).toEqual(xs)
      })
    )
  })

  it("grows from a tiny buffer and keeps what was written", () => {
    const w = new JuteWriter(1)
    for (let i = 0; i < 1000; i++) w.int(i).ustring("é".repeat(i % 7))
    const r = new JuteReader(w.bytes())
    for (let i = 0; i < 1000; i++) {
      expect(r.int()).toBe(i)
      expect(r.ustring()).toBe("é".repeat(i % 7))
    }
    expect(w.capacity).toBeGreaterThanOrEqual(w.length)
    expect(w.reset().length).toBe(0)
  })

  it("patchInt and raw support building length-prefixed frames", () => {
    const w = new JuteWriter().int(0).raw(new Uint8Array([1, 2, 3]))
    w.patchInt(0, w.length - 4)
    expect(hex(w.bytes())).toBe("00000003010203")
  })

  it("hands buffers out as views of the input, not copies", () => {
    const frame = fromHex("00000003010203ff")
    const r = new JuteReader(frame)
    const b = r.buffer()!
    expect(b.buffer).toBe(frame.buffer)
    expect(b.byteOffset).toBe(4)
    expect(Array.from(b)).toEqual([1, 2, 3])
  })

  it("reads at an offset inside a subarray", () => {
    const outer = fromHex("eeee0000002a0000000161")
    const r = new JuteReader(outer.subarray(2), 0)
    expect(r.int()).toBe(42)
    expect(r.ustring()).toBe("a")
    const r2 = new JuteReader(outer, 6)
    expect(r2.ustring()).toBe("a")
  })

  it("reads longs at any byte offset, alternating between buffers (the shared DataView)", () => {
    fc.assert(
      fc.property(int64, int64, fc.nat(9), fc.nat(9), (a, b, pa, pb) => {
        const frameA = new Uint8Array(pa + 8 + 3)
        const frameB = new Uint8Array(pb + 8 + 5)
        new DataView(frameA.buffer).setBigInt64(pa, a)
        new DataView(frameB.buffer).setBigInt64(pb, b)
        expect(new JuteReader(frameA.subarray(pa)).long()).toBe(a)
        expect(new JuteReader(frameB.subarray(pb, pb + 8)).long()).toBe(b)
        expect(new JuteReader(frameA, pa).long()).toBe(a)
        if (pb > 0) expect(new JuteReader(frameB.subarray(1), pb - 1).long()).toBe(b)
      })
    )
  })

  it("booleans: any non-zero byte is true (Java's readBoolean)", () => {
    expect(new JuteReader(new Uint8Array([2])).bool()).toBe(true)
    expect(new JuteReader(new Uint8Array([0])).bool()).toBe(false)
  })
})

describe("JuteReader rejects malformed input with JuteDecodeError", () => {
  it("truncated primitives", () => {
    expect(decodeError(() => new JuteReader(new Uint8Array(3)).int())).toMatch(/truncated int/)
    expect(decodeError(() => new JuteReader(new Uint8Array(7)).long())).toMatch(/truncated long/)
    expect(decodeError(() => new JuteReader(new Uint8Array(0)).bool())).toMatch(/truncated boolean/)
  })

  it("lengths beyond the input, before allocating or looping", () => {
    const forged = fromHex("7fffffff" + "00".repeat(16))
    const t0 = performance.now()
    expect(decodeError(() => new JuteReader(forged).buffer())).toMatch(/buffer length 2147483647/)
    expect(decodeError(() => new JuteReader(forged).ustring())).toMatch(/string length 2147483647/)
    expect(decodeError(() => new JuteReader(forged).vector((r) => r.int()))).toMatch(/vector length 2147483647/)
    expect(performance.now() - t0).toBeLessThan(50)
    // a count that fits the bytes but not the minimum item size
    expect(decodeError(() => new JuteReader(fromHex("00000003" + "00".repeat(8))).vector((r) => r.int(), 4))).toMatch(
      /vector length 3/
    )
  })

  it("negative lengths other than -1", () => {
    for (const n of ["fffffffe", "80000000"]) {
      expect(decodeError(() => new JuteReader(fromHex(n)).buffer())).toMatch(/negative buffer length/)
      expect(decodeError(() => new JuteReader(fromHex(n)).ustring())).toMatch(/negative string length/)
      expect(decodeError(() => new JuteReader(fromHex(n)).vector((r) => r.int()))).toMatch(/negative vector length/)
    }
  })

  it("offsets outside the input", () => {
    expect(decodeError(() => new JuteReader(new Uint8Array(4), 5))).toMatch(/offset 5/)
    expect(decodeError(() => new JuteReader(new Uint8Array(4), -1))).toMatch(/offset -1/)
    expect(decodeError(() => new JuteReader(new Uint8Array(4), 1.5))).toMatch(/offset 1.5/)
    expect(new JuteReader(new Uint8Array(4), 4).remaining()).toBe(0)
  })

  it("trailing bytes via expectEnd", () => {
    const r = new JuteReader(new Uint8Array(5))
    r.int()
    expect(decodeError(() => r.expectEnd("x"))).toMatch(/1 trailing bytes after x/)
  })
})

describe("decodeUtf8", () => {
  const decode = (b: Uint8Array): string => decodeUtf8(b, 0, b.length)

  it("agrees with TextDecoder on well-formed UTF-8", () => {
    fc.assert(
      fc.property(wellFormed, (s) => {
        expect(decode(utf8(s))).toBe(s)
      }),
      { numRuns: 2000 }
    )
  })

  it("reads the CESU-8 surrogates ZooKeeper's Java writer produces for astral characters", () => {
    // "😀" = U+1F600 = D83D DE00; Java's BinaryOutputArchive writes each unit as 3 bytes.
    expect(decode(fromHex("eda0bdedb880"))).toBe("😀")
    expect(decode(fromHex("61eda0b4edb49e62"))).toBe("a\u{1d11e}b")
    // mixed with standard UTF-8 and long enough to skip the ASCII loop
    const mixed = "x".repeat(50) + "é😀€"
    const cesu = new Uint8Array([...utf8("x".repeat(50) + "é"), ...fromHex("eda0bdedb880"), ...utf8("€")])
    expect(decode(cesu)).toBe(mixed)
  })

  it("keeps a leading byte-order mark, as Java does", () => {
    expect(decode(fromHex("efbbbf61"))).toBe("\ufeffa")
  })

  it("turns malformed sequences into U+FFFD instead of failing", () => {
    expect(decode(fromHex("ff61"))).toBe("\ufffda")
    expect(decode(fromHex("c3"))).toBe("\ufffd")
    expect(decode(fromHex("ed"))).toBe("\ufffd")
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(typeof decode(b)).toBe("string")
      })
    )
  })

  it("decodes only the given range", () => {
    const b = utf8("abcdé")
    expect(decodeUtf8(b, 1, 3)).toBe("bc")
    expect(decodeUtf8(b, 3, b.length)).toBe("dé")
  })
})
