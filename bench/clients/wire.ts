// bench/clients.ts's floor: the raw protocol over one node:net socket, no client at all.
// Every request is encoded once up front with effect-zk's codec (encodeRequest); the timed part
// only writes those bytes and counts the length-prefixed replies that come back (watch events,
// xid -1, are counted apart). Nothing is decoded, nothing is allocated per request: what is left
// is the server, the kernel and Node's socket. No lock workload: it needs a client.
import { Buffer } from "node:buffer"
import * as net from "node:net"
import * as R from "../../packages/core/src/internal/records.js"
import { bytes, cpuMicros, median, percentile, report, rssMiB, workerEnv } from "./shared.js"

const env = workerEnv()
const { params: p, paths } = env
const CLIENT = "wire limit"
const host = env.hosts.split(",")[0]!.replace(/\/.*$/, "")
const port = Number(host.slice(host.lastIndexOf(":") + 1))
const address = host.slice(0, host.lastIndexOf(":"))

const handshake = Buffer.from(
  R.encodeConnectRequest({
    protocolVersion: 0,
    lastZxidSeen: 0n,
    timeOut: 30_000,
    sessionId: 0n,
    passwd: new Uint8Array(16),
    readOnly: false
  })
)
const closeFrame = Buffer.from(R.encodeRequest("closeSession", 1, {}))

/** One session: the socket, told of every reply frame (its xid) and of the end of every read. */
interface Session {
  readonly socket: net.Socket
  onReply: (xid: number) => void
  onReadEnd: () => void
}

/** Connects and completes the handshake. */
const open = (): Promise<Session> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, noDelay: true })
    let handshaken = false
    let pending: Buffer | undefined
    const session: Session = { socket, onReply: () => {}, onReadEnd: () => {} }
    socket.on("error", reject)
    socket.on("connect", () => socket.write(handshake))
    socket.on("data", (chunk: Buffer) => {
      const buf = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      pending = undefined
      let i = 0
      while (buf.length - i >= 4) {
        const length = buf.readInt32BE(i)
        if (buf.length - i - 4 < length) break
        if (!handshaken) {
          handshaken = true
          resolve(session)
        } else session.onReply(buf.readInt32BE(i + 4))
        i += 4 + length
      }
      if (i < buf.length) pending = buf.subarray(i)
      session.onReadEnd()
    })
  })

const close = (s: Session): void => {
  s.socket.write(closeFrame)
  s.socket.destroy()
}

/**
 * Sends frames[0..count) with at most `inflight` unanswered: as many new requests as replies
 * came in, written once per read as one slice of the pre-encoded buffer.
 */
const pipeline = (s: Session, frames: Buffer, offsets: ReadonlyArray<number>, count: number, inflight: number) =>
  new Promise<void>((resolve) => {
    let sent = Math.min(inflight, count)
    let owed = 0
    let answered = 0
    s.onReply = (xid) => {
      if (xid === R.Xid.notification) return
      answered++
      owed++
      if (answered === count) resolve()
    }
    s.onReadEnd = () => {
      const to = Math.min(count, sent + owed)
      owed = 0
      if (to > sent) s.socket.write(frames.subarray(offsets[sent]!, offsets[to]!))
      sent = to
    }
    s.socket.write(frames.subarray(0, offsets[sent]!))
  })

/** One frame encoded once, repeated `count` times in one buffer. */
const repeated = (frame: Uint8Array, count: number) => {
  const buf = Buffer.alloc(frame.length * count)
  for (let i = 0; i < count; i++) buf.set(frame, i * frame.length)
  return { frames: buf, offsets: Array.from({ length: count + 1 }, (_, i) => i * frame.length) }
}

/** Different frames, encoded once, back to back in one buffer. */
const concatenated = (frames: ReadonlyArray<Uint8Array>) => {
  const offsets = [0]
  for (const f of frames) offsets.push(offsets[offsets.length - 1]! + f.length)
  const buf = Buffer.alloc(offsets[offsets.length - 1]!)
  for (let i = 0; i < frames.length; i++) buf.set(frames[i]!, offsets[i]!)
  return { frames: buf, offsets }
}

const run = (s: Session, frames: { frames: Buffer; offsets: ReadonlyArray<number> }, count: number, inflight: number) =>
  pipeline(s, frames.frames, frames.offsets, count, inflight)

const timed = async (f: () => Promise<void>) => {
  const cpu0 = cpuMicros()
  const t0 = performance.now()
  await f()
  return { millis: performance.now() - t0, cpu: cpuMicros() - cpu0 }
}

