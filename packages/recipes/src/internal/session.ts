/**
 * Session bookkeeping shared by the recipes: when a session is known to be gone, when a hold
 * counts as lost, and removing our node on release or after a failed wait without hanging
 * forever and without leaving it behind.
 */
import type { ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { Retry } from "@effect-zk/core"
import { Deferred, Duration, Effect, Either, Fiber, Option, Stream } from "effect"
import { type ConnectionStatePolicy, isLost } from "../ConnectionStatePolicy.js"
import type { LostReason } from "../RecipeError.js"

type Client = ZooKeeper.ZooKeeperClient

/** The id of the client's current session, or 0n when it has none. */
export const currentSession = (client: Client): Effect.Effect<bigint> =>
  Effect.map(client.clientId, (id) => (Option.isSome(id) ? id.value.sessionId : 0n))

/**
 * Completes once session `owner` is known to be gone: the client reports LOST, or it is
 * connected under another session id (a LOST we did not see).
 */
export const sessionGone = (client: Client, owner: bigint): Effect.Effect<void> =>
  client.stateChanges.pipe(
    Stream.mapEffect((s) =>
      s.state === "LOST"
        ? Effect.succeed(true)
        : s.state === "CONNECTED"
          ? Effect.map(currentSession(client), (id) => id !== owner)
          : Effect.succeed(false)
    ),
    Stream.filter((gone) => gone),
    Stream.runHead,
    Effect.flatMap((head) => (Option.isSome(head) ? Effect.void : Effect.never))
  )

/**
 * Completes with the reason a hold on `node` ends: a connection state the policy counts as lost
 * (only while the node is ephemeral, `owner` being its session), a new session, or the node's
 * deletion (watched with getData; a change of its data only re-arms the watch).
 */
export const lostReason = (
  client: Client,
  node: string,
  owner: bigint,
  policy: ConnectionStatePolicy
): Effect.Effect<LostReason> => {
  const byState: Effect.Effect<LostReason> =
    owner === 0n
      ? Effect.never
      : client.stateChanges.pipe(
          Stream.mapEffect((s): Effect.Effect<Option.Option<LostReason>> => {
            if (isLost(policy, s.state)) return Effect.succeed(Option.some(s.state === "LOST" ? "LOST" : "SUSPENDED"))
            if (s.state !== "CONNECTED") return Effect.succeed(Option.none())
            return Effect.map(currentSession(client), (id) => (id !== owner ? Option.some("LOST") : Option.none()))
          }),
          Stream.filterMap((reason) => reason),
          Stream.runHead,
          Effect.flatMap((head) => (Option.isSome(head) ? Effect.succeed(head.value) : Effect.never))
        )
  const watchOnce: Effect.Effect<Option.Option<LostReason>> = Effect.gen(function* () {
    const read = yield* Effect.either(client.getAndWatch(node))
    if (Either.isLeft(read)) {
      const error = read.left
      if (error._tag === "NoNodeError") return Option.some<LostReason>("DELETED")
      if (error._tag === "ClientClosedError") return Option.some<LostReason>("LOST")
      if (error._tag === "SessionExpiredError" && owner !== 0n) return Option.some<LostReason>("LOST")
      yield* Effect.sleep("200 millis")
      return Option.none()
    }
    const event = yield* Effect.either(read.right.event)
    if (Either.isLeft(event)) {
      if (event.left._tag === "ClientClosedError") return Option.some<LostReason>("LOST")
      if (event.left._tag === "SessionExpiredError" && owner !== 0n) return Option.some<LostReason>("LOST")
      return Option.none()
    }
    return event.right.type === "DELETED" ? Option.some<LostReason>("DELETED") : Option.none()
  })
  const byNode: Effect.Effect<LostReason> = Effect.flatMap(
    Effect.repeat(watchOnce, { until: Option.isSome }),
    (reason) => (Option.isSome(reason) ? Effect.succeed(reason.value) : Effect.never)
  )
  return Effect.raceFirst(byState, byNode)
}

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
    const attempt = Effect.flatMap(find, (path) =>
      path === undefined ? Effect.void : Effect.catchTag(client.delete(path), "NoNodeError", () => Effect.void)
    ).pipe(
      Effect.catchIf(
        (e) => ephemeral && (e._tag === "SessionExpiredError" || e._tag === "ClientClosedError"),
        () => Effect.void
      )
    )
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
