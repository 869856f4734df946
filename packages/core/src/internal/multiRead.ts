/**
 * multiRead's reply as the client returns it: a result per read sent, in order, checked
 * against the reads (a result missing, one too many, or one of another kind than its read is a
 * ProtocolError that names it). Pure, so that the check a real server never trips is tested.
 */
import type * as MultiRead from "../MultiRead.js"
import * as Stat from "../Stat.js"
import { fromCode, ProtocolError } from "../ZooKeeperError.js"
import type { MultiResult } from "./records.js"

const EMPTY = new Uint8Array(0)

/** The results of `ops` (client paths) from a multiRead reply's `results`. */
export const readResults = (
  ops: ReadonlyArray<MultiRead.Op>,
  results: ReadonlyArray<MultiResult>
): ReadonlyArray<MultiRead.Result> | ProtocolError => {
  const out: Array<MultiRead.Result> = []
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    const r = results[i]
    if (r !== undefined && r.op === "error") {
      out.push({ _tag: "Failed", path: op.path, error: fromCode(r.err, { op: "multiRead", path: op.path }) })
    } else if (r !== undefined && r.op === "getData" && op._tag === "GetData") {
      out.push({ _tag: "Data", path: op.path, data: r.data ?? EMPTY, stat: Stat.fromRecord(r.stat) })
    } else if (r !== undefined && r.op === "getChildren" && op._tag === "GetChildren") {
      out.push({ _tag: "Children", path: op.path, children: r.children })
    } else {
      const got = r === undefined ? "no result" : `a ${r.op} result`
      return new ProtocolError({ op: "multiRead", reason: `read ${i} (${op._tag} ${op.path}) got ${got}` })
    }
  }
  if (results.length !== ops.length) {
    return new ProtocolError({ op: "multiRead", reason: `${results.length} results for ${ops.length} reads` })
  }
  return out
}
