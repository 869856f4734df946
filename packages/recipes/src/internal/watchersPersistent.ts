/**
 * The plumbing under DataWatch, ChildrenWatch, PatientChildrenWatch and TreeCache: a persistent
 * (optionally recursive) watch kept alive across session losses, and the client's state
 * changes, both turned into one ordered stream of signals a recipe consumes.
 *
 * Why persistent watches: leaving the recipe's scope removes exactly our watch from the server
 * (the client removes a persistent watch precisely, where one-shot watches can only be removed
 * per path, taking other watchers of the same client with them). What it costs: the server does
 * not replay what a persistent watch missed while disconnected, so a recipe re-reads on every
 * CONNECTED, and after a session loss the watch is added again ("Ready" once more).
 *
 * The ordering guarantee a recipe relies on: a "Ready" signal is given only once the server has
 * the watch (addWatch replied), so any read the recipe issues after seeing "Ready" sees a state
 * whose later changes all reach the watch.
 */
import type { KazooState, WatchedEvent } from "@effect-zk/core/ClientState"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { parked } from "./session.js"
/** What a recipe's inbox receives, in order. */
export type Signal =
  /** The watch is (again) registered, in session `session`: read everything it covers now. */
  | { readonly _tag: "Ready"; readonly generation: number; readonly session: bigint | undefined }
  /** A watch notification. */
  | { readonly _tag: "Event"; readonly event: WatchedEvent }
  /** The watch is gone (session lost, or adding it failed); it is being added again. */
  | { readonly _tag: "Lost"; readonly error: ZooKeeperError }
  /** The watch cannot be kept (client closed, server too old, bad path): the recipe should stop. */
  | { readonly _tag: "Fatal"; readonly error: ZooKeeperError }
  /** The client's application state changed. */
  | { readonly _tag: "State"; readonly state: KazooState }

const fatalTags: ReadonlySet<string> = new Set([
  "ClientClosedError",
  "InvalidArgumentError",
  "UnimplementedError",
  "BadArgumentsError",
  "UnknownErrorCodeError",
  "NoAuthError",
  "AuthFailedError"
])

/** Whether a watch failure means the watch cannot be kept at all. */
export const isFatal = (error: ZooKeeperError): boolean => fatalTags.has(error._tag)

/**
 * The client's current session id. A recipe compares it with its last "Ready" before reading:
 * a read in a newer session would come before that session's watch (a CONNECTED can arrive
 * before the "Lost" of the old watch), and its "Ready" will ask for the read again.
 */
export const currentSession = (client: ZooKeeperClient): Effect.Effect<bigint | undefined> =>
  Effect.map(client.clientId, (id) => (Option.isSome(id) ? id.value.sessionId : undefined))

/**
 * Waits (interruptibly) until the client is connected; for a closed client, which will not
 * connect again, until the caller's scope ends (without keeping the process alive).
 */
export const awaitConnected = (client: ZooKeeperClient): Effect.Effect<void> =>
  Effect.gen(function* () {
    while (!(yield* client.awaitConnected(60_000))) {
      // keep waiting: the client reconnects on its own, or the caller's scope ends
      if ((yield* client.state).keeperState === "CLOSED") return yield* parked
    }
  })

/**
 * Keeps a persistent watch on `path` for the scope's lifetime and reports through `signal`:
 * "Ready" each time it is registered, its events, "Lost" when the session (and the watch) is
 * gone — it is then added again once connected — and "Fatal" when it cannot be kept. Leaving
 * the scope removes the watch from the server.
 */
export const superviseWatch = (
  client: ZooKeeperClient,
  path: string,
  recursive: boolean,
  signal: (s: Signal) => void
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    let generation = 0
    let backoff = 50
    for (;;) {
      yield* awaitConnected(client)
      // The inner scope is the watch's lifetime: closing it (on the caller's interruption too)
      // removes the watch from the server before the caller's scope is done.
      const exit = yield* Effect.exit(
        Effect.scoped(
          Effect.gen(function* () {
            const events = yield* client.addWatch(path, { recursive })
            signal({ _tag: "Ready", generation: generation++, session: yield* currentSession(client) })
            backoff = 50
            yield* Stream.runForEach(events, (event) => Effect.sync(() => signal({ _tag: "Event", event })))
          })
        )
      )
      const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      if (Option.isNone(failure)) {
        // The stream never ends on its own; an interruption or defect: try again.
        yield* Effect.sleep(backoff)
        continue
      }
      const error = failure.value
      if (isFatal(error)) {
        signal({ _tag: "Fatal", error })
        return
      }
      signal({ _tag: "Lost", error })
      yield* Effect.sleep(backoff)
      backoff = Math.min(backoff * 2, 2_000)
    }
  }).pipe(Effect.forkScoped, Effect.asVoid)

