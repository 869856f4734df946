import { Acl, type ZooKeeper } from "@effect-zk/core"
import { TreeCache } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Either, Fiber, HashMap, Option, Stream } from "effect"
import { expect } from "vitest"
import { type Client, client, clients, expirableClient, newChroot, text, waitUntil } from "./helpers.js"
import { hasServerDataWatch, NO_WATCH, serverWatchesOn } from "./recipesII.js"

interface Entry {
  readonly data: string
  readonly mzxid: bigint
  readonly czxid: bigint
}

/** The subtree as the server has it now. */
const freshRead = (zk: Client, root: string): Effect.Effect<Map<string, Entry>, unknown> =>
  Effect.gen(function* () {
    const out = new Map<string, Entry>()
    const visit = (path: string): Effect.Effect<void, unknown> =>
      Effect.gen(function* () {
        const node = yield* Effect.either(zk.get(path))
        if (Either.isLeft(node)) return
        out.set(path, { data: text(node.right.data), mzxid: node.right.stat.mzxid, czxid: node.right.stat.czxid })
        const children = yield* Effect.either(zk.getChildren(path))
        if (Either.isLeft(children)) return
        yield* Effect.forEach(children.right, (c) => visit(path === "/" ? `/${c}` : `${path}/${c}`), {
          concurrency: 16,
          discard: true
        })
      })
    yield* visit(root)
    return out
  })

const fromSnapshot = (snapshot: HashMap.HashMap<string, TreeCache.NodeData>): Map<string, Entry> =>
  new Map(
    Array.from(HashMap.values(snapshot), (n) => [
      n.path,
      { data: text(n.data), mzxid: n.stat.mzxid, czxid: n.stat.czxid }
    ])
  )

const sameTree = (a: Map<string, Entry>, b: Map<string, Entry>): boolean =>
  a.size === b.size &&
  Array.from(a).every(([p, e]) => {
    const o = b.get(p)
    return o !== undefined && o.data === e.data && o.mzxid === e.mzxid
  })

const describeDiff = (a: Map<string, Entry>, b: Map<string, Entry>): string => {
  const lines: Array<string> = []
  for (const [p, e] of a) {
    const o = b.get(p)
    if (o === undefined) lines.push(`only in cache: ${p}`)
    else if (o.data !== e.data || o.mzxid !== e.mzxid) lines.push(`differs: ${p} ${e.data}/${e.mzxid} vs ${o.data}/${o.mzxid}`)
  }
  for (const p of b.keys()) if (!a.has(p)) lines.push(`only on the server: ${p}`)
  return lines.slice(0, 20).join("\n")
}

/**
 * Replays node events on an empty map, checking on the way that none is a phantom: an add of
 * what is there, an update or removal of what is not, an update without a newer mzxid, a
 * removal before the node's children, data that was never written to that path.
 */
const replay = (
  events: ReadonlyArray<TreeCache.TreeEvent>,
  written: Map<string, Set<string>>
): { readonly tree: Map<string, Entry>; readonly problems: ReadonlyArray<string> } => {
  const tree = new Map<string, Entry>()
  const problems: Array<string> = []
  const parentOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/"
  for (const e of events) {
    if (e.type !== "NODE_ADDED" && e.type !== "NODE_UPDATED" && e.type !== "NODE_REMOVED") continue
    const p = e.node.path
    const entry = { data: text(e.node.data), mzxid: e.node.stat.mzxid, czxid: e.node.stat.czxid }
    const old = tree.get(p)
    if (e.type !== "NODE_REMOVED" && !(written.get(p)?.has(entry.data) ?? false)) {
      problems.push(`${e.type} ${p} with data never written there: ${entry.data}`)
    }
    if (e.type === "NODE_ADDED") {
      if (old !== undefined) problems.push(`ADDED twice: ${p}`)
      if (tree.size > 0 && !tree.has(parentOf(p))) problems.push(`ADDED before its parent: ${p}`)
      tree.set(p, entry)
    } else if (e.type === "NODE_UPDATED") {
      if (old === undefined) problems.push(`UPDATED but absent: ${p}`)
      else if (old.czxid !== entry.czxid || old.mzxid >= entry.mzxid) problems.push(`UPDATED without a change: ${p}`)
      tree.set(p, entry)
    } else {
      if (old === undefined) problems.push(`REMOVED but absent: ${p}`)
      if (Array.from(tree.keys()).some((k) => k !== p && parentOf(k) === p)) problems.push(`REMOVED before its children: ${p}`)
      tree.delete(p)
    }
  }
  return { tree, problems }
}

