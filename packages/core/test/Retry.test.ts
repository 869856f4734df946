import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Retry from "@effect-zk/core/Retry"
import {
  ConnectionLossError,
  NoNodeError,
  OperationTimeoutError,
  SessionExpiredError
} from "@effect-zk/core/ZooKeeperError"
import { Clock, Duration, Effect, Either, Exit, Fiber, Random, Ref, ScheduleDecision, ScheduleIntervals, TestClock } from "effect"
import * as fc from "fast-check"

const policy = (options: Retry.RetryOptions): Retry.RetryPolicy => Either.getOrThrow(Retry.make(options))

const connectionLoss = new ConnectionLossError({ op: "getData", path: "/a" })
const timeout = new OperationTimeoutError({ op: "getData", path: "/a" })
const expired = new SessionExpiredError({ op: "getData", path: "/a" })
const noNode = new NoNodeError({ op: "getData", path: "/a" })

/**
 * An effect that records when it runs (milliseconds after its first call) and fails with the
 * next error of `errors` (the last one repeats).
 */
const scripted = <E>(errors: ReadonlyArray<E | "ok">) => {
  const times: Array<number> = []
  let first = 0
  const effect = Effect.flatMap(Clock.currentTimeMillis, (now): Effect.Effect<string, E> => {
    const outcome = errors[Math.min(times.length, errors.length - 1)]!
    if (times.length === 0) first = now
    times.push(now - first)
    return outcome === "ok" ? Effect.succeed("done") : Effect.fail(outcome)
  })
  return { times, effect }
}

/** The waits between recorded calls, rounded to the microsecond (the TestClock keeps fractions). */
const gaps = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => Math.round((t - times[i]!) * 1000) / 1000)

/** Forks the retry, lets the TestClock run far ahead, and returns its exit and when it ended. */
const runRetry = <A, E>(self: Effect.Effect<A, E>, p: Retry.RetryPolicy, advance: Duration.DurationInput = "1 hour") =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    let endedAt = -1
    const fiber = yield* Effect.fork(
      Retry.retry(self, p).pipe(Effect.onExit(() => Effect.map(Clock.currentTimeMillis, (t) => (endedAt = t - start))))
    )
    yield* TestClock.adjust(advance)
    const exit = yield* Fiber.await(fiber)
    return { exit, endedAt }
  })

const failure = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (error === undefined) throw new Error(`expected a typed failure, got ${exit.cause._tag}`)
  return error
}

