/**
 * The acquire / hold / release life cycle shared by every lock-like recipe (Lock, ReadLock,
 * WriteLock, Semaphore, Election): a per-handle mutex (kazoo's "repeated calls block"),
 * cancellation, timeouts, the scope, and the session monitor behind `Held.lost`.
 */
import type { ZooKeeper } from "@effect-zk/core"
import { CancelledError, LockTimeoutError } from "@effect-zk/core/ZooKeeperError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Scope from "effect/Scope"
import type { ConnectionStatePolicy } from "../ConnectionStatePolicy.js"
import type { Held } from "../Held.js"
import { LockLostError, type LostReason } from "../RecipeError.js"
import { lossInState, watchLoss } from "./session.js"

/**
 * A mutex local to one recipe handle. `lock` waits in FIFO order and is interruptible; a waiter
 * interrupted right after being granted passes the mutex on.
 */
export class LocalMutex {
  private locked = false
  private readonly waiters: Array<() => void> = []

  tryLock(): boolean {
    if (this.locked) return false
    this.locked = true
    return true
  }

  readonly lock: Effect.Effect<void> = Effect.suspend(() => {
    if (this.tryLock()) return Effect.void
    let granted = false
    return Effect.async<void>((resume) => {
      const waiter = () => {
        granted = true
        resume(Effect.void)
      }
      this.waiters.push(waiter)
      return Effect.sync(() => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
      })
    }).pipe(
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (granted) this.unlock()
        })
      )
    )
  })

  unlock(): void {
    const next = this.waiters.shift()
    if (next !== undefined) next()
    else this.locked = false
  }
}

/** A contender's node once it holds: its path, the session that owns it (0n: persistent). */
export interface Won {
  readonly node: string
  readonly owner: bigint
}

/** The state of one recipe handle. */
export interface HandleState {
  readonly client: ZooKeeper.ZooKeeperClient
  readonly path: string
  readonly policy: ConnectionStatePolicy
  readonly mutex: LocalMutex
  /** Completed by `cancel`, then replaced: acquires pending at that moment fail with CancelledError. */
  readonly cancelSignal: Ref.Ref<Deferred.Deferred<void>>
  /** The hold of this handle, if any. */
  current: Held | undefined
}

/** A fresh handle state. */
export const makeHandleState = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  policy: ConnectionStatePolicy
): Effect.Effect<HandleState> =>
  Effect.map(Effect.flatMap(Deferred.make<void>(), Ref.make), (cancelSignal) => ({
    client,
    path,
    policy,
    mutex: new LocalMutex(),
    cancelSignal,
    current: undefined
  }))

/** kazoo's `cancel()`: acquires of this handle waiting now fail with CancelledError. */
export const cancel = (state: HandleState): Effect.Effect<void> =>
  Effect.flatMap(Deferred.make<void>(), (fresh) =>
    Effect.flatMap(Ref.getAndSet(state.cancelSignal, fresh), (old) => Deferred.succeed(old, undefined))
  )

/** kazoo's `release()`: releases the handle's hold; false when it held nothing. */
export const releaseCurrent = (state: HandleState): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const held = state.current
    return held === undefined ? Effect.succeed(false) : Effect.as(held.release, true)
  })

/** The options every acquire takes. */
export interface AcquireParams<E> {
  /** Wait for the hold (true) or give up at once when it is not free (false). */
  readonly blocking: boolean
  /** Give up with LockTimeoutError after this long. */
  readonly timeout: Duration.DurationInput | undefined
  /**
   * Contends; succeeds with the node once it holds, or none when not blocking and the hold is
   * not free. When it fails, is interrupted or gives none, it has removed its own node.
   */
  readonly contend: Effect.Effect<Option.Option<Won>, E>
  /** Removes the node of a hold (release); never fails. */
  readonly remove: (won: Won) => Effect.Effect<void>
}

/**
 * Acquires a hold for the handle, as a resource of the current scope. Waiting is
 * interruptible; an interrupted, timed-out or cancelled acquire leaves no node behind.
 */