/** A small seeded generator, so a failing run can be replayed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * Random creates, updates and deletes under `root` from `zk`, eight at a time, until `millis`
 * have passed or `maxOps` were sent. Every value written is recorded per path (unique values),
 * before it is sent. `during` runs alongside (a connection drop, a session expiry).
 */
const churn = <E>(
  zk: Client,
  root: string,
  written: Map<string, Set<string>>,
  options: { readonly millis: number; readonly maxOps: number; readonly seed: number },
  during: Effect.Effect<void, E> = Effect.void
) =>
  Effect.gen(function* () {
    const random = prng(options.seed)
    const known = new Set<string>((yield* freshRead(zk, root)).keys())
    let counter = 0
    let ops = 0
    const record = (path: string) => {
      const value = `v${counter++}`
      const set = written.get(path)
      if (set === undefined) written.set(path, new Set([value]))
      else set.add(value)
      return value
    }
    const pick = () => {
      const all = Array.from(known)
      return all[Math.floor(random() * all.length)] ?? root
    }
    const oneOp: Effect.Effect<void> = Effect.suspend(() => {
      ops++
      const r = random()
      const target = pick()
      const depth = target.split("/").length - root.split("/").length
      if (r < 0.45 && depth < 3) {
        const path = `${target}/n${Math.floor(random() * 6)}`
        const data = record(path)
        return zk.create(path, { data }).pipe(
          Effect.tap(() => Effect.sync(() => known.add(path))),
          Effect.ignore
        )
      }
      if (target === root) return Effect.void
      if (r < 0.75) {
        return zk.set(target, record(target)).pipe(Effect.ignore)
      }
      const recursive = random() < 0.3
      return zk.delete(target, { recursive }).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            for (const p of Array.from(known)) if (p === target || p.startsWith(`${target}/`)) known.delete(p)
          })
        ),
        Effect.ignore
      )
    })
    const deadline = Date.now() + options.millis
    const work = Effect.gen(function* () {
      while (Date.now() < deadline && ops < options.maxOps) {
        yield* Effect.all(Array.from({ length: 8 }, () => oneOp), { concurrency: "unbounded", discard: true })
      }
    })
    yield* Effect.all([work, during], { concurrency: "unbounded", discard: true })
    return ops
  })

/** Records a cache's events (from its start) and checks it against the server at quiescence. */
const followed = (zk: Client, root: string) =>
  Effect.gen(function* () {
    const cache = yield* TreeCache.make(zk, root)
    const events: Array<TreeCache.TreeEvent> = []
    const faults: Array<unknown> = []
    yield* cache.listen((e) => {
      events.push(e)
    })
    yield* cache.listenFault((e) => {
      faults.push(e)
    })
    yield* cache.start
    yield* cache.initialized.pipe(Effect.timeout("10 seconds"))
    const settle = (reader: Client, written: Map<string, Set<string>>) =>
      Effect.gen(function* () {
        const server = yield* freshRead(reader, root)
        yield* waitUntil(
          Effect.map(cache.snapshot, (s) => sameTree(fromSnapshot(s), server)),
          "the cache to equal the server's tree",
          20_000
        ).pipe(
          Effect.catchTag("WaitTimeout", (e) =>
            Effect.flatMap(cache.snapshot, (s) => Effect.fail(new Error(`${e.message}\n${describeDiff(fromSnapshot(s), server)}`)))
          )
        )
        const replayed = replay(events, written)
        expect(replayed.problems).toEqual([])
        expect(sameTree(replayed.tree, server)).toBe(true)
        expect(faults).toEqual([])
        return server
      })
    return { cache, events, settle }
  })

const types = (events: ReadonlyArray<TreeCache.TreeEvent>) => events.map((e) => e.type)

