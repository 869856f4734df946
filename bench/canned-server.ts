// A stand-in server for measuring a client's own CPU cost: it accepts the handshake and
// answers every request with one canned getData reply (256 bytes and a Stat, the request's xid
// echoed), all the replies to one read in one write. No ZooKeeper paces the client, and replies
// come in large batches, so per-request client work dominates what the client process spends.
// Only the read and latency workloads make sense against it. Not a ZooKeeper: never use it in a
// test.
//
//   PORT=26000 npx tsx bench/canned-server.ts &
//   ZK_HOSTS=127.0.0.1:26000 BENCH_WORKLOAD=read BENCH_BASE=/b BENCH_SCRATCH=/b/s \
//     node node_modules/.cache/effect-zk-bench/bundles/effect-zk.mjs
//
// (bench/clients.ts leaves the bundled workers in node_modules/.cache/effect-zk-bench/bundles.)
// The server stops by itself after BENCH_CANNED_SECONDS (default 3600) and listens on 127.0.0.1
// (PORT=0: a free port, printed).
//
// BENCH_CANNED_BATCH=k paces the replies the way a real server's batching does: at most k replies
// a write, and the next write only once the client has answered the last one (sent its next
// requests), or after 2 ms without an answer; so each of the client's wake-ups brings about k
// replies, and a client's CPU per read can be measured against replies per wake-up.
import { Buffer } from "node:buffer"
import * as net from "node:net"
import * as R from "../packages/core/src/internal/records.js"

const stat: R.Stat = {
  czxid: 1n,
  mzxid: 2n,
  ctime: 1700000000000n,
  mtime: 1700000000500n,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 256,
  numChildren: 0,
  pzxid: 1n
}
const reply = Buffer.from(R.encodeReply("getData", { xid: 0, zxid: 5n, err: 0 }, { data: new Uint8Array(256).fill(7), stat }))
const handshake = Buffer.from(
  R.encodeConnectResponse({ protocolVersion: 0, timeOut: 30_000, sessionId: 77n, passwd: new Uint8Array(16), readOnly: false })
)
const CLOSE_SESSION = -11
const batch = Math.max(0, Math.floor(Number(process.env.BENCH_CANNED_BATCH ?? 0) || 0))

const server = net.createServer((socket) => {
  socket.setNoDelay(true)
  let pending: Buffer | undefined
  let handshaken = false
  socket.on("data", (chunk: Buffer) => {
    const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
    pending = undefined
    const out: Array<Buffer> = []
    let i = 0
    while (buf.length - i >= 4) {
      const length = buf.readInt32BE(i)
      if (buf.length - i - 4 < length) break
      if (!handshaken) {
        handshaken = true
        out.push(handshake)
      } else if (buf.readInt32BE(i + 8) === CLOSE_SESSION) {
        socket.end()
        return
      } else {
        const r = Buffer.from(reply)
        r.writeInt32BE(buf.readInt32BE(i + 4), 4)
        out.push(r)
      }
      i += 4 + length
    }
    if (i < buf.length) pending = buf.subarray(i)
    if (batch === 0) {
      if (out.length > 0) socket.write(Buffer.concat(out))
      return
    }
    for (const r of out) queue.push(r)
    // the client answered: the next chunk goes now
    clearTimeout(timer)
    pump()
  })
  // Pacing (BENCH_CANNED_BATCH): replies not yet written, and the fallback timer.
  const queue: Array<Buffer> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const pump = (): void => {
    timer = undefined
    if (queue.length === 0 || socket.destroyed) return
    socket.write(Buffer.concat(queue.splice(0, batch)))
    if (queue.length > 0) timer = setTimeout(pump, 2)
  }
  socket.on("error", () => {})
})

const port = Number(process.env.PORT ?? 26000)
server.listen(port, "127.0.0.1", () => {
  const address = server.address()
  console.log(`canned-reply server on 127.0.0.1:${typeof address === "object" && address !== null ? address.port : port}`)
})
setTimeout(() => process.exit(0), Number(process.env.BENCH_CANNED_SECONDS ?? 3600) * 1000).unref()
