import { describe, expect, it } from "@effect/vitest"
import * as Stat from "@effect-zk/core/Stat"
import { Equal } from "effect"
import * as fc from "fast-check"

const record: Stat.StatRecord = {
  czxid: 0x100000002n,
  mzxid: 0x100000005n,
  ctime: 1_700_000_000_123n,
  mtime: 1_700_000_100_456n,
  version: 3,
  cversion: 2,
  aversion: 1,
  ephemeralOwner: 0x1000a2b3c4d5e6fn,
  dataLength: 11,
  numChildren: 4,
  pzxid: 0x100000007n
}

describe("Stat.fromRecord", () => {
  it("keeps ZooKeeper's eleven fields, times as numbers", () => {
    const stat = Stat.fromRecord(record)
    expect(stat.czxid).toBe(0x100000002n)
    expect(stat.mzxid).toBe(0x100000005n)
    expect(stat.ctime).toBe(1_700_000_000_123)
    expect(stat.mtime).toBe(1_700_000_100_456)
    expect(stat.version).toBe(3)
    expect(stat.cversion).toBe(2)
    expect(stat.aversion).toBe(1)
    expect(stat.ephemeralOwner).toBe(0x1000a2b3c4d5e6fn)
    expect(stat.dataLength).toBe(11)
    expect(stat.numChildren).toBe(4)
    expect(stat.pzxid).toBe(0x100000007n)
  })

  it("derives kazoo's names", () => {
    const stat = Stat.fromRecord(record)
    expect(stat.aclVersion).toBe(1)
    expect(stat.childrenVersion).toBe(2)
    expect(stat.childrenCount).toBe(4)
    expect(stat.created).toBe(1_700_000_000.123)
    expect(stat.lastModified).toBe(1_700_000_100.456)
    expect(stat.creationTransactionId).toBe(0x100000002n)
    expect(stat.lastModifiedTransactionId).toBe(0x100000005n)
    expect(stat.ownerSessionId).toBe(0x1000a2b3c4d5e6fn)
    expect(stat.isEphemeral).toBe(true)
  })

  it("has no owner session for a persistent node, like kazoo's None", () => {
    const stat = Stat.fromRecord({ ...record, ephemeralOwner: 0n })
    expect(stat.ownerSessionId).toBeUndefined()
    expect(stat.isEphemeral).toBe(false)
  })

  it("compares by value", () => {
    const a = Stat.fromRecord(record)
    expect(Equal.equals(a, Stat.fromRecord({ ...record }))).toBe(true)
    expect(Equal.equals(a, Stat.fromRecord({ ...record, version: 4 }))).toBe(false)
    expect(Equal.equals(a, record)).toBe(false)
    expect(Stat.isZnodeStat(a)).toBe(true)
    expect(Stat.isZnodeStat(record)).toBe(false)
  })

  it("prints as JSON (bigints as decimal strings)", () => {
    const json = Stat.fromRecord(record).toJSON()
    expect(json).toMatchObject({ _id: "ZnodeStat", czxid: "4294967298", version: 3, ctime: 1_700_000_000_123 })
    expect(String(Stat.fromRecord(record))).toContain(`"numChildren":4`)
  })

  it("round-trips every field of any record", () => {
    const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    const millis = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n })
    fc.assert(
      fc.property(
        fc.record({
          czxid: long,
          mzxid: long,
          ctime: millis,
          mtime: millis,
          version: int,
          cversion: int,
          aversion: int,
          ephemeralOwner: long,
          dataLength: int,
          numChildren: int,
          pzxid: long
        }),
        (r) => {
          const s = Stat.fromRecord(r)
          expect({
            czxid: s.czxid,
            mzxid: s.mzxid,
            ctime: BigInt(s.ctime),
            mtime: BigInt(s.mtime),
            version: s.version,
            cversion: s.cversion,
            aversion: s.aversion,
            ephemeralOwner: s.ephemeralOwner,
            dataLength: s.dataLength,
            numChildren: s.numChildren,
            pzxid: s.pzxid
          }).toEqual(r)
          expect(s.ownerSessionId).toBe(r.ephemeralOwner === 0n ? undefined : r.ephemeralOwner)
        }
      )
    )
  })
})
