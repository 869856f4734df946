/**
 * The client's session engine over the in-memory server, mirroring the real client's engine
 * (`@effect-zk/core`'s): the same states and transitions, the same connection loop (connect,
 * replay auth, re-register watches, release waiting requests; reconnect after a drop; a new
 * session after expiry, reported as LOST), the same request rules (closed → ClientClosed,
 * after an auth failure → AuthFailed, while disconnected wait up to `requestTimeout` or fail at
 * once with ConnectionLoss; a session lost while waiting → SessionExpired) and the same watch
 * bookkeeping. Where the real engine talks to a socket, this one calls the server directly, so
 * a reply and the watch events it caused arrive in the same step, events first.
 */
import { ClientState, type ZooKeeperConfig, ZooKeeperError, ZooKeeperMetrics } from "@effect-zk/core"
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { Code, type OpName, type Requests, type Responses } from "./protocol.js"
import type { Server } from "./server.js"
import type { Conn, Endpoint } from "./sessions.js"
import { Registry, type WatchKind, type Watcher } from "./watches.js"

type ErrorContext = ZooKeeperError.ErrorContext
type Error = ZooKeeperError.ZooKeeperError
type EventType = ClientState.EventType

const EMPTY_PASSWORD = new Uint8Array(16)

/** A watch to register when the reply arrives, depending on its error code. */
export interface WatchRequest {
  readonly serverPath: string
  readonly watcher: Watcher
  readonly kindFor: (err: number) => WatchKind | undefined
}

interface Waiter {
  readonly ctx: ErrorContext
  readonly resume: (result: Either.Either<Conn, Error>) => void
}

/** Maps a session-level failure onto the request that waited (as the real engine does). */
const forRequest = (error: Error, ctx: ErrorContext): Error => {
  switch (error._tag) {
    case "ConnectionLossError":
      return new ZooKeeperError.ConnectionLossError(ctx)
    case "ClientClosedError":
      return new ZooKeeperError.ClientClosedError(ctx)
    case "SessionExpiredError":
      return new ZooKeeperError.SessionExpiredError(ctx)
    default:
      return error
  }
}

/** One client's session over the in-memory server. */
export class Engine implements Endpoint {
  partitioned = false
  client: Endpoint["client"] = undefined
  sessionId = 0n
  password: Uint8Array = EMPTY_PASSWORD
  lastZxid = 0n
  negotiatedTimeout = 0
  conn: Conn | undefined
  closing = false
  closed = false
  terminal: Error | undefined
  connectedServer: string | undefined
  loopFiber: Fiber.RuntimeFiber<void> | undefined
  readonly registry = new Registry()
  readonly auth: Array<{ readonly scheme: string; readonly credential: Redacted.Redacted<string> }>
  /** Effect-form watches and persistent streams to end when the session is lost or the client closes. */
  readonly onSessionLost = new Set<(error: Error) => void>()
  private readonly waiting = new Set<Waiter>()
  private readonly connectedWaiters = new Set<() => void>()
  private readonly sessionWaiters = new Set<() => void>()
  private closedSignal: { readonly conn: Conn; readonly done: Deferred.Deferred<void> } | undefined
  private keeperState: ClientState.KeeperState = "CONNECTING"
  private kazooState: ClientState.KazooState = "LOST"

  constructor(
    readonly server: Server,
    readonly config: ZooKeeperConfig.Resolved,
    readonly clock: Clock.Clock,
    readonly queues: { readonly session: { readonly offer: (task: Effect.Effect<void, unknown>) => boolean } },
    readonly state: SubscriptionRef.SubscriptionRef<ClientState.ClientState>,
    readonly listeners: Set<(state: ClientState.ClientState) => Effect.Effect<void, unknown>>
  ) {
    this.auth = [...config.authData]
    if (config.clientId !== undefined) {
      this.sessionId = config.clientId.sessionId
      this.password = config.clientId.password
    }
  }

  now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  get currentKeeperState(): ClientState.KeeperState {
    return this.keeperState
  }

  // ------------------------------------------------------------------------------------------
  // The server's calls (Endpoint)
  // ------------------------------------------------------------------------------------------

  readonly onEvent = (type: EventType, serverPath: string, zxid: bigint): void => {
    if (zxid > this.lastZxid) this.lastZxid = zxid
    if (type === "NONE") return
    for (const w of this.registry.collect(type, serverPath)) w(type, serverPath)
  }

