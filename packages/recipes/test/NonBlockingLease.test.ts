import { MultiNonBlockingLease, NonBlockingLease } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Clock, type Duration, Effect } from "effect"
import { expect } from "vitest"
import { childrenOf, client, tagOf, text } from "./helpers.js"

/** A clock whose time we set (kazoo's `utcnow` argument); sleeping is real. */
const settableClock = (start: number) => {
  let now = start
  const real = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: real.sleep
  }
  return { clock, set: (millis: number) => (now = millis) }
}

const T0 = Date.UTC(2030, 5, 1, 12, 0, 0, 250)

layer(TestCluster.layer({}), { excludeTestServices: true })("NonBlockingLease and MultiNonBlockingLease", (it) => {
  it.scoped("obtain, refuse while held, renew with the same identity, hand over once expired", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const time = settableClock(T0)
      const obtain = (identifier: string, duration: Duration.DurationInput = "1 hour") =>
        NonBlockingLease.obtain(zk, "/leases/job", duration, { identifier }).pipe(Effect.withClock(time.clock))
      const first = yield* obtain("host-a")
      expect(first).toEqual({
        obtained: true,
        path: "/leases/job",
        holder: "host-a",
        expires: new Date(Date.UTC(2030, 5, 1, 13, 0, 0))
      })
      expect(text((yield* zk.get("/leases/job/lease_holder")).data)).toBe(
        '{"version": 1, "holder": "host-a", "end": "2030-06-01T13:00:00"}'
      )
      // the lock taken around the record is gone again
      expect(yield* childrenOf(zk, "/leases/job")).toEqual(["lease_holder"])
      time.set(T0 + 30 * 60_000)
      expect(yield* obtain("host-b")).toMatchObject({ obtained: false, holder: "host-a" })
      const renewed = yield* obtain("host-a")
      expect(renewed.obtained).toBe(true)
      expect(renewed.expires).toEqual(new Date(Date.UTC(2030, 5, 1, 13, 30, 0)))
      time.set(Date.UTC(2030, 5, 1, 13, 30, 0, 1))
      expect(yield* obtain("host-b", "10 minutes")).toMatchObject({ obtained: true, holder: "host-b" })
    })
  )

  it.scoped("a record of another version is left alone; an unreadable one is a MalformedDataError", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      yield* zk.create("/v2/lease_holder", { data: '{"version": 2, "whatever": true}', makepath: true })
      expect(yield* NonBlockingLease.obtain(zk, "/v2", "1 minute", { identifier: "x" })).toMatchObject({
        obtained: false
      })
      yield* zk.create("/bad/lease_holder", { data: "not json", makepath: true })
      const error = yield* Effect.flip(NonBlockingLease.obtain(zk, "/bad", "1 minute", { identifier: "x" }))
      expect(error._tag).toBe("MalformedDataError")
      // no lock node is left behind after the failure
      expect(yield* childrenOf(zk, "/bad")).toEqual(["lease_holder"])
    })
  )

  it.scoped("multi: each holder takes the first free slot; the count is validated", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const obtain = (identifier: string) => MultiNonBlockingLease.obtain(zk, 2, "/multi", "1 hour", { identifier })
      expect(yield* obtain("a")).toMatchObject({ obtained: true, path: "/multi/0" })
      expect(yield* obtain("b")).toMatchObject({ obtained: true, path: "/multi/1" })
      expect(yield* obtain("c")).toMatchObject({ obtained: false, path: "/multi/1", holder: "b" })
      expect(yield* obtain("b")).toMatchObject({ obtained: true, path: "/multi/1" })
      expect(tagOf(yield* Effect.exit(MultiNonBlockingLease.obtain(zk, 0, "/m", "1 hour", { identifier: "a" })))).toBe(
        "InvalidArgumentError"
      )
    })
  )
})