const main = async (): Promise<never> => {
  if (env.workload === "session") {
    const samples: Array<number> = []
    for (let i = 0; i < p.sessions; i++) {
      const t0 = performance.now()
      const s = await open()
      samples.push(performance.now() - t0)
      close(s)
    }
    return report(CLIENT, "session", { millis: median(samples.slice(p.sessionWarmup)) })
  }
  if (env.workload === "lock") throw new Error("the wire limit has no lock workload")
  const s = await open()
  const getSmall = R.encodeRequest("getData", 2, { path: paths.small, watch: false })
  switch (env.workload) {
    case "latency": {
      const one = repeated(getSmall, 1)
      for (let i = 0; i < p.latencyWarmup; i++) await run(s, one, 1, 1)
      const samples: Array<number> = []
      for (let i = 0; i < p.latencyCount; i++) {
        const t0 = performance.now()
        await run(s, one, 1, 1)
        samples.push((performance.now() - t0) * 1000)
      }
      return report(CLIENT, "latency", { p50Micros: percentile(samples, 0.5), p99Micros: percentile(samples, 0.99) })
    }
    case "read": {
      const frames = repeated(getSmall, Math.max(p.readTotal, p.readWarmup))
      await run(s, frames, p.readWarmup, p.inflight)
      const t = await timed(() => run(s, frames, p.readTotal, p.inflight))
      return report(CLIENT, "read", {
        opsPerSecond: (p.readTotal * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / p.readTotal,
        rssMiB: rssMiB()
      })
    }
    case "write": {
      const data = bytes(p.writeSize)
      const create = R.encodeRequest("create", 3, { path: paths.scratch, data, acl: [{ perms: 31, id: { scheme: "world", id: "anyone" } }], flags: 0 })
      await run(s, repeated(create, 1), 1, 1)
      const frames = repeated(R.encodeRequest("setData", 4, { path: paths.scratch, data, version: -1 }), Math.max(p.writeTotal, p.writeWarmup))
      await run(s, frames, p.writeWarmup, p.inflight)
      const t = await timed(() => run(s, frames, p.writeTotal, p.inflight))
      return report(CLIENT, "write", { opsPerSecond: (p.writeTotal * 1000) / t.millis, cpuMicrosPerOp: t.cpu / p.writeTotal })
    }
    case "createDelete": {
      const acl = [{ perms: 31, id: { scheme: "world", id: "anyone" } }]
      const empty = new Uint8Array(0)
      await run(s, repeated(R.encodeRequest("create", 3, { path: paths.scratch, data: empty, acl, flags: 0 }), 1), 1, 1)
      const child = (i: number) => `${paths.scratch}/n${i}`
      const cycle = (n: number, name: (i: number) => string) => {
        const creates = concatenated(
          Array.from({ length: n }, (_, i) => R.encodeRequest("create", i + 10, { path: name(i), data: empty, acl, flags: 0 }))
        )
        const deletes = concatenated(Array.from({ length: n }, (_, i) => R.encodeRequest("delete", i + 10, { path: name(i), version: -1 })))
        return async () => {
          await run(s, creates, n, p.inflight)
          await run(s, deletes, n, p.inflight)
        }
      }
      await cycle(p.createWarmup, (i) => `${paths.scratch}/w${i}`)()
      const t = await timed(cycle(p.createCount, child))
      return report(CLIENT, "createDelete", {
        opsPerSecond: (2 * p.createCount * 1000) / t.millis,
        cpuMicrosPerOp: t.cpu / (2 * p.createCount)
      })
    }
    case "big": {
      const frames = repeated(R.encodeRequest("getData", 5, { path: paths.big, watch: false }), Math.max(p.bigCount, p.bigWarmup))
      await run(s, frames, p.bigWarmup, p.bigInflight)
      const t = await timed(() => run(s, frames, p.bigCount, p.bigInflight))
      return report(CLIENT, "big", {
        mbPerSecond: (p.bigCount * p.bigSize) / 1e6 / (t.millis / 1000),
        cpuMicrosPerOp: t.cpu / p.bigCount
      })
    }
    case "watch": {
      const watchGets = concatenated(
        Array.from({ length: p.watches }, (_, i) => R.encodeRequest("getData", i + 10, { path: paths.watched(i), watch: true }))
      )
      const data = bytes(8)
      const sets = concatenated(
        Array.from({ length: p.watches }, (_, i) => R.encodeRequest("setData", i + 10, { path: paths.watched(i), data, version: -1 }))
      )
      const cycle = async () => {
        await run(s, watchGets, p.watches, p.inflight)
        let fired = 0
        let allFired: () => void = () => {}
        const arrived = new Promise<void>((resolve) => {
          allFired = resolve
        })
        return timed(async () => {
          const replies = run(s, sets, p.watches, p.inflight)
          const onReply = s.onReply
          s.onReply = (xid) => {
            if (xid === R.Xid.notification && ++fired === p.watches) allFired()
            onReply(xid)
          }
          await replies
          await arrived
        })
      }
      await cycle()
      return report(CLIENT, "watch", { millis: (await cycle()).millis })
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
