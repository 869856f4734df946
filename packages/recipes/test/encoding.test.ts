/**
 * The bytes our recipes write are the bytes kazoo writes: Python's own `repr`, `json.dumps`,
 * `int()` and `float()` (run once per property through /usr/bin/python3) are the oracle.
 */
import { execFileSync } from "node:child_process"
import { ZooKeeper } from "@effect-zk/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Contender, exclusiveDriver, readDriver, writeDriver } from "../src/internal/contender.js"
import {
  parsePythonFloat,
  parsePythonInt,
  pythonFloatRepr,
  pythonJsonString,
  randomHex
} from "../src/internal/encoding.js"
import { encodeRecord, formatEnd, parseEnd } from "../src/internal/leaseRecord.js"

/** Runs a Python snippet that reads JSON from stdin and prints JSON. */
const python = (code: string, input: unknown): unknown =>
  JSON.parse(execFileSync("/usr/bin/python3", ["-c", code], { input: JSON.stringify(input), encoding: "utf8" }))

const floats = fc.sample(
  fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
    fc.constantFrom(0, -0, 1e16, 1e15, 9999999999999998, 0.0001, 0.00001, 1e-7, 5e-324, 1.7976931348623157e308, 0.1, 123.456)
  ),
  { numRuns: 2000, seed: 42 }
)

describe("Python-compatible encodings", () => {
  it("pythonFloatRepr is Python's repr(float)", () => {
    const expected = python(
      "import json,sys; print(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))",
      floats.map((x) => (Object.is(x, -0) ? "-0.0" : JSON.stringify(x)))
    ) as Array<string>
    expect(floats.map(pythonFloatRepr)).toEqual(expected)
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(pythonFloatRepr)).toEqual([
      "nan",
      "inf",
      "-inf"
    ])
  })

  it("parsePythonFloat reads back every repr, and what float() reads", () => {
    for (const x of floats) expect(Object.is(parsePythonFloat(pythonFloatRepr(x)), x)).toBe(true)
    const texts = [" 1.5 ", "+2", "-3.", ".5", "1_000.5", "1e3", "1E-3", "inf", "-Infinity", "nan", "1__0", "", "0x10", "1e", "abc", "1.2.3"]
    const oracle = python(
      "import json,sys\nout=[]\nfor t in json.load(sys.stdin):\n  try: out.append(repr(float(t)))\n  except ValueError: out.append(None)\nprint(json.dumps(out))",
      texts
    ) as Array<string | null>
    expect(texts.map((t) => {
      const v = parsePythonFloat(t)
      return v === undefined ? null : pythonFloatRepr(v)
    })).toEqual(oracle)
  })

  it("parsePythonInt is int() in base 10", () => {
    const texts = [" 42 ", "+7", "-0", "1_000", "1__0", "_1", "3.0", "", "0x1f", "007", "-12345678901"]
    const oracle = python(
      "import json,sys\nout=[]\nfor t in json.load(sys.stdin):\n  try: out.append(int(t))\n  except ValueError: out.append(None)\nprint(json.dumps(out))",
      texts
    ) as Array<number | null>
    expect(texts.map((t) => parsePythonInt(t) ?? null)).toEqual(oracle)
  })

  it("pythonJsonString is json.dumps(str)", () => {
    const strings = fc.sample(fc.string({ unit: "grapheme", maxLength: 20 }), { numRuns: 300, seed: 7 })
    strings.push("a\"b\\c\n\t\u007f\u0000é€😀/")
    const oracle = python("import json,sys; print(json.dumps([json.dumps(s) for s in json.load(sys.stdin)]))", strings)
    expect(strings.map(pythonJsonString)).toEqual(oracle)
  })

  it("the lease record is json.dumps of kazoo's dict, its end strftime'd in UTC", () => {
    const end = Date.UTC(2030, 0, 2, 3, 4, 5, 678)
    const bytes = encodeRecord("host é", end)
    const oracle = python(
      "import json,sys,datetime\nh,ms=json.load(sys.stdin)\nd=datetime.datetime(1970,1,1)+datetime.timedelta(milliseconds=ms)\nprint(json.dumps(json.dumps({'version': 1, 'holder': h, 'end': d.strftime('%Y-%m-%dT%H:%M:%S')})))",
      ["host é", end]
    )
    expect(new TextDecoder().decode(bytes)).toBe(oracle)
    expect(formatEnd(end)).toBe("2030-01-02T03:04:05")
    expect(parseEnd("2030-01-02T03:04:05")).toBe(Date.UTC(2030, 0, 2, 3, 4, 5))
    expect(parseEnd("2030-02-30T03:04:05")).toBeUndefined()
    expect(parseEnd("2030-01-02 03:04:05")).toBeUndefined()
  })

  it("random prefixes look like uuid4().hex", () => {
    const ids = new Set(Array.from({ length: 100 }, randomHex))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/)
  })
})

