/**
 * Argument checks and request building shared by the in-memory client's operations: the same
 * checks, in the same order and with the same errors, as the real client's (paths by
 * `Path.validate`, data sizes, versions, create modes, an empty ACL meaning the default one),
 * the mapping of transaction replies to results or a `TransactionFailedError`, and multiRead's reads
 * and results.
 */
import { type Acl, type MultiRead, Path, Transaction, ZooKeeperError } from "@effect-zk/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { CreateBody, MultiResult, ReadResult, WriteOp } from "./protocol.js"
import { encodeUtf8 } from "./text.js"

type ACL = Acl.ACL
type Error = ZooKeeperError.ZooKeeperError

/** No data. */
export const EMPTY = new Uint8Array(0)

/** Node data as bytes (strings as UTF-8). */
export const toBytes = (data: Transaction.Bytes | undefined): Uint8Array =>
  data === undefined ? EMPTY : typeof data === "string" ? encodeUtf8(data) : data

/** The path check every operation makes. */
export const checkPath = (path: string, op: string, sequential = false): ZooKeeperError.InvalidArgumentError | undefined =>
  Path.validate(path, { op, sequential })

/** The version check (absent is fine). */
export const checkVersion = (version: number | undefined, op: string, path: string) =>
  version === undefined ? undefined : Path.validateVersion(version, { op, path })

/** The kind of node a create makes, or why its options are invalid. */
export const createMode = (
  options: Transaction.CreateOptions,
  op: string,
  path: string
): Pick<CreateBody, "kind" | "sequential" | "ttl"> | ZooKeeperError.InvalidArgumentError => {
  const invalid = (reason: string) => new ZooKeeperError.InvalidArgumentError({ op, path, argument: "options", reason })
  if (options.container === true) {
    if (options.ephemeral === true || options.sequence === true || options.ttl !== undefined) {
      return invalid("a container node cannot be ephemeral, sequential or have a TTL")
    }
    return { kind: "container", sequential: false, ttl: 0 }
  }
  if (options.ttl !== undefined) {
    if (options.ephemeral === true) return invalid("a TTL node cannot be ephemeral")
    const d = Duration.decodeUnknown(options.ttl)
    const ms = Option.isSome(d) && Duration.isFinite(d.value) ? Duration.toMillis(d.value) : Number.NaN
    if (!Number.isSafeInteger(ms) || ms <= 0) return invalid(`ttl must be a positive whole number of milliseconds`)
    return { kind: "ttl", sequential: options.sequence === true, ttl: ms }
  }
  return { kind: options.ephemeral === true ? "ephemeral" : "persistent", sequential: options.sequence === true, ttl: 0 }
}

/** The checked body of a create, or the argument error. */
export const createBody = (
  path: string,
  serverPath: string,
  options: Transaction.CreateOptions,
  op: string,
  maxData: number,
  acl: ReadonlyArray<ACL>
): CreateBody | ZooKeeperError.InvalidArgumentError => {
  const bad = checkPath(path, op, options.sequence === true)
  if (bad !== undefined) return bad
  const data = toBytes(options.data)
  const tooBig = Path.validateData(data, maxData, { op, path })
  if (tooBig !== undefined) return tooBig
  const mode = createMode(options, op, path)
  if (mode instanceof ZooKeeperError.InvalidArgumentError) return mode
  return { path: serverPath, data, acl, ...mode }
}