  readonly onClosed = (conn: Conn): void => {
    const signal = this.closedSignal
    if (signal !== undefined && signal.conn === conn) Deferred.unsafeDone(signal.done, Exit.void)
  }

  // ------------------------------------------------------------------------------------------
  // Requests
  // ------------------------------------------------------------------------------------------

  /** Sends a request; a watch, if any, is registered before the caller resumes. */
  request<K extends OpName>(
    op: K,
    body: Requests[K],
    ctx: ErrorContext,
    watch?: WatchRequest
  ): Effect.Effect<Responses[K], Error> {
    const send = (conn: Conn): Effect.Effect<Responses[K], Error> =>
      Effect.suspend(() => {
        if (conn.closed) return Effect.fail(this.closed ? new ZooKeeperError.ClientClosedError(ctx) : new ZooKeeperError.ConnectionLossError(ctx))
        const fault = this.server.takeFault(this.client, ctx)
        if (fault !== undefined && !fault.afterApply) {
          if (fault.dropConnection) this.server.closeConnection(conn)
          return Effect.fail(fault.error(ctx))
        }
        const reply = this.server.process(conn, op, body)
        if (this.server.zxid > this.lastZxid) this.lastZxid = this.server.zxid
        if (watch !== undefined) {
          const kind = watch.kindFor(reply.err)
          if (kind !== undefined) this.registry.add(kind, watch.serverPath, watch.watcher)
        }
        if (fault !== undefined) {
          if (fault.dropConnection) this.server.closeConnection(conn)
          return Effect.fail(fault.error(ctx))
        }
        return reply.value === undefined
          ? Effect.fail(ZooKeeperError.fromCode(reply.err, ctx))
          : Effect.succeed(reply.value)
      })
    return Effect.suspend(() => {
      if (this.closing) return Effect.fail(new ZooKeeperError.ClientClosedError(ctx))
      if (this.terminal !== undefined) return Effect.fail(this.terminal)
      const conn = this.conn
      if (conn !== undefined && !conn.closed) return send(conn)
      if (this.config.whileDisconnected === "fail") return Effect.fail(new ZooKeeperError.ConnectionLossError(ctx))
      return this.awaitConn(ctx).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(this.config.requestTimeoutMillis),
          onTimeout: () => new ZooKeeperError.ConnectionLossError(ctx)
        }),
        Effect.flatMap(send)
      )
    })
  }

  private awaitConn(ctx: ErrorContext): Effect.Effect<Conn, Error> {
    return Effect.async<Conn, Error>((resume) => {
      const waiter: Waiter = {
        ctx,
        resume: (result) => {
          this.waiting.delete(waiter)
          resume(Either.isRight(result) ? Effect.succeed(result.right) : Effect.fail(result.left))
        }
      }
      this.waiting.add(waiter)
      return Effect.sync(() => {
        this.waiting.delete(waiter)
      })
    })
  }

  private failWaiting(error: Error): void {
    for (const w of [...this.waiting]) w.resume(Either.left(forRequest(error, w.ctx)))
  }

  /** Authenticates now when connected, and again after every reconnect. */
  addAuth(scheme: string, credential: Redacted.Redacted<string>): Effect.Effect<void, Error> {
    const ctx = { op: "addAuth" }
    return Effect.gen(this, function* () {
      if (this.closed) return yield* new ZooKeeperError.ClientClosedError(ctx)
      const entry = { scheme, credential }
      const conn = this.conn
      if (conn === undefined || conn.closed) {
        this.auth.push(entry)
        return
      }
      const ids = yield* this.server.resolveAuth(scheme, Redacted.value(credential))
      if (conn.closed) return yield* new ZooKeeperError.ConnectionLossError(ctx)
      if (ids === undefined) {
        this.terminal = new ZooKeeperError.AuthFailedError({ op: "auth" })
        this.server.closeConnection(conn)
        return yield* ZooKeeperError.fromCode(Code.AUTH_FAILED, ctx)
      }
      this.server.addIds(conn.session, ids)
      this.auth.push(entry)
    })
  }

  // ------------------------------------------------------------------------------------------
  // State
  // ------------------------------------------------------------------------------------------

  setKeeperState(next: ClientState.KeeperState): Effect.Effect<void> {
    return Effect.suspend(() => {
      const prevKazoo = this.kazooState
      const nextKazoo = ClientState.kazooStateOf(next)
      if (next === this.keeperState && nextKazoo === prevKazoo) return Effect.void
      this.keeperState = next
      const value: ClientState.ClientState = { state: nextKazoo, keeperState: next }
      const notify = ClientState.isValidTransition(prevKazoo, nextKazoo)
      if (notify) this.kazooState = nextKazoo
      return Effect.zipRight(
        SubscriptionRef.set(this.state, notify ? value : { state: prevKazoo, keeperState: next }),
        Effect.sync(() => {
          if (nextKazoo === "CONNECTED") for (const w of [...this.connectedWaiters]) w()
          if (this.config.metrics) ZooKeeperMetrics.recordStateChange(notify ? nextKazoo : prevKazoo, next)
          if (!notify) return
          for (const listener of this.listeners) this.queues.session.offer(listener(value))
        })
      )
    })
  }

  /**
   * The session is gone: forget the watches, end the Effect-form ones and the streams, then
   * tell the one-shot watchers left (a NONE event for their path, state EXPIRED_SESSION), as
   * the real client does.
   */
  private expire(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.sessionId = 0n
      this.password = EMPTY_PASSWORD
      return this.endWatches(new ZooKeeperError.SessionExpiredError({ op: "session" }), "EXPIRED_SESSION")
    })
  }

  /** The session's watches are over (expiry, refused credentials), as the real client ends them. */
  private endWatches(error: Error, state: ClientState.KeeperState): Effect.Effect<void> {
    return Effect.suspend(() => {
      const orphaned = this.registry.clear()
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

  // ------------------------------------------------------------------------------------------
  // The connection loop
  // ------------------------------------------------------------------------------------------

  /** Waits until the server lets us connect: true, or false once the session has outlived its timeout meanwhile. */
  private awaitServer(disconnectedAt: number | undefined): Effect.Effect<boolean> {
    const wait = Effect.async<boolean>((resume) => {
      if (this.server.canConnect(this)) return resume(Effect.succeed(true))
      const waker = () => {
        if (!this.server.canConnect(this)) return
        this.server.wakers.delete(waker)
        resume(Effect.succeed(true))
      }
      this.server.wakers.add(waker)
      return Effect.sync(() => {
        this.server.wakers.delete(waker)
      })
    })
    if (disconnectedAt === undefined || this.sessionId === 0n) return wait
    const left = Math.max(0, disconnectedAt + (this.negotiatedTimeout || this.config.sessionTimeoutMillis) - this.now())
    return Effect.timeoutTo(wait, {
      duration: Duration.millis(left + 1),
      onSuccess: (ok) => ok,
      onTimeout: () => false
    })
  }

  private newPassword(): Effect.Effect<Uint8Array> {
    return Effect.map(
      Effect.all(Array.from({ length: 16 }, () => Random.nextIntBetween(0, 256))),
      (bytes) => Uint8Array.from(bytes)
    )
  }

  /** Connects, serves until the connection drops, and reconnects, until the client closes. */
  readonly run: Effect.Effect<void> = Effect.suspend(() => this.loop())

  private loop(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      let disconnectedAt: number | undefined
      yield* this.setKeeperState("CONNECTING")
      while (!this.closed && this.terminal === undefined) {
        const reachable = yield* this.awaitServer(disconnectedAt)
        if (this.closed) break
        if (!reachable) {
          // Disconnected for longer than the session can live: the session is gone.
          disconnectedAt = undefined
          this.failWaiting(new ZooKeeperError.SessionExpiredError({ op: "request" }))
          yield* this.expire()
          yield* this.setKeeperState("CONNECTING")
          continue
        }
        // Credentials are checked before the connection is used, as auth goes first on the wire.
        const resolved: Array<ReadonlyArray<{ readonly scheme: string; readonly id: string }> | undefined> = []
        for (const entry of this.auth) resolved.push(yield* this.server.resolveAuth(entry.scheme, Redacted.value(entry.credential)))
        const attempt = this.server.handshake(
          this,
          { sessionId: this.sessionId, password: this.password, timeout: this.config.sessionTimeoutMillis },
          yield* this.newPassword()
        )
        if (attempt === "refused") continue
        if (attempt === "expired") {
          disconnectedAt = undefined
          this.failWaiting(new ZooKeeperError.SessionExpiredError({ op: "request" }))
          yield* this.expire()
          yield* this.setKeeperState("CONNECTING")
          continue
        }
        const { conn, session } = attempt
        // Set before anything can yield, so that a close right away is not missed.
        const done = Deferred.unsafeMake<void>(FiberId.none)
        this.closedSignal = { conn, done }
        const newSession = session.id !== this.sessionId
        disconnectedAt = undefined
        this.sessionId = session.id
        this.password = session.password
        this.negotiatedTimeout = session.timeout
        const authFailed = resolved.some((ids) => ids === undefined)
        for (const ids of resolved) if (ids !== undefined) this.server.addIds(session, ids)
        this.conn = conn
        this.connectedServer = this.address
        yield* this.setKeeperState("CONNECTED")
        if (authFailed) {
          // The server answers AUTH_FAILED and closes the connection; the session is lost.
          this.terminal = new ZooKeeperError.AuthFailedError({ op: "auth" })
          this.server.closeConnection(conn)
        } else {
          this.server.setWatches(conn, this.lastZxid, this.registry.lists())
          for (const w of [...this.waiting]) w.resume(Either.right(conn))
          if (newSession) for (const w of [...this.sessionWaiters]) w()
        }
        yield* Deferred.await(done)
        if (this.conn === conn) this.conn = undefined
        this.connectedServer = undefined
        if (this.closed) break
        if (this.terminal !== undefined) {
          this.failWaiting(this.terminal)
          yield* this.endWatches(this.terminal, "AUTH_FAILED")
          break
        }
        disconnectedAt = this.now()
        yield* this.setKeeperState("CONNECTING")
      }
    })
  }

  /** The server address the client reports (`host:port` of the first server of its connect string). */
  get address(): string {
    const s = this.config.servers[0]!
    return s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`
  }

  /**
   * Completes once the client is connected with a new session (or closes). Registers at once,
   * so that a session expired right after the call is noticed.
   */
  nextSession(): Effect.Effect<void> {
    const done = Deferred.unsafeMake<void>(FiberId.none)
    const w = () => {
      this.sessionWaiters.delete(w)
      Deferred.unsafeDone(done, Exit.void)
    }
    this.sessionWaiters.add(w)
    return Effect.ensuring(
      Deferred.await(done),
      Effect.sync(() => this.sessionWaiters.delete(w))
    )
  }

  /** Waits until connected (or the timeout passes). */
  awaitConnected(timeoutMillis: number): Effect.Effect<boolean> {
    return Effect.async<boolean>((resume) => {
      if (this.conn !== undefined && !this.conn.closed) return resume(Effect.succeed(true))
      const w = () => {
        this.connectedWaiters.delete(w)
        resume(Effect.succeed(true))
      }
      this.connectedWaiters.add(w)
      return Effect.sync(() => {
        this.connectedWaiters.delete(w)
      })
    }).pipe(Effect.timeoutTo({ duration: Duration.millis(timeoutMillis), onSuccess: () => true, onTimeout: () => false }))
  }

  /** Orderly close: the session ends (its ephemeral nodes go), then everything fails with ClientClosed. */
  close(): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      if (this.closing) return
      this.closing = true
      const conn = this.conn
      this.closed = true
      if (conn !== undefined && !conn.closed) this.server.closeSession(conn)
      if (this.loopFiber !== undefined) yield* Fiber.interrupt(this.loopFiber)
      this.sessionId = 0n
      this.password = EMPTY_PASSWORD
      this.conn = undefined
      this.connectedServer = undefined
      this.failWaiting(new ZooKeeperError.ClientClosedError({ op: "request" }))
      this.registry.clear()
      const lost = [...this.onSessionLost]
      this.onSessionLost.clear()
      for (const f of lost) f(new ZooKeeperError.ClientClosedError({ op: "watch" }))
      this.server.endpoints.delete(this)
      for (const w of [...this.sessionWaiters]) w()
      yield* this.setKeeperState("CLOSED")
    })
  }

  /** Drops the current connection; the loop reconnects (the session stays). */
  dropConnection(): void {
    const conn = this.conn
    if (conn !== undefined) this.server.closeConnection(conn)
  }
}
