/**
 * Session bookkeeping shared by the recipes: when a session is known to be gone, when a hold
 * counts as lost, and removing our node on release or after a failed wait without hanging
 * forever and without leaving it behind.
 */
import type { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { Retry } from "@effect-zk/core"
import type { ClientState } from "@effect-zk/core/ClientState"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { type ConnectionStatePolicy, isLost } from "../ConnectionStatePolicy.js"
import type { LostReason } from "../RecipeError.js"
import { withWatch } from "./oneShot.js"

type Client = ZooKeeper.ZooKeeperClient

/** The id of the client's current session, or 0n when it has none. */
export const currentSession = (client: Client): Effect.Effect<bigint> =>
  Effect.map(client.clientId, (id) => (Option.isSome(id) ? id.value.sessionId : 0n))

/**
 * Completes once session `owner` is known to be gone: the client reports LOST, or it is
 * connected under another session id (a LOST we did not see).
 */
export const sessionGone = (client: Client, owner: bigint): Effect.Effect<void> =>
  firstState(client, (s) =>
    s.state === "LOST"
      ? Effect.succeed(Option.some(undefined))
      : s.state === "CONNECTED"
        ? Effect.map(currentSession(client), (id) => (id !== owner ? Option.some(undefined) : Option.none()))
        : Effect.succeed(Option.none())
  )

/**
 * The first value `check` gives for the client's states, the current one first, then each
 * change (never, if none gives one). A state listener for the wait's lifetime: a recipe starts
 * one of these per hold and per release, where a subscription to `stateChanges` (a stream over
 * a PubSub) costs a hundred times as much.
 */
export const firstState = <A>(
  client: Client,
  check: (state: ClientState) => Effect.Effect<Option.Option<A>>
): Effect.Effect<A> =>
  Effect.scoped(
    Effect.flatMap(Deferred.make<A>(), (found) => Effect.zipRight(firstStateInto(client, check, found), Deferred.await(found)))
  )

/** `firstState` completing `into`, with no fiber of its own: a listener for the scope's lifetime. */
const firstStateInto = <A>(
  client: Client,
  check: (state: ClientState) => Effect.Effect<Option.Option<A>>,
  into: Deferred.Deferred<A>
): Effect.Effect<void, never, Scope.Scope> => {
  const listener = (state: ClientState) =>
    Effect.flatMap(check(state), (a) => (Option.isSome(a) ? Deferred.succeed(into, a.value) : Effect.void))
  // Listening first, then the current state: no change can fall between the two.
  return Effect.acquireRelease(client.addListener(listener), () => client.removeListener(listener)).pipe(
    Effect.zipRight(Effect.flatMap(client.state, listener))
  )
}

/**
 * Whether `state` means that a hold on an ephemeral node of session `owner` is over: a state
 * the policy counts as lost, or a connection under another session.
 */
export const lossInState =
  (client: Client, owner: bigint, policy: ConnectionStatePolicy) =>
  (s: ClientState): Effect.Effect<Option.Option<LostReason>> => {
    if (isLost(policy, s.state)) return Effect.succeed(Option.some(s.state === "LOST" ? "LOST" : "SUSPENDED"))
    if (s.state !== "CONNECTED") return Effect.succeed(Option.none())
    return Effect.map(currentSession(client), (id) => (id !== owner ? Option.some("LOST") : Option.none()))
  }

/**
 * Completes `lost` with the reason a hold on `node` ends: a connection state the policy counts
 * as lost (only while the node is ephemeral, `owner` being its session), a new session, or the
 * node's deletion (watched with getData; a change of its data only re-arms the watch). The
 * state check is a listener for the scope's lifetime; the node is watched by the calling fiber,
 * which runs until interrupted (a hold's monitor).
 */
export const watchLoss = (
  client: Client,
  node: string,
  owner: bigint,
  policy: ConnectionStatePolicy,
  lost: Deferred.Deferred<LostReason>
): Effect.Effect<never, never, Scope.Scope> => {
  const stateCheck = lossInState(client, owner, policy)
  // The watch goes with the monitor (a release interrupts it), whether or not the node goes too.
  const watchOnce: Effect.Effect<Option.Option<LostReason>> = withWatch(client.getAndWatch(node), (read) =>
    Effect.gen(function* () {
      const event = yield* Effect.either(read.event)
      if (Either.isLeft(event)) {
        if (event.left._tag === "ClientClosedError") return Option.some<LostReason>("LOST")
        if (event.left._tag === "SessionExpiredError" && owner !== 0n) return Option.some<LostReason>("LOST")
        return Option.none()
      }
      return event.right.type === "DELETED" ? Option.some<LostReason>("DELETED") : Option.none()
    })
  ).pipe(
    Effect.catchAll((error) => {
      if (error._tag === "NoNodeError") return Effect.succeed(Option.some<LostReason>("DELETED"))
      if (error._tag === "ClientClosedError") return Effect.succeed(Option.some<LostReason>("LOST"))
      if (error._tag === "SessionExpiredError" && owner !== 0n) return Effect.succeed(Option.some<LostReason>("LOST"))
      return Effect.as(Effect.sleep("200 millis"), Option.none())
    })
  )
  // The first to decide completes `lost`; the state check (only for an ephemeral node: a
  // persistent one outlives the session) needs no fiber.
  return Effect.gen(function* () {
    if (owner !== 0n) yield* firstStateInto(client, stateCheck, lost)
    const reason = yield* Effect.repeat(watchOnce, { until: Option.isSome })
    if (Option.isSome(reason)) yield* Deferred.succeed(lost, reason.value)
    return yield* parked
  })
}

/**
 * Waits forever without keeping the process alive (`Effect.never` holds a timer so that a
 * program waiting on it does not exit): for a background fiber with nothing left to do until its
 * scope closes.
 */
export const parked: Effect.Effect<never> = Effect.flatMap(Deferred.make<never>(), Deferred.await)

/**
 * Races two effects in fibers of their own that can be interrupted even when the caller cannot
 * be (in a finalizer, where `Effect.raceFirst` and `Effect.timeout` would wait for the loser):
 * the first to finish decides, the other is interrupted.
 */
export const raceDetached = <A, E, B, E2>(
  a: Effect.Effect<A, E>,
  b: Effect.Effect<B, E2>
): Effect.Effect<A | B, E | E2> =>
  Effect.gen(function* () {
    const done = yield* Deferred.make<A | B, E | E2>()
    const fa = yield* Effect.forkDaemon(Effect.interruptible(Effect.intoDeferred(a, done)))
    const fb = yield* Effect.forkDaemon(Effect.interruptible(Effect.intoDeferred(b, done)))
    return yield* Deferred.await(done).pipe(
      Effect.ensuring(Effect.zipRight(Fiber.interrupt(fa), Fiber.interrupt(fb)))
    )
  })

/** How long a release or a clean-up keeps trying before it gives up (and logs a warning). */
const REMOVAL_CAP = Duration.seconds(60)

const removalPolicies = {
  ephemeral: Either.getOrThrow(Retry.make({ maxTries: -1, delay: "100 millis", maxDelay: "1 second", ignoreExpire: false })),
  persistent: Either.getOrThrow(Retry.make({ maxTries: -1, delay: "100 millis", maxDelay: "1 second" }))
}

/**
 * Deletes our node (the name `find` gives, if any; a missing node is fine). Connection losses
 * are retried until the delete goes through, until the session that owns an ephemeral node is
 * gone (the server removes the node then), or for at most a minute. Never fails.
 */
export const removeNode = (
  client: Client,
  find: Effect.Effect<string | undefined, ZooKeeperError.ZooKeeperError>,
  ephemeral: boolean
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const owner = yield* currentSession(client)
    // An ephemeral node goes with its session: an expired or closed session leaves nothing to do.
    // Without a session (the client has called it lost, or is closed) the node's session is gone
    // or going: waiting to delete it could only wait for a connection, up to the cap.
    if (ephemeral && owner === 0n) return
    const attempt = Effect.flatMap(find, (path) =>
      path === undefined ? Effect.void : Effect.catchTag(client.delete(path), "NoNodeError", () => Effect.void)
    ).pipe(
      Effect.catchIf(
        (e) => ephemeral && (e._tag === "SessionExpiredError" || e._tag === "ClientClosedError"),
        () => Effect.void
      )
    )
    // Mostly the first try goes through: only then is the retrying, bounded machinery (detached
    // fibers, timers) set up.
    if (Either.isRight(yield* Effect.either(attempt))) return
    const retried = Retry.retry(attempt, ephemeral ? removalPolicies.ephemeral : removalPolicies.persistent)
    const ended = ephemeral && owner !== 0n ? sessionGone(client, owner) : Effect.never
    const capped = Effect.zipRight(
      Effect.sleep(REMOVAL_CAP),
      Effect.fail(`gave up after ${Duration.format(REMOVAL_CAP)}` as const)
    )
    yield* raceDetached(retried, raceDetached(ended, capped)).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("effect-zk recipes: could not remove a node", cause))
    )
  })
