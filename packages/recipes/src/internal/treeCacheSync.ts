/**
 * How TreeCache follows the server: one persistent recursive watch on the root, and reads.
 *
 * - Notifications (CREATED / CHANGED / DELETED) that arrived together are followed by one read
 *   (getData) per path they name, pipelined. Each read reflects the server at or after every
 *   notification of the batch, so the cache converges; reading a path once per batch also keeps
 *   a path's reads in time order (requests of concurrent fibers may leave in any order), so a
 *   node's `mzxid` never goes back. Results are applied removals first (deepest first), then the
 *   nodes found (shallowest first, reading a missing ancestor if need be). Comparing `mzxid`s
 *   and `czxid`s keeps repeated reads from inventing updates; a node of a new incarnation
 *   replaces the old one (removed, then added).
 * - A full walk (resync) reads the whole tree breadth-first — getData, then getChildren only for
 *   nodes that have children — compares it with the cache, and removes what it did not find.
 *   It runs when the watch is (re)registered and after every reconnection (a persistent watch
 *   does not replay what it missed while disconnected). Notifications that arrive during a walk
 *   are applied after it.
 */
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import type { WatchedEvent } from "@effect-zk/core/ClientState"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { NodeData, TreeState } from "./treeCacheState.js"
import { isTransient } from "./watchersPersistent.js"

/** How many reads a walk or a batch of notifications keeps in flight. */
const IN_FLIGHT = 256

const childPath = (parent: string, name: string): string => (parent === "/" ? `/${name}` : `${parent}/${name}`)

const readNode = (client: ZooKeeperClient, path: string): Effect.Effect<Option.Option<NodeData>, ZooKeeperError> =>
  client.get(path).pipe(
    Effect.map((n) => Option.some({ path, data: n.data.slice(), stat: n.stat })),
    Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none()))
  )

/**
 * The outcome of a sync step: whether it completed — false after a transient error (a dropped
 * connection, an expired session: the step is redone once connected) — and the other errors it
 * met (a node the server would not let us read), which are faults: such a node is not cached.
 */
export interface Outcome {
  readonly complete: boolean
  readonly errors: ReadonlyArray<ZooKeeperError>
}

/**
 * Reads the whole tree and brings the cache to it (see the module). Stops at the first error
 * (the caller walks again later); what was applied until then stays applied.
 */
export const walk = (client: ZooKeeperClient, state: TreeState): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    const errors: Array<ZooKeeperError> = []
    const seen = new Set<string>()
    let level: ReadonlyArray<string> = [state.root]
    while (level.length > 0) {
      const reads = yield* Effect.forEach(
        level,
        (path) =>
          Effect.either(
            Effect.flatMap(readNode(client, path), (node) =>
              Option.isSome(node) && node.value.stat.numChildren > 0
                ? client.getChildren(path).pipe(
                    Effect.map((children) => ({ node, children })),
                    Effect.catchTag("NoNodeError", () =>
                      Effect.succeed({ node: Option.none<NodeData>(), children: [] as ReadonlyArray<string> })
                    )
                  )
                : Effect.succeed({ node, children: [] as ReadonlyArray<string> })
            )
          ),
        { concurrency: IN_FLIGHT }
      )
      const next: Array<string> = []
      for (const read of reads) {
        if (Either.isLeft(read)) {
          if (isTransient(read.left)) return { complete: false, errors }
          errors.push(read.left)
          continue
        }
        const { node, children } = read.right
        if (Option.isNone(node)) continue
        const path = node.value.path
        // A parent that vanished between its read and ours is not cached: skip the orphan.
        const parent = state.parentOf(path)
        if (parent !== undefined && !state.has(parent)) continue
        state.put(node.value)
        seen.add(path)
        for (const name of children) next.push(childPath(path, name))
      }
      level = next
    }
    for (const path of state.paths()) {
      if (!seen.has(path)) state.remove(path)
    }
    return { complete: true, errors }
  })

/**
 * Adds the missing ancestors of a path, top-down, by reading them; false if one of them is gone
 * (the path then cannot be cached now; later notifications settle it).
 */
const ensureAncestors = (client: ZooKeeperClient, state: TreeState, path: string) =>
  Effect.gen(function* () {
    const missing: Array<string> = []
    for (let p = state.parentOf(path); p !== undefined && !state.has(p); p = state.parentOf(p)) missing.push(p)
    for (const p of missing.reverse()) {
      const node = yield* readNode(client, p)
      if (Option.isNone(node)) return false
      state.put(node.value)
    }
    return true
  })

const depth = (path: string): number => (path === "/" ? 0 : path.split("/").length - 1)

/** Reads the paths a batch of notifications names, once each, then applies what was found. */
export const applyEvents = (
  client: ZooKeeperClient,
  state: TreeState,
  events: ReadonlyArray<WatchedEvent>
): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    const paths = new Set<string>()
    for (const e of events) {
      if ((e.type === "CREATED" || e.type === "CHANGED" || e.type === "DELETED") && state.inside(e.path)) {
        paths.add(e.path)
      }
    }
    const reads = yield* Effect.forEach(paths, (path) => Effect.either(readNode(client, path)), {
      concurrency: IN_FLIGHT
    })
    const errors: Array<ZooKeeperError> = []
    let complete = true
    const failed = (error: ZooKeeperError) => {
      if (isTransient(error)) complete = false
      else errors.push(error)
    }
    const gone: Array<string> = []
    const found: Array<NodeData> = []
    Array.from(paths).forEach((path, i) => {
      const read = reads[i]!
      if (Either.isLeft(read)) failed(read.left)
      else if (Option.isNone(read.right)) gone.push(path)
      else found.push(read.right.value)
    })
    for (const path of gone.sort((a, b) => depth(b) - depth(a))) state.remove(path)
    for (const node of found.sort((a, b) => depth(a.path) - depth(b.path))) {
      const ok = yield* Effect.either(ensureAncestors(client, state, node.path))
      if (Either.isLeft(ok)) failed(ok.left)
      else if (ok.right) state.put(node)
    }
    return { complete, errors }
  })
