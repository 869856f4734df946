/**
 * The data tree of the in-memory server: znodes with ZooKeeper 3.8's stat bookkeeping.
 *
 * What a real server does, as measured on 3.8.0: the root and `/zookeeper`, `/zookeeper/quota`,
 * `/zookeeper/config` exist from the start (zxid 0, time 0; `/zookeeper/config` is read-only
 * for everyone and has ACL version -1); a parent counts the creates of its children (the
 * persisted cversion, which is also the counter of sequential names) and reports
 * `cversion = 2 × creates − numChildren`, so a create and a delete each add one; container and
 * TTL nodes report an ephemeral owner of 0. Every change returns its undo, so a multi can roll
 * back.
 */
import { Acl, Path, Stat } from "@effect-zk/core"

type ACL = Acl.ACL

/** How a node lives: until deleted, with its session, until its last child goes, or until its TTL runs out. */
export type NodeKind = "persistent" | "ephemeral" | "container" | "ttl"

/** A znode as the server keeps it. */
export interface Znode {
  readonly path: string
  data: Uint8Array
  acl: ReadonlyArray<ACL>
  readonly czxid: bigint
  mzxid: bigint
  pzxid: bigint
  readonly ctime: number
  mtime: number
  version: number
  /** ZooKeeper's persisted cversion: how many children were ever created here. */
  creates: number
  aversion: number
  readonly kind: NodeKind
  /** The owner session of an ephemeral node, else 0. */
  readonly owner: bigint
  /** A TTL node's time to live in milliseconds, else 0. */
  readonly ttl: number
  /** Child names, in creation order. */
  readonly children: Set<string>
}

/** Reverts one change. */
export type Undo = () => void

const EMPTY = new Uint8Array(0)

const special = (path: string, acl: ReadonlyArray<ACL>, aversion = 0): Znode => ({
  path,
  data: EMPTY,
  acl,
  czxid: 0n,
  mzxid: 0n,
  pzxid: 0n,
  ctime: 0,
  mtime: 0,
  version: 0,
  creates: 0,
  aversion,
  kind: "persistent",
  owner: 0n,
  ttl: 0,
  children: new Set()
})

/** What a new node is made of. */
export interface NewNode {
  readonly data: Uint8Array
  readonly acl: ReadonlyArray<ACL>
  readonly kind: NodeKind
  readonly owner: bigint
  readonly ttl: number
}

/** The tree. Paths are server paths (chroot included). */
export class DataTree {
  readonly nodes = new Map<string, Znode>()
  /** Ephemeral paths per owner session, in creation order. */
  readonly ephemerals = new Map<bigint, Set<string>>()

  constructor() {
    const root = special("/", Acl.OPEN_ACL_UNSAFE)
    const system = special("/zookeeper", Acl.OPEN_ACL_UNSAFE)
    this.nodes.set("/", root)
    this.nodes.set("/zookeeper", system)
    root.children.add("zookeeper")
    for (const [name, acl, aversion] of [
      ["quota", Acl.OPEN_ACL_UNSAFE, 0],
      ["config", Acl.READ_ACL_UNSAFE, -1]
    ] as const) {
      this.nodes.set(`/zookeeper/${name}`, special(`/zookeeper/${name}`, acl, aversion))
      system.children.add(name)
    }
  }

  get(path: string): Znode | undefined {
    return this.nodes.get(path)
  }

  /** The stat a client sees. */
  stat(node: Znode): Stat.ZnodeStat {
    return Stat.fromRecord({
      czxid: node.czxid,
      mzxid: node.mzxid,
      ctime: BigInt(node.ctime),
      mtime: BigInt(node.mtime),
      version: node.version,
      cversion: node.creates * 2 - node.children.size,
      aversion: node.aversion,
      ephemeralOwner: node.kind === "ephemeral" ? node.owner : 0n,
      dataLength: node.data.byteLength,
      numChildren: node.children.size,
      pzxid: node.pzxid
    })
  }

  /** The child names of a node, in creation order. */
  children(node: Znode): ReadonlyArray<string> {
    return [...node.children]
  }

