/**
 * A bare-socket ZooKeeper peer for golden tests: frames built with our codec go straight over
 * `node:net` (no client library), replies are split with our FrameSplitter and decoded with
 * our decoders. Every wait is bounded; a test that opens sockets through {@link withWire} gets
 * them destroyed whatever happens.
 */
import * as net from "node:net"
import { ProtocolError } from "@effect-zk/core/ZooKeeperError"
import { FrameSplitter } from "../src/internal/frame.js"
import * as R from "../src/internal/records.js"

/** The longest any single wait may take, in milliseconds. */
export const WAIT_MS = 5_000

export interface Address {
  readonly host: string
  readonly port: number
}

/** How the server ended the connection. */
export interface CloseInfo {
  /** The socket saw the server's FIN (an orderly close) before it closed. */
  readonly gotEnd: boolean
  /** The socket closed with an error (e.g. ECONNRESET). */
  readonly error: string | undefined
}

const orThrow = <A>(v: A | ProtocolError): A => {
  if (v instanceof ProtocolError) throw new Error(`decode failed: ${v.reason}`)
  return v
}

interface Waiter {
  readonly resolve: (frame: Uint8Array) => void
  readonly reject: (e: Error) => void
}

/**
 * One TCP connection to a server: `send` whole frames, `next` the next frame the server sent
 * (without its length prefix, copied), `closed` once the server hung up.
 */
export class WireSocket {
  private readonly queue: Uint8Array[] = []
  private readonly waiters: Waiter[] = []
  private readonly splitter = new FrameSplitter()
  private gotEnd = false
  private closeInfo: CloseInfo | undefined = undefined
  private readonly closeWaiters: Array<(info: CloseInfo) => void> = []
  private lastError: string | undefined = undefined

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      // A plain Uint8Array view, so frames are Uint8Arrays (not Buffers) and `slice` copies.
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
      const error = this.splitter.push(bytes, (b, start, end) => this.deliver(b.slice(start, end)))
      if (error !== undefined) {
        this.lastError = `frame error: ${error.reason}`
        socket.destroy()
      }
    })
    socket.on("end", () => {
      this.gotEnd = true
    })
    socket.on("error", (e) => {
      this.lastError = e.message
    })
    socket.on("close", () => {
      const info: CloseInfo = { gotEnd: this.gotEnd, error: this.lastError }
      this.closeInfo = info
      for (const w of this.waiters.splice(0)) w.reject(new Error(`connection closed while waiting for a frame (${JSON.stringify(info)})`))
      for (const w of this.closeWaiters.splice(0)) w(info)
    })
  }

  /** Opens a connection, within {@link WAIT_MS}. */
  static open(address: Address, timeoutMs: number = WAIT_MS): Promise<WireSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address.host, port: address.port, noDelay: true })
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new Error(`no connection to ${address.host}:${address.port} within ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once("connect", () => {
        clearTimeout(timer)
        socket.removeAllListeners("error")
        resolve(new WireSocket(socket))
      })
      socket.once("error", (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
  }

  /** Writes bytes as they are (normally one whole frame, length prefix included). */
  send(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }

  /** The next frame from the server, without its length prefix; rejects after `timeoutMs` or on close. */
  next(timeoutMs: number = WAIT_MS): Promise<Uint8Array> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.closeInfo !== undefined) {
      return Promise.reject(new Error(`connection already closed (${JSON.stringify(this.closeInfo)})`))
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (frame) => {
          clearTimeout(timer)
          resolve(frame)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      }
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter)
        if (at >= 0) this.waiters.splice(at, 1)
        reject(new Error(`no frame within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Frames received and not taken by `next` yet. */
  get pending(): number {
    return this.queue.length
  }

  /** Resolves once the connection is closed; rejects if it is still open after `timeoutMs`. */
  closed(timeoutMs: number = WAIT_MS): Promise<CloseInfo> {
    if (this.closeInfo !== undefined) return Promise.resolve(this.closeInfo)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs)
      this.closeWaiters.push((info) => {
        clearTimeout(timer)
        resolve(info)
      })
    })
  }

  /** Whether the connection has closed. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined
  }

  /** Drops the connection from our side (no closeSession: the session lives on). */
  destroy(): void {
    this.socket.destroy()
  }

  private deliver(frame: Uint8Array): void {
    const waiter = this.waiters.shift()
    if (waiter === undefined) this.queue.push(frame)
    else waiter.resolve(frame)
  }
}

/** A reply split into its ReplyHeader and the bytes after it. */
export interface Reply {
  readonly header: R.ReplyHeader
  /** The whole frame (without its length prefix). */
  readonly frame: Uint8Array
  /** Bytes after the ReplyHeader. */
  readonly bodyLength: number
}

/** Splits a reply frame; throws when it is shorter than a ReplyHeader. */
export const parseReply = (frame: Uint8Array): Reply => ({
  header: orThrow(R.decodeReplyHeader(frame)),
  frame,
  bodyLength: frame.length - R.REPLY_HEADER_LENGTH
})

/** Decodes the body of `reply` as the reply of `op`; throws on a ProtocolError. */
export const bodyOf = <K extends R.OpName>(op: K, reply: Reply): R.Responses[K] =>
  orThrow(R.decodeResponse(op, reply.frame, R.REPLY_HEADER_LENGTH))

