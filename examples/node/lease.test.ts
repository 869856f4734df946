/**
 * Unit tests of the lease service (lease.ts) without a ZooKeeper server: the in-memory one of
 * @effect-zk/testing provides the ZooKeeper service, its TestServer controls sessions and
 * failures, and the TestClock moves time. (packages/testing/test/examples.test.ts runs this
 * file in CI.)
 */
import { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, TestClock } from "effect"
import * as Lease from "./lease.js"

/** The service over a fresh in-memory server, and the server's controls. */
const TestLayer = Lease.layer.pipe(Layer.provideMerge(ZooKeeperTest.layer()))

describe("Leases (on the in-memory ZooKeeper)", () => {
  it.effect("a lease is exclusive until it expires, then anyone may take it", () =>
    Effect.gen(function* () {
      const leases = yield* Lease.Leases
      yield* leases.acquire("migration", "alice", "30 seconds")
      const refused = yield* Effect.flip(leases.acquire("migration", "bob", "30 seconds"))
      expect(refused._tag).toBe("LeaseHeldError")
      yield* TestClock.adjust("31 seconds")
      expect(Option.isNone(yield* leases.current("migration"))).toBe(true)
      const bobs = yield* leases.acquire("migration", "bob", "30 seconds")
      expect(bobs).toEqual({ name: "migration", holder: "bob", until: 61_000 })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("its holder renews it", () =>
    Effect.gen(function* () {
      const leases = yield* Lease.Leases
      yield* leases.acquire("migration", "alice", "30 seconds")
      yield* TestClock.adjust("20 seconds")
      yield* leases.acquire("migration", "alice", "30 seconds")
      yield* TestClock.adjust("20 seconds")
      expect(yield* leases.current("migration")).toEqual(Option.some({ name: "migration", holder: "alice", until: 50_000 }))
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a lease ends with its holder's session", () =>
    Effect.gen(function* () {
      const leases = yield* Lease.Leases
      const server = yield* ZooKeeperTest.TestServer
      const zk = yield* ZooKeeper.ZooKeeper
      yield* leases.acquire("migration", "alice", "1 hour")
      yield* server.expireSession(zk)
      expect(Option.isNone(yield* leases.current("migration"))).toBe(true)
      expect((yield* server.dump("/leases")).map((n) => n.path)).toEqual(["/leases"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a connection loss surfaces as a typed error, and nothing half-done remains", () =>
    Effect.gen(function* () {
      const leases = yield* Lease.Leases
      const server = yield* ZooKeeperTest.TestServer
      yield* server.failNext({ op: "create", path: "/leases/migration" }, (call) => new ZooKeeperError.ConnectionLossError(call))
      const error = yield* Effect.flip(leases.acquire("migration", "alice", "30 seconds"))
      expect(error).toMatchObject({ _tag: "ConnectionLossError", op: "create", path: "/leases/migration" })
      expect(Option.isNone(yield* leases.current("migration"))).toBe(true)
      expect((yield* leases.acquire("migration", "alice", "30 seconds")).holder).toBe("alice")
    }).pipe(Effect.provide(TestLayer))
  )
})
