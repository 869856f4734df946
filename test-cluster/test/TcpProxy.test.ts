import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as net from "node:net"
import * as TcpProxy from "../src/TcpProxy.js"

/** An echo server on 127.0.0.1 for the scope's lifetime. */
const echoServer = Effect.acquireRelease(
  Effect.async<net.Server>((resume) => {
    const server = net.createServer((socket) => socket.pipe(socket))
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

/** Connects to 127.0.0.1:port, writes `text`, and gives what comes back, or how it ended. */
const roundTrip = (port: number, text: string) =>
  Effect.async<string>((resume) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    let got = ""
    const timer = setTimeout(() => socket.destroy(), 2000)
    socket.on("connect", () => socket.write(text))
    socket.on("data", (chunk) => {
      got += chunk.toString()
      if (got === text) socket.end()
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      clearTimeout(timer)
      resume(Effect.succeed(got === text ? got : `closed after "${got}"`))
    })
  })

describe("TcpProxy", () => {
  it.live("passes bytes through; cut drops open connections and closes new ones; heal lets them through again", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(echoServer, scope)
      const address = server.address() as net.AddressInfo
      const proxy = yield* Scope.extend(TcpProxy.make({ host: "127.0.0.1", port: address.port }), scope)
      expect(proxy.hosts).toBe(`127.0.0.1:${proxy.port}`)
      expect(yield* roundTrip(proxy.port, "hello")).toBe("hello")
      // an open connection is dropped by cut
      const open = net.connect({ host: "127.0.0.1", port: proxy.port })
      const dropped = Effect.async<boolean>((resume) => {
        open.on("error", () => {})
        open.on("close", () => resume(Effect.succeed(true)))
      })
      yield* Effect.async<void>((resume) => void open.on("connect", () => resume(Effect.void)))
      yield* Effect.sleep("50 millis")
      yield* proxy.cut
      expect(yield* dropped.pipe(Effect.timeout("2 seconds"))).toBe(true)
      expect(yield* roundTrip(proxy.port, "again")).toBe(`closed after ""`)
      yield* proxy.heal
      expect(yield* roundTrip(proxy.port, "back")).toBe("back")
      // closing the scope stops the proxy: nothing listens on its port any more
      yield* Scope.close(scope, Exit.void)
      const refused = yield* Effect.async<boolean>((resume) => {
        const s = net.connect({ host: "127.0.0.1", port: proxy.port })
        s.on("connect", () => {
          s.destroy()
          resume(Effect.succeed(false))
        })
        s.on("error", () => resume(Effect.succeed(true)))
      })
      expect(refused).toBe(true)
    })
  )
})
