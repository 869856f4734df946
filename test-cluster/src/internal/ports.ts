// Free loopback ports for servers.
//
// Ports are drawn at random from below the usual ephemeral ranges (Linux 32768+, BSD/macOS
// 49152+), so an outgoing connection — e.g. one member dialling another — can never take a
// port a member is about to bind. Each candidate is test-bound on 127.0.0.1, and the ports
// handed out in this process stay reserved until their cluster closes, so clusters in one
// process never collide. Between processes a collision is unlikely; the start is retried
// with new ports when a server reports that its address is in use.
import * as Effect from "effect/Effect"
import { createServer } from "node:net"

const low = 20_000
const high = 32_000
const reserved = new Set<number>()

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once("error", () => resolve(false))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)))
  })

const kernelPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const pick = async (count: number): Promise<ReadonlyArray<number>> => {
  const chosen: Array<number> = []
  let attempts = 0
  while (chosen.length < count) {
    attempts++
    const port = attempts <= 50 * count
      ? low + Math.floor(Math.random() * (high - low))
      : await kernelPort()
    if (port === 0 || reserved.has(port) || chosen.includes(port)) continue
    if (await canBind(port)) {
      chosen.push(port)
      reserved.add(port)
    }
  }
  return chosen
}

/** Reserves `count` distinct free loopback ports for the life of the current scope. */
export const reservePorts = (count: number) =>
  Effect.acquireRelease(
    Effect.promise(() => pick(count)),
    (ports) =>
      Effect.sync(() => {
        for (const port of ports) reserved.delete(port)
      })
  )
