/**
 * Watch bookkeeping: which watchers a notification fires, as a table.
 *
 * One-shot watches are kept per kind (data, exist, child) and path, and are removed when they
 * fire. Persistent and persistent-recursive watches (addWatch) stay until removed. Paths are
 * server paths (chroot included): the client strips the chroot before calling watchers.
 */
import type { EventType } from "../ClientState.js"

/** The kinds of watch ZooKeeper keeps for a client. */
export type WatchKind = "data" | "exist" | "child" | "persistent" | "persistentRecursive"

/** A watcher: called synchronously from the reader; it must only hand the event on. */
export type Watcher = (type: EventType, serverPath: string) => void

/** Which one-shot kinds an event type fires (ZooKeeper's client watch manager rules). */
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

const add = (table: Map<string, Set<Watcher>>, path: string, watcher: Watcher): void => {
  const set = table.get(path)
  if (set === undefined) table.set(path, new Set([watcher]))
  else set.add(watcher)
}

const remove = (table: Map<string, Set<Watcher>>, path: string, watcher: Watcher): boolean => {
  const set = table.get(path)
  if (set === undefined || !set.delete(watcher)) return false
  if (set.size === 0) table.delete(path)
  return true
}

/** The watch tables of one client. */
export class WatchRegistry {
  readonly data = new Map<string, Set<Watcher>>()
  readonly exist = new Map<string, Set<Watcher>>()
  readonly child = new Map<string, Set<Watcher>>()
  readonly persistent = new Map<string, Set<Watcher>>()
  readonly persistentRecursive = new Map<string, Set<Watcher>>()

  table(kind: WatchKind): Map<string, Set<Watcher>> {
    return this[kind]
  }

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    add(this[kind], path, watcher)
  }

  remove(kind: WatchKind, path: string, watcher: Watcher): boolean {
    return remove(this[kind], path, watcher)
  }

  /** Whether any watcher of the kinds is registered on the path. */
  has(kinds: ReadonlyArray<WatchKind>, path: string): boolean {
    return kinds.some((k) => this[k].has(path))
  }

  /**
   * Collects (and, for one-shot kinds, removes) the watchers an event fires. A watcher
   * registered under several kinds on the path is called once.
   */
  collect(type: EventType, serverPath: string): Set<Watcher> {
    const fired = new Set<Watcher>()
    for (const kind of oneShotKindsFired[type]) {
      const table = this[kind]
      const set = table.get(serverPath)
      if (set !== undefined) {
        table.delete(serverPath)
        for (const w of set) fired.add(w)
      }
    }
    if (type === "NONE" || type.endsWith("_REMOVED")) return fired
    const exact = this.persistent.get(serverPath)
    if (exact !== undefined) for (const w of exact) fired.add(w)
    // Recursive watches see every event on the node and below it, except child-list changes.
    if (type !== "CHILD" && this.persistentRecursive.size > 0) {
      let p = serverPath
      for (;;) {
        const set = this.persistentRecursive.get(p)
        if (set !== undefined) for (const w of set) fired.add(w)
        if (p === "/") break
        const i = p.lastIndexOf("/")
        p = i <= 0 ? "/" : p.slice(0, i)
      }
    }
    return fired
  }

  /**
   * Removes every one-shot watch (session expiry) and returns their watchers by path, each
   * watcher once per path whatever kinds it was registered under.
   */
  takeOneShot(): Map<string, Set<Watcher>> {
    const byPath = new Map<string, Set<Watcher>>()
    for (const table of [this.data, this.exist, this.child]) {
      for (const [path, set] of table) {
        const all = byPath.get(path)
        if (all === undefined) byPath.set(path, new Set(set))
        else for (const w of set) all.add(w)
      }
      table.clear()
    }
    return byPath
  }

  /** Every watcher of every kind, then empties the tables (client close, session loss). */
  drainAll(): Set<Watcher> {
    const all = new Set<Watcher>()
    for (const kind of ["data", "exist", "child", "persistent", "persistentRecursive"] as const) {
      for (const set of this[kind].values()) for (const w of set) all.add(w)
      this[kind].clear()
    }
    return all
  }

  /** Whether nothing is registered. */
  get isEmpty(): boolean {
    return (
      this.data.size === 0 &&
      this.exist.size === 0 &&
      this.child.size === 0 &&
      this.persistent.size === 0 &&
      this.persistentRecursive.size === 0
    )
  }
}
