/**
 * A user's service on ZooKeeper, to test without a server (see lease.test.ts and
 * testing-with-memory.ts): named leases that expire. A lease is an ephemeral node
 * `/leases/<name>` holding its holder and its end time, so it ends when its time is up or when
 * its holder's session does, whichever comes first. Time comes from the Effect Clock, so a
 * TestClock drives it in tests.
 */
import { Transaction, ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import { Clock, Context, Data, Duration, Effect, Layer, Option } from "effect"

/** A lease: who holds it, until when (epoch milliseconds). */
export interface Lease {
  readonly name: string
  readonly holder: string
  readonly until: number
}

/** Someone else holds the lease. */
export class LeaseHeldError extends Data.TaggedError("LeaseHeldError")<{ readonly lease: Lease }> {
  override get message(): string {
    return `${this.lease.name} is held by ${this.lease.holder} until ${this.lease.until}`
  }
}

/** The service. */
export interface LeaseService {
  /** Takes the lease for `duration` (or renews it, for its holder); fails if someone else holds it. */
  readonly acquire: (
    name: string,
    holder: string,
    duration: Duration.DurationInput
  ) => Effect.Effect<Lease, LeaseHeldError | ZooKeeperError.ZooKeeperError | Transaction.TransactionFailedError>
  /** The lease, if it is held now. */
  readonly current: (name: string) => Effect.Effect<Option.Option<Lease>, ZooKeeperError.ZooKeeperError>
}

/** The service's tag. */
export class Leases extends Context.Tag("example/Leases")<Leases, LeaseService>() {}

const pathOf = (name: string) => `/leases/${name}`

const decode = (name: string, bytes: Uint8Array): Lease => {
  const { holder, until } = JSON.parse(new TextDecoder().decode(bytes)) as { holder: string; until: number }
  return { name, holder, until }
}

/** The service on the ZooKeeper client in context. */
export const make = Effect.gen(function* () {
  const zk = yield* ZooKeeper.ZooKeeper
  yield* zk.ensurePath("/leases")

  const read = (name: string) =>
    zk.get(pathOf(name)).pipe(
      Effect.map(({ data, stat }) => Option.some({ lease: decode(name, data), version: stat.version })),
      Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none()))
    )

  const service: LeaseService = {
    acquire: (name, holder, duration) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const lease: Lease = { name, holder, until: now + Duration.toMillis(Duration.decode(duration)) }
        const data = JSON.stringify({ holder, until: lease.until })
        const existing = yield* read(name)
        if (Option.isNone(existing)) {
          yield* zk.create(pathOf(name), { data, ephemeral: true })
          return lease
        }
        const { lease: old, version } = existing.value
        if (old.holder !== holder && old.until > now) return yield* new LeaseHeldError({ lease: old })
        // Expired, or ours: replace the node atomically, so that it belongs to our session.
        yield* zk.transaction([
          Transaction.remove(pathOf(name), { version }),
          Transaction.create(pathOf(name), { data, ephemeral: true })
        ])
        return lease
      }),
    current: (name) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        return Option.filter(
          Option.map(yield* read(name), (r) => r.lease),
          (lease) => lease.until > now
        )
      })
  }
  return service
})

/** The service as a layer (needs the ZooKeeper service). */
export const layer: Layer.Layer<Leases, ZooKeeperError.ZooKeeperError, ZooKeeper.ZooKeeper> = Layer.effect(Leases, make)
