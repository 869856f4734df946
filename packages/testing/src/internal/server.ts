/**
 * The in-memory server: one data tree, its watches and sessions, answering requests
 * synchronously (so every change is atomic and its watch events are sent before its reply,
 * to every session), plus the controls tests use (cut a client off, drop its connection, expire
 * its session, stop the server, inject failures) and the container/TTL sweeper.
 *
 * Reads follow ZooKeeper 3.8's `FinalRequestProcessor`: exists needs no permission and leaves a
 * watch even on a missing node; getData/getChildren/getAllChildrenNumber need READ; getACL needs
 * READ or ADMIN and hides digest hashes without ADMIN; addWatch needs nothing; removeWatches
 * without such a watch is NoWatcher; sync answers its path; getEphemerals filters the session's
 * ephemeral paths by string prefix; whoAmI lists the session's identities.
 */
import { Acl, type ZooKeeperError } from "@effect-zk/core"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Auth from "./acl.js"
import { fourLetterWord } from "./commands.js"
import * as Writes from "./multi.js"
import { Code, fail, ok, type OpName, type ReadResult, type Reply, type Requests, type Responses } from "./protocol.js"
import { Conn, type Endpoint, type Fork, type Session, Sessions } from "./sessions.js"
import { DataTree } from "./tree.js"
import { type PendingEvent, type WatchLists, WatchManager } from "./watches.js"

/** The server's settings, resolved. */
export interface ServerConfig {
  readonly version: readonly [number, number, number]
  readonly tickTime: number
  readonly minSessionTimeout: number
  readonly maxSessionTimeout: number
  readonly extendedTypesEnabled: boolean
  readonly containerCheckIntervalMillis: number
  /** `super:<digest>`: a digest identity that may do anything. */
  readonly superDigest: string | undefined
  /** The address sessions are seen from (their `ip` identity). */
  readonly clientAddress: string
}

/** Which calls an injected failure applies to. */
export interface FaultMatch {
  readonly op?: string | undefined
  readonly path?: string | RegExp | ((path: string) => boolean) | undefined
  readonly client?: unknown
}

/** An injected failure. */
export interface Fault {
  readonly match: FaultMatch
  readonly error: (ctx: { readonly op: string; readonly path?: string | undefined }) => ZooKeeperError.ZooKeeperError
  remaining: number
  readonly afterApply: boolean
  readonly dropConnection: boolean
}

type Handler<K extends OpName> = (conn: Conn, body: Requests[K]) => Reply<Responses[K]>

/** The server. */
export class Server implements Writes.WriteContext {
  readonly tree = new DataTree()
  readonly watches = new WatchManager()
  readonly sessions: Sessions
  zxid = 0n
  running = true
  /** Clients waiting to connect; called on every change of who may connect. */
  readonly wakers = new Set<() => void>()
  readonly faults: Array<Fault> = []
  readonly endpoints = new Set<Endpoint>()
  received = 0
  readonly startedAt: number

  constructor(
    readonly config: ServerConfig,
    readonly clock: Clock.Clock,
    readonly fork: Fork
  ) {
    this.startedAt = this.now()
    this.sessions = new Sessions(this.startedAt, fork, (session) => this.expire(session), config.clientAddress)
  }

  get extendedTypesEnabled(): boolean {
    return this.config.extendedTypesEnabled
  }

  /** Whole milliseconds (a TestClock may stand between two). */
  now(): number {
    return Math.floor(this.clock.unsafeCurrentTimeMillis())
  }

  // ------------------------------------------------------------------------------------------
  // Connections and sessions
  // ------------------------------------------------------------------------------------------

  canConnect(endpoint: Endpoint): boolean {
    return this.running && !endpoint.partitioned
  }

  wake(): void {
    for (const w of [...this.wakers]) w()
  }

  /** A client's handshake: resume its session, or start one; "expired" when the session is gone. */
  handshake(
    endpoint: Endpoint,
    request: { readonly sessionId: bigint; readonly password: Uint8Array; readonly timeout: number },
    newPassword: Uint8Array
  ): { readonly conn: Conn; readonly session: Session } | "expired" | "refused" {
    if (!this.canConnect(endpoint)) return "refused"
    let session: Session | undefined
    if (request.sessionId !== 0n) {
      // ZooKeeper closes the session's current connection first, even when the password is wrong.
      const current = this.sessions.byId.get(request.sessionId)?.conn
      if (current !== undefined) this.closeConnection(current)
      session = this.sessions.find(request.sessionId, request.password)
      if (session === undefined) return "expired"
      this.sessions.cancelExpiry(session)
    } else {
      this.zxid++
      const timeout = Math.min(this.config.maxSessionTimeout, Math.max(this.config.minSessionTimeout, request.timeout))
      session = this.sessions.create(timeout, newPassword)
    }
    const conn = new Conn(session, endpoint)
    session.conn = conn
    return { conn, session }
  }