describe("Retry.make", () => {
  it("defaults to kazoo's KazooRetry()", () => {
    const p = policy({})
    expect(p.maxTries).toBe(1)
    expect(Duration.toMillis(p.delay)).toBe(100)
    expect(p.backoff).toBe(2)
    expect(p.maxJitter).toBe(0.4)
    expect(Duration.toMillis(p.maxDelay)).toBe(60_000)
    expect(p.deadline).toBeUndefined()
    expect(p.ignoreExpire).toBe(true)
    expect(p.interrupt).toBeUndefined()
    expect(Retry.make()).toEqual(Either.right(Retry.defaultPolicy))
  })

  it("takes durations as Duration inputs", () => {
    const p = policy({ delay: "2 seconds", maxDelay: Duration.minutes(1), deadline: 1500, maxTries: -1 })
    expect(Duration.toMillis(p.delay)).toBe(2000)
    expect(Duration.toMillis(p.maxDelay)).toBe(60_000)
    expect(p.deadline && Duration.toMillis(p.deadline)).toBe(1500)
    expect(p.maxTries).toBe(-1)
    expect(policy({ deadline: Duration.infinity }).deadline).toBeUndefined()
    expect(Duration.isFinite(policy({ maxDelay: Duration.infinity }).maxDelay)).toBe(false)
  })

  it("names the field of a bad value", () => {
    const field = (options: Retry.RetryOptions) => {
      const result = Retry.make(options)
      if (Either.isRight(result)) throw new Error("expected a ConfigurationError")
      expect(result.left._tag).toBe("ConfigurationError")
      return `${result.left.field}: ${result.left.reason}`
    }
    expect(field({ maxTries: -2 })).toBe("maxTries: -2 is not an integer of at least -1 (-1 retries forever)")
    expect(field({ maxTries: 1.5 })).toMatch(/^maxTries:/)
    expect(field({ delay: -1 })).toBe("delay: -1 is not a non-negative number of milliseconds")
    expect(field({ delay: Number.NaN })).toMatch(/^delay:/)
    expect(field({ delay: "-5 seconds" })).toBe(`delay: "-5 seconds" is negative`)
    expect(field({ delay: "soon" as Duration.DurationInput })).toBe(`delay: "soon" is not a duration`)
    expect(field({ delay: Duration.infinity })).toBe("delay: must be finite")
    expect(field({ maxDelay: -1 })).toMatch(/^maxDelay:/)
    expect(field({ deadline: -1 })).toMatch(/^deadline:/)
    expect(field({ backoff: 0.5 })).toBe("backoff: 0.5 is not a finite number of at least 1 (1 keeps the delay constant)")
    expect(field({ backoff: Number.POSITIVE_INFINITY })).toMatch(/^backoff:/)
    expect(field({ maxJitter: 1.5 })).toBe("maxJitter: 1.5 is not within 0 and 1")
    expect(field({ maxJitter: -0.1 })).toMatch(/^maxJitter:/)
  })

  it.effect("is an Either, usable with yield*", () =>
    Effect.gen(function*() {
      const p = yield* Retry.make({ maxTries: 2 })
      expect(p.maxTries).toBe(2)
      const error = yield* Effect.flip(Retry.make({ delay: -1 }))
      expect(error.field).toBe("delay")
    }))
})

describe("Retry.isRetryable", () => {
  it("retries ConnectionLoss, OperationTimeout, ForceRetry, and SessionExpired per ignoreExpire", () => {
    const ignore = policy({})
    const strict = policy({ ignoreExpire: false })
    expect(Retry.isRetryable(connectionLoss, strict)).toBe(true)
    expect(Retry.isRetryable(timeout, strict)).toBe(true)
    expect(Retry.isRetryable(new Retry.ForceRetryError({}), strict)).toBe(true)
    expect(Retry.isRetryable(expired, ignore)).toBe(true)
    expect(Retry.isRetryable(expired, strict)).toBe(false)
    expect(Retry.isRetryable(noNode, ignore)).toBe(false)
    expect(Retry.isRetryable(new Error("boom"), ignore)).toBe(false)
    expect(Retry.isRetryable(undefined, ignore)).toBe(false)
  })
})