/**
 * The recipe's inbox: the client's state changes and a supervised watch on `path`, in arrival
 * order, for the scope's lifetime. The state listener is added before the watch, so a CONNECTED
 * that follows a "Ready" is never missed.
 */
export const inbox = (
  client: ZooKeeperClient,
  path: string,
  recursive: boolean
): Effect.Effect<Queue.Queue<Signal>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<Signal>(), Queue.shutdown)
    yield* client.listen((s) => {
      Queue.unsafeOffer(queue, { _tag: "State", state: s.state })
    })
    yield* superviseWatch(client, path, recursive, (s) => {
      Queue.unsafeOffer(queue, s)
    })
    return queue
  })

/** Takes every signal waiting (at least one, at most `max`). */
export const takeBatch = (queue: Queue.Queue<Signal>, max = 4096): Effect.Effect<ReadonlyArray<Signal>> =>
  Effect.map(Queue.takeBetween(queue, 1, max), (chunk) => Array.from(chunk))

/** Errors after which a read is simply skipped: a later CONNECTED or Ready triggers it again. */
export const isTransient = (error: ZooKeeperError): boolean =>
  error._tag === "ConnectionLossError" ||
  error._tag === "SessionExpiredError" ||
  error._tag === "OperationTimeoutError" ||
  error._tag === "RequestTimeoutError" ||
  error._tag === "SessionMovedError"

/**
 * A user callback's result as an Effect: kazoo's watch functions return `False` to stop; ours
 * may also return an Effect of it.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing goes on, as in kazoo
export type CallbackResult<E, R> = Effect.Effect<boolean | void, E, R> | boolean | void

/** Runs a callback's result. */
export const runCallback = <E, R>(result: CallbackResult<E, R>): Effect.Effect<boolean, E, R> =>
  Effect.isEffect(result) ? Effect.map(result, (r) => r !== false) : Effect.succeed(result !== false)

/**
 * A running callback watch (kazoo's DataWatch / ChildrenWatch objects): it stops when the
 * callback returns false, fails, or the scope ends.
 */
export interface CallbackWatch<E> {
  /** Stops calling the callback and removes the watch. */
  readonly stop: Effect.Effect<void>
  /** Whether the watch has stopped (the callback returned false, failed, or `stop` was called). */
  readonly stopped: Effect.Effect<boolean>
  /** Completes when the watch stops; fails with the callback's (or the watch's) error. */
  readonly await: Effect.Effect<void, E>
}

/**
 * Runs `f` on every element of `stream` until it returns false, in a fiber of the scope.
 * Completes once `f` has been called for the first time (kazoo calls it in the constructor),
 * or the stream ended first.
 */
export const runCallbackWatch = <A, E1, E2, R>(
  stream: Stream.Stream<A, E1>,
  f: (a: A) => CallbackResult<E2, R>
): Effect.Effect<CallbackWatch<E1 | E2>, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    const first = yield* Deferred.make<void>()
    const called = Deferred.succeed(first, undefined)
    const fiber = yield* stream.pipe(
      Stream.mapEffect((a) => Effect.suspend(() => runCallback(f(a))).pipe(Effect.ensuring(called))),
      Stream.takeWhile((more) => more),
      Stream.runDrain,
      Effect.ensuring(called),
      Effect.forkScoped
    )
    yield* Deferred.await(first)
    return {
      stop: Effect.asVoid(Fiber.interrupt(fiber)),
      stopped: Effect.map(Fiber.poll(fiber), Option.isSome),
      await: Effect.flatMap(Fiber.await(fiber), (exit) =>
        Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? Effect.failCause(exit.cause) : Effect.void
      )
    }
  })

/**
 * `read`'s results for the subtree at `path`, as a stream: read once a recursive persistent
 * watch on `path` is on the server, and again after every change under it and every
 * reconnection; a result whose `key` equals the last one's is not given again. A failed read
 * waits for the next signal (which a reconnection brings); a fatal watch error ends the stream.
 */
export const watchedReads = <A>(
  client: ZooKeeperClient,
  path: string,
  read: Effect.Effect<A, ZooKeeperError>,
  key: (a: A) => string
): Stream.Stream<A, ZooKeeperError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const signals = yield* inbox(client, path, true)
      let last: string | undefined
      const step: Effect.Effect<A, Option.Option<ZooKeeperError>> = Effect.gen(function* () {
        for (;;) {
          const batch = yield* takeBatch(signals)
          for (const s of batch) if (s._tag === "Fatal") return yield* Effect.fail(Option.some(s.error))
          if (!batch.some((s) => s._tag === "Ready" || s._tag === "Event")) continue
          const result = yield* Effect.either(read)
          if (result._tag === "Left") continue
          const k = key(result.right)
          if (k === last) continue
          last = k
          return result.right
        }
      })
      return Stream.repeatEffectOption(step)
    })
  )
