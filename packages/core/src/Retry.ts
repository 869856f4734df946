/**
 * kazoo's `KazooRetry`, expressed with Effect's `Schedule`.
 *
 * A {@link RetryPolicy} holds kazoo's options; {@link schedule} turns it into a `Schedule` and
 * {@link retry} runs an effect under it. The semantics are kazoo 2.8's:
 *
 * - Retryable are ConnectionLoss, OperationTimeout, {@link ForceRetryError} and, while
 *   `ignoreExpire` is true (the default), SessionExpired. Anything else passes through at once.
 * - `maxTries` counts *retries*: the effect runs at most `maxTries + 1` times (kazoo's default
 *   `max_tries=1` means two calls); `0` means no retry; `-1` retries forever.
 * - The n-th wait (n from 0) is `min(delay * backoff^n, maxDelay)` multiplied by a uniform random
 *   factor from `1 - maxJitter` to `1 + maxJitter` (kazoo 2.8's jitter, default 0.4); like kazoo,
 *   the jitter applies after the cap, so a wait can exceed `maxDelay` by that fraction.
 *   Unlike kazoo, whose next base delay is the *jittered* wait times `backoff`, the base here is
 *   exact, so jitter never compounds.
 * - `deadline` bounds the whole retry: when the next wait would end at or after
 *   `start + deadline` the retry gives up ({@link RetryDeadlineExceededError}; kazoo raises
 *   RetryFailedError "Exceeded retry deadline"). {@link retry} counts from the first call.
 * - `interrupt` is polled every 100 ms while waiting (as kazoo does); when it yields `true` the
 *   retry gives up with {@link RetryInterruptedError}. Interrupting the fiber works too, always.
 *
 * All waiting goes through Effect's `Clock`, so `TestClock` drives it, and jitter draws from
 * the `Random` service, so a seeded `Random` makes it deterministic.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import { dual } from "effect/Function"
import type { ConnectionLossError, OperationTimeoutError, SessionExpiredError } from "./ZooKeeperError.js"
import { ConfigurationError } from "./ZooKeeperError.js"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Fail with this to make {@link retry} try again (kazoo's `ForceRetryError`); recipes use it
 * when they see a state they must re-read.
 *
 * @since 0.1.0
 * @category errors
 */
export class ForceRetryError extends Data.TaggedError("ForceRetryError")<{ readonly reason?: string | undefined }> {
  override get message(): string {
    return this.reason === undefined ? "retry forced" : `retry forced: ${this.reason}`
  }
}

/**
 * The errors a retry may retry.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryableError = ConnectionLossError | OperationTimeoutError | SessionExpiredError | ForceRetryError

/**
 * The retryable errors that are retried under every policy (SessionExpired depends on
 * `ignoreExpire`); they never come out of {@link retry} unwrapped.
 *
 * @since 0.1.0
 * @category models
 */
export type AlwaysRetriedError = ConnectionLossError | OperationTimeoutError | ForceRetryError

/**
 * The retry ran out of tries (`maxTries` retries after the first call). `cause` is the last
 * error, `attempts` the number of calls made.
 *
 * @since 0.1.0
 * @category errors
 */
export class RetryFailedError extends Data.TaggedError("RetryFailedError")<{
  readonly cause: RetryableError
  readonly attempts: number
}> {
  override get message(): string {
    return `too many retry attempts: gave up after ${this.attempts} attempt(s); last error: ${this.cause.message}`
  }
}

/**
 * The retry gave up because the next wait would pass its deadline. `cause` is the last error,
 * `attempts` the number of calls made.
 *
 * @since 0.1.0
 * @category errors
 */
export class RetryDeadlineExceededError extends Data.TaggedError("RetryDeadlineExceededError")<{
  readonly cause: RetryableError
  readonly attempts: number
  readonly deadline: Duration.Duration
}> {
  override get message(): string {
    return `exceeded the retry deadline of ${Duration.format(this.deadline)} after ${this.attempts} attempt(s); last error: ${this.cause.message}`
  }
}

/**
 * The policy's `interrupt` check asked the retry to stop while it waited. `cause` is the last
 * error, `attempts` the number of calls made.
 *
 * @since 0.1.0
 * @category errors
 */
