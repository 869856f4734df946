/**
 * LockingQueue's watchers, counted where only the in-memory server can count them (the
 * client's own table): a wait holds one per node and removes them when it ends, its own only.
 */
import { LockingQueue } from "@effect-zk/recipes"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"

describe("LockingQueue's watchers in memory", () => {
  it.live("gets that time out, poll or are interrupted remove the watchers they set, and only theirs", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        const other = yield* server.client()
        const childWatchers = Effect.map(server.clientWatches(zk), (watches) => {
          const count = (path: string) =>
            watches.filter((w) => w.kind === "child" && w.path === path).reduce((n, w) => n + w.watchers, 0)
          return { entries: count("/lq/entries"), taken: count("/lq/taken") }
        })
        // another watcher of the client on the entries
        const heard: Array<string> = []
        yield* zk.ensurePath("/lq/entries")
        yield* zk.getChildren("/lq/entries", {
          watch: (event) => {
            heard.push(event.type)
          }
        })
        const queue = yield* LockingQueue.make(zk, "/lq")
        // an idle queue polled in a loop: timed out, and with no time at all
        for (let i = 0; i < 20; i++) {
          expect(yield* queue.get({ timeout: "5 millis" })).toEqual(Option.none())
          expect(yield* queue.get({ timeout: 0 })).toEqual(Option.none())
        }
        expect(yield* childWatchers).toEqual({ entries: 1, taken: 0 })
        // a waiting get: one watcher on each node; interrupted, it removes them
        const waiting = yield* Effect.fork(queue.get())
        yield* Effect.sleep("50 millis")
        expect(yield* childWatchers).toEqual({ entries: 2, taken: 1 })
        yield* Fiber.interrupt(waiting)
        expect(yield* childWatchers).toEqual({ entries: 1, taken: 0 })
        // the other watcher was neither removed nor told anything
        expect(heard).toEqual([])
        // a get that takes an item leaves none either
        const taker = yield* Effect.fork(queue.get({ timeout: "10 seconds" }))
        yield* Effect.sleep("50 millis")
        yield* Effect.flatMap(LockingQueue.make(other, "/lq"), (q) => q.put("job"))
        expect(Option.map(yield* Fiber.join(taker), (b) => new TextDecoder().decode(b))).toEqual(Option.some("job"))
        yield* Effect.sleep("50 millis")
        expect(heard).toEqual(["CHILD"])
        expect(yield* childWatchers).toEqual({ entries: 0, taken: 0 })
        expect(yield* queue.consume).toBe(true)
      })
    )
  )
})
