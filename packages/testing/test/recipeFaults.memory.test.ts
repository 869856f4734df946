/**
 * Recipes under faults only the in-memory server can inject: a lock create applied whose reply
 * is lost, a persistent watch the server refuses, and what polling an empty queue leaves behind.
 */
import { ZooKeeperError } from "@effect-zk/core"
import { CuratorQueue, Modeled } from "@effect-zk/recipes"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schema } from "effect"

describe("recipes under injected faults", () => {
  it.live("CuratorQueue: a lock node made by a create whose reply was lost is ours; the item is processed, not stuck", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        const queue = yield* CuratorQueue.distributed(zk, "/q", { lockPath: "/q-locks" })
        yield* queue.put("job")
        yield* server.failNext(
          { op: "create", path: (p) => p.startsWith("/q-locks/") },
          (call) => new ZooKeeperError.ConnectionLossError({ op: call.op, path: call.path }),
          { afterApply: true }
        )
        const processed: Array<string> = []
        const done = yield* queue
          .process((item) => Effect.sync(() => processed.push(new TextDecoder().decode(item))))
          .pipe(Effect.timeoutOption("10 seconds"))
        expect(Option.isSome(done)).toBe(true)
        expect(processed).toEqual(["job"])
        expect(yield* zk.getChildren("/q-locks")).toEqual([])
        expect(yield* queue.length).toBe(0)
      })
    )
  )

  it.live("Modeled.cached fails with the error that stops its cache (a server without persistent watches) instead of waiting", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        yield* zk.ensurePath("/users")
        yield* server.failNext({ op: "watch" }, new ZooKeeperError.UnimplementedError({ op: "watch", path: "/users" }), {
          times: 5
        })
        const users = Modeled.make(zk, { path: "/users", schema: Schema.Struct({ name: Schema.String }) })
        const result = yield* Effect.scoped(users.cached).pipe(Effect.timeoutOption("10 seconds"), Effect.flip)
        expect(result._tag).toBe("UnimplementedError")
      })
    )
  )

  it.live("CuratorQueue: polling an empty queue (takeWithin(0)) leaves no watch behind", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        const queue = yield* CuratorQueue.distributed(zk, "/cq")
        for (let i = 0; i < 100; i++) expect(yield* queue.takeWithin(0)).toEqual(Option.none())
        expect(yield* server.clientWatches(zk)).toEqual([])
      })
    )
  )

  it.live("CuratorQueue: a takeWithin that times out, an interrupted take or a put that gives up removes the watch it set, and only it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        const childWatchers = Effect.map(server.clientWatches(zk), (watches) =>
          watches.filter((w) => w.kind === "child").reduce((n, w) => n + w.watchers, 0)
        )
        // another watcher of the client on the queue's node
        const heard: Array<string> = []
        yield* zk.ensurePath("/cq")
        yield* zk.getChildren("/cq", {
          watch: (event) => {
            heard.push(event.type)
          }
        })
        const simple = yield* CuratorQueue.simple(zk, "/cq")
        const distributed = yield* CuratorQueue.distributed(zk, "/cq", { maxItems: 1 })
        // an idle queue polled in a loop
        for (let i = 0; i < 10; i++) {
          expect(yield* simple.takeWithin("5 millis")).toEqual(Option.none())
          expect(yield* distributed.takeWithin("5 millis")).toEqual(Option.none())
        }
        expect(yield* childWatchers).toBe(1)
        const waiting = yield* Effect.fork(distributed.take)
        yield* Effect.sleep("50 millis")
        expect(yield* childWatchers).toBe(2)
        yield* Fiber.interrupt(waiting)
        expect(yield* childWatchers).toBe(1)
        // the other watcher was neither removed nor told anything
        expect(heard).toEqual([])
        yield* distributed.put("one")
        yield* Effect.sleep("50 millis")
        expect(heard).toEqual(["CHILD"])
        expect(yield* childWatchers).toBe(0)
        // a put waiting for room, bounded by a timeout
        expect(yield* Effect.timeout(distributed.put("two"), "50 millis").pipe(Effect.flip)).toMatchObject({
          _tag: "TimeoutException"
        })
        expect(yield* childWatchers).toBe(0)
      })
    )
  )
})
