// Mutual exclusion under failures: contenders take a Lock, a two-lease Semaphore or a
// read/write lock in turns (or join a LeaderLatch, or process a Curator queue's items under its
// lock path) while their connections are cut and their
// sessions expired at random (a seeded sequence, printed, so a failure can be replayed with
// CHAOS_SEED; a timeline is printed when a check fails). Bounded: 8 seconds of chaos each. Under the default "standard" policy a contender cut off stops at once; under "session"
// it would go on while another takes over once its session is gone (tried: overlaps).
import { CuratorQueue, LeaderLatch, Lock, ReadLock, Semaphore, WriteLock } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Fiber, Random } from "effect"
import { expect } from "vitest"
import { type Client, childrenOf, client, expirableClient, newChroot, waitUntil } from "./helpers.js"

const CHAOS_MILLIS = 8_000

type Contender = Effect.Effect.Success<ReturnType<typeof expirableClient>>

/** A timeline of what happened (chaos actions, states, bodies), printed when a check fails. */
class Timeline {
  private readonly start = Date.now()
  private readonly events: Array<string> = []
  add(event: string): void {
    this.events.push(`${Date.now() - this.start} ms ${event}`)
  }
  recent(n = 80): string {
    return this.events.slice(-n).join("\n")
  }
}

/** For CHAOS_MILLIS: cut a random contender off for a while, or expire its session; the actions are logged. */
const chaos = (contenders: ReadonlyArray<Contender>, actions: Array<string>, seed: number, timeline?: Timeline) =>
  Effect.gen(function* () {
    const end = Date.now() + CHAOS_MILLIS
    while (Date.now() < end) {
      const i = yield* Random.nextIntBetween(0, contenders.length)
      const { proxy, expire } = contenders[i]!
      if ((yield* Random.nextIntBetween(0, 4)) === 0) {
        actions.push(`expire c${i}`)
        timeline?.add(`chaos: expire c${i}`)
        yield* expire
        timeline?.add(`chaos: c${i} expired and connected again`)
      } else {
        const millis = yield* Random.nextIntBetween(50, 600)
        actions.push(`cut c${i} ${millis} ms`)
        timeline?.add(`chaos: cut c${i} for ${millis} ms`)
        yield* proxy.cut
        yield* Effect.sleep(`${millis} millis`)
        yield* proxy.heal
        timeline?.add(`chaos: heal c${i}`)
      }
      yield* Effect.sleep(`${yield* Random.nextIntBetween(100, 500)} millis`)
    }
  }).pipe(Effect.withRandom(Random.make(seed)))

const seedOf = (name: string): number => {
  const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000)
  console.log(`chaos (${name}): CHAOS_SEED=${seed}`)
  return seed
}

/**
 * `n` contenders, each with a session of its own behind its own proxy, run a short body under
 * `guarded` (a lock, a lease) again and again while `chaos` runs; a lost hold or a failed
 * acquire is simply tried again. Checks that every contender gets in again once the chaos is
 * over, then stops them; returns the most bodies that ran at once, how many times a body of an
 * `exclusive` contender (a writer) ran beside another, and a client to look with. When more
 * than `limit` bodies run at once, or an exclusive one beside another, the timeline up to that
 * moment is printed.
 */
