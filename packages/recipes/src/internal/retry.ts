/**
 * The recipes' own retry: kazoo's recipes retry forever (`KazooRetry(max_tries=None)`) on
 * connection loss, operation timeouts, session expiry and forced retries; their waits are
 * bounded from the outside (a timeout, an interruption), never by the retry.
 */
import { Retry } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
const forever = Either.getOrThrow(Retry.make({ maxTries: -1, delay: "100 millis", maxDelay: "2 seconds" }))

const isRetryError = (e: unknown): e is Retry.RetryError =>
  typeof e === "object" &&
  e !== null &&
  "_tag" in e &&
  (e._tag === "RetryFailedError" || e._tag === "RetryDeadlineExceededError" || e._tag === "RetryInterruptedError")

/**
 * Runs the effect, retrying connection loss, operation timeouts, session expiry and
 * `ForceRetryError` forever (100 ms growing to 2 s between tries). Other errors pass through.
 */
export const retryForever = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, Retry.AlwaysRetriedError>, R> =>
  // A policy without a limit or deadline never gives up: a RetryError here would be a defect.
  Effect.catchIf(Retry.retry(effect, forever), isRetryError, (e) => Effect.die(e)) as Effect.Effect<
    A,
    Exclude<E, Retry.AlwaysRetriedError>,
    R
  >
