/**
 * TreeCache's in-memory tree: the cached nodes by path, each node's child names, and an
 * immutable HashMap of the same nodes for snapshots. Every change goes through `put` or
 * `remove`, which emit the matching events (kazoo's rules: a node is added once, updated when
 * its `mzxid` changes, and removed after its descendants), so that replaying the events on an
 * empty map always gives the cache's content.
 */
import type { ZnodeStat } from "@effect-zk/core/Stat"
import * as HashMap from "effect/HashMap"
/** A cached node: its path, data and stat (kazoo's `NodeData`). */
export interface NodeData {
  readonly path: string
  readonly data: Uint8Array
  readonly stat: ZnodeStat
}

/** What a TreeCache reports. */
export type TreeEvent =
  | { readonly type: "NODE_ADDED"; readonly node: NodeData }
  | { readonly type: "NODE_UPDATED"; readonly node: NodeData }
  | { readonly type: "NODE_REMOVED"; readonly node: NodeData }
  | { readonly type: "CONNECTION_SUSPENDED" }
  | { readonly type: "CONNECTION_RECONNECTED" }
  | { readonly type: "CONNECTION_LOST" }
  | { readonly type: "INITIALIZED" }

const EMPTY: ReadonlySet<string> = new Set()

/** The tree under one root. Not thread-safe by design: one fiber (the cache's) owns it. */
export class TreeState {
  private readonly nodes = new Map<string, NodeData>()
  private readonly kids = new Map<string, Set<string>>()
  private snap: HashMap.HashMap<string, NodeData> = HashMap.empty()

  constructor(
    readonly root: string,
    private readonly emit: (event: TreeEvent) => void
  ) {}

  /** Whether the path is the root or below it. */
  inside(path: string): boolean {
    if (path === this.root) return true
    return this.root === "/" ? path.startsWith("/") : path.startsWith(`${this.root}/`)
  }

  /** The parent of a path inside the tree, undefined for the root. */
  parentOf(path: string): string | undefined {
    if (path === this.root) return undefined
    const i = path.lastIndexOf("/")
    return i <= 0 ? "/" : path.slice(0, i)
  }

  get(path: string): NodeData | undefined {
    return this.nodes.get(path)
  }

  has(path: string): boolean {
    return this.nodes.has(path)
  }

  children(path: string): ReadonlySet<string> {
    return this.kids.get(path) ?? EMPTY
  }

  get snapshot(): HashMap.HashMap<string, NodeData> {
    return this.snap
  }

  get size(): number {
    return this.nodes.size
  }

  paths(): ReadonlyArray<string> {
    return Array.from(this.nodes.keys())
  }

  /**
   * Records what a read returned. A new node is added (its parent must be cached, or it is the
   * root); a node of another incarnation (another `czxid`) replaces the old one, whose subtree
   * is removed first; a new `mzxid` is an update; the same `mzxid` only refreshes the stat.
   */
  put(node: NodeData): void {
    const old = this.nodes.get(node.path)
    if (old !== undefined && old.stat.czxid !== node.stat.czxid) this.remove(node.path)
    const current = this.nodes.get(node.path)
    this.nodes.set(node.path, node)
    this.snap = HashMap.set(this.snap, node.path, node)
    if (current === undefined) {
      const parent = this.parentOf(node.path)
      if (parent !== undefined) {
        const name = node.path.slice(parent === "/" ? 1 : parent.length + 1)
        const set = this.kids.get(parent)
        if (set === undefined) this.kids.set(parent, new Set([name]))
        else set.add(name)
      }
      this.emit({ type: "NODE_ADDED", node })
    } else if (current.stat.mzxid !== node.stat.mzxid) {
      this.emit({ type: "NODE_UPDATED", node })
    }
  }

  /** Removes a node and its cached subtree, descendants first, each with NODE_REMOVED. */
  remove(path: string): void {
    const top = this.nodes.get(path)
    if (top === undefined) return
    const order: Array<string> = []
    const visit = (p: string) => {
      for (const name of this.kids.get(p) ?? EMPTY) visit(p === "/" ? `/${name}` : `${p}/${name}`)
      order.push(p)
    }
    visit(path)
    for (const p of order) {
      const node = this.nodes.get(p)
      if (node === undefined) continue
      this.nodes.delete(p)
      this.kids.delete(p)
      this.snap = HashMap.remove(this.snap, p)
      this.emit({ type: "NODE_REMOVED", node })
    }
    const parent = this.parentOf(path)
    if (parent !== undefined) {
      this.kids.get(parent)?.delete(path.slice(parent === "/" ? 1 : parent.length + 1))
    }
  }

  /** Forgets everything without events (kazoo's close). */
  clear(): void {
    this.nodes.clear()
    this.kids.clear()
    this.snap = HashMap.empty()
  }
}