export const acquire = <E>(
  state: HandleState,
  params: AcquireParams<E>
): Effect.Effect<Option.Option<Held>, E | LockTimeoutError | CancelledError, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const cancelled = yield* Ref.get(state.cancelSignal)
    const timeout = params.timeout === undefined ? undefined : Duration.decode(params.timeout)
    return yield* Effect.uninterruptibleMask((restore) => {
      // A hold won by `wait` just as the race below was decided the other way (cancel, timeout,
      // interruption) is kept here, so it can be given back instead of being left behind.
      let delivered: Won | undefined
      const lockLocal: Effect.Effect<boolean> = params.blocking
        ? Effect.as(state.mutex.lock, true)
        : Effect.sync(() => state.mutex.tryLock())
      // Takes the handle's mutex, then contends; the mutex is given back unless we now hold.
      const wait = Effect.uninterruptibleMask((restoreWait) =>
        Effect.flatMap(restoreWait(lockLocal), (locked) =>
          locked
            ? restoreWait(params.contend).pipe(
                Effect.onExit((exit) =>
                  Exit.isSuccess(exit) && Option.isSome(exit.value)
                    ? Effect.void
                    : Effect.sync(() => state.mutex.unlock())
                )
              )
            : Effect.succeed(Option.none<Won>())
        ).pipe(
          Effect.tap((won) =>
            Effect.sync(() => {
              if (Option.isSome(won)) delivered = won.value
            })
          )
        )
      )
      const cancellable = Effect.raceFirst(
        wait,
        // the error made only when a cancel comes (an error captures a stack trace)
        Effect.zipRight(Deferred.await(cancelled), Effect.failSync(() => new CancelledError({ path: state.path })))
      )
      const bounded =
        timeout === undefined
          ? cancellable
          : Effect.timeoutFail(cancellable, {
              duration: timeout,
              onTimeout: () => new LockTimeoutError({ path: state.path, timeoutMillis: Duration.toMillis(timeout) })
            })
      const settled = Effect.onExit(restore(bounded), (exit) => {
        const orphan = delivered
        if (orphan === undefined || (Exit.isSuccess(exit) && Option.isSome(exit.value))) return Effect.void
        return Effect.ensuring(
          params.remove(orphan),
          Effect.sync(() => state.mutex.unlock())
        )
      })
      return Effect.flatMap(settled, (won) => {
        if (Option.isNone(won)) return Effect.succeed(Option.none<Held>())
        return Effect.map(makeHeld(state, won.value, params.remove), (held) => {
          state.current = held
          return held
        }).pipe(
          Effect.tap((held) => Scope.addFinalizer(scope, held.release)),
          Effect.map(Option.some)
        )
      })
    })
  })

/** A hold on `won`: watches for its loss until released; release removes the node once. */
const makeHeld = (
  state: HandleState,
  won: Won,
  remove: (won: Won) => Effect.Effect<void>
): Effect.Effect<Held> =>
  Effect.gen(function* () {
    const lostSignal = yield* Deferred.make<LostReason>()
    // Checked here, before the hold is handed out: winning can take long (a semaphore waits for
    // its lock's node to be removed), and a session that ended meanwhile took the node with it.
    if (won.owner !== 0n) {
      const already = yield* Effect.flatMap(state.client.state, lossInState(state.client, won.owner, state.policy))
      if (Option.isSome(already)) yield* Deferred.succeed(lostSignal, already.value)
    }
    const monitor = yield* Effect.forkDaemon(
      Effect.interruptible(Effect.scoped(watchLoss(state.client, won.node, won.owner, state.policy, lostSignal)))
    )
    let released = false
    const lost: Effect.Effect<never, LockLostError> = Effect.flatMap(Deferred.await(lostSignal), (reason) =>
      Effect.fail(new LockLostError({ path: state.path, node: won.node, reason }))
    )
    const held: Held = {
      path: state.path,
      node: won.node,
      lost,
      isLost: Deferred.isDone(lostSignal),
      // A hold already lost does not start `self` at all.
      guard: (self) => Effect.flatMap(Deferred.isDone(lostSignal), (done) => (done ? lost : Effect.raceFirst(self, lost))),
      release: Effect.uninterruptible(
        Effect.suspend(() => {
          if (released) return Effect.void
          released = true
          return Fiber.interrupt(monitor).pipe(
            Effect.zipRight(remove(won)),
            Effect.ensuring(
              Effect.sync(() => {
                if (state.current === held) state.current = undefined
                state.mutex.unlock()
              })
            )
          )
        })
      )
    }
    return held
  })

/**
 * Runs `self` holding what `acquireHeld` acquires, in a scope of its own (so `self` keeps any
 * Scope it needs from outside); interrupted, failing with LockLostError, if the hold is lost.
 */
export const withHeld = <A, E, R, E2>(
  acquireHeld: Effect.Effect<Held, E2, Scope.Scope>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | E2 | LockLostError, R> =>
  Effect.acquireUseRelease(
    Scope.make(),
    (scope) => Effect.flatMap(Scope.extend(acquireHeld, scope), (held) => held.guard(self)),
    (scope, exit) => Scope.close(scope, exit)
  )