  /** Closes a connection from the server's side; the session waits for a new one until its timeout. */
  closeConnection(conn: Conn, startExpiry = true): void {
    if (conn.closed) return
    conn.closed = true
    this.watches.removeConnection(conn)
    const session = conn.session
    if (session.conn === conn) {
      session.conn = undefined
      if (startExpiry && this.running && this.sessions.byId.get(session.id) === session) this.sessions.startExpiry(session)
    }
    conn.endpoint.onClosed(conn)
  }

  /** The client closes its session: its ephemeral nodes go (events first), then the connection. */
  closeSession(conn: Conn): void {
    this.received++
    this.endSession(conn.session)
    this.closeConnection(conn, false)
  }

  /** The session expired: the connection goes first, then its ephemeral nodes. */
  expire(session: Session): void {
    if (this.sessions.byId.get(session.id) !== session) return
    if (session.conn !== undefined) this.closeConnection(session.conn, false)
    this.endSession(session)
  }

  private endSession(session: Session): void {
    if (this.sessions.byId.get(session.id) !== session) return
    this.sessions.remove(session)
    this.write((txn) => {
      for (const path of this.tree.ephemeralsOf(session.id)) {
        const node = this.tree.get(path)
        if (node === undefined) continue
        txn.undo.push(this.tree.remove(node, txn.zxid))
        this.watches.deleted(path, txn.zxid, txn.events)
      }
      return ok({})
    })
  }

  /** The identities a credential authenticates as, or undefined (AuthFailed). */
  resolveAuth(scheme: string, credential: string): Effect.Effect<ReadonlyArray<Auth.AuthId> | undefined> {
    if (scheme === "ip") return Effect.succeed([])
    if (scheme !== "digest") return Effect.succeed(undefined)
    return Effect.map(Auth.digestOf(credential), (id): ReadonlyArray<Auth.AuthId> =>
      this.config.superDigest === id ? [{ scheme: "super", id: "" }, { scheme: "digest", id }] : [{ scheme: "digest", id }]
    )
  }

  addIds(session: Session, ids: ReadonlyArray<Auth.AuthId>): void {
    for (const id of ids) this.sessions.addId(session, id)
  }

  /** Re-registers a client's watches on a new connection, firing what changed meanwhile. */
  setWatches(conn: Conn, relativeZxid: bigint, lists: WatchLists): void {
    const events: Array<PendingEvent> = []
    this.watches.setWatches(this.tree, relativeZxid, lists, conn, events)
    this.deliver(events)
  }

  /** Stops serving: every connection closes and nobody may connect until {@link start}. */
  stop(): void {
    this.running = false
    for (const session of this.sessions.byId.values()) {
      this.sessions.cancelExpiry(session)
      if (session.conn !== undefined) this.closeConnection(session.conn, false)
    }
  }

  /** Serves again; sessions without a connection get their full timeout from now. */
  start(): void {
    if (this.running) return
    this.running = true
    for (const session of this.sessions.byId.values()) if (session.conn === undefined) this.sessions.startExpiry(session)
    this.wake()
  }

  // ------------------------------------------------------------------------------------------
  // Requests
  // ------------------------------------------------------------------------------------------

  /** The first injected failure matching a call, consumed. */
  takeFault(client: unknown, ctx: { readonly op: string; readonly path?: string | undefined }): Fault | undefined {
    const i = this.faults.findIndex(({ match }) => {
      if (match.op !== undefined && match.op !== ctx.op) return false
      if (match.client !== undefined && match.client !== client) return false
      const p = match.path
      if (p === undefined) return true
      if (ctx.path === undefined) return false
      return typeof p === "string" ? p === ctx.path : p instanceof RegExp ? p.test(ctx.path) : p(ctx.path)
    })
    if (i < 0) return undefined
    const fault = this.faults[i]!
    if (--fault.remaining <= 0) this.faults.splice(i, 1)
    return fault
  }

  private deliver(events: ReadonlyArray<PendingEvent>): void {
    for (const e of events) e.to.deliver(e.type, e.path, e.zxid)
  }

  /** Runs a write under a new zxid; commits (sends its events) if it succeeded, else undoes it. */
  private write<A>(body: (txn: Writes.Txn) => Reply<A>): Reply<A> {
    const txn: Writes.Txn = { zxid: ++this.zxid, now: this.now(), undo: [], events: [] }
    const reply = body(txn)
    if (reply.err !== 0) Writes.rollback(txn)
    else this.deliver(txn.events)
    return reply
  }

  /** Answers one request of a connection. */
  process<K extends OpName>(conn: Conn, op: K, body: Requests[K]): Reply<Responses[K]> {
    this.received++
    return (this.handlers[op] as Handler<K>)(conn, body)
  }