describe("contender ordering (kazoo's rules)", () => {
  const client = {} as ZooKeeper.ZooKeeperClient
  const prefix = "0123456789abcdef0123456789abcdef"

  it("orders by the sequence text, ignores other children, and waits on the right node", () => {
    const lock = new Contender(client, "/l", new Uint8Array(), exclusiveDriver())
    const children = [`b${prefix}__lock__0000000003`, "lease_holder", `a${prefix}__lock__0000000001`, `c${prefix}__rlock__0000000002`]
    expect(lock.sorted(children)).toEqual([`a${prefix}__lock__0000000001`, `b${prefix}__lock__0000000003`])
    expect(lock.predecessor(children, `b${prefix}__lock__0000000003`)).toBe(`a${prefix}__lock__0000000001`)
    expect(lock.predecessor(children, `a${prefix}__lock__0000000001`)).toBeUndefined()
    expect(typeof lock.predecessor(children, "gone__lock__0000000009")).toBe("symbol")
  })

  it("read and write locks: writers wait for anyone earlier, readers for earlier writers only", () => {
    const w1 = `w${prefix}__lock__0000000001`
    const r2 = `r${prefix}__rlock__0000000002`
    const w3 = `x${prefix}__lock__0000000003`
    const r4 = `s${prefix}__rlock__0000000004`
    const children = [r4, w3, r2, w1]
    const write = new Contender(client, "/rw", new Uint8Array(), writeDriver)
    const read = new Contender(client, "/rw", new Uint8Array(), readDriver)
    expect(write.predecessor(children, w3)).toBe(r2)
    expect(read.predecessor(children, r2)).toBe(w1)
    expect(read.predecessor(children, r4)).toBe(w3)
    expect(read.predecessor([r2, w3], r2)).toBeUndefined()
  })

  it("extra lock patterns (Curator's `-lock-`) count as contenders", () => {
    const lock = new Contender(client, "/l", new Uint8Array(), exclusiveDriver(["-lock-"]))
    const curator = "_c_5f1b5b6e-0c1a-4f4e-9f0a-3c2f1e6d7a8b-lock-0000000000"
    const ours = `${prefix}__lock__0000000001`
    expect(lock.predecessor([ours, curator], ours)).toBe(curator)
  })

  it("sorts like kazoo: by the captured sequence text; 9-digit negative sequences match neither", () => {
    const lock = new Contender(client, "/l", new Uint8Array(), exclusiveDriver())
    const names = ["a__lock__0000000005", "b__lock__-000000002", "c__lock__0000000010", "d__lock__2147483647", "e__lock__0000000007"]
    const oracle = python(
      "import json,re,sys\nr=re.compile(r'(?:__lock__)(-?\\d{10})$')\nms=[m for m in (r.search(c) for c in json.load(sys.stdin)) if m]\nprint(json.dumps([m.string for m in sorted(ms, key=lambda m: m.groups())]))",
      names
    )
    expect(lock.sorted(names)).toEqual(oracle)
    expect(ZooKeeper).toBeDefined()
  })
})
