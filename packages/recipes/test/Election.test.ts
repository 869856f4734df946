import { Election } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import { expect } from "vitest"
import { childrenOf, client, clients, expirableClient, newChroot, tagOf, waitUntil } from "./helpers.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("Election", (it) => {
  it.scoped("one leader at a time, in order; contenders list the leader first; leadership passes on", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const ea = yield* Election.make(a!, "/election", { identifier: "a" })
      const eb = yield* Election.make(b!, "/election", { identifier: "b" })
      const resignA = yield* Deferred.make<void>()
      const ledB = yield* Deferred.make<void>()
      const runA = yield* Effect.fork(ea.run(Effect.as(Deferred.await(resignA), "a led")))
      yield* waitUntil(ea.isLeader, "a to lead")
      const runB = yield* Effect.fork(eb.run(Effect.as(Deferred.succeed(ledB, undefined), "b led")))
      yield* waitUntil(Effect.map(eb.contenders, (c) => c.length === 2), "b to contend")
      expect(yield* eb.contenders).toEqual(["a", "b"])
      expect(yield* eb.isLeader).toBe(false)
      expect(yield* Deferred.isDone(ledB)).toBe(false)
      yield* Deferred.succeed(resignA, undefined)
      expect(yield* Fiber.join(runA)).toEqual(Option.some("a led"))
      expect(yield* Fiber.join(runB).pipe(Effect.timeout("10 seconds"))).toEqual(Option.some("b led"))
      expect(yield* ea.contenders).toEqual([])
    })
  )

  it.scoped("layout 'curator': Curator LeaderSelector's lock- nodes; one leader at a time, in order", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const ea = yield* Election.make(a!, "/celection", { identifier: "a", layout: "curator" })
      const eb = yield* Election.make(b!, "/celection", { identifier: "b", layout: "curator" })
      const resignA = yield* Deferred.make<void>()
      const runA = yield* Effect.fork(ea.run(Effect.as(Deferred.await(resignA), "a led")))
      yield* waitUntil(ea.isLeader, "a to lead")
      const runB = yield* Effect.fork(eb.run(Effect.succeed("b led")))
      yield* waitUntil(Effect.map(eb.contenders, (c) => c.length === 2), "b to contend")
      const names = yield* childrenOf(a!, "/celection")
      expect(names.map((n) => n.replace(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-lock-\d{10}$/, "ok"))).toEqual([
        "ok",
        "ok"
      ])
      expect(yield* eb.contenders).toEqual(["a", "b"])
      yield* Deferred.succeed(resignA, undefined)
      expect(yield* Fiber.join(runA)).toEqual(Option.some("a led"))
      expect(yield* Fiber.join(runB).pipe(Effect.timeout("10 seconds"))).toEqual(Option.some("b led"))
      expect(yield* childrenOf(a!, "/celection")).toEqual([])
    })
  )

  it.scoped("cancel makes a waiting run return none and leaves no node; interrupting a waiting run too", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const ea = yield* Election.make(a!, "/election")
      const eb = yield* Election.make(b!, "/election")
      const leader = yield* Effect.fork(ea.run(Effect.never))
      yield* waitUntil(ea.isLeader, "a to lead")
      const waiting = yield* Effect.fork(eb.run(Effect.succeed("never")))
      yield* waitUntil(Effect.map(childrenOf(a!, "/election"), (c) => c.length === 2), "b's node")
      yield* eb.cancel
      expect(yield* Fiber.join(waiting)).toEqual(Option.none())
      expect((yield* childrenOf(a!, "/election")).length).toBe(1)
      const interrupted = yield* Effect.fork(eb.run(Effect.void))
      yield* waitUntil(Effect.map(childrenOf(a!, "/election"), (c) => c.length === 2), "b's node")
      yield* Fiber.interrupt(interrupted)
      expect((yield* childrenOf(a!, "/election")).length).toBe(1)
      // cancel does not touch a running leader (kazoo)
      yield* ea.cancel
      expect(yield* ea.isLeader).toBe(true)
      yield* Fiber.interrupt(leader)
      expect(yield* childrenOf(a!, "/election")).toEqual([])
    })
  )

  it.scoped("a failing leader gives up the leadership and its error comes out of run", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const election = yield* Election.make(zk, "/election")
      const exit = yield* Effect.exit(election.run(Effect.fail("boom" as const)))
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error).toBe("boom")
      expect(yield* childrenOf(zk, "/election")).toEqual([])
    })
  )

  it.scoped("session LOST: the leader's effect is interrupted and run fails with LockLostError; another leads", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const other = yield* client({ chroot })
      const ours = yield* Election.make(zk, "/election", { identifier: "doomed", policy: "session" })
      const next = yield* Election.make(other, "/election", { identifier: "next" })
      const interrupted = yield* Deferred.make<void>()
      const leading = yield* Deferred.make<void>()
      const run = yield* Effect.fork(
        ours.run(
          Effect.zipRight(Deferred.succeed(leading, undefined), Effect.never).pipe(
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
        )
      )
      yield* Deferred.await(leading)
      const nextRun = yield* Effect.fork(next.run(Effect.succeed("next led")))
      yield* waitUntil(Effect.map(childrenOf(other, "/election"), (c) => c.length === 2), "the second contender")
      yield* expire
      const exit = yield* Fiber.await(run).pipe(Effect.timeout("15 seconds"))
      expect(tagOf(exit)).toBe("LockLostError")
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
      expect(yield* Fiber.join(nextRun).pipe(Effect.timeout("10 seconds"))).toEqual(Option.some("next led"))
      expect(yield* childrenOf(other, "/election")).toEqual([])
    })
  )

  it.scoped("SUSPENDED: the standard policy ends the leadership, the session policy keeps it", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "6 seconds" })
      const standard = yield* Election.make(zk, "/standard")
      const session = yield* Election.make(zk, "/session", { policy: "session" })
      const started = yield* Deferred.make<void>()
      const s1 = yield* Effect.fork(standard.run(Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)))
      const s2 = yield* Effect.fork(session.run(Effect.never))
      yield* Deferred.await(started)
      yield* waitUntil(session.isLeader, "the session-policy leader")
      yield* proxy.cut
      yield* Effect.sleep("300 millis")
      yield* proxy.heal
      expect(yield* Fiber.await(s1).pipe(Effect.timeout("10 seconds"), Effect.map(tagOf))).toBe("LockLostError")
      yield* waitUntil(zk.connected, "reconnection")
      yield* Effect.sleep("300 millis")
      expect(Option.isNone(yield* Fiber.poll(s2))).toBe(true)
      expect(yield* session.isLeader).toBe(true)
      yield* Fiber.interrupt(s2)
      // the suspended leader gave its node back once reconnected
      expect(yield* childrenOf(zk, "/standard")).toEqual([])
      expect(yield* childrenOf(zk, "/session")).toEqual([])
    })
  )
})