  /** Adds a node under an existing parent. */
  create(path: string, parent: Znode, fields: NewNode, zxid: bigint, now: number): Undo {
    const node: Znode = {
      path,
      data: fields.data.slice(),
      acl: fields.acl,
      czxid: zxid,
      mzxid: zxid,
      pzxid: zxid,
      ctime: now,
      mtime: now,
      version: 0,
      creates: 0,
      aversion: 0,
      kind: fields.kind,
      owner: fields.owner,
      ttl: fields.ttl,
      children: new Set()
    }
    const name = Path.basename(path)
    const before = { creates: parent.creates, pzxid: parent.pzxid }
    this.nodes.set(path, node)
    parent.children.add(name)
    parent.creates = (parent.creates + 1) | 0
    parent.pzxid = zxid
    if (fields.kind === "ephemeral") this.ownedBy(fields.owner).add(path)
    return () => {
      this.nodes.delete(path)
      parent.children.delete(name)
      parent.creates = before.creates
      parent.pzxid = before.pzxid
      if (fields.kind === "ephemeral") this.disown(fields.owner, path)
    }
  }

  /** Removes a childless node. */
  remove(node: Znode, zxid: bigint): Undo {
    const parent = this.nodes.get(Path.parent(node.path))!
    const name = Path.basename(node.path)
    const pzxid = parent.pzxid
    // Children keep creation order; a restored node goes back to its place.
    const siblings = [...parent.children]
    this.nodes.delete(node.path)
    parent.children.delete(name)
    if (zxid > parent.pzxid) parent.pzxid = zxid
    if (node.kind === "ephemeral") this.disown(node.owner, node.path)
    return () => {
      this.nodes.set(node.path, node)
      parent.children.clear()
      for (const s of siblings) parent.children.add(s)
      parent.pzxid = pzxid
      if (node.kind === "ephemeral") this.ownedBy(node.owner).add(node.path)
    }
  }

  /** Replaces a node's data. */
  setData(node: Znode, data: Uint8Array, zxid: bigint, now: number): Undo {
    const before = { data: node.data, mzxid: node.mzxid, mtime: node.mtime, version: node.version }
    node.data = data.slice()
    node.mzxid = zxid
    node.mtime = now
    node.version = (node.version + 1) | 0
    return () => {
      node.data = before.data
      node.mzxid = before.mzxid
      node.mtime = before.mtime
      node.version = before.version
    }
  }

  /** Replaces a node's ACL. */
  setAcl(node: Znode, acl: ReadonlyArray<ACL>): Undo {
    const before = { acl: node.acl, aversion: node.aversion }
    node.acl = acl
    node.aversion = (node.aversion + 1) | 0
    return () => {
      node.acl = before.acl
      node.aversion = before.aversion
    }
  }

  /** How many nodes lie below a path (ZooKeeper's getAllChildrenNumber). */
  descendants(path: string): number {
    if (path === "/") return this.nodes.size - 1
    const prefix = path + "/"
    let n = 0
    for (const key of this.nodes.keys()) if (key.startsWith(prefix)) n++
    return n
  }

  /** The ephemeral paths a session owns. */
  ephemeralsOf(session: bigint): ReadonlyArray<string> {
    return [...(this.ephemerals.get(session) ?? [])]
  }

  /** Every node, parents before children (children in creation order), from `path` down. */
  walk(path: string): ReadonlyArray<Znode> {
    const out: Array<Znode> = []
    const visit = (node: Znode) => {
      out.push(node)
      for (const name of node.children) {
        const child = this.nodes.get(node.path === "/" ? `/${name}` : `${node.path}/${name}`)
        if (child !== undefined) visit(child)
      }
    }
    const start = this.nodes.get(path)
    if (start !== undefined) visit(start)
    return out
  }

  private ownedBy(session: bigint): Set<string> {
    let set = this.ephemerals.get(session)
    if (set === undefined) {
      set = new Set()
      this.ephemerals.set(session, set)
    }
    return set
  }

  private disown(session: bigint, path: string): void {
    const set = this.ephemerals.get(session)
    if (set === undefined) return
    set.delete(path)
    if (set.size === 0) this.ephemerals.delete(session)
  }
}
