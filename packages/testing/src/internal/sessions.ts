/**
 * Sessions and connections of the in-memory server.
 *
 * A session outlives its connections: when a connection closes, the session expires after its
 * negotiated timeout unless a client reattaches (with the session id and password) before. A
 * session's ids are its connection's `ip:127.0.0.1` plus what it authenticated as. Session ids
 * are made as ZooKeeper makes them (time-based, server id in the top byte); timeouts are
 * negotiated into [minSessionTimeout, maxSessionTimeout]. Timers run on the Effect Clock, so a
 * TestClock drives expiry.
 */
import type { ClientState, ZooKeeper } from "@effect-zk/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import type { AuthId } from "./acl.js"
import type { Connection } from "./watches.js"

type EventType = ClientState.EventType

/** The client end of a connection, as the server sees it. */
export interface Endpoint {
  /** A watch notification for this client. */
  readonly onEvent: (type: EventType, serverPath: string, zxid: bigint) => void
  /** The server closed the connection (expiry, session moved, drop, server stopped). */
  readonly onClosed: (conn: Conn) => void
  /** Cut off from the server by a test (see `TestServer.disconnect`). */
  partitioned: boolean
  /** The client's service, for matching injected failures and naming the session. */
  client: ZooKeeper.ZooKeeperClient | undefined
}

/** One connection between a client and the server. */
export class Conn implements Connection {
  closed = false
  constructor(
    readonly session: Session,
    readonly endpoint: Endpoint
  ) {}

  readonly deliver = (type: EventType, serverPath: string, zxid: bigint): void => {
    if (!this.closed) this.endpoint.onEvent(type, serverPath, zxid)
  }
}

/** A session. */
export interface Session {
  readonly id: bigint
  readonly password: Uint8Array
  readonly timeout: number
  /** The identities the session holds: authenticated ones first, in order, then the connection's ip. */
  readonly ids: Array<AuthId>
  conn: Conn | undefined
  /** The pending expiry while no connection holds the session. */
  expiry: Fiber.RuntimeFiber<void> | undefined
}

/** Starts fibers in the server's scope. */
export type Fork = (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>

const samePassword = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i])

/** The server's session table. */
export class Sessions {
  readonly byId = new Map<bigint, Session>()
  private nextId: bigint

  constructor(
    now: number,
    private readonly fork: Fork,
    private readonly onExpired: (session: Session) => void,
    readonly clientAddress: string
  ) {
    // ZooKeeper: ((time << 24) >>> 8) | (serverId << 56); standalone reports server id 1.
    this.nextId = ((BigInt(now) << 24n) & 0xffffffffffffffffn) >> 8n
    this.nextId |= 1n << 56n
  }

  /** A new session with a random password. */
  create(timeout: number, password: Uint8Array): Session {
    const session: Session = {
      id: this.nextId++,
      password,
      timeout,
      ids: [{ scheme: "ip", id: this.clientAddress }],
      conn: undefined,
      expiry: undefined
    }
    this.byId.set(session.id, session)
    return session
  }

  /** The live session with this id and password, if any. */
  find(id: bigint, password: Uint8Array): Session | undefined {
    const session = this.byId.get(id)
    return session !== undefined && samePassword(session.password, password) ? session : undefined
  }

  /** Adds an identity (a set, as ZooKeeper's): authenticated ids before the ip one. */
  addId(session: Session, id: AuthId): void {
    if (session.ids.some((held) => held.scheme === id.scheme && held.id === id.id)) return
    const ip = session.ids.findIndex((held) => held.scheme === "ip")
    if (ip < 0) session.ids.push(id)
    else session.ids.splice(ip, 0, id)
  }

  /** Counts the session's timeout from now: it expires unless a connection takes it first. */
  startExpiry(session: Session): void {
    this.cancelExpiry(session)
    session.expiry = this.fork(
      Effect.zipRight(
        Effect.sleep(Duration.millis(session.timeout)),
        Effect.sync(() => {
          session.expiry = undefined
          if (this.byId.get(session.id) === session && session.conn === undefined) this.onExpired(session)
        })
      )
    )
  }

  cancelExpiry(session: Session): void {
    const fiber = session.expiry
    session.expiry = undefined
    if (fiber !== undefined) fiber.unsafeInterruptAsFork(FiberId.none)
  }

  /** Forgets the session (closed or expired). */
  remove(session: Session): void {
    this.cancelExpiry(session)
    this.byId.delete(session.id)
  }
}
