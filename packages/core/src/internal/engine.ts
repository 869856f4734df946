/**
 * The session engine: one socket at a time, a FIFO of requests in flight keyed by xid, a
 * reader that completes them synchronously, pings on idle, and a loop that connects,
 * authenticates, re-registers watches and reconnects.
 *
 * Shape (after go-zookeeper's conn.go): `Engine` owns the session (id, password, last zxid,
 * watches, auth); `Conn` owns one socket (frame splitter, in-flight FIFO, coalesced writes).
 * The hot path — `request` → encode → write; frame → decode → resume — forks no fiber.
 */
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as SubscriptionRef from "effect/SubscriptionRef"
import {
  type ClientState,
  type EventType,
  eventTypeFromCode,
  isValidTransition,
  type KeeperState,
  kazooStateOf
} from "../ClientState.js"
import type { CallbackQueue, Handler, Socket, SocketError, TlsOptions } from "../Handler.js"
import type { Resolved } from "../ZooKeeperConfig.js"
import { recordStateChange } from "../ZooKeeperMetrics.js"
import {
  AuthFailedError,
  ClientClosedError,
  ConnectionLossError,
  type ErrorContext,
  fromCode,
  ProtocolError,
  SessionExpiredError,
  type ZooKeeperError
} from "../ZooKeeperError.js"
import { FrameSplitter } from "./frame.js"
import { JuteWriter } from "./jute.js"
import * as R from "./records.js"
import { authenticate, digestMd5, SaslFailure, zooKeeperDigestUri } from "./sasl.js"
import { type WatchKind, WatchRegistry, type Watcher } from "./watchRegistry.js"

/** A request waiting for its reply. */
interface Pending {
  readonly xid: number
  /** The whole frame; when undefined, `writeTo` encodes it straight into the connection's write buffer. */
  readonly frame: Uint8Array | undefined
  /** Appends the frame to `w` (requests without a `frame`). */
  writeTo?(w: JuteWriter): void
  /** Set once the caller got its answer or gave up; a late reply is then consumed silently. */
  done: boolean
  /** Called by the reader with the reply's error code and its body, `bytes[offset..end)`. */
  onReply(err: number, bytes: Uint8Array, offset: number, end: number): void
  /** Called when the request can no longer be answered. */
  onFail(error: ZooKeeperError): void
  /** The watcher its reply registers, if any. */
  readonly watch?: WatchRequest | undefined
}

/**
 * A client request in flight: one object holding everything the reply needs (methods on the
 * prototype instead of closures per request), encoded into the connection's write buffer when
 * it is sent.
 */
class RequestPending<K extends R.OpName, A> implements Pending {
  done = false
  frame: Uint8Array | undefined = undefined

  constructor(
    private readonly engine: Engine,
    readonly xid: number,
    private readonly op: K,
    private readonly body: R.Requests[K],
    private readonly ctx: ErrorContext,
    readonly watch: WatchRequest | undefined,
    private readonly map: (response: R.Responses[K]) => A,
    /** Effect.async's resume, or `sendNow`'s callback: always given an Exit. */
    private readonly resume: (exit: Exit.Exit<A, ZooKeeperError>) => void,
    private readonly fast: FastDecode<A> | undefined
  ) {}

  writeTo(w: JuteWriter): void {
    R.writeRequest(w, this.op, this.xid, this.body)
  }

  onReply(err: number, b: Uint8Array, offset: number, end: number): void {
    const watch = this.watch
    if (watch !== undefined && !this.done) {
      const kind = watch.kindFor(err)
      if (kind !== undefined) this.engine.watches.add(kind, watch.serverPath, watch.watcher)
    }
    if (this.done) return
    this.done = true
    if (err !== 0 && !((this.op === "multi" || this.op === "multiRead") && end > offset)) {
      this.resume(Exit.fail(fromCode(err, this.ctx)))
      return
    }
    if (this.fast !== undefined) {
      const value = this.fast(b, offset, end)
      if (value !== undefined) {
        this.resume(Exit.succeed(value))
        return
      }
    }
    const decoded = R.decodeResponse(this.op, b.subarray(offset, end), 0)
    if (decoded instanceof ProtocolError) {
      this.resume(Exit.fail(new ProtocolError({ reason: decoded.reason, op: this.ctx.op })))
      this.engine.conn?.abort(decoded)
      return
    }
    this.resume(Exit.succeed(this.map(decoded)))
  }

  onFail(error: ZooKeeperError): void {
    if (this.done) return
    this.done = true
    const ctx = this.ctx
    this.resume(
      Exit.fail(
        error._tag === "ClientClosedError"
          ? new ClientClosedError(ctx)
          : error._tag === "ConnectionLossError"
            ? new ConnectionLossError(ctx)
            : error._tag === "SessionExpiredError"
              ? new SessionExpiredError(ctx)
              : error
      )
    )
  }
}

/**
 * A straight-line decoder of a successful reply's body (`bytes[offset..end)`) into the caller's
 * value; undefined when the body is not exactly what it expects, which leaves the reply to the
 * generic decoder (and its error for malformed bytes).
 */
export type FastDecode<A> = (bytes: Uint8Array, offset: number, end: number) => A | undefined

/**
 * One request as the client prepares it (validated, chroot applied): run as an Effect with
 * `Engine.call`, or sent straight from outside a fiber with `Engine.sendNow`.
 */
export interface Call<K extends R.OpName, A> {
  readonly op: K
  readonly body: R.Requests[K]
  readonly ctx: ErrorContext
  readonly watch: WatchRequest | undefined
  readonly map: (response: R.Responses[K]) => A
  readonly fast: FastDecode<A> | undefined
}