  private readonly handlers: { readonly [K in OpName]: Handler<K> } = {
    create: (conn, body) => this.write((txn) => Writes.create(this, txn, conn.session, body)),
    delete: (conn, body) => this.write((txn) => Writes.remove(this, txn, conn.session, body)),
    setData: (conn, body) => this.write((txn) => Writes.setData(this, txn, conn.session, body)),
    check: (conn, body) => this.write((txn) => Writes.check(this, txn, conn.session, body)),
    setACL: (conn, body) => this.write((txn) => Writes.setAcl(this, txn, conn.session, body)),
    multi: (conn, body) => this.write((txn) => ok({ results: Writes.multi(this, txn, conn.session, body.ops) })),
    exists: (conn, body) => {
      if (body.watch) this.watches.data.add(body.path, conn, "standard")
      const node = this.tree.get(body.path)
      return node === undefined ? fail(Code.NO_NODE) : ok({ stat: this.tree.stat(node) })
    },
    getData: (conn, body) => {
      const node = this.tree.get(body.path)
      if (node === undefined) return fail(Code.NO_NODE)
      if (!Auth.allowed(node.acl, Acl.Perms.READ, conn.session.ids)) return fail(Code.NO_AUTH)
      if (body.watch) this.watches.data.add(body.path, conn, "standard")
      return ok({ data: node.data.slice(), stat: this.tree.stat(node) })
    },
    getChildren: (conn, body) => {
      const node = this.tree.get(body.path)
      if (node === undefined) return fail(Code.NO_NODE)
      if (!Auth.allowed(node.acl, Acl.Perms.READ, conn.session.ids)) return fail(Code.NO_AUTH)
      if (body.watch) this.watches.child.add(body.path, conn, "standard")
      return ok({ children: this.tree.children(node), stat: this.tree.stat(node) })
    },
    // each read answered as alone (no watch), an error its own result; the request succeeds
    multiRead: (conn, body) =>
      ok({
        results: body.ops.map((read): ReadResult => {
          if (read.op === "getData") {
            const r = this.handlers.getData(conn, { path: read.path, watch: false })
            return r.err === 0 ? { op: "getData", data: r.value!.data, stat: r.value!.stat } : { op: "error", err: r.err }
          }
          const r = this.handlers.getChildren(conn, { path: read.path, watch: false })
          return r.err === 0 ? { op: "getChildren", children: r.value!.children } : { op: "error", err: r.err }
        })
      }),
    getACL: (conn, body) => {
      const node = this.tree.get(body.path)
      if (node === undefined) return fail(Code.NO_NODE)
      const ids = conn.session.ids
      if (!Auth.allowed(node.acl, Acl.Perms.READ | Acl.Perms.ADMIN, ids)) return fail(Code.NO_AUTH)
      const acl = Auth.allowed(node.acl, Acl.Perms.ADMIN, ids) ? node.acl : Auth.redacted(node.acl)
      return ok({ acl, stat: this.tree.stat(node) })
    },
    getAllChildrenNumber: (conn, body) => {
      const node = this.tree.get(body.path)
      if (node === undefined) return fail(Code.NO_NODE)
      if (!Auth.allowed(node.acl, Acl.Perms.READ, conn.session.ids)) return fail(Code.NO_AUTH)
      return ok({ count: this.tree.descendants(body.path) })
    },
    getEphemerals: (conn, body) => {
      const all = this.tree.ephemeralsOf(conn.session.id)
      const prefix = body.prefix.trim()
      const paths = prefix === "" || prefix === "/" ? all : all.filter((p) => p.startsWith(body.prefix))
      return ok({ paths })
    },
    sync: (_conn, body) => ok({ path: body.path }),
    whoAmI: (conn) => ok({ ids: conn.session.ids.map((id) => ({ scheme: id.scheme, user: Auth.userOf(id) })) }),
    addWatch: (conn, body) => {
      this.watches.addWatch(body.path, conn, body.recursive)
      return ok({})
    },
    removeWatches: (conn, body) =>
      this.watches.remove(body.path, conn, body.type) ? ok({}) : fail(Code.NO_WATCHER),
    reconfig: () => fail(Code.RECONFIG_DISABLED)
  }

  // ------------------------------------------------------------------------------------------
  // Containers and TTL nodes; four-letter words
  // ------------------------------------------------------------------------------------------

  /**
   * One pass of ZooKeeper's ContainerManager: deletes containers that had children and have none
   * left, and TTL nodes without children unchanged for longer than their TTL. Returns the paths.
   */
  checkContainers(): ReadonlyArray<string> {
    const now = this.now()
    const candidates = [...this.tree.nodes.values()].filter(
      (node) =>
        node.children.size === 0 &&
        ((node.kind === "container" && node.creates > 0) || (node.kind === "ttl" && now - node.mtime > node.ttl))
    )
    const removed: Array<string> = []
    for (const candidate of candidates) {
      this.write((txn) => {
        const node = this.tree.get(candidate.path)
        if (node !== candidate || node.children.size > 0) return fail(Code.NOT_EMPTY)
        txn.undo.push(this.tree.remove(node, txn.zxid))
        this.watches.deleted(node.path, txn.zxid, txn.events)
        removed.push(node.path)
        return ok({})
      })
    }
    return removed
  }

  /** Answers a four-letter word ("" for an unknown one, as the server closes without a word). */
  command(word: string): string {
    return fourLetterWord(this, word)
  }
}
