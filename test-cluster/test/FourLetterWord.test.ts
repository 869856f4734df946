import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer } from "node:net"
import * as FourLetterWord from "../src/FourLetterWord.js"

const srvr = `Zookeeper version: 3.8.0-abc, built on 2024-12-29 17:54 UTC
Latency min/avg/max: 0/0.0/0
Received: 5
Sent: 4
Connections: 1
Outstanding: 0
Zxid: 0x100000002
Mode: follower
Node count: 5
`

describe("FourLetterWord.parseStatus", () => {
  it("reads mode, version and zxid", () => {
    const status = FourLetterWord.parseStatus(srvr)
    expect(status.mode).toBe("follower")
    expect(status.version).toBe("3.8.0-abc, built on 2024-12-29 17:54 UTC")
    expect(status.zxid).toBe(0x100000002n)
  })

  it("has no mode while the server does not serve", () => {
    const status = FourLetterWord.parseStatus("This ZooKeeper instance is not currently serving requests\n")
    expect(status.mode).toBeUndefined()
    expect(status.zxid).toBeUndefined()
  })
})

describe("FourLetterWord.send", () => {
  it.live("times out against a server that never answers, and reports refused connections", () =>
    Effect.gen(function*() {
      // reads what it gets (so it sees the client hang up) and never answers
      const silent = createServer((socket) => socket.resume())
      const port = yield* Effect.async<number>((resume) => {
        silent.listen({ port: 0, host: "127.0.0.1" }, () => {
          const address = silent.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      })
      const timedOut = yield* Effect.flip(FourLetterWord.send("127.0.0.1", port, "ruok", { timeout: "200 millis" }))
      expect(timedOut.reason).toBe("timeout")
      yield* Effect.async<void>((resume) => void silent.close(() => resume(Effect.void)))
      const refused = yield* Effect.flip(FourLetterWord.send("127.0.0.1", port, "ruok"))
      expect(refused.reason).toBe("refused")
      expect(refused.message).toContain("connection refused")
    }))
})
