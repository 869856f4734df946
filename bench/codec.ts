// Codec throughput: encode and decode of the frames on the client's hot path.
// Run: npx tsx bench/codec.ts   (or npm run bench)
// Each case is warmed up, then timed in several repetitions; the median is printed.
// BENCH_QUICK=1 runs every case once, briefly (a smoke test: the figures mean nothing then).
import { FrameSplitter } from "../packages/core/src/internal/frame.js"
import * as R from "../packages/core/src/internal/records.js"
import { ReplyDecoder } from "../packages/core/src/internal/replies.js"

const quick = globalThis.process?.env.BENCH_QUICK === "1"
const WARMUP_MS = quick ? 10 : 300
const REPETITION_MS = quick ? 20 : 400
const REPETITIONS = quick ? 1 : 7

let sink = 0

interface Case {
  readonly name: string
  /** Bytes processed per operation, for MB/s. */
  readonly bytes: number
  readonly run: () => void
}

const measure = ({ name, bytes, run }: Case): void => {
  const timed = (ms: number): number => {
    let ops = 0
    let batch = 64
    const start = performance.now()
    let elapsed = 0
    while (elapsed < ms) {
      for (let i = 0; i < batch; i++) run()
      ops += batch
      elapsed = performance.now() - start
      if (elapsed < ms / 20) batch *= 2
    }
    return (ops / elapsed) * 1000
  }
  timed(WARMUP_MS)
  const rates = Array.from({ length: REPETITIONS }, () => timed(REPETITION_MS)).sort((a, b) => a - b)
  const median = rates[Math.floor(rates.length / 2)] as number
  const mbps = (median * bytes) / 1e6
  console.log(
    `${name.padEnd(58)} ${Math.round(median).toLocaleString("en-US").padStart(12)} ops/s ${mbps.toFixed(1).padStart(9)} MB/s   (${bytes} B)`
  )
}

const stat: R.Stat = {
  czxid: 0x100000001n,
  mzxid: 0x100000002n,
  ctime: 1700000000000n,
  mtime: 1700000000500n,
  version: 3,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 1024,
  numChildren: 0,
  pzxid: 0x100000001n
}
const data = new Uint8Array(1024).map((_, i) => i & 0xff)
const acl: R.ACL[] = [{ perms: 31, id: { scheme: "world", id: "anyone" } }]
const header: R.ReplyHeader = { xid: 42, zxid: 0x100000002n, err: 0 }

// GetData: the request, and a reply with 1 KiB of data
const getDataReq: R.PathWatchRequest = { path: "/app/config/service-a/node-0000000042", watch: true }
const getDataReqFrame = R.encodeRequest("getData", 42, getDataReq)
const getDataReply = { data, stat }
const getDataFrame = R.encodeReply("getData", header, getDataReply).subarray(4)

// Multi with 10 ops, and its 10 results
const ops: R.MultiOp[] = []
const results: R.MultiResult[] = []
for (let i = 0; i < 10; i++) {
  const path = `/app/jobs/job-${String(i).padStart(10, "0")}`
  switch (i % 5) {
    case 0:
      ops.push({ op: "create", request: { path, data: data.subarray(0, 64), acl, flags: R.CreateFlags.PERSISTENT } })
      results.push({ op: "create", path })
      break
    case 1:
      ops.push({ op: "create2", request: { path, data: null, acl, flags: R.CreateFlags.EPHEMERAL } })
      results.push({ op: "create2", path, stat })
      break
    case 2:
      ops.push({ op: "setData", request: { path, data: data.subarray(0, 64), version: -1 } })
      results.push({ op: "setData", stat })
      break
    case 3:
      ops.push({ op: "check", request: { path, version: 3 } })
      results.push({ op: "check" })
      break
    default:
      ops.push({ op: "delete", request: { path, version: -1 } })
      results.push({ op: "delete" })
  }
}
const multiReq: R.MultiRequest = { ops }
const multiReqFrame = R.encodeRequest("multi", 43, multiReq)
const multiResp: R.MultiResponse = { results }
const multiRespFrame = R.encodeReply("multi", header, multiResp).subarray(4)