describe("Retry.retry", () => {
  const noJitter = { maxJitter: 0, delay: 100, backoff: 2 }

  it.effect("max_tries=3 means 3 retries after the first call, as in kazoo (4 calls)", () =>
    Effect.gen(function*() {
      const { times, effect } = scripted([connectionLoss])
      const { exit, endedAt } = yield* runRetry(effect, policy({ ...noJitter, maxTries: 3 }))
      expect(times).toEqual([0, 100, 300, 700])
      expect(endedAt).toBe(700)
      const error = failure(exit)
      expect(error._tag).toBe("RetryFailedError")
      if (error._tag !== "RetryFailedError") return
      expect(error.attempts).toBe(4)
      expect(error.cause).toBe(connectionLoss)
      expect(error.message).toContain("too many retry attempts: gave up after 4 attempt(s)")
    }))

  it.effect("the default policy (kazoo's max_tries=1) calls twice; max_tries=0 once", () =>
    Effect.gen(function*() {
      const two = scripted([timeout])
      const first = yield* runRetry(two.effect, Retry.defaultPolicy)
      expect(two.times.length).toBe(2)
      expect(failure(first.exit)._tag).toBe("RetryFailedError")
      const one = scripted([timeout])
      const second = yield* runRetry(one.effect, policy({ maxTries: 0 }))
      expect(one.times).toEqual([0])
      const error = failure(second.exit)
      expect(error._tag === "RetryFailedError" && error.attempts).toBe(1)
    }))

  it.effect("waits grow by backoff and are capped by maxDelay", () =>
    Effect.gen(function*() {
      const { times, effect } = scripted([connectionLoss])
      yield* runRetry(effect, policy({ maxJitter: 0, delay: "1 second", backoff: 3, maxDelay: "5 seconds", maxTries: 5 }))
      expect(gaps(times)).toEqual([1000, 3000, 5000, 5000, 5000])
    }))

  it.effect("succeeds once the effect does", () =>
    Effect.gen(function*() {
      const { times, effect } = scripted([connectionLoss, timeout, new Retry.ForceRetryError({ reason: "x" }), "ok"])
      const { exit } = yield* runRetry(effect, policy({ ...noJitter, maxTries: -1 }))
      expect(exit).toEqual(Exit.succeed("done"))
      expect(times).toEqual([0, 100, 300, 700])
    }))

  it.effect("passes non-retryable errors through unchanged, without retrying", () =>
    Effect.gen(function*() {
      const once = scripted([noNode])
      const first = yield* runRetry(once.effect, policy({ maxTries: -1 }))
      expect(failure(first.exit)).toBe(noNode)
      expect(once.times).toEqual([0])
      const later = scripted([connectionLoss, noNode])
      const second = yield* runRetry(later.effect, policy({ ...noJitter, maxTries: 5 }))
      expect(failure(second.exit)).toBe(noNode)
      expect(later.times).toEqual([0, 100])
    }))

  it.effect("retries SessionExpired only with ignoreExpire", () =>
    Effect.gen(function*() {
      const ignored = scripted([expired, "ok"])
      const first = yield* runRetry(ignored.effect, policy({ ignoreExpire: true }))
      expect(first.exit).toEqual(Exit.succeed("done"))
      expect(ignored.times.length).toBe(2)
      const strict = scripted([expired, "ok"])
      const second = yield* runRetry(strict.effect, policy({ ignoreExpire: false }))
      expect(failure(second.exit)).toBe(expired)
      expect(strict.times.length).toBe(1)
    }))

  it.effect("gives up when the next wait would reach the deadline", () =>
    Effect.gen(function*() {
      // Calls at 0, 100, 300, 700; the next wait (800 ms) would end at 1500 >= 1000.
      const { times, effect } = scripted([connectionLoss])
      const { exit, endedAt } = yield* runRetry(effect, policy({ ...noJitter, maxTries: -1, deadline: "1 second" }))
      expect(times).toEqual([0, 100, 300, 700])
      expect(endedAt).toBe(700)
      const error = failure(exit)
      expect(error._tag).toBe("RetryDeadlineExceededError")
      if (error._tag !== "RetryDeadlineExceededError") return
      expect(error.attempts).toBe(4)
      expect(error.cause).toBe(connectionLoss)
      expect(error.message).toContain("exceeded the retry deadline of 1s after 4 attempt(s)")
    }))

  it.effect("counts the deadline from the first call, like kazoo", () =>
    Effect.gen(function*() {
      // Each call takes 600 ms. First failure at 600 (+100 wait < 1000: retry); the second
      // fails at 1300, past the deadline already.
      const slow = Effect.zipRight(Effect.sleep("600 millis"), Effect.fail(connectionLoss))
      const { exit, endedAt } = yield* runRetry(slow, policy({ ...noJitter, maxTries: -1, deadline: "1 second" }))
      expect(endedAt).toBe(1300)
      const error = failure(exit)
      expect(error._tag === "RetryDeadlineExceededError" && error.attempts).toBe(2)
    }))

  it.effect("reports running out of tries before the deadline when both apply", () =>
    Effect.gen(function*() {
      // Calls at 0, 100, 300, 700: at 700 the tries are used up and the next wait would also
      // pass the deadline; kazoo checks the tries first.
      const { times, effect } = scripted([connectionLoss])
      const { exit } = yield* runRetry(effect, policy({ ...noJitter, maxTries: 3, deadline: "701 millis" }))
      expect(times).toEqual([0, 100, 300, 700])
      expect(failure(exit)._tag).toBe("RetryFailedError")
      // One try fewer allowed by the deadline: the deadline wins.
      const early = scripted([connectionLoss])
      const second = yield* runRetry(early.effect, policy({ ...noJitter, maxTries: 3, deadline: "700 millis" }))
      expect(early.times).toEqual([0, 100, 300])
      expect(failure(second.exit)._tag).toBe("RetryDeadlineExceededError")
    }))

  it.effect("jittered waits stay within [1 - maxJitter, 1 + maxJitter] of the base and follow the seed", () =>
    Effect.gen(function*() {
      const jittered = policy({ maxJitter: 0.4, delay: 100, backoff: 2, maxDelay: "1 second", maxTries: 12 })
      const run = (seed: number) =>
        Effect.gen(function*() {
          const { times, effect } = scripted([connectionLoss])
          yield* runRetry(effect, jittered).pipe(Effect.withRandom(Random.make(seed)))
          return gaps(times)
        })
      const waits = yield* run(7)
      expect(waits.length).toBe(12)
      waits.forEach((wait, n) => {
        const base = Math.min(100 * 2 ** n, 1000)
        expect(wait).toBeGreaterThanOrEqual(Math.floor(base * 0.6))
        expect(wait).toBeLessThanOrEqual(Math.ceil(base * 1.4))
      })
      expect(new Set(waits.map((w, n) => w / Math.min(100 * 2 ** n, 1000))).size).toBeGreaterThan(1)
      expect(yield* run(7)).toEqual(waits)
      expect(yield* run(8)).not.toEqual(waits)
    }))

  it.effect("stops when interrupt says so, polling every 100 ms while waiting", () =>
    Effect.gen(function*() {
      const stop = yield* Ref.make(false)
      const polls = yield* Ref.make(0)
      const interrupt = Effect.zipRight(Ref.update(polls, (n) => n + 1), Ref.get(stop))
      const { times, effect } = scripted([connectionLoss])
      let endedAt = -1
      const fiber = yield* Effect.fork(
        Retry.retry(effect, policy({ maxJitter: 0, delay: "1 second", maxTries: -1, interrupt })).pipe(
          Effect.onExit(() => Effect.map(Clock.currentTimeMillis, (t) => (endedAt = t)))
        )
      )
      yield* TestClock.adjust("250 millis")
      expect(yield* Ref.get(polls)).toBe(2)
      yield* Ref.set(stop, true)
      yield* TestClock.adjust("10 seconds")
      const error = failure(yield* Fiber.await(fiber))
      expect(error._tag).toBe("RetryInterruptedError")
      expect(error._tag === "RetryInterruptedError" && error.attempts).toBe(1)
      expect(endedAt).toBe(300)
      expect(times).toEqual([0])
    }))

  it.effect("waits are interruptible: interrupting the fiber stops the retry", () =>
    Effect.gen(function*() {
      const { times, effect } = scripted([connectionLoss])
      const fiber = yield* Effect.fork(Retry.retry(effect, policy({ ...noJitter, maxTries: -1 })))
      yield* TestClock.adjust("150 millis")
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 hour")
      expect(times).toEqual([0, 100])
    }))

  it("types: always-retried errors leave the error channel, RetryError joins it", () => {
    const effect = Effect.fail(connectionLoss as ConnectionLossError | NoNodeError | SessionExpiredError)
    const retried = Retry.retry(effect, Retry.defaultPolicy)
    expectTypeOf(retried).toEqualTypeOf<
      Effect.Effect<never, NoNodeError | SessionExpiredError | Retry.RetryError, never>
    >()
    expectTypeOf(Retry.retry(Retry.defaultPolicy)(effect)).toEqualTypeOf(retried)
  })
})