/** The checked operations of a transaction, or the first argument error. */
export const transactionOps = (
  ops: ReadonlyArray<Transaction.Op>,
  prefix: (path: string, sequential?: boolean) => string,
  maxData: number,
  aclOf: (acl: ReadonlyArray<ACL> | undefined) => ReadonlyArray<ACL>
): ReadonlyArray<WriteOp> | ZooKeeperError.InvalidArgumentError => {
  const out: Array<WriteOp> = []
  const op = "transaction"
  for (const o of ops) {
    const bad = checkPath(o.path, op, o._tag === "Create" && o.options.sequence === true)
    if (bad !== undefined) return bad
    const serverPath = prefix(o.path, o._tag === "Create" && o.options.sequence === true)
    switch (o._tag) {
      case "Create": {
        const body = createBody(o.path, serverPath, o.options, op, maxData, aclOf(o.options.acl))
        if (body instanceof ZooKeeperError.InvalidArgumentError) return body
        out.push({ op: "create", body })
        break
      }
      case "Delete": {
        const badV = checkVersion(o.version, op, o.path)
        if (badV !== undefined) return badV
        out.push({ op: "delete", body: { path: serverPath, version: o.version } })
        break
      }
      case "SetData": {
        const data = toBytes(o.data)
        const tooBig = Path.validateData(data, maxData, { op, path: o.path })
        if (tooBig !== undefined) return tooBig
        const badV = checkVersion(o.version, op, o.path)
        if (badV !== undefined) return badV
        out.push({ op: "setData", body: { path: serverPath, data, version: o.version } })
        break
      }
      case "Check": {
        const badV = checkVersion(o.version, op, o.path)
        if (badV !== undefined) return badV
        out.push({ op: "check", body: { path: serverPath, version: o.version } })
        break
      }
    }
  }
  return out
}

/** A multi's results as the client reports them: results, or which operation failed and why. */
export const transactionResults = (
  ops: ReadonlyArray<Transaction.Op>,
  results: ReadonlyArray<MultiResult>,
  strip: (serverPath: string) => string
): Effect.Effect<ReadonlyArray<Transaction.Result>, Transaction.TransactionFailedError | Error> => {
  const failedIndex = results.findIndex((r) => r.op === "error" && r.err !== 0 && r.err !== -2)
  if (failedIndex >= 0 || results.some((r) => r.op === "error")) {
    const index = Math.max(failedIndex, 0)
    const outcomes: Array<Transaction.Outcome> = ops.map((op, i) => {
      const r = results[i]
      return i === index && r !== undefined && r.op === "error"
        ? { _tag: "Failed", path: op.path, error: ZooKeeperError.fromCode(r.err, { op: "transaction", path: op.path }) }
        : { _tag: "RolledBack", path: op.path }
    })
    const failed = outcomes[index]
    return Effect.fail(
      new Transaction.TransactionFailedError({
        failedIndex: index,
        error:
          failed !== undefined && failed._tag === "Failed"
            ? failed.error
            : ZooKeeperError.fromCode(-2, { op: "transaction", path: ops[index]?.path }),
        outcomes
      })
    )
  }
  return Effect.succeed(
    results.map((r, i): Transaction.Result => {
      const path = ops[i]!.path
      switch (r.op) {
        case "create":
          return { _tag: "Created", path: strip(r.path), stat: r.stat }
        case "delete":
          return { _tag: "Deleted", path }
        case "setData":
          return { _tag: "DataSet", path, stat: r.stat }
        default:
          return { _tag: "Checked", path }
      }
    })
  )
}

/** A multiRead's reads as server requests, or why one is not valid. */
export const readOps = (
  ops: ReadonlyArray<MultiRead.Op>,
  prefix: (path: string) => string
): Array<{ readonly op: "getData" | "getChildren"; readonly path: string }> | ZooKeeperError.InvalidArgumentError => {
  const reads: Array<{ readonly op: "getData" | "getChildren"; readonly path: string }> = []
  for (const op of ops) {
    if (op._tag !== "GetData" && op._tag !== "GetChildren") {
      const what = JSON.stringify((op as { readonly _tag?: unknown })._tag)
      return new ZooKeeperError.InvalidArgumentError({ op: "multiRead", argument: "ops", reason: `${what} is not a read` })
    }
    const bad = checkPath(op.path, "multiRead")
    if (bad !== undefined) return bad
    reads.push({ op: op._tag === "GetData" ? "getData" : "getChildren", path: prefix(op.path) })
  }
  return reads
}

/** A multiRead's results, in the order of its reads. */
export const readResults = (ops: ReadonlyArray<MultiRead.Op>, results: ReadonlyArray<ReadResult>): ReadonlyArray<MultiRead.Result> =>
  ops.map((op, i): MultiRead.Result => {
    const r = results[i]!
    if (r.op === "error") return { _tag: "Failed", path: op.path, error: ZooKeeperError.fromCode(r.err, { op: "multiRead", path: op.path }) }
    return r.op === "getData"
      ? { _tag: "Data", path: op.path, data: r.data, stat: r.stat }
      : { _tag: "Children", path: op.path, children: r.children }
  })
