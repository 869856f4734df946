// multiRead's reply against the reads sent: a result per read, in order, of the read's kind. A
// real server always answers so; a reply that does not is a ProtocolError naming what is wrong.
import { describe, expect, it } from "@effect/vitest"
import * as MultiRead from "@effect-zk/core/MultiRead"
import { ProtocolError } from "@effect-zk/core/ZooKeeperError"
import { readResults } from "../src/internal/multiRead.js"
import * as R from "../src/internal/records.js"

const stat: R.Stat = {
  czxid: 2n,
  mzxid: 3n,
  ctime: 1_700_000_000_000n,
  mtime: 1_700_000_000_001n,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 2,
  numChildren: 0,
  pzxid: 2n
}
const data: R.MultiResult = { op: "getData", data: new TextEncoder().encode("hi"), stat }
const children: R.MultiResult = { op: "getChildren", children: ["a", "b"] }
const noNode: R.MultiResult = { op: "error", err: -101 }

/** The results as the client reads them off the wire: encoded as a reply, then decoded. */
const fromWire = (results: ReadonlyArray<R.MultiResult>): ReadonlyArray<R.MultiResult> => {
  const body = R.encodeReply("multiRead", { xid: 1, zxid: 9n, err: 0 }, { results: [...results] }).subarray(4 + 16)
  return (R.decodeResponse("multiRead", body, 0) as R.Responses["multiRead"]).results
}

const reads = [MultiRead.getData("/d"), MultiRead.getChildren("/c"), MultiRead.getData("/gone")]

/** The ProtocolError a reply gives (fails the test if it gives results). */
const refused = (ops: ReadonlyArray<MultiRead.Op>, results: ReadonlyArray<R.MultiResult>): ProtocolError => {
  const out = readResults(ops, fromWire(results))
  expect(out).toBeInstanceOf(ProtocolError)
  return out as ProtocolError
}

describe("multiRead's results", () => {
  it("a result per read, in order: data, children, or the read's own error", () => {
    const out = readResults(reads, fromWire([data, children, noNode]))
    expect(out).not.toBeInstanceOf(ProtocolError)
    const [d, c, gone] = out as ReadonlyArray<MultiRead.Result>
    expect(d).toMatchObject({ _tag: "Data", path: "/d", stat: { version: 1 } })
    expect(new TextDecoder().decode(d?._tag === "Data" ? d.data : undefined)).toBe("hi")
    expect(c).toEqual({ _tag: "Children", path: "/c", children: ["a", "b"] })
    expect(gone).toMatchObject({ _tag: "Failed", path: "/gone", error: { _tag: "NoNodeError", op: "multiRead", path: "/gone" } })
    // no data reads as empty
    const empty = readResults([MultiRead.getData("/e")], fromWire([{ op: "getData", data: null, stat }]))
    expect(empty).toMatchObject([{ _tag: "Data", path: "/e", data: new Uint8Array(0) }])
  })

  it("fewer results than reads: names the first read without one", () => {
    const error = refused(reads, [data, children])
    expect(error).toMatchObject({ _tag: "ProtocolError", op: "multiRead", reason: "read 2 (GetData /gone) got no result" })
    expect(refused(reads, [])).toMatchObject({ reason: "read 0 (GetData /d) got no result" })
  })

  it("more results than reads: names both counts", () => {
    const error = refused(reads, [data, children, noNode, children])
    expect(error).toMatchObject({ _tag: "ProtocolError", op: "multiRead", reason: "4 results for 3 reads" })
    expect(error.message).toBe("protocol error in multiRead: 4 results for 3 reads")
  })

  it("a result of another kind than its read: names the read and what it got", () => {
    expect(refused(reads, [children, children, noNode])).toMatchObject({
      op: "multiRead",
      reason: "read 0 (GetData /d) got a getChildren result"
    })
    expect(refused(reads, [data, data, noNode])).toMatchObject({ reason: "read 1 (GetChildren /c) got a getData result" })
    // a write's result in a read's place
    expect(refused(reads, [data, children, { op: "check" }])).toMatchObject({
      reason: "read 2 (GetData /gone) got a check result"
    })
  })
})