const underChaos = (
  name: string,
  n: number,
  rules: { readonly limit: number; readonly exclusive?: (i: number) => boolean },
  guarded: (
    zk: Client,
    i: number
  ) => Effect.Effect<(body: (node: string) => Effect.Effect<void>) => Effect.Effect<void, unknown>, unknown>
) =>
  Effect.gen(function* () {
    const seed = seedOf(name)
    const chroot = yield* newChroot
    const ids = Array.from({ length: n }, (_, i) => i)
    const contenders = yield* Effect.forEach(ids, () => expirableClient(chroot, { sessionTimeout: "3 seconds" }))
    const observer = yield* client({ chroot })
    const timeline = new Timeline()
    for (const i of ids) {
      yield* contenders[i]!.zk.listen((s) => timeline.add(`c${i} ${s.state}`))
    }
    let inside = 0
    let exclusiveInside = 0
    let most = 0
    let overlaps = 0
    const entries = ids.map(() => 0)
    const body = (i: number) => (node: string) => {
      const exclusive = rules.exclusive?.(i) === true
      return Effect.suspend(() => {
        inside += 1
        if (exclusive) exclusiveInside += 1
        most = Math.max(most, inside)
        entries[i]! += 1
        timeline.add(`c${i} in (${node}), ${inside} inside`)
        const overlap = exclusiveInside > 0 && inside > 1
        if (overlap) overlaps += 1
        if (inside > rules.limit || overlap) {
          console.log(`chaos (${name}): ${inside} inside, CHAOS_SEED=${seed}; timeline:\n${timeline.recent()}`)
        }
        return Effect.sleep(`${50 + (entries[i]! % 4) * 50} millis`)
      }).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            inside -= 1
            if (exclusive) exclusiveInside -= 1
            timeline.add(`c${i} out (${node})`)
          })
        )
      )
    }
    const contend = (i: number) =>
      Effect.gen(function* () {
        const run = yield* guarded(contenders[i]!.zk, i)
        for (;;) {
          yield* Effect.either(run(body(i)).pipe(Effect.timeout("5 seconds")))
          yield* Effect.sleep("5 millis")
        }
      })
    const running = yield* Effect.forEach(ids, (i) => Effect.fork(contend(i)))
    const actions: Array<string> = []
    yield* chaos(contenders, actions, seed, timeline)
    console.log(`chaos (${name}): ${actions.join(", ")}; entries ${entries.join("/")}; at most ${most} inside at once`)
    const before = [...entries]
    yield* waitUntil(
      Effect.sync(() => entries.every((e, i) => e > before[i]!)),
      `every contender in after the chaos (entries ${entries.join("/")})`,
      20_000
    )
    yield* Effect.forEach(running, Fiber.interrupt, { discard: true })
    expect(inside).toBe(0)
    return { most, overlaps, observer }
  })

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("chaos", (it) => {
  it.scoped(
    "Lock: cut connections and expired sessions never let two bodies run at once, and every contender gets in",
    () =>
      Effect.gen(function* () {
        const { most, observer } = yield* underChaos("Lock", 3, { limit: 1 }, (zk, i) =>
          Effect.map(Lock.make(zk, "/chaos", { identifier: `c${i}` }), (lock) => (body) =>
            Effect.scoped(Effect.flatMap(lock.acquire(), (held) => held.guard(body(held.node))))
          )
        )
        expect(most).toBe(1)
        yield* waitUntil(Effect.map(childrenOf(observer, "/chaos"), (c) => c.length === 0), "no lock node left", 15_000)
      }),
    60_000
  )

  for (const layout of ["kazoo", "curator"] as const) {
    const [leasePath, lockPath] =
      layout === "curator" ? ["/chaos-pool/leases", "/chaos-pool/locks"] : ["/chaos-pool", "/chaos-pool-__lock__"]
    it.scoped(
      `Semaphore, ${layout} layout (2 leases, 4 contenders): cut connections and expired sessions never let three bodies run at once`,
      () =>
        Effect.gen(function* () {
          const { most, observer } = yield* underChaos(`Semaphore, ${layout}`, 4, { limit: 2 }, (zk, i) =>
            Effect.map(
              Semaphore.make(zk, "/chaos-pool", { identifier: `c${i}`, maxLeases: 2, layout }),
              (pool) => (body) => Effect.scoped(Effect.flatMap(pool.acquire(), (held) => held.guard(body(held.node))))
            )
          )
          expect(most).toBe(2)
          yield* waitUntil(
            Effect.map(
              Effect.all([childrenOf(observer, leasePath), childrenOf(observer, lockPath)]),
              ([leases, lock]) => leases.length === 0 && lock.length === 0
            ),
            "no lease or lock node left",
            15_000
          )
        }),
      60_000
    )
  }

  for (const layout of ["kazoo", "curator"] as const) {
    it.scoped(
      `ReadLock/WriteLock, ${layout} layout (2 writers, 2 readers): a writer never runs beside anyone, readers share`,
      () =>
        Effect.gen(function* () {
          const writer = (i: number) => i < 2
          const { most, overlaps, observer } = yield* underChaos(
            `ReadLock/WriteLock, ${layout}`,
            4,
            { limit: 2, exclusive: writer },
            (zk, i) =>
              Effect.map(
                (writer(i) ? WriteLock.make : ReadLock.make)(zk, "/chaos-rw", { identifier: `c${i}`, layout }),
                (lock) => (body) => Effect.scoped(Effect.flatMap(lock.acquire(), (held) => held.guard(body(held.node))))
              )
          )
          expect(overlaps).toBe(0)
          expect(most).toBe(2) // the readers did share
          yield* waitUntil(Effect.map(childrenOf(observer, "/chaos-rw"), (c) => c.length === 0), "no lock node left", 15_000)
        }),
      60_000
    )
  }

  it.scoped(
    "CuratorQueue with a lockPath (3 consumers): every item processed, none by two consumers at once",
    () =>
      Effect.gen(function* () {
        const seed = seedOf("CuratorQueue")
        const chroot = yield* newChroot
        const contenders = yield* Effect.forEach([0, 1, 2], () => expirableClient(chroot, { sessionTimeout: "3 seconds" }))
        const observer = yield* client({ chroot })
        const producer = yield* CuratorQueue.distributed(observer, "/chaos-q", { lockPath: "/chaos-q-locks" })
        const ITEMS = 90
        for (let n = 0; n < ITEMS; n++) yield* producer.put(`item-${n}`)
        const timeline = new Timeline()
        const inProcess = new Map<string, number>()
        const done = new Set<string>()
        let twice = 0
        let runs = 0
        const consume = (i: number) =>
          Effect.gen(function* () {
            const queue = yield* CuratorQueue.distributed(contenders[i]!.zk, "/chaos-q", { lockPath: "/chaos-q-locks" })
            for (;;) {
              const attempt = queue.process((bytes) => {
                const item = new TextDecoder().decode(bytes)
                return Effect.suspend(() => {
                  runs++
                  const other = inProcess.get(item)
                  if (other !== undefined) {
                    twice++
                    console.log(`chaos (CuratorQueue): ${item} in c${other} and c${i} at once, CHAOS_SEED=${seed}; timeline:\n${timeline.recent()}`)
                  }
                  inProcess.set(item, i)
                  timeline.add(`c${i} in ${item}`)
                  return Effect.sleep("200 millis")
                }).pipe(
                  Effect.zipRight(Effect.sync(() => done.add(item))),
                  Effect.ensuring(
                    Effect.sync(() => {
                      if (inProcess.get(item) === i) inProcess.delete(item)
                      timeline.add(`c${i} out ${item}`)
                    })
                  )
                )
              })
              yield* Effect.either(Effect.timeout(attempt, "5 seconds"))
            }
          })
        const running = yield* Effect.forEach([0, 1, 2], (i) => Effect.fork(consume(i)))
        const actions: Array<string> = []
        yield* chaos(contenders, actions, seed, timeline)
        console.log(`chaos (CuratorQueue): ${actions.join(", ")}; ${done.size} of ${ITEMS} items done in ${runs} runs`)
        yield* waitUntil(Effect.sync(() => done.size === ITEMS), `every item processed after the chaos (${done.size} of ${ITEMS})`, 30_000)
        yield* waitUntil(Effect.map(childrenOf(observer, "/chaos-q"), (c) => c.length === 0), "no item node left", 15_000)
        yield* Effect.forEach(running, Fiber.interrupt, { discard: true })
        expect(twice).toBe(0)
        yield* waitUntil(Effect.map(childrenOf(observer, "/chaos-q-locks"), (c) => c.length === 0), "no lock node left", 15_000)
      }),
    90_000
  )

  it.scoped(
    "LeaderLatch: cut connections and expired sessions never make two participants leaders at once",
    () =>
      Effect.gen(function* () {
        const seed = seedOf("LeaderLatch")
        const chroot = yield* newChroot
        const contenders = yield* Effect.forEach([0, 1, 2], () => expirableClient(chroot, { sessionTimeout: "3 seconds" }))
        const latches = yield* Effect.forEach(contenders, (c, i) => LeaderLatch.make(c.zk, "/chaos-latch", { id: `c${i}` }))
        let most = 0
        let changes = 0
        let last = ""
        const sample = Effect.gen(function* () {
          for (;;) {
            const leading = yield* Effect.forEach(latches, (l) => l.isLeader)
            const now = leading.map((l) => (l ? 1 : 0)).join("")
            if (now !== last) {
              changes++
              last = now
            }
            most = Math.max(most, leading.filter((l) => l).length)
            yield* Effect.sleep("2 millis")
          }
        })
        const sampler = yield* Effect.fork(sample)
        const actions: Array<string> = []
        yield* chaos(contenders, actions, seed)
        console.log(`chaos (LeaderLatch): ${actions.join(", ")}; ${changes} leadership changes seen`)
        // one leader again once the chaos is over, every participant in line
        yield* waitUntil(
          Effect.map(Effect.forEach(latches, (l) => l.isLeader), (ls) => ls.filter((l) => l).length === 1),
          "one leader after the chaos",
          20_000
        )
        yield* waitUntil(Effect.map(latches[0]!.participants, (ps) => ps.length === 3), "three participants", 20_000)
        yield* Fiber.interrupt(sampler)
        expect(most).toBe(1)
      }),
    60_000
  )
})
