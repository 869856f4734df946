/**
 * Writes and transactions of the in-memory server, after ZooKeeper 3.8's
 * `PrepRequestProcessor` (checks, in its order) and `DataTree` (changes and watch triggers).
 *
 * Every write gets a zxid, even one that fails (ZooKeeper logs it as an error txn); a multi
 * gets one for all its operations. A write's checks come before any change, so a failing
 * operation changes nothing; a multi applies its operations in order (each sees the ones
 * before it), and on the first failure undoes them all and reports, per operation, 0 before
 * it, its error code, and -2 (RuntimeInconsistency) after it. Watch events are queued and
 * only sent once the whole change is committed, in the order of the operations.
 *
 * A plain create's result in a multi has no stat (3.8 answers it as a create, not a create2);
 * a container or TTL create's has one.
 *
 * Check order per operation (as 3.8):
 * - create: TTL support / range, InvalidACL, NoNode (parent), NoAuth (CREATE on the parent),
 *   NodeExists, NoChildrenForEphemerals; a sequential name takes the parent's create count.
 * - delete: BadArguments (special node), NoNode (parent), NoAuth (DELETE on the parent), NoNode,
 *   BadVersion, NotEmpty.
 * - setData: NoNode, NoAuth (WRITE), BadVersion. check: NoNode, NoAuth (READ), BadVersion.
 * - setACL: InvalidACL, NoNode, NoAuth (ADMIN), BadVersion (of the ACL version).
 */
import { Acl, Path } from "@effect-zk/core"
import * as Auth from "./acl.js"
import { Code, type CreateBody, fail, type MultiResult, ok, type Reply, type Requests, type Responses, type WriteOp } from "./protocol.js"
import type { Session } from "./sessions.js"
import type { DataTree, Undo } from "./tree.js"
import type { PendingEvent, WatchManager } from "./watches.js"

/** The largest TTL ZooKeeper accepts (40 bits of milliseconds). */
const MAX_TTL = 0xffffffffff

/** One transaction in progress. */
export interface Txn {
  readonly zxid: bigint
  readonly now: number
  readonly undo: Array<Undo>
  readonly events: Array<PendingEvent>
}

/** What writes need from the server. */
export interface WriteContext {
  readonly tree: DataTree
  readonly watches: WatchManager
  readonly extendedTypesEnabled: boolean
}

const versionMatches = (expected: number, current: number): boolean => expected === -1 || expected === current

/** create (create2, createContainer, createTTL). */
export const create = (ctx: WriteContext, txn: Txn, session: Session, body: CreateBody): Reply<Responses["create"]> => {
  if (body.kind === "ttl") {
    if (!ctx.extendedTypesEnabled) return fail(Code.UNIMPLEMENTED)
    if (body.ttl <= 0 || body.ttl > MAX_TTL) return fail(Code.BAD_ARGUMENTS)
  }
  if (body.path === "/") return fail(Code.NODE_EXISTS)
  const acl = Auth.fixup(body.acl, session.ids)
  if (acl === undefined) return fail(Code.INVALID_ACL)
  const parent = ctx.tree.get(Path.parent(body.path))
  if (parent === undefined) return fail(Code.NO_NODE)
  if (!Auth.allowed(parent.acl, Acl.Perms.CREATE, session.ids)) return fail(Code.NO_AUTH)
  const path = body.sequential ? body.path + Path.formatSequence(parent.creates) : body.path
  if (ctx.tree.get(path) !== undefined) return fail(Code.NODE_EXISTS)
  if (parent.kind === "ephemeral") return fail(Code.NO_CHILDREN_FOR_EPHEMERALS)
  txn.undo.push(
    ctx.tree.create(
      path,
      parent,
      {
        data: body.data,
        acl,
        kind: body.kind,
        owner: body.kind === "ephemeral" ? session.id : 0n,
        ttl: body.kind === "ttl" ? body.ttl : 0
      },
      txn.zxid,
      txn.now
    )
  )
  ctx.watches.created(path, txn.zxid, txn.events)
  return ok({ path, stat: ctx.tree.stat(ctx.tree.get(path)!) })
}

