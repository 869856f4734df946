/**
 * The Node.js platform layer: sockets over `node:net` (and `node:tls`), Effect's default
 * scheduler, and the promise facade's `connect()`.
 *
 * ```ts
 * import { ZooKeeper } from "@effect-zk/core"
 * import { NodeZooKeeper } from "@effect-zk/platform-node"
 *
 * const live = ZooKeeper.layer({ hosts: "127.0.0.1:2181" }).pipe(Layer.provide(NodeZooKeeper.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import * as tls from "node:tls"
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
/** Size of a plain TCP connection's read buffer. */
const READ_BUFFER = 64 * 1024

const addressOf = (o: ConnectOptions) => (o.host.includes(":") ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`)

/**
 * Opens TCP (or TLS, when `options.tls` is set) connections with `node:net` / `node:tls`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connector: SocketConnector = {
  connect: (options: ConnectOptions, handlers: SocketHandlers) =>
    Effect.async<Socket, SocketError>((resume) => {
      const address = addressOf(options)
      const t = options.tls
      // Plain TCP reads go straight into one buffer per connection (`onread`): no Buffer per
      // read and no stream machinery; each read's bytes are copied out once, since the client
      // keeps views of them (see SocketHandlers.onData).
      const readBuffer = t === undefined ? new Uint8Array(READ_BUFFER) : undefined
      const raw: net.Socket =
        t === undefined
          ? net.connect({
              host: options.host,
              port: options.port,
              noDelay: true,
              onread: {
                buffer: readBuffer!,
                callback: (n: number, buffer: Uint8Array) => {
                  handlers.onData(buffer.slice(0, n))
                  return true
                }
              }
            })
          : tls.connect({
              host: options.host,
              port: options.port,
              servername: t.serverName ?? (net.isIP(options.host) === 0 ? options.host : undefined),
              ...(t.ca === undefined ? {} : { ca: t.ca }),
              ...(t.cert === undefined ? {} : { cert: t.cert }),
              ...(t.key === undefined ? {} : { key: t.key }),
              ...(t.passphrase === undefined ? {} : { passphrase: t.passphrase }),
              rejectUnauthorized: t.dangerouslySkipVerification !== true
            })
      raw.setNoDelay(true)
      let connected = false
      let settled = false
      let closedLocally = false
      let lastError: Error | undefined
      // read coalescing: the timer that resumes reading after a pause
      let resumeTimer: ReturnType<typeof setTimeout> | undefined
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        raw.destroy()
        resume(Effect.fail(new SocketError({ address, reason: `connect timed out after ${options.connectTimeoutMillis} ms` })))
      }, options.connectTimeoutMillis)
      const socket: Socket = {
        remoteAddress: address,
        write: (chunks) => {
          if (raw.destroyed) return
          if (chunks.length === 1) {
            raw.write(chunks[0]!)
            return
          }
          raw.cork()
          for (const c of chunks) raw.write(c)
          raw.uncork()
        },
        close: () => {
          closedLocally = true
          clearTimeout(resumeTimer)
          raw.destroy()
        },
        // Plain TCP stops reading the socket; TLS stops the stream's 'data' events (what arrives
        // meanwhile is decrypted into the stream's buffer, up to its high-water mark, and handed
        // over on resume, one chunk per event: no new pause until the buffer is empty, or a
        // pause after each chunk would deliver one chunk per pause).
        pauseReading: (millis) => {
          if (resumeTimer !== undefined || raw.destroyed || raw.readableLength > 0) return
          raw.pause()
          resumeTimer = setTimeout(() => {
            resumeTimer = undefined
            if (!raw.destroyed) raw.resume()
          }, millis)
        }
      }
      raw.once(t === undefined ? "connect" : "secureConnect", () => {
        if (settled) {
          raw.destroy()
          return
        }
        settled = true
        connected = true
        clearTimeout(timer)
        resume(Effect.succeed(socket))
      })
      if (t !== undefined) raw.on("data", (chunk: Uint8Array) => handlers.onData(chunk))
      raw.on("error", (error: Error) => {
        lastError = error
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(Effect.fail(new SocketError({ address, reason: error.message, cause: error })))
      })
      raw.on("close", () => {
        clearTimeout(timer)
        clearTimeout(resumeTimer)
        if (!connected) return
        handlers.onClose(
          closedLocally
            ? undefined
            : new SocketError({
                address,
                reason: lastError === undefined ? "closed by the server" : lastError.message,
                cause: lastError
              })
        )
      })
      return Effect.sync(() => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        raw.destroy()
      })
    })
}

/**
 * The Node.js {@link Handler}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const handler: Handler = {
  name: "node",
  connector,
  scheduler: Scheduler.defaultScheduler
}

/**
 * Provides the Node.js handler to `ZooKeeper.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ZooKeeperHandler> = Layer.succeed(ZooKeeperHandler, handler)

/**
 * The promise facade on Node: connects and returns a client with async methods.
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