/** A watch to register when the reply arrives, depending on its error code. */
export interface WatchRequest {
  readonly serverPath: string
  readonly watcher: Watcher
  /** The kind to register under for a given reply error code, or undefined for none. */
  readonly kindFor: (err: number) => WatchKind | undefined
}

const EMPTY_PASSWORD = new Uint8Array(16)
const identity = <A>(a: A): A => a
const PING_FRAME = R.encodeRequest("ping", R.Xid.ping, {})
const SET_WATCHES_CHUNK = 128 * 1024
/** The write buffer's initial size, and the size above which it is dropped after a flush. */
const OUT_CAPACITY = 4 * 1024
const OUT_KEEP = 1024 * 1024

/** The big-endian int32 at `at` (in bounds). */
const int32 = (b: Uint8Array, at: number): number =>
  ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)

class Conn {
  socket: Socket | undefined
  readonly splitter: FrameSplitter
  private inflight: Array<Pending | undefined> = []
  private head = 0
  /** Frames to write, coalesced: requests are encoded straight into it and written once per tick. */
  private out = new JuteWriter(OUT_CAPACITY)
  private flushScheduled = false
  handshaking = true
  closed = false
  /** The zxid of the last reply, as its two halves. */
  private zxidHigh = 0
  private zxidLow = 0
  lastRecv: number
  lastSend: number
  readonly handshake: Deferred.Deferred<R.ConnectResponse, SocketError | ProtocolError>
  readonly closedSignal: Deferred.Deferred<SocketError | ProtocolError | undefined>

  constructor(
    private readonly engine: Engine,
    readonly address: string,
    now: number
  ) {
    this.splitter = new FrameSplitter(engine.config.maxFrameLength)
    this.lastRecv = now
    this.lastSend = now
    this.handshake = Deferred.unsafeMake(engine.fiberIdNone)
    this.closedSignal = Deferred.unsafeMake(engine.fiberIdNone)
  }

  readonly onData = (chunk: Uint8Array): void => {
    if (this.closed) return
    this.lastRecv = this.engine.now()
    const error = this.splitter.push(chunk, this.onFrame)
    if (error !== undefined) {
      this.abort(error)
      return
    }
    // Read coalescing: with many replies still to come, let them gather for a moment
    // so that the next read brings them together (one wake-up instead of several).
    const coalescing = this.engine.config.readCoalescing
    if (coalescing !== undefined && !this.closed && this.inflight.length - this.head >= coalescing.minInFlight) {
      this.socket?.pauseReading?.(coalescing.pauseMillis)
    }
  }

  readonly onClose = (error: SocketError | undefined): void => {
    this.teardown(error)
  }

  private readonly onFrame = (bytes: Uint8Array, start: number, end: number): void => {
    if (this.closed) return
    if (this.handshaking) {
      const frame = bytes.subarray(start, end)
      if (frame.length === R.REPLY_HEADER_LENGTH) {
        // Some servers refuse a handshake with a bare reply header, e.g. a read-only server
        // asked for a new global session answers NotReadOnly.
        const header = R.decodeReplyHeader(frame)
        if (!(header instanceof ProtocolError) && header.err !== 0) {
          this.abort(
            new ProtocolError({
              op: "connect",
              reason: `${this.address} refused the session: ${fromCode(header.err, { op: "connect" }).message}`
            })
          )
          return
        }
      }
      const resp = R.decodeConnectResponse(frame)
      if (resp instanceof ProtocolError) {
        this.abort(resp)
        return
      }
      this.handshaking = false
      Deferred.unsafeDone(this.handshake, Exit.succeed(resp))
      return
    }
    // The ReplyHeader {xid, zxid, err}, read in place: this runs for every reply.
    if (end - start < R.REPLY_HEADER_LENGTH) {
      this.abort(new ProtocolError({ reason: `reply of ${end - start} bytes is shorter than a ReplyHeader (16)` }))
      return
    }
    const xid = int32(bytes, start)
    if (xid === R.Xid.ping) return
    const zxidHigh = int32(bytes, start + 4)
    const zxidLow = int32(bytes, start + 8)
    if (zxidHigh !== this.zxidHigh || zxidLow !== this.zxidLow) {
      // a zxid not seen just before: only then is it made a bigint and compared
      this.zxidHigh = zxidHigh
      this.zxidLow = zxidLow
      const zxid = (BigInt(zxidHigh) << 32n) | BigInt(zxidLow >>> 0)
      if (zxid > 0n && zxid > this.engine.lastZxid) this.engine.lastZxid = zxid
    }
    const err = int32(bytes, start + 12)
    const body = start + R.REPLY_HEADER_LENGTH
    if (xid === R.Xid.notification) {
      const event = R.decodeWatcherEvent(bytes.subarray(body, end), 0)
      if (event instanceof ProtocolError) this.abort(event)
      else this.engine.dispatchEvent(event)
      return
    }
    if (xid === R.Xid.auth && xid !== this.inflight[this.head]?.xid) {
      this.onEarlyAuthReply(err, bytes, body, end)
      return
    }
    const pending = this.inflight[this.head]
    if (pending === undefined || pending.xid !== xid) {
      this.abort(
        new ProtocolError({
          reason: `reply xid ${xid} does not match the oldest request in flight (${pending === undefined ? "none" : pending.xid})`
        })
      )
      return
    }
    this.inflight[this.head++] = undefined
    if (this.head > 1024 && this.head * 2 > this.inflight.length) {
      this.inflight = this.inflight.slice(this.head)
      this.head = 0
    }
    pending.onReply(err, bytes, body, end)
  }

