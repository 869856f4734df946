import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { md5, toHex } from "../src/internal/md5.js"

const utf8 = (s: string) => new TextEncoder().encode(s)

describe("md5", () => {
  // RFC 1321, appendix A.5
  it("matches the test suite of RFC 1321", () => {
    const vectors: ReadonlyArray<readonly [string, string]> = [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["a", "0cc175b9c0f1b6a831c399e269772661"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
      ["abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"],
      ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"],
      [
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        "57edf4a22be3c955ac49da2e2107b67a"
      ]
    ]
    for (const [input, digest] of vectors) expect(toHex(md5(utf8(input))), JSON.stringify(input)).toBe(digest)
  })

  it("pads correctly around the 56- and 64-byte block edges", () => {
    for (const n of [55, 56, 57, 63, 64, 65, 119, 120, 128]) {
      const input = new Uint8Array(n).map((_, i) => (i * 7 + 3) & 255)
      expect(toHex(md5(input)), `${n} bytes`).toBe(createHash("md5").update(input).digest("hex"))
    }
  })

  it("agrees with node:crypto on any input", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (input) => {
        expect(toHex(md5(input))).toBe(createHash("md5").update(input).digest("hex"))
      }),
      { numRuns: 300 }
    )
  })

  it("does not modify its input", () => {
    const input = utf8("unchanged")
    md5(input)
    expect(new TextDecoder().decode(input)).toBe("unchanged")
  })
})