export class RetryInterruptedError extends Data.TaggedError("RetryInterruptedError")<{
  readonly cause: RetryableError
  readonly attempts: number
}> {
  override get message(): string {
    return `retry interrupted after ${this.attempts} attempt(s); last error: ${this.cause.message}`
  }
}

/**
 * How a retry gives up.
 *
 * @since 0.1.0
 * @category errors
 */
export type RetryError = RetryFailedError | RetryDeadlineExceededError | RetryInterruptedError

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

/**
 * kazoo's `KazooRetry` options as data. Build one with {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** How many retries after the first call; `-1` retries forever. kazoo: `max_tries`. */
  readonly maxTries: number
  /** The first wait. kazoo: `delay`. */
  readonly delay: Duration.Duration
  /** The factor by which each wait grows. kazoo: `backoff`. */
  readonly backoff: number
  /** Each wait is multiplied by a uniform factor in `[1 - maxJitter, 1 + maxJitter]`. kazoo: `max_jitter`. */
  readonly maxJitter: number
  /** The largest base wait (before jitter). kazoo: `max_delay`. */
  readonly maxDelay: Duration.Duration
  /** The longest the whole retry may take, or `undefined` for no limit. kazoo: `deadline`. */
  readonly deadline: Duration.Duration | undefined
  /** Whether SessionExpired is retried. kazoo: `ignore_expire`. */
  readonly ignoreExpire: boolean
  /** Polled every 100 ms while waiting; `true` stops the retry. kazoo: `interrupt`. */
  readonly interrupt: Effect.Effect<boolean> | undefined
}

/**
 * The options of {@link make}; every one is optional and defaults to kazoo's. Durations take
 * any `Duration.DurationInput`: a `Duration`, `"100 millis"`, `"2 seconds"`, or a number of
 * **milliseconds** (Effect's convention; kazoo's numbers are seconds).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  readonly maxTries?: number | undefined
  readonly delay?: Duration.DurationInput | undefined
  readonly backoff?: number | undefined
  readonly maxJitter?: number | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
  readonly deadline?: Duration.DurationInput | undefined
  readonly ignoreExpire?: boolean | undefined
  readonly interrupt?: Effect.Effect<boolean> | undefined
}

/**
 * kazoo's `KazooRetry()` defaults: one retry, 100 ms first wait, backoff 2, jitter 0.4, waits
 * capped at 60 s, no deadline, SessionExpired retried.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: RetryPolicy = {
  maxTries: 1,
  delay: Duration.millis(100),
  backoff: 2,
  maxJitter: 0.4,
  maxDelay: Duration.seconds(60),
  deadline: undefined,
  ignoreExpire: true,
  interrupt: undefined
}

const bad = (field: string, reason: string) => Either.left(new ConfigurationError({ field, reason }))

const durationField = (
  field: string,
  input: Duration.DurationInput,
  allowInfinite: boolean
): Either.Either<Duration.Duration, ConfigurationError> => {
  if (typeof input === "number" && (Number.isNaN(input) || input < 0)) {
    return bad(field, `${input} is not a non-negative number of milliseconds`)
  }
  if (typeof input === "bigint" && input < 0n) return bad(field, `${input} nanoseconds is negative`)
  if (typeof input === "string" && input.trim().startsWith("-")) return bad(field, `${JSON.stringify(input)} is negative`)
  if (Array.isArray(input) && input.some((n) => typeof n !== "number" || Number.isNaN(n) || n < 0)) {
    return bad(field, `[seconds, nanos] ${JSON.stringify(input)} must hold non-negative numbers`)
  }
  const decoded = Duration.decodeUnknown(input)
  if (decoded._tag === "None") return bad(field, `${JSON.stringify(String(input))} is not a duration`)
  if (!allowInfinite && !Duration.isFinite(decoded.value)) return bad(field, "must be finite")
  return Either.right(decoded.value)
}

/**
 * A validated policy: kazoo's defaults overridden by `options`, or a `ConfigurationError`
 * naming the offending field (`maxTries` not an integer ≥ -1, a negative or malformed duration,
 * an infinite `delay`, `backoff` below 1, `maxJitter` outside 0–1). The result is an `Either`,
 * which is also an Effect (`yield* Retry.make(...)` in `Effect.gen`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: RetryOptions = {}): Either.Either<RetryPolicy, ConfigurationError> => {
  const maxTries = options.maxTries ?? defaultPolicy.maxTries
  if (!Number.isInteger(maxTries) || maxTries < -1) {
    return bad("maxTries", `${maxTries} is not an integer of at least -1 (-1 retries forever)`)
  }
  const backoff = options.backoff ?? defaultPolicy.backoff
  if (!Number.isFinite(backoff) || backoff < 1) {
    return bad("backoff", `${backoff} is not a finite number of at least 1 (1 keeps the delay constant)`)
  }
  const maxJitter = options.maxJitter ?? defaultPolicy.maxJitter
  if (!Number.isFinite(maxJitter) || maxJitter < 0 || maxJitter > 1) {
    return bad("maxJitter", `${maxJitter} is not within 0 and 1`)
  }
  const delay = options.delay === undefined ? Either.right(defaultPolicy.delay) : durationField("delay", options.delay, false)
  if (Either.isLeft(delay)) return Either.left(delay.left)
  const maxDelay =
    options.maxDelay === undefined ? Either.right(defaultPolicy.maxDelay) : durationField("maxDelay", options.maxDelay, true)
  if (Either.isLeft(maxDelay)) return Either.left(maxDelay.left)
  let deadline: Duration.Duration | undefined
  if (options.deadline !== undefined) {
    const decoded = durationField("deadline", options.deadline, true)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    deadline = Duration.isFinite(decoded.right) ? decoded.right : undefined
  }
  return Either.right({
    maxTries,
    delay: delay.right,
    backoff,
    maxJitter,
    maxDelay: maxDelay.right,
    deadline,
    ignoreExpire: options.ignoreExpire ?? defaultPolicy.ignoreExpire,
    interrupt: options.interrupt
  })
}

// ---------------------------------------------------------------------------------------------
// Retryable errors
// ---------------------------------------------------------------------------------------------

const tagOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "_tag" in error ? error._tag : undefined

/**
 * Whether the policy retries this error: ConnectionLoss, OperationTimeout and
 * {@link ForceRetryError} always, SessionExpired when `ignoreExpire` is true.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: unknown, policy: RetryPolicy): error is RetryableError => {
  switch (tagOf(error)) {
    case "ConnectionLossError":
    case "OperationTimeoutError":
    case "ForceRetryError":
      return true
    case "SessionExpiredError":
      return policy.ignoreExpire
    default:
      return false
  }
}

// ---------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------

/**
 * The waits alone: exponential from `delay` by `backoff`, capped at `maxDelay`, jittered,
 * limited to `maxTries` recurrences. Outputs each wait.
 */