describe("Retry.schedule", () => {
  /** Steps the schedule with `inputs` failures in virtual time; the waits it decides, in ms. */
  const waitsOf = (p: Retry.RetryPolicy, inputs: number, seed = 1, input: unknown = connectionLoss) =>
    Effect.runSync(
      Effect.gen(function*() {
        const s = Retry.schedule(p)
        const waits: Array<number> = []
        let state = s.initial
        let now = 0
        for (let i = 0; i < inputs; i++) {
          const [next, wait, decision] = yield* s.step(now, input, state)
          if (ScheduleDecision.isDone(decision)) break
          waits.push(Math.round(Duration.toMillis(wait) * 1000) / 1000)
          state = next
          now = ScheduleIntervals.start(decision.intervals)
        }
        return waits
      }).pipe(Effect.withRandom(Random.make(seed)))
    )

  it("outputs kazoo's waits and recurs maxTries times", () => {
    expect(waitsOf(policy({ maxJitter: 0, maxTries: 4 }), 10)).toEqual([100, 200, 400, 800])
    expect(waitsOf(policy({ maxJitter: 0, maxTries: -1, maxDelay: 500 }), 6)).toEqual([100, 200, 400, 500, 500, 500])
    expect(waitsOf(policy({ maxJitter: 0, maxTries: 0 }), 3)).toEqual([])
    expect(waitsOf(policy({ maxJitter: 0, delay: 0, maxTries: -1 }), 3)).toEqual([0, 0, 0])
    expect(waitsOf(policy({ maxJitter: 0, maxTries: -1 }), 3, 1, noNode)).toEqual([])
  })

  it("stops before the wait that would pass the deadline (counted from the first failure)", () => {
    expect(waitsOf(policy({ maxJitter: 0, maxTries: -1, deadline: 1000 }), 10)).toEqual([100, 200, 400])
  })

  it("jitter stays within bounds for any seed and jitter", () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), (seed, maxJitter) => {
        const p = policy({ maxJitter, delay: 100, backoff: 2, maxDelay: 3000, maxTries: 8 })
        waitsOf(p, 8, seed).forEach((wait, n) => {
          const base = Math.min(100 * 2 ** n, 3000)
          // waits are Durations: allow for their sub-millisecond rounding (a few nanoseconds)
          expect(wait).toBeGreaterThanOrEqual(base * (1 - maxJitter) - 1e-2)
          expect(wait).toBeLessThanOrEqual(base * (1 + maxJitter) + 1e-2)
        })
      })
    )
  })

  it.effect("works with Effect.retry and stops at once on a non-retryable error", () =>
    Effect.gen(function*() {
      const p = policy({ maxJitter: 0, maxTries: 2 })
      const lost = scripted([connectionLoss])
      const fiber = yield* Effect.fork(Effect.retry(lost.effect, Retry.schedule(p)))
      yield* TestClock.adjust("1 hour")
      expect(failure(yield* Fiber.await(fiber))).toBe(connectionLoss)
      expect(lost.times).toEqual([0, 100, 300])
      const missing = scripted([noNode])
      const exit = yield* Effect.exit(Effect.retry(missing.effect, Retry.schedule(p)))
      expect(failure(exit)).toBe(noNode)
      expect(missing.times).toEqual([0])
    }))

  it.effect("gives the same waits as retry under the same seed", () =>
    Effect.gen(function*() {
      const p = policy({ maxTries: 6 })
      const { times, effect } = scripted([connectionLoss])
      yield* runRetry(effect, p).pipe(Effect.withRandom(Random.make(42)))
      expect(gaps(times)).toEqual(waitsOf(p, 10, 42))
    }))
})