/** Decodes a notification's WatcherEvent; throws on a ProtocolError. */
export const eventOf = (reply: Reply): R.WatcherEvent => orThrow(R.decodeWatcherEvent(reply.frame, R.REPLY_HEADER_LENGTH))

/** A connection that completed the handshake. */
export interface Session {
  readonly socket: WireSocket
  readonly response: R.ConnectResponse
  /** The handshake reply frame, without its length prefix. */
  readonly handshakeFrame: Uint8Array
  /** The next xid to use for an ordinary request (1, 2, ...). */
  readonly xid: () => number
  /** Sends `op` with a fresh xid and returns the next frame, checked to answer that xid. */
  readonly call: <K extends R.OpName>(op: K, body: R.Requests[K]) => Promise<Reply>
  /** Sends `op` with the given (special) xid and returns the next frame, whatever it is. */
  readonly send: <K extends R.OpName>(op: K, xid: number, body: R.Requests[K]) => Promise<Reply>
  /** The next frame, parsed. */
  readonly next: (timeoutMs?: number) => Promise<Reply>
}

/** Handshake fields; anything left out takes a fresh-session default. */
export type Handshake = Partial<R.ConnectRequest>

/** Opens sockets and closes them all when the test body ends. */
export interface Wire {
  readonly address: Address
  /** A raw connection, no handshake. */
  readonly open: () => Promise<WireSocket>
  /** A connection after the handshake; throws if the server's answer does not decode. */
  readonly connect: (handshake?: Handshake) => Promise<Session>
}

/** Performs the handshake on an open socket and wraps it as a {@link Session}. */
export const handshake = async (socket: WireSocket, request: Handshake = {}): Promise<Session> => {
  socket.send(
    R.encodeConnectRequest({
      protocolVersion: request.protocolVersion ?? R.PROTOCOL_VERSION,
      lastZxidSeen: request.lastZxidSeen ?? 0n,
      timeOut: request.timeOut ?? 10_000,
      sessionId: request.sessionId ?? 0n,
      passwd: request.passwd ?? new Uint8Array(16),
      readOnly: request.readOnly ?? false
    })
  )
  const handshakeFrame = await socket.next()
  const response = orThrow(R.decodeConnectResponse(handshakeFrame))
  let counter = 0
  const next = async (timeoutMs?: number): Promise<Reply> => parseReply(await socket.next(timeoutMs))
  const send = <K extends R.OpName>(op: K, xid: number, body: R.Requests[K]): Promise<Reply> => {
    socket.send(R.encodeRequest(op, xid, body))
    return next()
  }
  return {
    socket,
    response,
    handshakeFrame,
    xid: () => ++counter,
    send,
    next,
    call: async (op, body) => {
      const xid = ++counter
      const reply = await send(op, xid, body)
      if (reply.header.xid !== xid) {
        throw new Error(`${op}: expected the reply to xid ${xid}, got xid ${reply.header.xid} (err ${reply.header.err})`)
      }
      return reply
    }
  }
}

const closeSession = async (socket: WireSocket): Promise<void> => {
  socket.send(R.encodeRequest("closeSession", 0x7fffffff, {}))
  await socket.closed(1_000).catch(() => undefined)
}

/**
 * Runs `body` with a {@link Wire} on `address`. Afterwards every session it opened is closed
 * with closeSession, so none lingers until it expires (an expiry is a transaction, and would
 * move the zxids later tests compare): first those whose connection is still open, then, one
 * at a time, those whose connection was dropped, through a fresh handshake. Every wait is
 * bounded; every socket is destroyed.
 */
export const withWire = async (address: Address, body: (wire: Wire) => Promise<void>): Promise<void> => {
  const sockets: WireSocket[] = []
  const sessions: Session[] = []
  const open = async (): Promise<WireSocket> => {
    const socket = await WireSocket.open(address)
    sockets.push(socket)
    return socket
  }
  const connect = async (request?: Handshake): Promise<Session> => {
    const session = await handshake(await open(), request)
    sessions.push(session)
    return session
  }
  try {
    await body({ address, open, connect })
  } finally {
    const live = sessions.filter((s) => s.response.timeOut > 0)
    await Promise.all(live.filter((s) => !s.socket.isClosed).map((s) => closeSession(s.socket)))
    const seen = new Set<bigint>()
    for (const s of live) {
      if (!s.socket.isClosed || seen.has(s.response.sessionId)) continue
      seen.add(s.response.sessionId)
      try {
        const again = await handshake(await open(), { sessionId: s.response.sessionId, passwd: s.response.passwd })
        if (again.response.timeOut > 0) await closeSession(again.socket)
      } catch {
        // the server is gone or refused: nothing left to close
      }
    }
    for (const s of sockets) s.destroy()
  }
}

/** UTF-8 bytes of a string. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The world:anyone ACL with every permission (`ZooDefs.Ids.OPEN_ACL_UNSAFE`). */
export const OPEN_ACL: ReadonlyArray<R.ACL> = [{ perms: 31, id: { scheme: "world", id: "anyone" } }]
