/**
 * The Bun platform layer: sockets over Bun's native `Bun.connect` (TCP, and TLS when
 * `ConnectOptions.tls` is set), Effect's default scheduler, and the promise facade's
 * `connect()`.
 *
 * ```ts
 * import { ZooKeeper } from "@effect-zk/core"
 * import { BunZooKeeper } from "@effect-zk/platform-bun"
 *
 * const live = ZooKeeper.layer({ hosts: "127.0.0.1:2181" }).pipe(Layer.provide(BunZooKeeper.layer))
 * ```
 *
 * `Bun.connect` was measured against `@effect/platform-bun`'s socket (Node's `net` under Bun)
 * on pipelined reads and kept as the faster: see this package's README.
 *
 * @since 0.1.0
 */
import {
  type ConnectOptions,
  type Handler,
  type Socket,
  SocketError,
  type SocketConnector,
  type SocketHandlers,
  ZooKeeperHandler
} from "@effect-zk/core/Handler"
import * as PromiseClient from "@effect-zk/core/Promise"
import type * as ZooKeeperConfig from "@effect-zk/core/ZooKeeperConfig"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scheduler from "effect/Scheduler"
import { type BunSocket, type BunTlsOptions, bunGlobals } from "./internal/bun.js"

const addressOf = (o: ConnectOptions) => (o.host.includes(":") ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`)

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  let length = 0
  for (const c of chunks) length += c.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

const tlsOptions = (t: NonNullable<ConnectOptions["tls"]>): BunTlsOptions => ({
  ...(t.ca === undefined ? {} : { ca: t.ca }),
  ...(t.cert === undefined ? {} : { cert: t.cert }),
  ...(t.key === undefined ? {} : { key: t.key }),
  ...(t.passphrase === undefined ? {} : { passphrase: t.passphrase }),
  ...(t.serverName === undefined ? {} : { serverName: t.serverName }),
  rejectUnauthorized: t.dangerouslySkipVerification !== true
})

/**
 * Opens TCP (or TLS, when `options.tls` is set) connections with `Bun.connect`.
 *
 * Bun's sockets do not buffer: a write the kernel does not take whole keeps its rest here and
 * sends it on `drain`, in order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connector: SocketConnector = {
  connect: (options: ConnectOptions, handlers: SocketHandlers) =>
    Effect.async<Socket, SocketError>((resume) => {
      const address = addressOf(options)
      const tls = options.tls
      let raw: BunSocket | undefined
      let settled = false
      let connected = false
      let closed = false
      let closedLocally = false
      let lastError: Error | undefined
      // Bytes written but not yet taken by the kernel.
      let backlog: Uint8Array | undefined

      const fail = (reason: string, cause?: unknown) => {
        if (settled) return
        settled = true
        bunGlobals.clearTimeout(timer)
        raw?.terminate()
        resume(Effect.fail(new SocketError({ address, reason, cause })))
      }
      const timer = bunGlobals.setTimeout(
        () => fail(`connect timed out after ${options.connectTimeoutMillis} ms`),
        options.connectTimeoutMillis
      )
      const established = (s: BunSocket) => {
        raw = s
        if (settled) {
          s.terminate()
          return
        }
        settled = true
        connected = true
        bunGlobals.clearTimeout(timer)
        resume(Effect.succeed(socket))
      }
      let resumeTimer: ReturnType<typeof bunGlobals.setTimeout> | undefined
      const flush = (s: BunSocket) => {
        if (backlog === undefined) return
        const n = s.write(backlog)
        backlog = n >= backlog.length ? undefined : n > 0 ? backlog.subarray(n) : backlog
      }

      const socket: Socket = {
        remoteAddress: address,
        write: (chunks) => {
          if (raw === undefined || closed) return
          const data = concat(chunks)
          if (backlog !== undefined) {
            backlog = concat([backlog, data])
            return
          }
          const n = raw.write(data)
          if (n < data.length) backlog = n > 0 ? data.subarray(n) : data
        },
        close: () => {
          if (closed || closedLocally) return
          closedLocally = true
          bunGlobals.clearTimeout(resumeTimer)
          raw?.terminate()
        },
        // read coalescing: stop reading for a moment (where Bun's socket can pause)
        pauseReading: (millis) => {
          const s = raw
          if (s === undefined || closed || resumeTimer !== undefined || s.pause === undefined) return
          s.pause()
          resumeTimer = bunGlobals.setTimeout(() => {
            resumeTimer = undefined
            if (!closed) s.resume?.()
          }, millis)
        }
      }

      bunGlobals.Bun.connect({
        hostname: options.host,
        port: options.port,
        ...(tls === undefined ? {} : { tls: tlsOptions(tls) }),
        socket: {
          open: (s) => {
            raw = s
            s.setNoDelay?.(true)
            if (tls === undefined) established(s)
          },
          handshake: (s, success, authorizationError) => {
            if (authorizationError !== null && tls?.dangerouslySkipVerification !== true) {
              fail(`TLS handshake failed: ${authorizationError.message}`, authorizationError)
            } else if (!success) fail("TLS handshake failed")
            else established(s)
          },
          data: (_s, data) => {
            if (!closed) handlers.onData(data)
          },
          drain: flush,
          end: (s) => s.end(),
          error: (_s, error) => {
            lastError = error
            fail(error.message, error)
          },
          connectError: (_s, error) => fail(error.message, error),
          close: (_s, error) => {
            if (closed) return
            closed = true
            bunGlobals.clearTimeout(timer)
            bunGlobals.clearTimeout(resumeTimer)
            if (error !== undefined) lastError = error
            if (!connected) {
              fail(lastError?.message ?? "closed before the connection was established", lastError)
              return
            }
            handlers.onClose(
              closedLocally
                ? undefined
                : new SocketError({
                    address,
                    reason: lastError === undefined ? "closed by the server" : lastError.message,
                    cause: lastError
                  })
            )
          }
        }
      }).then(
        (s) => {
          raw = s
          if (settled && !connected) s.terminate()
        },
        (error: unknown) => fail(error instanceof Error ? error.message : String(error), error)
      )

      return Effect.sync(() => {
        if (settled) return
        settled = true
        bunGlobals.clearTimeout(timer)
        raw?.terminate()
      })
    })
}

/**
 * The Bun {@link Handler}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const handler: Handler = {
  name: "bun",
  connector,
  scheduler: Scheduler.defaultScheduler
}

/**
 * Provides the Bun handler to `ZooKeeper.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ZooKeeperHandler> = Layer.succeed(ZooKeeperHandler, handler)

/**
 * The promise facade on Bun: connects and returns a client with async methods.
 *
 * ```ts
 * const zk = await connect({ hosts: "127.0.0.1:2181" })
 * await zk.create("/hello", { data: "world" })
 * await zk.close()
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (options: ZooKeeperConfig.Options): Promise<PromiseClient.PromiseZooKeeper> =>
  PromiseClient.connect(options, handler)
