// The socket seam alone, runtime-neutral: a handler's connector opens a raw connection, the
// session handshake is sent, then `inflight` pre-encoded getData requests are kept in flight
// (each chunk of replies is answered by as many new requests, in one write) until `total`
// replies came in. No client, no fibers per request: what is measured is the platform's socket
// (read path, write path, event loop), which the client workload hides behind its own costs.
import type { Handler } from "@effect-zk/core"
import { Deferred, Effect, Exit } from "effect"
import * as R from "../../packages/core/src/internal/records.js"

export interface TransportResult {
  /** Replies per second of each timed round. */
  readonly rounds: ReadonlyArray<number>
  readonly median: number
  /** Median CPU time (user + system) per reply, in µs. */
  readonly cpuMicros: number
}

const cpu = (): number => {
  const usage = (globalThis as unknown as { readonly process?: { cpuUsage?: () => { user: number; system: number } } })
    .process?.cpuUsage?.()
  return usage === undefined ? Number.NaN : usage.user + usage.system
}
const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Counts length-prefixed frames across chunks without decoding them. */
const frameCounter = () => {
  const header = new Uint8Array(4)
  let headerFill = 0
  let remaining = 0
  return (chunk: Uint8Array): number => {
    let frames = 0
    let i = 0
    while (i < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - i)
        remaining -= take
        i += take
        if (remaining === 0) frames++
        continue
      }
      header[headerFill++] = chunk[i++]!
      if (headerFill === 4) {
        headerFill = 0
        remaining = ((header[0]! << 24) | (header[1]! << 16) | (header[2]! << 8) | header[3]!) >>> 0
        if (remaining === 0) frames++
      }
    }
    return frames
  }
}

export const run = (
  handler: Handler.Handler,
  server: { readonly host: string; readonly port: number },
  path: string,
  workload: { readonly total: number; readonly inflight: number; readonly rounds: number }
): Effect.Effect<TransportResult, unknown> =>
  Effect.gen(function* () {
    const request = R.encodeRequest("getData", 1, { path, watch: false })
    const batches = new Map<number, ReadonlyArray<Uint8Array>>()
    const batch = (n: number) => {
      let b = batches.get(n)
      if (b === undefined) {
        b = Array.from({ length: n }, () => request)
        batches.set(n, b)
      }
      return b
    }
    const count = frameCounter()
    let handshaken = false
    let received = 0
    let sent = 0
    let target = 0
    let done: Deferred.Deferred<void> | undefined
    const handshake = yield* Deferred.make<void>()
    const socket = yield* handler.connector.connect(
      { host: server.host, port: server.port, connectTimeoutMillis: 10_000 },
      {
        onData: (chunk) => {
          let frames = count(chunk)
          if (!handshaken && frames > 0) {
            handshaken = true
            frames--
            Deferred.unsafeDone(handshake, Exit.void)
          }
          if (frames === 0) return
          received += frames
          const more = Math.min(frames, target - sent)
          if (more > 0) {
            sent += more
            socket.write(batch(more))
          }
          if (received >= target && done !== undefined) Deferred.unsafeDone(done, Exit.void)
        },
        onClose: () => {}
      }
    )
    socket.write([
      R.encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: 0n,
        timeOut: 30_000,
        sessionId: 0n,
        passwd: new Uint8Array(16),
        readOnly: false
      })
    ])
    yield* Deferred.await(handshake).pipe(Effect.timeout("10 seconds"))
    const round = Effect.gen(function* () {
      received = 0
      sent = workload.inflight
      target = workload.total
      done = yield* Deferred.make<void>()
      const start = performance.now()
      const cpuStart = cpu()
      socket.write(batch(workload.inflight))
      yield* Deferred.await(done).pipe(Effect.timeout("60 seconds"))
      return { opsPerSecond: (received * 1000) / (performance.now() - start), cpuMicros: (cpu() - cpuStart) / received }
    })
    yield* round
    const rounds: Array<{ readonly opsPerSecond: number; readonly cpuMicros: number }> = []
    for (let i = 0; i < workload.rounds; i++) rounds.push(yield* round)
    socket.close()
    return {
      rounds: rounds.map((r) => r.opsPerSecond),
      median: median(rounds.map((r) => r.opsPerSecond)),
      cpuMicros: median(rounds.map((r) => r.cpuMicros))
    }
  })