// 64 KiB of back-to-back 1 KiB getData replies, as one socket read
const replyWithPrefix = R.encodeReply("getData", header, getDataReply)
const perChunk = Math.floor(65536 / replyWithPrefix.length)
const chunk = new Uint8Array(perChunk * replyWithPrefix.length)
for (let i = 0; i < perChunk; i++) chunk.set(replyWithPrefix, i * replyWithPrefix.length)
const splitter = new FrameSplitter()
// The generic path: a view per frame, the header and the reply through the record decoders.
const onFrameGeneric = (bytes: Uint8Array, start: number, end: number): void => {
  const frame = bytes.subarray(start, end)
  const h = R.decodeReplyHeader(frame)
  if (h instanceof Error) throw h
  const v = R.decodeResponse("getData", frame, R.REPLY_HEADER_LENGTH)
  if (v instanceof Error) throw v
  sink += v.stat.version
}
// The client's path: the header read in place, the reply by the fast decoder (internal/replies.ts).
const decoder = new ReplyDecoder()
const EMPTY = new Uint8Array(0)
const onFrameFast = (bytes: Uint8Array, start: number, end: number): void => {
  const xid = (bytes[start]! << 24) | (bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!
  const v = decoder.dataReply(bytes, start + R.REPLY_HEADER_LENGTH, end, EMPTY)
  if (v === undefined) throw new Error("not a getData reply")
  sink += v.stat.version + xid
}

const cases: ReadonlyArray<Case> = [
  {
    name: "getData request: encode",
    bytes: getDataReqFrame.length,
    run: () => {
      sink += R.encodeRequest("getData", 42, getDataReq).length
    }
  },
  {
    name: "getData reply (1 KiB): encode",
    bytes: getDataFrame.length + 4,
    run: () => {
      sink += R.encodeReply("getData", header, getDataReply).length
    }
  },
  {
    name: "getData reply (1 KiB): decode",
    bytes: getDataFrame.length,
    run: () => {
      const h = R.decodeReplyHeader(getDataFrame)
      const v = R.decodeResponse("getData", getDataFrame, R.REPLY_HEADER_LENGTH)
      if (h instanceof Error || v instanceof Error) throw new Error("decode failed")
      sink += v.stat.version
    }
  },
  {
    name: "multi request (10 ops): encode",
    bytes: multiReqFrame.length,
    run: () => {
      sink += R.encodeRequest("multi", 43, multiReq).length
    }
  },
  {
    name: "multi request (10 ops): decode",
    bytes: multiReqFrame.length - 4,
    run: () => {
      const v = R.decodeRequest(multiReqFrame.subarray(4))
      if (v instanceof Error) throw v
      sink += v.xid
    }
  },
  {
    name: "multi reply (10 results): encode",
    bytes: multiRespFrame.length + 4,
    run: () => {
      sink += R.encodeReply("multi", header, multiResp).length
    }
  },
  {
    name: "multi reply (10 results): decode",
    bytes: multiRespFrame.length,
    run: () => {
      const v = R.decodeResponse("multi", multiRespFrame, R.REPLY_HEADER_LENGTH)
      if (v instanceof Error) throw v
      sink += v.results.length
    }
  },
  {
    name: `split+decode 64 KiB read (${perChunk} replies), generic`,
    bytes: chunk.length,
    run: () => {
      const e = splitter.push(chunk, onFrameGeneric)
      if (e !== undefined) throw e
    }
  },
  {
    name: `split+decode 64 KiB read (${perChunk} replies), client's path`,
    bytes: chunk.length,
    run: () => {
      const e = splitter.push(chunk, onFrameFast)
      if (e !== undefined) throw e
    }
  }
]

console.log(`effect-zk codec benchmark (node ${globalThis.process?.version ?? "?"}); median of ${REPETITIONS} x ${REPETITION_MS} ms`)
for (const c of cases) measure(c)
if (sink === 0.5) console.log(sink)