const waits = (policy: RetryPolicy): Schedule.Schedule<Duration.Duration> => {
  const capped = Schedule.modifyDelay(Schedule.exponential(policy.delay, policy.backoff), (_, delay) =>
    Duration.min(delay, policy.maxDelay))
  const jittered = policy.maxJitter > 0
    ? Schedule.jitteredWith(capped, { min: 1 - policy.maxJitter, max: 1 + policy.maxJitter })
    : capped
  return policy.maxTries < 0
    ? Schedule.delays(jittered)
    : Schedule.delays(Schedule.intersect(jittered, Schedule.recurs(policy.maxTries)))
}

const pollInterval = 100

/** Waits `delay` in steps of at most 100 ms, polling `interrupt` after each, as kazoo does. */
const pollingWait = (delay: Duration.Duration, interrupt: Effect.Effect<boolean>): Effect.Effect<boolean> => {
  const loop = (remaining: number): Effect.Effect<boolean> =>
    remaining <= 0
      ? Effect.succeed(false)
      : Effect.zipRight(
        Effect.sleep(Duration.millis(Math.min(pollInterval, remaining))),
        Effect.flatMap(interrupt, (stop) => (stop ? Effect.succeed(true) : loop(remaining - pollInterval)))
      )
  return loop(Duration.toMillis(delay))
}

/**
 * Adds the `interrupt` polling: the step itself waits (polling), ends the schedule if the poll
 * said stop, and leaves no wait for the driver. `onInterrupt` records why the schedule ended.
 */
const withInterrupt = <In>(
  self: Schedule.Schedule<Duration.Duration, In>,
  interrupt: Effect.Effect<boolean>,
  onInterrupt: () => void
): Schedule.Schedule<Duration.Duration, In> =>
  Schedule.modifyDelay(
    Schedule.checkEffect(self, (_, wait) =>
      Effect.map(pollingWait(wait, interrupt), (stop) => {
        if (stop) onInterrupt()
        return !stop
      })),
    () => Duration.zero
  )

