/**
 * A TCP proxy on 127.0.0.1 in front of a server, to cut a client off the network in a test
 * (kazoo's and Curator's harnesses have no such thing): connect the client through `hosts`,
 * then `cut` drops its open connections and closes new ones at once until `heal`.
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
/**
 * A running proxy.
 *
 * @since 0.1.0
 * @category models
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number
  /** A connect string for the proxy (`127.0.0.1:<port>`). */
  readonly hosts: string
  /** Drops every proxied connection; new ones are closed at once until `heal`. */
  readonly cut: Effect.Effect<void>
  /** Lets connections through again. */
  readonly heal: Effect.Effect<void>
}

/**
 * Starts a proxy to `target` for the scope's lifetime (closing the scope drops every
 * connection and stops listening).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target: {
  readonly host: string
  readonly port: number
}): Effect.Effect<TcpProxy, never, Scope.Scope> =>
  Effect.suspend(() => {
    let cut = false
    const sockets = new Set<net.Socket>()
    const server = net.createServer((downstream) => {
      if (cut) {
        downstream.destroy()
        return
      }
      const upstream = net.connect({ host: target.host, port: target.port })
      const pairs: ReadonlyArray<readonly [net.Socket, net.Socket]> = [
        [downstream, upstream],
        [upstream, downstream]
      ]
      for (const [from, to] of pairs) {
        sockets.add(from)
        from.on("data", (chunk) => to.write(chunk))
        from.on("error", () => to.destroy())
        from.on("close", () => {
          sockets.delete(from)
          to.destroy()
        })
      }
    })
    const dropAll = () => {
      for (const s of sockets) s.destroy()
    }
    return Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          dropAll()
          server.close(() => resume(Effect.void))
        })
    ).pipe(
      Effect.map(
        (port): TcpProxy => ({
          port,
          hosts: `127.0.0.1:${port}`,
          cut: Effect.sync(() => {
            cut = true
            dropAll()
          }),
          heal: Effect.sync(() => {
            cut = false
          })
        })
      )
    )
  })