/** delete. */
export const remove = (ctx: WriteContext, txn: Txn, session: Session, body: Requests["delete"]): Reply<Responses["delete"]> => {
  if (Path.isSpecialPath(body.path)) return fail(Code.BAD_ARGUMENTS)
  const parent = ctx.tree.get(Path.parent(body.path))
  if (parent === undefined) return fail(Code.NO_NODE)
  if (!Auth.allowed(parent.acl, Acl.Perms.DELETE, session.ids)) return fail(Code.NO_AUTH)
  const node = ctx.tree.get(body.path)
  if (node === undefined) return fail(Code.NO_NODE)
  if (!versionMatches(body.version, node.version)) return fail(Code.BAD_VERSION)
  if (node.children.size > 0) return fail(Code.NOT_EMPTY)
  txn.undo.push(ctx.tree.remove(node, txn.zxid))
  ctx.watches.deleted(body.path, txn.zxid, txn.events)
  return ok({})
}

/** setData. */
export const setData = (ctx: WriteContext, txn: Txn, session: Session, body: Requests["setData"]): Reply<Responses["setData"]> => {
  const node = ctx.tree.get(body.path)
  if (node === undefined) return fail(Code.NO_NODE)
  if (!Auth.allowed(node.acl, Acl.Perms.WRITE, session.ids)) return fail(Code.NO_AUTH)
  if (!versionMatches(body.version, node.version)) return fail(Code.BAD_VERSION)
  txn.undo.push(ctx.tree.setData(node, body.data, txn.zxid, txn.now))
  ctx.watches.changed(body.path, txn.zxid, txn.events)
  return ok({ stat: ctx.tree.stat(node) })
}

/** check (multi only). */
export const check = (ctx: WriteContext, _txn: Txn, session: Session, body: Requests["check"]): Reply<Responses["check"]> => {
  const node = ctx.tree.get(body.path)
  if (node === undefined) return fail(Code.NO_NODE)
  if (!Auth.allowed(node.acl, Acl.Perms.READ, session.ids)) return fail(Code.NO_AUTH)
  if (!versionMatches(body.version, node.version)) return fail(Code.BAD_VERSION)
  return ok({})
}

/** setACL (never inside a multi). */
export const setAcl = (ctx: WriteContext, txn: Txn, session: Session, body: Requests["setACL"]): Reply<Responses["setACL"]> => {
  const acl = Auth.fixup(body.acl, session.ids)
  if (acl === undefined) return fail(Code.INVALID_ACL)
  const node = ctx.tree.get(body.path)
  if (node === undefined) return fail(Code.NO_NODE)
  if (!Auth.allowed(node.acl, Acl.Perms.ADMIN, session.ids)) return fail(Code.NO_AUTH)
  if (!versionMatches(body.version, node.aversion)) return fail(Code.BAD_VERSION)
  txn.undo.push(ctx.tree.setAcl(node, acl))
  return ok({ stat: ctx.tree.stat(node) })
}

/** One write of a multi (or alone), as its multi result. */
export const applyWrite = (ctx: WriteContext, txn: Txn, session: Session, op: WriteOp): MultiResult => {
  switch (op.op) {
    case "create": {
      const r = create(ctx, txn, session, op.body)
      if (r.value === undefined) return { op: "error", err: r.err }
      // ZooKeeper 3.8 answers a plain create in a multi without a stat; containers and TTL nodes with one.
      const withStat = op.body.kind === "container" || op.body.kind === "ttl"
      return { op: "create", path: r.value.path, stat: withStat ? r.value.stat : undefined }
    }
    case "delete": {
      const r = remove(ctx, txn, session, op.body)
      return r.value === undefined ? { op: "error", err: r.err } : { op: "delete" }
    }
    case "setData": {
      const r = setData(ctx, txn, session, op.body)
      return r.value === undefined ? { op: "error", err: r.err } : { op: "setData", stat: r.value.stat }
    }
    case "check": {
      const r = check(ctx, txn, session, op.body)
      return r.value === undefined ? { op: "error", err: r.err } : { op: "check" }
    }
  }
}

/** Undoes everything the transaction changed, newest first. */
export const rollback = (txn: Txn): void => {
  for (let i = txn.undo.length - 1; i >= 0; i--) txn.undo[i]!()
  txn.undo.length = 0
  txn.events.length = 0
}

/** Runs a multi: every operation or none. */
export const multi = (ctx: WriteContext, txn: Txn, session: Session, ops: ReadonlyArray<WriteOp>): ReadonlyArray<MultiResult> => {
  const results: Array<MultiResult> = []
  for (let i = 0; i < ops.length; i++) {
    const result = applyWrite(ctx, txn, session, ops[i]!)
    if (result.op === "error") {
      rollback(txn)
      return ops.map((_, j): MultiResult => ({
        op: "error",
        err: j < i ? 0 : j === i ? result.err : Code.RUNTIME_INCONSISTENCY
      }))
    }
    results.push(result)
  }
  return results
}
