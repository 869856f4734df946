/**
 * Watches on both ends, as ZooKeeper 3.8 keeps them.
 *
 * Server side ({@link WatchManager}, after 3.8's `WatchManager` and `DataTree`): two tables,
 * data and child, of path → connection → mode. exists/getData add a standard data watch,
 * getChildren a standard child watch, addWatch a persistent one to both tables or a recursive
 * one to the data table only. A later add on the same path and connection replaces the mode
 * (so in 3.8 a one-shot watch turns a persistent watch on that node into a one-shot one, as
 * the real server does). Triggering walks the path and its parents; parents only fire
 * recursive watches, which never fire for child-list changes; standard watches are removed when
 * they fire. Each connection gets one event per trigger, and a node's deletion is reported once
 * even when both tables watch it.
 *
 * Client side ({@link Registry}, after the client's watch registry): which local watchers an
 * event fires (created/changed → data and exist; child → child; deleted → all three; plus
 * persistent watches on the path and recursive ones on it or above, except for child events).
 */
import type { ClientState } from "@effect-zk/core"
import type { DataTree } from "./tree.js"

type EventType = ClientState.EventType

/** The server's end of a connection: where it sends events. */
export interface Connection {
  readonly deliver: (type: EventType, serverPath: string, zxid: bigint) => void
}

/** How a server-side watch behaves. */
export type WatcherMode = "standard" | "persistent" | "persistentRecursive"

/** An event waiting to be sent, once the change that caused it is committed. */
export interface PendingEvent {
  readonly to: Connection
  readonly type: EventType
  readonly path: string
  readonly zxid: bigint
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf("/")
  return i <= 0 ? "/" : path.slice(0, i)
}

class WatchTable {
  readonly byPath = new Map<string, Map<Connection, WatcherMode>>()

  add(path: string, to: Connection, mode: WatcherMode): void {
    let entries = this.byPath.get(path)
    if (entries === undefined) {
      entries = new Map()
      this.byPath.set(path, entries)
    }
    entries.set(to, mode)
  }

  remove(path: string, to: Connection): boolean {
    const entries = this.byPath.get(path)
    if (entries === undefined || !entries.delete(to)) return false
    if (entries.size === 0) this.byPath.delete(path)
    return true
  }

  removeConnection(to: Connection): void {
    for (const [path, entries] of this.byPath) {
      entries.delete(to)
      if (entries.size === 0) this.byPath.delete(path)
    }
  }

  trigger(path: string, type: EventType, zxid: bigint, out: Array<PendingEvent>, suppress?: Set<Connection>) {
    const fired = new Set<Connection>()
    let local = path
    for (let atParent = false; ; atParent = true) {
      const entries = this.byPath.get(local)
      if (entries !== undefined) {
        for (const [to, mode] of entries) {
          if (mode === "persistentRecursive") {
            if (type !== "CHILD") fired.add(to)
          } else if (!atParent) {
            fired.add(to)
            if (mode === "standard") entries.delete(to)
          }
        }
        if (entries.size === 0) this.byPath.delete(local)
      }
      if (local === "/") break
      local = parentOf(local)
    }
    for (const to of fired) if (suppress === undefined || !suppress.has(to)) out.push({ to, type, path, zxid })
    return fired
  }
}

/** What a client re-registers after reconnecting (setWatches2). */
export interface WatchLists {
  readonly data: ReadonlyArray<string>
  readonly exist: ReadonlyArray<string>
  readonly child: ReadonlyArray<string>
  readonly persistent: ReadonlyArray<string>
  readonly persistentRecursive: ReadonlyArray<string>
}

/** One server-side watch, for inspection. */
export interface WatchEntry {
  readonly path: string
  readonly table: "data" | "child"
  readonly mode: WatcherMode
  readonly connection: Connection
}

/** The server's watch tables. */
export class WatchManager {
  readonly data = new WatchTable()
  readonly child = new WatchTable()

  addWatch(path: string, to: Connection, recursive: boolean): void {
    this.data.add(path, to, recursive ? "persistentRecursive" : "persistent")
    if (!recursive) this.child.add(path, to, "persistent")
  }

  /** A node was created. */
  created(path: string, zxid: bigint, out: Array<PendingEvent>): void {
    this.data.trigger(path, "CREATED", zxid, out)
    this.child.trigger(parentOf(path), "CHILD", zxid, out)
  }

  /** A node was deleted. */
  deleted(path: string, zxid: bigint, out: Array<PendingEvent>): void {
    const fired = this.data.trigger(path, "DELETED", zxid, out)
    this.child.trigger(path, "DELETED", zxid, out, fired)
    this.child.trigger(parentOf(path), "CHILD", zxid, out)
  }

  /** A node's data changed. */
  changed(path: string, zxid: bigint, out: Array<PendingEvent>): void {
    this.data.trigger(path, "CHANGED", zxid, out)
  }

  /** removeWatches of a type; false when the connection had no such watch (NoWatcher). */
  remove(path: string, to: Connection, type: "children" | "data" | "any"): boolean {
    if (type === "children") return this.child.remove(path, to)
    if (type === "data") return this.data.remove(path, to)
    const child = this.child.remove(path, to)
    const data = this.data.remove(path, to)
    return child || data
  }

  /** The connection closed: its watches go with it. */
  removeConnection(to: Connection): void {
    this.data.removeConnection(to)
    this.child.removeConnection(to)
  }

