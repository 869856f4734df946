import {
  CuratorQueue,
  Election,
  Lock,
  LockingQueue,
  Party,
  Queue,
  ReadLock,
  Semaphore,
  WriteLock
} from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import { type Client, clients, text, waitUntil } from "./helpers.js"

/**
 * Runs `use` on a handle, deletes the handle's structure path (as an administrator might, or
 * as the server does with an emptied container), and runs `use` again on the same handle: it
 * must work, the path made again.
 */
const survives = <A, E>(zk: Client, path: string, use: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const first = yield* use
    yield* zk.delete(path, { recursive: true })
    expect(Option.isNone(yield* zk.exists(path))).toBe(true)
    const second = yield* use
    return [first, second] as const
  })

// The server's container sweep every 100 ms (ZooKeeper's default is a minute): the Curator
// layouts make their paths containers, as Curator does, and the server deletes them once empty.
layer(TestCluster.layer({ tickTime: 500, systemProperties: { "znode.container.checkIntervalMs": "100" } }), {
  excludeTestServices: true
})("a recipe's path deleted between uses", (it) => {
  it.scoped("locks, read/write locks, semaphores and elections, both layouts: the next acquire makes the path again", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      for (const layout of ["kazoo", "curator"] as const) {
        const lock = yield* Lock.make(zk, `/lock-${layout}`, { layout })
        yield* survives(zk, `/lock-${layout}`, Effect.scoped(Effect.asVoid(lock.acquire({ timeout: "5 seconds" }))))
        const read = yield* ReadLock.make(zk, `/rw-${layout}`, { layout })
        const write = yield* WriteLock.make(zk, `/rw-${layout}`, { layout })
        yield* survives(zk, `/rw-${layout}`, Effect.scoped(Effect.asVoid(read.acquire({ timeout: "5 seconds" }))))
        yield* survives(zk, `/rw-${layout}`, Effect.scoped(Effect.asVoid(write.acquire({ timeout: "5 seconds" }))))
        const semaphore = yield* Semaphore.make(zk, `/sem-${layout}`, { maxLeases: 2, layout })
        yield* survives(zk, `/sem-${layout}`, Effect.scoped(Effect.asVoid(semaphore.acquire({ timeout: "5 seconds" }))))
        const election = yield* Election.make(zk, `/election-${layout}`, { identifier: "me", layout })
        const [a, b] = yield* survives(zk, `/election-${layout}`, Effect.timeout(election.run(Effect.succeed(layout)), "5 seconds"))
        expect([a, b]).toEqual([Option.some(layout), Option.some(layout)])
      }
      // the kazoo semaphore's node holds its number of leases: made again with it
      expect(text((yield* zk.get("/sem-kazoo")).data)).toBe("2")
    })
  )

  it.scoped("kazoo's queues and Curator's: a put after the path is gone makes it again, and the item is there to take", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const queue = yield* Queue.make(zk, "/queue")
      const [q1, q2] = yield* survives(zk, "/queue", Effect.zipRight(queue.put("x"), queue.get))
      expect([q1, q2].map((o) => Option.map(o, text))).toEqual([Option.some("x"), Option.some("x")])
      expect(yield* queue.length).toBe(0)

      const locking = yield* LockingQueue.make(zk, "/locking")
      yield* survives(zk, "/locking", Effect.asVoid(locking.put("y")))
      // the path was deleted with its first item: only the second is there
      expect(yield* locking.length).toBe(1)
      expect(Option.map(yield* locking.get({ timeout: "5 seconds" }), text)).toEqual(Option.some("y"))
      expect(yield* locking.consume).toBe(true)
      // putAll (one transaction) too
      yield* survives(zk, "/locking", Effect.asVoid(locking.putAll(["v", "w"])))
      expect(yield* locking.length).toBe(2)

      const distributed = yield* CuratorQueue.distributed(zk, "/distributed", { lockPath: "/distributed-locks" })
      const [d1, d2] = yield* survives(zk, "/distributed", Effect.zipRight(distributed.put("z"), distributed.take))
      expect([text(d1), text(d2)]).toEqual(["z", "z"])
      // process locks its item under the lock path (a container): gone and made again too
      const processed: Array<string> = []
      yield* survives(
        zk,
        "/distributed-locks",
        Effect.zipRight(
          distributed.put("w"),
          Effect.timeout(distributed.process((item) => Effect.sync(() => processed.push(text(item)))), "5 seconds")
        )
      )
      expect(processed).toEqual(["w", "w"])

      const simple = yield* CuratorQueue.simple(zk, "/simple")
      const [s1, s2] = yield* survives(zk, "/simple", Effect.zipRight(simple.offer("v"), simple.take))
      expect([text(s1), text(s2)]).toEqual(["v", "v"])
      expect(yield* simple.length).toBe(0)
    })
  )

  it.scoped("Party: joining after the party's node is gone makes it again; a gone party has no members", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const party = yield* Party.make(zk, "/party", "me")
      yield* party.join
      expect(yield* party.members).toEqual(["me"])
      yield* zk.delete("/party", { recursive: true })
      expect(yield* party.members).toEqual([])
      yield* party.join
      expect(yield* party.members).toEqual(["me"])
      yield* party.leave
    })
  )

  it.scoped("the Curator layouts' paths are containers, as Curator's: the server deletes them once empty", () =>
    Effect.gen(function* () {
      const [zk] = yield* clients(1)
      const lock = yield* Lock.make(zk, "/app/locks/one", { layout: "curator" })
      const kazoo = yield* Lock.make(zk, "/app/kazoo-locks/one")
      const queue = yield* CuratorQueue.distributed(zk, "/app/jobs")
      yield* Effect.scoped(lock.acquire())
      yield* Effect.scoped(kazoo.acquire())
      yield* Effect.zipRight(queue.put("a"), queue.take)
      // the lock path and its parent, and the queue's path, go; kazoo's persistent path stays
      yield* waitUntil(
        Effect.map(
          Effect.forEach(["/app/locks/one", "/app/locks", "/app/jobs"], (p) => zk.exists(p)),
          (stats) => stats.every(Option.isNone)
        ),
        "the containers to be deleted"
      )
      expect(Option.isSome(yield* zk.exists("/app/kazoo-locks/one"))).toBe(true)
      // and a handle goes on working after that
      yield* Effect.scoped(lock.acquire({ timeout: "5 seconds" }))
      yield* Effect.zipRight(queue.put("b"), queue.take)
    })
  )
})