/** Seeds the tree with a few nodes, recording their data. */
const seed = (zk: Client, written: Map<string, Set<string>>) =>
  Effect.gen(function* () {
    yield* zk.ensurePath("/tree")
    written.set("/tree", new Set([""]))
    for (const p of ["/tree/a", "/tree/a/x", "/tree/b", "/tree/c", "/tree/c/y", "/tree/c/y/z"]) {
      written.set(p, new Set([`init${p}`]))
      yield* zk.create(p, { data: `init${p}` })
    }
  })

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("TreeCache", (it) => {
  it.scoped("loads the tree (parents first, then INITIALIZED), follows changes, answers get_data / get_children, and closes cleanly", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const written = new Map<string, Set<string>>()
      yield* seed(other, written)
      const { cache, events, settle } = yield* followed(zk, "/tree")
      expect(types(events)).toEqual([...Array(7).fill("NODE_ADDED"), "INITIALIZED"])
      expect(events[0]!.type === "NODE_ADDED" && events[0]!.node.path).toBe("/tree")
      expect(Option.map(yield* cache.getData("/tree/c/y/z"), (n) => text(n.data))).toEqual(Option.some("init/tree/c/y/z"))
      expect(yield* cache.getChildren("/tree")).toEqual(Option.some(["a", "b", "c"]))
      expect(Option.isNone(yield* cache.getData("/tree/nope"))).toBe(true)
      expect((yield* Effect.flip(cache.getData("/elsewhere")))._tag).toBe("InvalidArgumentError")
      const mark = events.length
      written.set("/tree/b", new Set([...written.get("/tree/b")!, "b2"]))
      written.set("/tree/d", new Set(["d"]))
      yield* other.set("/tree/b", "b2")
      yield* other.create("/tree/d", { data: "d" })
      yield* other.delete("/tree/c", { recursive: true })
      yield* settle(other, written)
      // notifications read together apply removals first: compare kinds, and the removals' order
      const later = events.slice(mark)
      expect([...types(later)].sort()).toEqual(["NODE_ADDED", "NODE_REMOVED", "NODE_REMOVED", "NODE_REMOVED", "NODE_UPDATED"])
      expect(later.flatMap((e) => (e.type === "NODE_REMOVED" ? [e.node.path] : []))).toEqual([
        "/tree/c/y/z",
        "/tree/c/y",
        "/tree/c"
      ])
      // the root itself: removed, then back
      const mark2 = events.length
      yield* other.delete("/tree", { recursive: true })
      yield* waitUntil(Effect.map(cache.snapshot, (s) => HashMap.size(s) === 0), "the tree's removal")
      expect(types(events.slice(mark2)).every((t) => t === "NODE_REMOVED")).toBe(true)
      const last = events.at(-1)
      expect(last?.type === "NODE_REMOVED" && last.node.path).toBe("/tree")
      yield* other.create("/tree", { data: "again" })
      yield* waitUntil(Effect.map(cache.getData("/tree"), Option.isSome), "the root's return")
      expect(yield* hasServerDataWatch(zk, "/tree")).toBe(true)
      const count = events.length
      yield* cache.close
      expect(HashMap.size(yield* cache.snapshot)).toBe(0)
      expect(yield* serverWatchesOn(zk, "/tree")).toEqual(NO_WATCH)
      yield* other.create("/tree/late")
      yield* Effect.sleep("200 millis")
      expect(events.length).toBe(count)
      expect((yield* Effect.flip(Effect.scoped(cache.start)))._tag).toBe("TreeCacheStateError")
    })
  )

  it.scoped("as a Stream: every event from the first; ending it closes the cache and removes the watch", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* seed(other, new Map())
      const got: Array<TreeCache.TreeEvent> = []
      const fiber = yield* TreeCache.stream(zk, "/tree").pipe(
        Stream.takeUntil((e) => e.type === "NODE_UPDATED"),
        Stream.runForEach((e) => Effect.sync(() => got.push(e))),
        Effect.fork
      )
      yield* waitUntil(Effect.sync(() => got.some((e) => e.type === "INITIALIZED")), "INITIALIZED")
      yield* other.set("/tree/b", "new")
      yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))
      expect(types(got)).toEqual([...Array(7).fill("NODE_ADDED"), "INITIALIZED", "NODE_UPDATED"])
      expect(yield* serverWatchesOn(zk, "/tree")).toEqual(NO_WATCH)
    })
  )

  it.scoped("a node it may not read is a fault (listen_fault) and is not cached; the rest loads", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* seed(other, new Map())
      const noRead = [{ perms: Acl.Perms.ALL & ~Acl.Perms.READ, id: Acl.ANYONE_ID_UNSAFE }]
      yield* other.create("/tree/secret", { data: "s", acl: noRead })
      const cache = yield* TreeCache.make(zk, "/tree")
      const faults: Array<unknown> = []
      yield* cache.listenFault((e) => {
        faults.push(e)
      })
      yield* cache.start
      yield* cache.initialized.pipe(Effect.timeout("10 seconds"))
      expect(faults.map((f) => (f as { readonly _tag: string })._tag)).toEqual(["NoAuthError"])
      expect(HashMap.size(yield* cache.snapshot)).toBe(7)
      expect(Option.isNone(yield* cache.getData("/tree/secret"))).toBe(true)
    })
  )

  it.scoped("under churn (started in the middle of it): at quiescence the cache equals the server's tree, and replaying its events gives that tree", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const written = new Map<string, Set<string>>()
      yield* seed(other, written)
      const seedValue = Date.now() % 100_000
      const running = yield* Effect.fork(churn(other, "/tree", written, { millis: 4_000, maxOps: 4_000, seed: seedValue }))
      yield* Effect.sleep("300 millis")
      const { settle } = yield* followed(zk, "/tree")
      const ops = yield* Fiber.join(running)
      // the churn may have emptied the tree: one last node (no churn name), which the cache must follow too
      written.set("/tree/final", new Set(["final"]))
      yield* other.create("/tree/final", { data: "final" })
      const server = yield* settle(other, written).pipe(Effect.tapError(() => Effect.log(`churn seed ${seedValue}`)))
      expect(ops).toBeGreaterThan(200)
      expect(server.size).toBeGreaterThan(1)
    })
  )

  it.scoped("under churn across dropped connections: SUSPENDED / RECONNECTED, and still equal at quiescence", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      const written = new Map<string, Set<string>>()
      yield* seed(other, written)
      const { events, settle } = yield* followed(zk, "/tree")
      const seedValue = Date.now() % 100_000
      const drops = Effect.gen(function* () {
        for (let i = 0; i < 3; i++) {
          yield* Effect.sleep("900 millis")
          yield* zk.restart
        }
      })
      yield* churn(other, "/tree", written, { millis: 4_000, maxOps: 4_000, seed: seedValue }, drops)
      yield* settle(other, written).pipe(Effect.tapError(() => Effect.log(`churn seed ${seedValue}`)))
      const t = types(events)
      expect(t.filter((x) => x === "CONNECTION_SUSPENDED").length).toBeGreaterThanOrEqual(1)
      expect(t.filter((x) => x === "CONNECTION_RECONNECTED").length).toBeGreaterThanOrEqual(1)
      expect(t.filter((x) => x === "INITIALIZED").length).toBe(1)
    })
  )

  it.scoped("under churn across a session expiry: LOST, then the tree is read anew and INITIALIZED again", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const other = yield* client({ chroot })
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const written = new Map<string, Set<string>>()
      yield* seed(other, written)
      const { events, settle } = yield* followed(zk as ZooKeeper.ZooKeeperClient, "/tree")
      const seedValue = Date.now() % 100_000
      const expiry = Effect.zipRight(Effect.sleep("1500 millis"), expire)
      yield* churn(other, "/tree", written, { millis: 4_000, maxOps: 4_000, seed: seedValue }, expiry)
      yield* settle(other, written).pipe(Effect.tapError(() => Effect.log(`churn seed ${seedValue}`)))
      // the tree may equal the server's before the re-read after the new session is done (the
      // watch is added again after a back-off): wait for the second INITIALIZED
      yield* waitUntil(
        Effect.sync(() => types(events).filter((x) => x === "INITIALIZED").length >= 2),
        "INITIALIZED after the new session",
        15_000
      )
      const t = types(events)
      const lost = t.indexOf("CONNECTION_LOST")
      expect(lost).toBeGreaterThan(0)
      expect(t.filter((x) => x === "INITIALIZED").length).toBe(2)
      expect(t.lastIndexOf("INITIALIZED")).toBeGreaterThan(lost)
      expect(t.indexOf("CONNECTION_RECONNECTED", lost)).toBeGreaterThan(lost)
    })
  )
})