  /**
   * The server answers auth packets as soon as it reads them, ahead of the requests still in its
   * pipeline: such a reply completes the oldest auth packet in flight, wherever it sits.
   */
  private onEarlyAuthReply(err: number, bytes: Uint8Array, body: number, end: number): void {
    for (let i = this.head; i < this.inflight.length; i++) {
      const pending = this.inflight[i]
      if (pending?.xid === R.Xid.auth) {
        this.inflight.splice(i, 1)
        pending.onReply(err, bytes, body, end)
        return
      }
    }
    this.abort(new ProtocolError({ reason: "an auth reply arrived with no auth packet in flight" }))
  }

  /** Sends a request whose reply comes back through the in-flight FIFO. */
  send(pending: Pending): void {
    if (!this.closed) {
      if (pending.frame !== undefined) this.out.raw(pending.frame)
      else {
        const start = this.out.length
        try {
          pending.writeTo!(this.out)
        } catch (error) {
          this.out.truncate(start)
          throw error
        }
      }
      this.scheduleFlush()
    }
    this.inflight.push(pending)
  }

  enqueue(frame: Uint8Array): void {
    if (this.closed) return
    this.out.raw(frame)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true
      queueMicrotask(this.flush)
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.closed || this.socket === undefined || this.out.length === 0) return
    // One copy of everything queued this tick, written at once (the buffer is reused).
    const bytes = this.out.bytes().slice()
    if (this.out.capacity > OUT_KEEP) this.out = new JuteWriter(OUT_CAPACITY)
    else this.out.reset()
    this.lastSend = this.engine.now()
    this.socket.write([bytes])
  }

  /** Writes now (the handshake, which must precede everything). */
  writeNow(frame: Uint8Array): void {
    if (this.closed || this.socket === undefined) return
    this.lastSend = this.engine.now()
    this.socket.write([frame])
  }

  get inflightCount(): number {
    return this.inflight.length - this.head
  }

  /** Whether a request in flight will register a watcher that `test` accepts. */
  someWatchInFlight(test: (watch: WatchRequest) => boolean): boolean {
    for (let i = this.head; i < this.inflight.length; i++) {
      const p = this.inflight[i]
      if (p !== undefined && !p.done && p.watch !== undefined && test(p.watch)) return true
    }
    return false
  }

  abort(error: ProtocolError | SocketError): void {
    this.teardown(error)
    this.socket?.close()
  }

  close(): void {
    this.teardown(undefined)
    this.socket?.close()
  }

  private teardown(error: SocketError | ProtocolError | undefined): void {
    if (this.closed) return
    this.closed = true
    const failed = this.inflight
    const head = this.head
    this.inflight = []
    this.head = 0
    this.out = new JuteWriter(16)
    for (let i = head; i < failed.length; i++) {
      const p = failed[i]
      if (p !== undefined && !p.done) p.onFail(this.engine.lossError(p))
    }
    if (this.handshaking) {
      Deferred.unsafeDone(
        this.handshake,
        Exit.fail(
          error ?? new ProtocolError({ reason: `connection to ${this.address} closed before the handshake completed` })
        )
      )
    }
    Deferred.unsafeDone(this.closedSignal, Exit.succeed(error))
  }
}

/** The client's session across connections. */
export class Engine {
  sessionId = 0n
  password: Uint8Array = EMPTY_PASSWORD
  lastZxid = 0n
  negotiatedTimeout = 0
  private xid = 0
  conn: Conn | undefined
  private waiting: Array<Pending> = []
  closed = false
  /** Set as soon as close() starts: new requests fail at once instead of queueing behind closeSession. */
  closing = false
  terminal: ZooKeeperError | undefined
  readonly watches = new WatchRegistry()
  readonly auth: Array<{ readonly scheme: string; readonly credential: Redacted.Redacted<string> }>
  private serverIndex = 0
  /** Whether a read-write server ever gave us this session; until then a read-only session id is not carried over (as ZooKeeper's own client does). */
  private seenRwServerBefore = false
  private servers: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly fiberIdNone: FiberId.FiberId = FiberId.none
  private readonly connectedWaiters = new Set<() => void>()
  connectedServer: string | undefined
  /** Why the last connection attempt failed (e.g. a certificate the platform does not trust), for make's error report. */
  lastAttemptError: string | undefined
  /** Persistent watch callbacks to end on session loss or close, keyed by their watcher. */
  readonly onSessionLost = new Set<(error: ZooKeeperError) => void>()

