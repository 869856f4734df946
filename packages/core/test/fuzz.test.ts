// Garbage in gives a value or a typed ProtocolError: never a thrown exception, a hang, or an
// allocation sized by a forged length. Random bytes, and valid frames with forged lengths,
// flipped bytes, truncations and extra bytes, go to every decoder and the frame splitter.
import { afterAll, describe, expect, it } from "@effect/vitest"
import { ProtocolError } from "@effect-zk/core/ZooKeeperError"
import fc from "fast-check"
import { FrameSplitter } from "../src/internal/frame.js"
import * as R from "../src/internal/records.js"
import { anyReply, anyRequest } from "./recordArbitraries.js"

let cases = 0

/** Runs one decoder on one input and checks the outcome is a value or a ProtocolError. */
const check = (decode: () => unknown): void => {
  cases++
  let result: unknown
  try {
    result = decode()
  } catch (e) {
    throw new Error(`decoder threw: ${String(e)}`)
  }
  // (plain checks rather than expect(): this runs 100,000+ times)
  if (result instanceof ProtocolError) {
    // the catch-all reason for exceptions that were not JuteDecodeErrors: a bug if it shows
    if (result._tag !== "ProtocolError" || result.reason.startsWith("unexpected decoder failure")) {
      throw new Error(`unexpected failure: ${result.reason}`)
    }
  } else if (typeof result !== "object" || result === null) {
    throw new Error(`decoder returned ${String(result)}`)
  }
}

/** Every decoder on one input. */
const decodeAll = (bytes: Uint8Array): void => {
  for (const op of R.opNames) {
    check(() => R.decodeResponse(op, bytes, 0))
    if (bytes.length >= R.REPLY_HEADER_LENGTH) check(() => R.decodeResponse(op, bytes, R.REPLY_HEADER_LENGTH))
  }
  check(() => R.decodeReplyHeader(bytes))
  check(() => R.decodeWatcherEvent(bytes, 0))
  check(() => R.decodeConnectResponse(bytes))
  check(() => R.decodeConnectRequest(bytes))
  check(() => R.decodeRequest(bytes))
}

/** Ints that make interesting forged lengths and counts. */
const forged = fc.constantFrom(0x7fffffff, -1, -2, -0x80000000, 0, 1, 0xffff, 0x100000, 5, 16, 68)

type Mutation =
  | { readonly kind: "forge"; readonly at: number; readonly value: number }
  | { readonly kind: "flip"; readonly at: number; readonly value: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "extend"; readonly extra: Uint8Array }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("forge" as const), at: fc.nat(), value: fc.oneof(forged, fc.integer({ min: -0x80000000, max: 0x7fffffff })) }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
)

const mutate = (frame: Uint8Array, ms: ReadonlyArray<Mutation>): Uint8Array => {
  let out = frame.slice()
  for (const m of ms) {
    if (out.length === 0) break
    switch (m.kind) {
      case "forge": {
        if (out.length < 4) break
        new DataView(out.buffer).setInt32(m.at % (out.length - 3), m.value)
        break
      }
      case "flip": {
        const i = m.at % out.length
        out[i] = (out[i] as number) ^ m.value
        break
      }
      case "truncate":
        out = out.slice(0, m.at % out.length)
        break
      case "extend":
        out = new Uint8Array([...out, ...m.extra])
        break
    }
  }
  return out
}

describe("fuzz: decoders", () => {
  afterAll(() => {
    // at least 100,000 decoder runs and splitter pushes in total
    expect(cases).toBeGreaterThanOrEqual(100_000)
  })

  it("random bytes into every decoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => decodeAll(bytes)),
      { numRuns: 2500 }
    )
  })

  it("valid replies with forged lengths, flipped bytes, truncation and extra bytes", () => {
    fc.assert(
      fc.property(anyReply, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ op, header, body }, ms) => {
        const frame = mutate(R.encodeReply(op, header, body).subarray(4), ms)
        check(() => R.decodeReplyHeader(frame))
        // the reply decoder of its own op, and of every other op
        for (const other of R.opNames) check(() => R.decodeResponse(other, frame, Math.min(16, frame.length)))
        check(() => R.decodeWatcherEvent(frame, Math.min(16, frame.length)))
      }),
      { numRuns: 2500 }
    )
  })

  it("valid requests and handshakes, mutated", () => {
    const connect = fc.record({
      protocolVersion: fc.integer(),
      lastZxidSeen: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      timeOut: fc.integer(),
      sessionId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      passwd: fc.uint8Array({ maxLength: 16 }),
      readOnly: fc.boolean()
    })
    fc.assert(
      fc.property(anyRequest, connect, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ op, xid, body }, c, ms) => {
        const req = mutate(R.encodeRequest(op, xid, body).subarray(4), ms)
        check(() => R.decodeRequest(req))
        const hs = mutate(R.encodeConnectRequest(c).subarray(4), ms)
        check(() => R.decodeConnectRequest(hs))
        check(() => R.decodeConnectResponse(hs))
      }),
      { numRuns: 3000 }
    )
  })

  it("a forged 0x7fffffff length in a 20-byte frame fails quickly in every decoder", () => {
    for (let at = 0; at <= 16; at++) {
      const frame = new Uint8Array(20)
      new DataView(frame.buffer).setInt32(at, 0x7fffffff)
      const t0 = performance.now()
      decodeAll(frame)
      expect(performance.now() - t0).toBeLessThan(100)
    }
  })
})

describe("fuzz: frame splitter", () => {
  it("any bytes, any chunking: frames or a ProtocolError, never a throw, never more buffered than the maximum", () => {
    const max = 64
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (bytes, sizes) => {
          const splitter = new FrameSplitter(max)
          let delivered = 0
          let error: ProtocolError | undefined
          let at = 0
          for (let i = 0; at < bytes.length; i++) {
            const size = sizes[i % sizes.length] as number
            const chunk = bytes.subarray(at, at + size)
            at += size
            cases++
            error = splitter.push(chunk, (b, start, end) => {
              if (start < 0 || end > b.length || end < start) throw new Error(`range ${start}..${end} of ${b.length} bytes`)
              if (end - start > max) throw new Error(`frame of ${end - start} bytes`)
              delivered += 4 + end - start
            })
            if (splitter.buffered > max + 4) throw new Error(`${splitter.buffered} bytes buffered`)
            if (error !== undefined) break
          }
          if (error === undefined) {
            expect(delivered + splitter.buffered).toBe(bytes.length)
          } else {
            expect(error).toBeInstanceOf(ProtocolError)
            expect(splitter.push(new Uint8Array(1), () => expect.unreachable())).toBe(error)
          }
        }
      ),
      { numRuns: 5000 }
    )
  })
})
