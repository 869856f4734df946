/**
 * The Deno platform layer: sockets over `Deno.connect` (TCP) and `Deno.connectTls` (TLS, when
 * `ConnectOptions.tls` is set) — no `node:` compatibility — Effect's default scheduler, and
 * the promise facade's `connect()`.
 *
 * ```ts
 * import { ZooKeeper } from "@effect-zk/core"
 * import { DenoZooKeeper } from "@effect-zk/platform-deno"
 *
 * const live = ZooKeeper.layer({ hosts: "127.0.0.1:2181" }).pipe(Layer.provide(DenoZooKeeper.layer))
 * ```
 *
 * Needs `--allow-net` (for the ZooKeeper hosts).
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
import { type AbortSignal, type DenoConn, denoGlobals } from "./internal/deno.js"
import { decryptPrivateKey } from "./internal/pkcs8.js"

const addressOf = (o: ConnectOptions) => (o.host.includes(":") ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`)

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

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

/** Size of a read buffer. A read that fills at least a quarter of it keeps it; smaller ones are copied out. */
const READ_BUFFER = 64 * 1024

/** What `Deno.connectTls` cannot do, as a reason to refuse; undefined when it can. */
const unsupportedTls = (options: ConnectOptions): string | undefined => {
  const t = options.tls
  if (t === undefined) return undefined
  if (t.dangerouslySkipVerification === true) return "Deno.connectTls cannot skip certificate verification"
  if (t.serverName !== undefined && t.serverName !== options.host) {
    return "Deno.connectTls verifies the certificate against the host: serverName must be absent or equal to it"
  }
  if ((t.cert === undefined) !== (t.key === undefined)) return "a client certificate needs both cert and key"
  return undefined
}

const open = async (options: ConnectOptions, signal: AbortSignal | undefined): Promise<DenoConn> => {
  const { Deno } = denoGlobals
  const t = options.tls
  if (t === undefined) {
    const conn = await Deno.connect({
      hostname: options.host,
      port: options.port,
      transport: "tcp",
      ...(signal === undefined ? {} : { signal })
    })
    conn.setNoDelay(true)
    return conn
  }
  // Deno.connectTls takes a plain key only: an encrypted one is decrypted here (PKCS#8, WebCrypto).
  const key =
    t.key === undefined || t.passphrase === undefined
      ? t.key
      : await decryptPrivateKey(t.key, t.passphrase, denoGlobals.crypto.subtle)
  const conn = await Deno.connectTls({
    hostname: options.host,
    port: options.port,
    ...(t.ca === undefined ? {} : { caCerts: [t.ca] }),
    ...(t.cert === undefined || key === undefined ? {} : { cert: t.cert, key })
  })
  try {
    await conn.handshake()
  } catch (error) {
    conn.close()
    throw error
  }
  return conn
}

/**
 * Opens TCP connections with `Deno.connect` (or TLS ones with `Deno.connectTls` when
 * `options.tls` is set; a key with a `passphrase` is decrypted first, PKCS#8 with PBES2 as
 * `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it; a `serverName` other than the host and
 * skipped verification are refused, Deno has no such options).
 *
 * One read loop per connection hands each chunk to `onData`; writes queue up while one is in
 * flight and go out together.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connector: SocketConnector = {
  connect: (options: ConnectOptions, handlers: SocketHandlers) =>
    Effect.suspend(() => {
      const address = addressOf(options)
      const refused = unsupportedTls(options)
      if (refused !== undefined) return Effect.fail(new SocketError({ address, reason: refused }))
      return Effect.async<Socket, SocketError>((resume) => {
        const abort = new denoGlobals.AbortController()
        let conn: DenoConn | undefined
        let settled = false
        let connected = false
        let closed = false
        let closedLocally = false
        let queue: Array<Uint8Array> = []
        let writing = false
        // read coalescing: how long to wait before the next read, asked for by the client
        let pauseMillis = 0

        const fail = (reason: string, cause?: unknown) => {
          if (settled) return
          settled = true
          denoGlobals.clearTimeout(timer)
          abort.abort()
          resume(Effect.fail(new SocketError({ address, reason, cause })))
        }
        const timer = denoGlobals.setTimeout(
          () => fail(`connect timed out after ${options.connectTimeoutMillis} ms`),
          options.connectTimeoutMillis
        )

        /** Ends the connection once; reports it when it had been established. */
        const finish = (error: unknown) => {
          if (closed) return
          closed = true
          queue = []
          try {
            conn?.close()
          } catch {
            // already closed
          }
          if (!connected) return
          handlers.onClose(
            closedLocally
              ? undefined
              : new SocketError({
                  address,
                  reason: error === undefined ? "closed by the server" : messageOf(error),
                  cause: error
                })
          )
        }

        const readLoop = async (c: DenoConn) => {
          let buffer = new Uint8Array(READ_BUFFER)
          try {
            for (;;) {
              const n = await c.read(buffer)
              if (n === null) break
              if (closed) return
              if (n === 0) continue
              let chunk: Uint8Array
              if (n >= READ_BUFFER / 4) {
                chunk = buffer.subarray(0, n)
                buffer = new Uint8Array(READ_BUFFER)
              } else chunk = buffer.slice(0, n)
              handlers.onData(chunk)
              if (pauseMillis > 0) {
                const wait = pauseMillis
                pauseMillis = 0
                await new Promise<void>((done) => denoGlobals.setTimeout(done, wait))
              }
            }
            finish(undefined)
          } catch (error) {
            finish(error)
          }
        }

        const pump = async (c: DenoConn) => {
          writing = true
          try {
            while (queue.length > 0 && !closed) {
              const data = concat(queue)
              queue = []
              let offset = 0
              while (offset < data.length && !closed) {
                offset += await c.write(offset === 0 ? data : data.subarray(offset))
              }
            }
          } catch (error) {
            finish(error)
          } finally {
            writing = false
          }
        }

        const socket: Socket = {
          remoteAddress: address,
          write: (chunks) => {
            if (closed || conn === undefined) return
            for (const c of chunks) queue.push(c)
            if (!writing) void pump(conn)
          },
          close: () => {
            if (closed || closedLocally) return
            closedLocally = true
            finish(undefined)
          },
          pauseReading: (millis) => {
            pauseMillis = millis
          }
        }

        open(options, abort.signal).then(
          (c) => {
            if (settled) {
              c.close()
              return
            }
            settled = true
            connected = true
            conn = c
            denoGlobals.clearTimeout(timer)
            void readLoop(c)
            resume(Effect.succeed(socket))
          },
          (error: unknown) => fail(messageOf(error), error)
        )

        return Effect.sync(() => {
          if (settled) return
          settled = true
          denoGlobals.clearTimeout(timer)
          abort.abort()
        })
      })
    })
}

/**
 * The Deno {@link Handler}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const handler: Handler = {
  name: "deno",
  connector,
  scheduler: Scheduler.defaultScheduler
}

/**
 * Provides the Deno handler to `ZooKeeper.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ZooKeeperHandler> = Layer.succeed(ZooKeeperHandler, handler)

/**
 * The promise facade on Deno: connects and returns a client with async methods.
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