/**
 * The policy as a `Schedule` to use with `Effect.retry`: it recurs on retryable errors only,
 * with kazoo's waits, and outputs each wait. Here the deadline counts from the first failure
 * (a schedule does not see the first call start); {@link retry} counts from the first call and
 * also says why it gave up, so prefer it.
 *
 * @since 0.1.0
 * @category schedules
 */
export const schedule = (policy: RetryPolicy): Schedule.Schedule<Duration.Duration, unknown> => {
  let waiting: Schedule.Schedule<Duration.Duration, unknown> = waits(policy)
  if (policy.deadline !== undefined) {
    const deadline = policy.deadline
    waiting = Schedule.map(
      Schedule.whileOutput(Schedule.intersect(waiting, Schedule.elapsed), ([wait, elapsed]) =>
        Duration.lessThan(Duration.sum(elapsed, wait), deadline)),
      ([wait]) => wait
    )
  }
  if (policy.interrupt !== undefined) waiting = withInterrupt(waiting, policy.interrupt, () => {})
  return Schedule.whileInput(waiting, (error: unknown) => isRetryable(error, policy))
}

/**
 * What {@link retry} fails with: the effect's errors that are not always retried, plus how the
 * retry gave up.
 *
 * @since 0.1.0
 * @category models
 */
export type RetriedError<E> = Exclude<E, AlwaysRetriedError> | RetryError

/**
 * Runs the effect under the policy (kazoo's `KazooRetry.__call__`): retryable failures are
 * retried after the policy's waits; other failures pass through unchanged; when the tries run
 * out the result is a {@link RetryFailedError}, when the deadline (counted from the first call)
 * would be passed a {@link RetryDeadlineExceededError}, and when `interrupt` says stop a
 * {@link RetryInterruptedError}, each carrying the last error and the number of calls.
 *
 * @since 0.1.0
 * @category combinators
 */
export const retry: {
  (policy: RetryPolicy): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, RetriedError<E>, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: RetryPolicy): Effect.Effect<A, RetriedError<E>, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, policy: RetryPolicy): Effect.Effect<A, RetriedError<E>, R> =>
    Effect.flatMap(Clock.currentTimeMillis, (start) => {
      // Mostly the first try goes through: the schedule is set up only once it has failed with an
      // error the policy retries, and that failure then goes through the schedule as the first
      // try's (the same waits, counts and deadline as when the schedule ran it).
      let attempts = 1
      const retryAfter = (first: E): Effect.Effect<A, E | RetryError, R> => {
        let interrupted = false
        let replay: { readonly error: E } | undefined = { error: first }
        const attempt = Effect.suspend(() => {
          if (replay !== undefined) {
            const failed = replay.error
            replay = undefined
            return Effect.fail(failed)
          }
          attempts++
          return self
        })
        let waiting = waits(policy)
        const deadline = policy.deadline
        if (deadline !== undefined) {
          const stopAt = start + Duration.toMillis(deadline)
          waiting = Schedule.checkEffect(waiting, (_, wait) =>
            Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(wait) < stopAt))
        }
        if (policy.interrupt !== undefined) {
          waiting = withInterrupt(waiting, policy.interrupt, () => {
            interrupted = true
          })
        }
        const giveUp = (cause: RetryableError): RetryError => {
          if (interrupted) return new RetryInterruptedError({ cause, attempts })
          if (policy.maxTries >= 0 && attempts > policy.maxTries) return new RetryFailedError({ cause, attempts })
          return new RetryDeadlineExceededError({ cause, attempts, deadline: deadline ?? Duration.zero })
        }
        return Effect.mapError(
          Effect.retry(attempt, { schedule: waiting, while: (error) => isRetryable(error, policy) }),
          (error) => (isRetryable(error, policy) ? giveUp(error) : error)
        )
      }
      // Sound: a retryable error never leaves `retryAfter` unwrapped, and the always-retried
      // ones are retryable under every policy.
      return Effect.catchIf(self, (error) => isRetryable(error, policy), retryAfter) as Effect.Effect<
        A,
        RetriedError<E>,
        R
      >
    })
)
