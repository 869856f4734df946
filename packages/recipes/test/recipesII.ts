/**
 * Helpers of the Recipes II tests (party, partitioner, queues, tree cache, watchers), on top of
 * helpers.ts: what the server says about watches, and a bounded take from a queue.
 */
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option, Queue } from "effect"
import { expect } from "vitest"
import { type Client, WaitTimeout, waitUntil } from "./helpers.js"

/**
 * The server paths on which each session (`0x…`) holds a data watch, as `wchc` lists them.
 * ZooKeeper 3.8's `wchc`, `wchp` and `wchs` list the data table only: getData and exists
 * watches, and persistent watches of either mode (3.8 puts those in both tables), never a
 * getChildren watch nor, on its own, the children half of a persistent one.
 */
export const serverDataWatches = Effect.gen(function* () {
  const cluster = yield* TestCluster.TestCluster
  const text = yield* cluster.fourLetterWord(1, "wchc")
  const out = new Map<string, Set<string>>()
  let current: Set<string> | undefined
  for (const line of text.split("\n")) {
    if (line.startsWith("0x")) {
      current = new Set()
      out.set(line.trim(), current)
    } else if (current !== undefined && line.trim().startsWith("/")) current.add(line.trim())
  }
  return out
})

const sessionHex = (zk: Client) =>
  Effect.map(zk.clientId, (id) => (Option.isSome(id) ? `0x${id.value.sessionId.toString(16)}` : undefined))

/**
 * Whether the server holds a data watch of the client's session on `path` (relative to the
 * client's chroot): getData, exists or persistent. Blind to children watches.
 */
export const hasServerDataWatch = (zk: Client, path: string) =>
  Effect.gen(function* () {
    const session = yield* sessionHex(zk)
    const watches = yield* serverDataWatches
    return session !== undefined && (watches.get(session)?.has(`${zk.chroot ?? ""}${path}`) ?? false)
  })

/**
 * Whether the server held a children watch of the client's session on `path` (relative to its
 * chroot): a getChildren watch, or the children half of a persistent one. No four-letter word
 * lists them: removeWatches of the children kind tells (NoWatcher when there is none), and
 * removes the watch it finds on both ends — a check that none is left, not that one is there.
 */
export const hadServerChildWatch = (zk: Client, path: string) =>
  Effect.gen(function* () {
    const removed = yield* Effect.either(zk.removeWatches(path, "children"))
    if (removed._tag === "Right") return true
    if (removed.left._tag === "NoWatcherError") return false
    return yield* Effect.fail(removed.left)
  })

/**
 * The server's watches of the client's session on `path`, of each kind: `{ data: false,
 * children: false }` when none is left (a children watch found is removed, see
 * {@link hadServerChildWatch}).
 */
export const serverWatchesOn = (zk: Client, path: string) =>
  Effect.all({ data: hasServerDataWatch(zk, path), children: hadServerChildWatch(zk, path) })

/** What {@link serverWatchesOn} gives when the server holds no watch of the session on the path. */
export const NO_WATCH = { data: false, children: false } as const

/**
 * Waits until the server holds no watch of the client's session on `path`: its data watch gone
 * (removing a watch removes both halves at once), then no children watch either.
 */
export const awaitNoServerWatch = (zk: Client, path: string, what: string) =>
  Effect.gen(function* () {
    yield* waitUntil(Effect.map(hasServerDataWatch(zk, path), (has) => !has), what)
    expect(yield* serverWatchesOn(zk, path)).toEqual(NO_WATCH)
  })

/** Takes the next element, failing with WaitTimeout after `millis`. */
export const takeWithin = <A>(queue: Queue.Dequeue<A>, what: string, millis = 10_000) =>
  Queue.take(queue).pipe(
    Effect.timeoutFail({ duration: millis, onTimeout: () => new WaitTimeout(`timed out waiting for ${what}`) })
  )

/** UTF-8 bytes. */
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
