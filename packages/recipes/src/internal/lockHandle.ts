/**
 * The lock handle over the contender engine, shared by Lock, ReadLock and WriteLock (which
 * differ only in their driver).
 */
import { ZooKeeper } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AcquireError, AcquireOptions, Lock, LockOptions } from "../Lock.js"
import type { LockLostError } from "../RecipeError.js"
import { Contender, type Driver } from "./contender.js"
import { utf8 } from "./encoding.js"
import * as Hold from "./hold.js"

/** Builds a handle over the contender engine with the given driver. */
export const makeWithDriver = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  driver: Driver,
  options: Omit<LockOptions, "extraLockPatterns"> = {}
): Effect.Effect<Lock> =>
  Effect.gen(function* () {
    const identifier = options.identifier ?? ""
    const state = yield* Hold.makeHandleState(client, path, options.policy ?? "standard")
    const contender = new Contender(client, path, utf8(identifier), driver)
    const run = (blocking: boolean, options: AcquireOptions) =>
      Hold.acquire(state, {
        blocking,
        timeout: options.timeout,
        contend: contender.contend(blocking, options.ephemeral ?? true),
        remove: (won) => contender.remove(won)
      })
    const acquire = (options: AcquireOptions = {}) =>
      Effect.flatMap(run(true, options), (held) =>
        Option.isSome(held) ? Effect.succeed(held.value) : Effect.dieMessage("a blocking acquire gave nothing")
      )
    const lock: Lock = {
      path,
      identifier,
      prefix: contender.prefix,
      acquire,
      tryAcquire: (options = {}) =>
        Effect.catchTag(run(false, { ephemeral: options.ephemeral }), "LockTimeoutError", (e) => Effect.die(e)),
      withLock: (self, options) => Hold.withHeld(acquire(options), self),
      release: Hold.releaseCurrent(state),
      cancel: Hold.cancel(state),
      isAcquired: Effect.sync(() => state.current !== undefined),
      contenders: contender.contenders
    }
    return lock
  })

/**
 * The `withLock(path, options)` combinator of a lock kind: its handle made with the client from
 * the context, then `withLock` on it.
 */
export const withLockOf =
  <O>(make: (client: ZooKeeper.ZooKeeperClient, path: string, options: O) => Effect.Effect<Lock>) =>
  (path: string, options: O & AcquireOptions) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | AcquireError | LockLostError, R | ZooKeeper.ZooKeeper> =>
    Effect.flatMap(Effect.flatMap(ZooKeeper.ZooKeeper, (client) => make(client, path, options)), (lock) =>
      lock.withLock(self, options)
    )