  constructor(
    readonly config: Resolved,
    readonly handler: Handler,
    readonly queues: {
      readonly session: CallbackQueue
      readonly watch: CallbackQueue
    },
    readonly state: SubscriptionRef.SubscriptionRef<ClientState>,
    readonly clock: Clock.Clock,
    readonly listeners: Set<(state: ClientState) => Effect.Effect<void, unknown>>
  ) {
    this.auth = [...config.authData]
    this.servers = config.servers
    if (config.clientId !== undefined) {
      this.sessionId = config.clientId.sessionId
      this.password = config.clientId.password
      this.seenRwServerBefore = true
    }
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  nextXid(): number {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1
    return this.xid
  }

  lossError(p: { readonly xid: number }): ZooKeeperError {
    void p
    return this.closed
      ? new ClientClosedError({ op: "request" })
      : (this.terminal ?? new ConnectionLossError({ op: "request" }))
  }

  // ------------------------------------------------------------------------------------------
  // Requests
  // ------------------------------------------------------------------------------------------

  /**
   * Sends a request and completes with its decoded reply. A watch, if given, is registered by
   * the reader before the caller resumes.
   */
  request<K extends R.OpName>(
    op: K,
    body: R.Requests[K],
    ctx: ErrorContext,
    watch?: WatchRequest
  ): Effect.Effect<R.Responses[K], ZooKeeperError> {
    return this.requestMap(op, body, ctx, watch, identity)
  }

  /**
   * `request`, completing with `map` of the decoded reply. `map` (pure, total) runs as the reply
   * is read, so the caller's fiber resumes with its result: one step less per request than
   * `Effect.map` on `request`.
   */
  requestMap<K extends R.OpName, A>(
    op: K,
    body: R.Requests[K],
    ctx: ErrorContext,
    watch: WatchRequest | undefined,
    map: (response: R.Responses[K]) => A,
    fast?: FastDecode<A>
  ): Effect.Effect<A, ZooKeeperError> {
    const raw = this.rawRequest(op, body, ctx, watch, map, fast)
    return Effect.suspend(() =>
      this.conn === undefined && this.config.whileDisconnected === "wait" ? this.waitBounded(raw, ctx) : raw
    )
  }

  /** The request as an Effect.async, without the bound on waiting for a connection. */
  private rawRequest<K extends R.OpName, A>(
    op: K,
    body: R.Requests[K],
    ctx: ErrorContext,
    watch: WatchRequest | undefined,
    map: (response: R.Responses[K]) => A,
    fast: FastDecode<A> | undefined
  ): Effect.Effect<A, ZooKeeperError> {
    return Effect.async<A, ZooKeeperError>((resume) => {
      if (this.closing) {
        resume(Effect.fail(new ClientClosedError(ctx)))
        return
      }
      if (this.terminal !== undefined) {
        resume(Effect.fail(this.terminal))
        return
      }
      const pending = new RequestPending(this, this.nextXid(), op, body, ctx, watch, map, resume, fast)
      const conn = this.conn
      if (conn !== undefined && !conn.closed) {
        conn.send(pending)
        // No canceler for plain requests: the request is on the wire anyway, and an interrupted
        // fiber ignores a late resume. (A canceler would wrap every request in an interruption
        // handler.) A request carrying a watch needs one: an abandoned request must not leave a
        // watcher nobody owns in the registry (its owner already cleaned up).
        if (watch === undefined) return
        return Effect.sync(() => {
          pending.done = true
        })
      }
      if (this.config.whileDisconnected === "fail") {
        resume(Effect.fail(new ConnectionLossError(ctx)))
        return
      }
      // Encoded now: the loop fiber that sends it after the next handshake must not throw.
      pending.frame = R.encodeRequest(op, pending.xid, body)
      this.waiting.push(pending)
      return Effect.sync(() => {
        pending.done = true
        const i = this.waiting.indexOf(pending)
        if (i >= 0) this.waiting.splice(i, 1)
      })
    })
  }

  /** `requestMap` of a prepared call. */
  call<K extends R.OpName, A>(c: Call<K, A>): Effect.Effect<A, ZooKeeperError> {
    return this.requestMap(c.op, c.body, c.ctx, c.watch, c.map, c.fast)
  }

  /**
   * `call` for a caller that is already running (inside `Effect.withFiberRuntime`, say): the
   * connection is looked at now, which spares the `Effect.suspend` that `call` needs.
   */
  callNow<K extends R.OpName, A>(c: Call<K, A>): Effect.Effect<A, ZooKeeperError> {
    const raw = this.rawRequest(c.op, c.body, c.ctx, c.watch, c.map, c.fast)
    return this.conn === undefined && this.config.whileDisconnected === "wait" ? this.waitBounded(raw, c.ctx) : raw
  }

  private waitBounded<A>(raw: Effect.Effect<A, ZooKeeperError>, ctx: ErrorContext): Effect.Effect<A, ZooKeeperError> {
    return Effect.timeoutFail(raw, {
      duration: Duration.millis(this.config.requestTimeoutMillis),
      onTimeout: () => new ConnectionLossError(ctx)
    })
  }

  /**
   * Runs a prepared call without a fiber (the promise facade): `done` gets its Exit exactly
   * once, from the reader when the reply comes. Like `call` in every case: sent at once when
   * connected; while disconnected, failed at once (`whileDisconnected: "fail"`) or queued for
   * the next connection and failed with ConnectionLoss after `requestTimeout` ("wait"); failed
   * with ClientClosed once the client is closing.
   */
  submit<K extends R.OpName, A>(c: Call<K, A>, done: (exit: Exit.Exit<A, ZooKeeperError>) => void): void {
    if (this.closing || this.terminal !== undefined) {
      done(Exit.fail(this.closing ? new ClientClosedError(c.ctx) : (this.terminal ?? new ClientClosedError(c.ctx))))
      return
    }
    const conn = this.conn
    if (conn !== undefined && !conn.closed) {
      conn.send(new RequestPending(this, this.nextXid(), c.op, c.body, c.ctx, c.watch, c.map, done, c.fast))
      return
    }
    if (this.config.whileDisconnected === "fail") {
      done(Exit.fail(new ConnectionLossError(c.ctx)))
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const pending = new RequestPending(
      this,
      this.nextXid(),
      c.op,
      c.body,
      c.ctx,
      c.watch,
      c.map,
      (exit: Exit.Exit<A, ZooKeeperError>) => {
        clearTimeout(timer)
        done(exit)
      },
      c.fast
    )
    // Encoded now: the loop fiber that sends it after the next handshake must not throw.
    pending.frame = R.encodeRequest(c.op, pending.xid, c.body)
    this.waiting.push(pending)
    timer = setTimeout(() => {
      if (pending.done) return
      const i = this.waiting.indexOf(pending)
      if (i < 0) return // sent meanwhile: its reply (or the connection's loss) settles it
      this.waiting.splice(i, 1)
      pending.onFail(new ConnectionLossError(c.ctx))
    }, this.config.requestTimeoutMillis)
  }

  /**
   * Whether a request whose reply will register a watcher on `serverPath`, under one of `kinds`
   * (the kind a success registers; an exists on a missing node counts as "data"), is in flight
   * or waiting for a connection: the server will have set that watch when it reads a request
   * sent now.
   */
  watchAwaited(serverPath: string, kinds: ReadonlyArray<WatchKind>): boolean {
    const awaited = (w: WatchRequest) => {
      if (w.serverPath !== serverPath) return false
      const kind = w.kindFor(0)
      return kind !== undefined && kinds.includes(kind)
    }
    return (
      this.conn?.someWatchInFlight(awaited) === true ||
      this.waiting.some((p) => !p.done && p.watch !== undefined && awaited(p.watch))
    )
  }

  /** Adds a credential, sends it now when connected, and replays it after reconnects. */
  addAuth(scheme: string, credential: Redacted.Redacted<string>): Effect.Effect<void, ZooKeeperError> {
    return Effect.async<void, ZooKeeperError>((resume) => {
      const ctx = { op: "addAuth" }
      if (this.closed) return resume(Effect.fail(new ClientClosedError(ctx)))
      const entry = { scheme, credential }
      const conn = this.conn
      if (conn === undefined || conn.closed) {
        // Sent with the others right after the next handshake.
        this.auth.push(entry)
        return resume(Effect.void)
      }
      conn.send(
        this.authPending(entry, (err) => {
          if (err === 0) {
            this.auth.push(entry)
            resume(Effect.void)
          } else resume(Effect.fail(fromCode(err, ctx)))
        })
      )
    })
  }

  private authPending(
    entry: { readonly scheme: string; readonly credential: Redacted.Redacted<string> },
    done: (err: number) => void
  ): Pending {
    const pending: Pending = {
      xid: R.Xid.auth,
      frame: R.encodeRequest("auth", R.Xid.auth, {
        type: 0,
        scheme: entry.scheme,
        auth: new TextEncoder().encode(Redacted.value(entry.credential))
      }),
      done: false,
      onReply: (err) => {
        pending.done = true
        if (err === AuthFailedError.code) this.onAuthFailed()
        done(err)
      },
      onFail: (error) => {
        pending.done = true
        done("code" in error ? error.code : ConnectionLossError.code)
      }
    }
    return pending
  }

  private onAuthFailed(): void {
    this.terminal = new AuthFailedError({ op: "auth" })
  }

  // ------------------------------------------------------------------------------------------
  // Watch events
  // ------------------------------------------------------------------------------------------

  dispatchEvent(event: R.WatcherEvent): void {
    const type: EventType | undefined = eventTypeFromCode(event.type)
    if (type === undefined || type === "NONE") return
    const fired = this.watches.collect(type, event.path)
    for (const w of fired) w(type, event.path)
  }

  // ------------------------------------------------------------------------------------------
  // State
  // ------------------------------------------------------------------------------------------

  private keeperState: KeeperState = "CONNECTING"
  private kazooState: ClientState["state"] = "LOST"

  setKeeperState(next: KeeperState): Effect.Effect<void> {
    return Effect.suspend(() => {
      const prevKazoo = this.kazooState
      const nextKazoo = kazooStateOf(next)
      if (next === this.keeperState && nextKazoo === prevKazoo) return Effect.void
      this.keeperState = next
      const value: ClientState = { state: nextKazoo, keeperState: next }
      const notify = isValidTransition(prevKazoo, nextKazoo)
      if (notify) this.kazooState = nextKazoo
      return Effect.zipRight(
        SubscriptionRef.set(this.state, notify ? value : { state: prevKazoo, keeperState: next }),
        Effect.sync(() => {
          if (nextKazoo === "CONNECTED") for (const w of this.connectedWaiters) w()
          if (this.config.metrics) recordStateChange(notify ? nextKazoo : prevKazoo, next)
          if (!notify) return
          for (const listener of this.listeners) this.queues.session.offer(listener(value))
        })
      )
    })
  }

  get currentKeeperState(): KeeperState {
    return this.keeperState
  }

  // ------------------------------------------------------------------------------------------
  // The connection loop
  // ------------------------------------------------------------------------------------------

  private nextServer(): { readonly host: string; readonly port: number } {
    const s = this.servers[this.serverIndex % this.servers.length]!
    this.serverIndex = (this.serverIndex + 1) % this.servers.length
    return s
  }

  /** The connector's TLS settings; the key and its passphrase leave their `Redacted` only here. */
  private tls(): TlsOptions | undefined {
    const t = this.config.tls
    if (t === undefined) return undefined
    return {
      ca: t.ca,
      cert: t.cert,
      key: t.key === undefined ? undefined : Redacted.value(t.key),
      passphrase: t.passphrase === undefined ? undefined : Redacted.value(t.passphrase),
      serverName: t.serverName,
      dangerouslySkipVerification: t.dangerouslySkipVerification
    }
  }

  /**
   * SASL on a new connection, right after the handshake: nothing else may be in flight, since
   * the server answers sasl packets at once rather than in order with other requests (the Java
   * client holds everything back too). A refusal makes the session terminal (AuthFailed).
   */
  private saslOn(conn: Conn, sasl: NonNullable<Resolved["sasl"]>): Effect.Effect<void, ProtocolError> {
    const send = (token: Uint8Array) =>
      Effect.async<Uint8Array | null, SaslFailure | ProtocolError>((resume) => {
        const xid = this.nextXid()
        const pending: Pending = {
          xid,
          frame: R.encodeRequest("sasl", xid, { token }),
          done: false,
          onReply: (err, bytes, offset, end) => {
            pending.done = true
            if (err !== 0) {
              const refusal = fromCode(err, { op: "sasl" })._tag
              return resume(Effect.fail(new SaslFailure({ reason: `the server refused the credentials (${refusal})` })))
            }
            const reply = R.decodeResponse("sasl", bytes.subarray(offset, end), 0)
            resume(reply instanceof ProtocolError ? Effect.fail(reply) : Effect.succeed(reply.token))
          },
          onFail: () => {
            pending.done = true
            resume(Effect.fail(new ProtocolError({ op: "sasl", reason: `connection to ${conn.address} lost during SASL` })))
          }
        }
        conn.send(pending)
      })
    const mechanism = digestMd5({ username: sasl.username, password: sasl.password, ...zooKeeperDigestUri })
    return Effect.catchTag(authenticate(mechanism, send), "SaslFailure", (failure) => {
      this.terminal = new AuthFailedError({ op: "sasl" })
      const who = `SASL ${sasl.mechanism} authentication as ${JSON.stringify(sasl.username)} with ${conn.address}`
      return Effect.zipRight(
        Effect.logWarning(`effect-zk: ${who} failed: ${failure.reason}`),
        Effect.fail(new ProtocolError({ op: "sasl", reason: `${who} failed: ${failure.reason}` }))
      )
    })
  }

  setServers(servers: ReadonlyArray<{ readonly host: string; readonly port: number }>): void {
    this.servers = servers
    this.serverIndex = 0
  }

  /** One attempt: TCP connect and handshake within the connect timeout. */
  private connectOnce(server: { readonly host: string; readonly port: number }) {
    const address = server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`
    const conn = new Conn(this, address, this.now())
    return Effect.gen(this, function* () {
      const socket = yield* this.handler.connector.connect(
        { host: server.host, port: server.port, connectTimeoutMillis: this.config.connectTimeoutMillis, tls: this.tls() },
        { onData: conn.onData, onClose: conn.onClose }
      )
      conn.socket = socket
      conn.writeNow(
        R.encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: this.lastZxid,
          timeOut: this.config.sessionTimeoutMillis,
          sessionId: this.seenRwServerBefore ? this.sessionId : 0n,
          passwd: this.seenRwServerBefore ? this.password : EMPTY_PASSWORD,
          readOnly: this.config.readOnly
        })
      )
      const response = yield* Deferred.await(conn.handshake)
      if (this.config.sasl !== undefined && response.timeOut > 0) yield* this.saslOn(conn, this.config.sasl)
      return { conn, response }
    }).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(this.config.connectTimeoutMillis),
        onTimeout: () => new ProtocolError({ reason: `connecting to ${address} timed out` })
      }),
      Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => conn.close())))
    )
  }

  private failWaiting(error: (p: Pending) => ZooKeeperError): void {
    const waiting = this.waiting
    this.waiting = []
    for (const p of waiting) if (!p.done) p.onFail(error(p))
  }

  /**
   * The session is gone: its watches with it. The Effect forms and the streams fail with
   * SessionExpired; then every one-shot watcher still registered hears a NONE event for its
   * path (state EXPIRED_SESSION), as kazoo's and the Java client's watchers do, so that a
   * callback waiting for a change is told it will not come. Then start afresh.
   */
  private expire(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      this.sessionId = 0n
      this.password = EMPTY_PASSWORD
      yield* this.endWatches(new SessionExpiredError({ op: "session" }), "EXPIRED_SESSION")
    })
  }

  /**
   * The session's watches are over (expiry, or a session ended for good): the Effect forms and
   * the streams fail with `error`, the state becomes `state`, then every one-shot watcher left
   * hears a NONE event for its path.
   */
  private endWatches(error: ZooKeeperError, state: KeeperState): Effect.Effect<void> {
    return Effect.suspend(() => {
      const orphaned = this.watches.takeOneShot()
      this.watches.persistent.clear()
      this.watches.persistentRecursive.clear()
      const lost = [...this.onSessionLost]
      this.onSessionLost.clear()
      for (const f of lost) f(error)
      return Effect.zipRight(
        this.setKeeperState(state),
        Effect.sync(() => {
          for (const [path, watchers] of orphaned) for (const w of watchers) w("NONE", path)
        })
      )
    })
  }

  /** Re-registers every watch on a resumed session (setWatches2, in chunks). */
  private sendSetWatches(conn: Conn): void {
    if (this.watches.isEmpty) return
    const lists = {
      dataWatches: [...this.watches.data.keys()],
      existWatches: [...this.watches.exist.keys()],
      childWatches: [...this.watches.child.keys()],
      persistentWatches: [...this.watches.persistent.keys()],
      persistentRecursiveWatches: [...this.watches.persistentRecursive.keys()]
    }
    const keys = Object.keys(lists) as Array<keyof typeof lists>
    let batch = {
      dataWatches: [] as string[],
      existWatches: [] as string[],
      childWatches: [] as string[],
      persistentWatches: [] as string[],
      persistentRecursiveWatches: [] as string[]
    }
    let size = 0
    const flush = () => {
      if (size === 0) return
      const frame = R.encodeRequest("setWatches2", R.Xid.setWatches, { relativeZxid: this.lastZxid, ...batch })
      const pending: Pending = {
        xid: R.Xid.setWatches,
        frame,
        done: false,
        onReply: () => {
          pending.done = true
        },
        onFail: () => {
          pending.done = true
        }
      }
      conn.send(pending)
      batch = { dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }
      size = 0
    }
    for (const key of keys) {
      for (const path of lists[key]) {
        if (size + path.length * 3 + 4 > SET_WATCHES_CHUNK) flush()
        batch[key].push(path)
        size += path.length * 3 + 4
      }
    }
    flush()
  }

  /** Connects, serves until the socket drops, and reconnects, until the client closes. */
  run: Effect.Effect<void> = Effect.suspend(() => this.loop())

  private loop(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      let failures = 0
      let disconnectedAt: number | undefined
      yield* this.setKeeperState("CONNECTING")
      while (!this.closed && this.terminal === undefined) {
        const server = this.nextServer()
        const attempt = yield* Effect.either(this.connectOnce(server))
        if (this.closed) {
          if (attempt._tag === "Right") attempt.right.conn.close()
          break
        }
        if (attempt._tag === "Left") {
          if (this.terminal !== undefined) {
            // SASL refused our credentials (see saslOn): as after a refused auth packet, the session is over.
            this.failWaiting(() => this.terminal!)
            yield* this.endWatches(this.terminal, "AUTH_FAILED")
            for (const w of this.connectedWaiters) w()
            break
          }
          failures++
          this.lastAttemptError = attempt.left.message
          yield* Effect.logDebug(`effect-zk: connection attempt failed: ${attempt.left.message}`)
          if (
            disconnectedAt !== undefined &&
            this.sessionId !== 0n &&
            this.now() - disconnectedAt > (this.negotiatedTimeout || this.config.sessionTimeoutMillis)
          ) {
            // Disconnected for longer than the session can live: the session is gone.
            disconnectedAt = undefined
            this.failWaiting(() => new SessionExpiredError({ op: "request" }))
            yield* this.expire()
            yield* this.setKeeperState("CONNECTING")
          }
          if (failures % this.servers.length === 0) {
            const rounds = failures / this.servers.length
            const policy = this.config.connectionRetry
            if (policy.maxTries !== -1 && rounds > policy.maxTries) {
              // kazoo: the connection retry gave up; the session is lost and the client stops.
              const terminal = new ConnectionLossError({ op: "connect" })
              this.terminal = terminal
              this.failWaiting(() => terminal)
              yield* this.endWatches(terminal, "CLOSED")
              break
            }
            const base = Math.min(
              Duration.toMillis(policy.maxDelay),
              Duration.toMillis(policy.delay) * policy.backoff ** Math.min(30, rounds - 1)
            )
            const factor = yield* Random.nextRange(1 - policy.maxJitter, 1 + policy.maxJitter)
            yield* Effect.sleep(Duration.millis(Math.max(0, base * factor)))
          }
          continue
        }
        const { conn, response } = attempt.right
        if (response.timeOut <= 0) {
          // The server says our session is gone.
          conn.close()
          this.failWaiting(() => new SessionExpiredError({ op: "request" }))
          disconnectedAt = undefined
          yield* this.expire()
          yield* this.setKeeperState("CONNECTING")
          continue
        }
        failures = 0
        disconnectedAt = undefined
        this.sessionId = response.sessionId
        this.password = response.passwd
        this.negotiatedTimeout = response.timeOut
        this.connectedServer = conn.address
        // Order on a new connection: auth replay, watch re-registration, then user requests.
        // An auth failure makes the session terminal (see authPending); the server then closes.
        for (const entry of this.auth) conn.send(this.authPending(entry, () => {}))
        this.sendSetWatches(conn)
        this.conn = conn
        const waiting = this.waiting
        this.waiting = []
        for (const p of waiting) if (!p.done) conn.send(p)
        if (!response.readOnly) this.seenRwServerBefore = true
        yield* this.setKeeperState(response.readOnly ? "CONNECTED_RO" : "CONNECTED")
        const pinger = yield* Effect.fork(this.pingLoop(conn))
        const prober = response.readOnly ? yield* Effect.fork(this.probeReadWrite(conn)) : undefined
        const reason = yield* Deferred.await(conn.closedSignal)
        yield* Fiber.interrupt(pinger)
        if (prober !== undefined) yield* Fiber.interrupt(prober)
        if (this.conn === conn) this.conn = undefined
        this.connectedServer = undefined
        if (this.closed) break
        if (this.terminal !== undefined) {
          this.failWaiting(() => this.terminal!)
          yield* this.endWatches(this.terminal, "AUTH_FAILED")
          break
        }
        yield* Effect.logDebug(
          `effect-zk: connection to ${conn.address} lost${reason === undefined ? "" : `: ${reason.message}`}`
        )
        disconnectedAt = this.now()
        yield* this.setKeeperState("CONNECTING")
      }
    })
  }

  /**
   * While connected to a read-only server, looks for a read-write one in the background
   * (`isro` on each other server, backing off from 500 ms to 30 s); when one answers `rw`,
   * moves there: the connection is dropped and the loop connects to that server next.
   */
  private probeReadWrite(conn: Conn): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      let wait = 500
      while (!conn.closed) {
        yield* Effect.sleep(Duration.millis(wait))
        wait = Math.min(30_000, wait * 2)
        for (let i = 0; i < this.servers.length; i++) {
          const server = this.servers[i]!
          const address = server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`
          if (address === conn.address) continue
          const answer = yield* Effect.option(this.fourLetterWord(server, "isro"))
          if (answer._tag === "Some" && answer.value === "rw" && !conn.closed) {
            yield* Effect.logDebug(`effect-zk: read-write server ${address} found; leaving read-only ${conn.address}`)
            this.serverIndex = i
            conn.abort(new ProtocolError({ reason: `leaving read-only server for read-write ${address}` }))
            return
          }
        }
      }
    })
  }

  /** Sends a four-letter word on a separate connection and returns the answer. */
  fourLetterWord(
    server: { readonly host: string; readonly port: number },
    word: string
  ): Effect.Effect<string, ConnectionLossError> {
    return Effect.gen(this, function* () {
      const chunks: Array<Uint8Array> = []
      const closed = Deferred.unsafeMake<void>(this.fiberIdNone)
      const socket = yield* this.handler.connector.connect(
        { host: server.host, port: server.port, connectTimeoutMillis: this.config.connectTimeoutMillis, tls: this.tls() },
        {
          onData: (chunk) => {
            chunks.push(chunk.slice())
          },
          onClose: () => {
            Deferred.unsafeDone(closed, Exit.void)
          }
        }
      )
      socket.write([new TextEncoder().encode(word)])
      yield* Deferred.await(closed).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(this.config.connectTimeoutMillis),
          onTimeout: () => new ConnectionLossError({ op: "command" })
        }),
        Effect.ensuring(Effect.sync(() => socket.close()))
      )
      let text = ""
      const decoder = new TextDecoder()
      for (const c of chunks) text += decoder.decode(c, { stream: true })
      return text + decoder.decode()
    }).pipe(Effect.catchTag("SocketError", () => Effect.fail(new ConnectionLossError({ op: "command" }))))
  }

  /** Pings when idle; drops the connection when the server goes silent. */
  private pingLoop(conn: Conn): Effect.Effect<void> {
    const readTimeout = Math.max(1, Math.floor((this.negotiatedTimeout * 2) / 3))
    const pingInterval = Math.max(1, Math.floor(readTimeout / 2))
    return Effect.gen(this, function* () {
      while (!conn.closed) {
        const now = this.now()
        if (now - conn.lastRecv > readTimeout) {
          conn.abort(new ProtocolError({ reason: `no reply from ${conn.address} for ${now - conn.lastRecv} ms` }))
          return
        }
        const idle = now - conn.lastSend
        if (idle >= pingInterval) {
          conn.enqueue(PING_FRAME)
          yield* Effect.sleep(Duration.millis(Math.min(pingInterval, readTimeout - (now - conn.lastRecv) + 1)))
        } else {
          yield* Effect.sleep(Duration.millis(Math.min(pingInterval - idle, readTimeout - (now - conn.lastRecv) + 1)))
        }
      }
    })
  }

  /** Waits until connected (or the timeout passes); false at once for a closed client. */
  awaitConnected(timeoutMillis: number): Effect.Effect<boolean> {
    return Effect.async<boolean>((resume) => {
      if (this.conn !== undefined) return resume(Effect.succeed(true))
      if (this.closing || this.closed) return resume(Effect.succeed(false))
      const w = () => {
        this.connectedWaiters.delete(w)
        resume(Effect.succeed(this.conn !== undefined))
      }
      this.connectedWaiters.add(w)
      return Effect.sync(() => this.connectedWaiters.delete(w))
    }).pipe(
      Effect.timeoutTo({ duration: Duration.millis(timeoutMillis), onSuccess: (connected) => connected, onTimeout: () => false })
    )
  }

  /** Orderly close: closeSession when connected, then everything fails with ClientClosed. */
  close(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      if (this.closing) return
      this.closing = true
      const conn = this.conn
      if (conn !== undefined && !conn.closed) {
        const done = Deferred.unsafeMake<void>(this.fiberIdNone)
        const pending: Pending = {
          xid: this.nextXid(),
          frame: R.encodeRequest("closeSession", this.xid, {}),
          done: false,
          onReply: () => {
            pending.done = true
            Deferred.unsafeDone(done, Exit.void)
          },
          onFail: () => {
            pending.done = true
            Deferred.unsafeDone(done, Exit.void)
          }
        }
        conn.send(pending)
        // close() runs in finalizers (uninterruptible): make the bounded wait interruptible.
        yield* Effect.interruptible(Deferred.await(done)).pipe(
          Effect.timeout(Duration.millis(Math.min(2000, this.config.connectTimeoutMillis))),
          Effect.ignore
        )
      }
      this.closed = true
      conn?.close()
      if (this.loopFiber !== undefined) yield* Fiber.interrupt(this.loopFiber)
      // kazoo: a closed client has no client id
      this.sessionId = 0n
      // whoever waits for a connection: none will come
      for (const w of [...this.connectedWaiters]) w()
      this.password = EMPTY_PASSWORD
      this.conn = undefined
      this.failWaiting(() => new ClientClosedError({ op: "request" }))
      this.watches.drainAll()
      const lost = [...this.onSessionLost]
      this.onSessionLost.clear()
      for (const f of lost) f(new ClientClosedError({ op: "watch" }))
      yield* this.setKeeperState("CLOSED")
    })
  }

  /** Drops the current connection (tests, restart); the loop reconnects. */
  dropConnection(): void {
    this.conn?.abort(new ProtocolError({ reason: "connection dropped on request" }))
  }

  /** The fiber running `run`, set by the client. */
  loopFiber: Fiber.RuntimeFiber<void> | undefined
}