  /** setWatches: fires what changed since `relativeZxid`, registers the rest (3.8's DataTree.setWatches). */
  setWatches(tree: DataTree, relativeZxid: bigint, lists: WatchLists, to: Connection, out: Array<PendingEvent>): void {
    const event = (type: EventType, path: string) => out.push({ to, type, path, zxid: -1n })
    for (const path of lists.data) {
      const node = tree.get(path)
      if (node === undefined) event("DELETED", path)
      else if (node.mzxid > relativeZxid) event("CHANGED", path)
      else this.data.add(path, to, "standard")
    }
    for (const path of lists.exist) {
      if (tree.get(path) !== undefined) event("CREATED", path)
      else this.data.add(path, to, "standard")
    }
    for (const path of lists.child) {
      const node = tree.get(path)
      if (node === undefined) event("DELETED", path)
      else if (node.pzxid > relativeZxid) event("CHILD", path)
      else this.child.add(path, to, "standard")
    }
    for (const path of lists.persistent) this.addWatch(path, to, false)
    for (const path of lists.persistentRecursive) this.addWatch(path, to, true)
  }

  /** Every watch, for inspection. */
  entries(): ReadonlyArray<WatchEntry> {
    const out: Array<WatchEntry> = []
    for (const [table, name] of [
      [this.data, "data"],
      [this.child, "child"]
    ] as const) {
      for (const [path, entries] of table.byPath) {
        for (const [connection, mode] of entries) out.push({ path, table: name, mode, connection })
      }
    }
    return out
  }
}

// ---------------------------------------------------------------------------------------------
// The client's side
// ---------------------------------------------------------------------------------------------

/** The kinds of watch a client keeps. */
export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive"

/** A local watcher; it only hands the event on. */
export type Watcher = (type: EventType, serverPath: string) => void

const oneShotKindsFired: Readonly<Record<EventType, ReadonlyArray<"data" | "exist" | "child">>> = {
  NONE: [],
  CREATED: ["data", "exist"],
  CHANGED: ["data", "exist"],
  CHILD: ["child"],
  DELETED: ["data", "exist", "child"],
  DATA_WATCH_REMOVED: ["data", "exist"],
  CHILD_WATCH_REMOVED: ["child"],
  PERSISTENT_WATCH_REMOVED: []
}

const kinds: ReadonlyArray<WatchKind> = ["data", "exist", "child", "persistent", "persistentRecursive"]

/** A client's watch tables: kind → path → watchers. */
export class Registry {
  private readonly tables: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map()
  }

  table(kind: WatchKind): Map<string, Set<Watcher>> {
    return this.tables[kind]
  }

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const table = this.tables[kind]
    const set = table.get(path)
    if (set === undefined) table.set(path, new Set([watcher]))
    else set.add(watcher)
  }

  /** Removes the watcher; whether it was there. */
  remove(kind: WatchKind, path: string, watcher: Watcher): boolean {
    const table = this.tables[kind]
    const set = table.get(path)
    if (set === undefined || !set.delete(watcher)) return false
    if (set.size === 0) table.delete(path)
    return true
  }

  /** Whether any watcher of the kinds is on the path. */
  has(which: ReadonlyArray<WatchKind>, path: string): boolean {
    return which.some((k) => this.tables[k].has(path))
  }

  /** The watchers an event fires; one-shot ones are removed. Each watcher once. */
  collect(type: EventType, serverPath: string): Set<Watcher> {
    const fired = new Set<Watcher>()
    for (const kind of oneShotKindsFired[type]) {
      const set = this.tables[kind].get(serverPath)
      if (set === undefined) continue
      this.tables[kind].delete(serverPath)
      for (const w of set) fired.add(w)
    }
    if (type === "NONE" || type.endsWith("_REMOVED")) return fired
    const exact = this.tables.persistent.get(serverPath)
    if (exact !== undefined) for (const w of exact) fired.add(w)
    if (type !== "CHILD" && this.tables.persistentRecursive.size > 0) {
      for (let p = serverPath; ; p = parentOf(p)) {
        const set = this.tables.persistentRecursive.get(p)
        if (set !== undefined) for (const w of set) fired.add(w)
        if (p === "/") break
      }
    }
    return fired
  }

  /**
   * Drops every watch (session expiry) and returns the one-shot watchers by path, each watcher
   * once per path whatever kinds it was registered under.
   */
  clear(): Map<string, Set<Watcher>> {
    const byPath = new Map<string, Set<Watcher>>()
    for (const kind of ["data", "exist", "child"] as const) {
      for (const [path, set] of this.tables[kind]) {
        const all = byPath.get(path)
        if (all === undefined) byPath.set(path, new Set(set))
        else for (const w of set) all.add(w)
      }
    }
    for (const kind of kinds) this.tables[kind].clear()
    return byPath
  }

  /** The paths to re-register after a reconnect. */
  lists(): WatchLists {
    return {
      data: [...this.tables.data.keys()],
      exist: [...this.tables.exist.keys()],
      child: [...this.tables.child.keys()],
      persistent: [...this.tables.persistent.keys()],
      persistentRecursive: [...this.tables.persistentRecursive.keys()]
    }
  }

  /** Every kind and path that has a watcher, for inspection. */
  entries(): ReadonlyArray<{ readonly kind: WatchKind; readonly path: string; readonly watchers: number }> {
    return kinds.flatMap((kind) => [...this.tables[kind]].map(([path, set]) => ({ kind, path, watchers: set.size })))
  }
}
