/**
 * The coordination recipes for promise code (the promise facade's `connect()`), for programs
 * that do not use Effect: locks, read/write locks, semaphores, elections, leader latches,
 * service discovery, and kazoo's data and children watches, with async methods and callbacks. A hold is an object to `release()`; `lost` settles when it stops counting before
 * that (the session is lost, or suspended under the default `"standard"` policy, or its node was
 * deleted), and `guard(f)` rejects with the `LockLostError` at that moment.
 *
 * ```ts
 * const zk = await connect({ hosts: "127.0.0.1:2181" })    // a platform package's connect()
 * const lock = PromiseRecipes.lock(zk, "/locks/report")
 * await lock.withLock(async (hold) => {
 *   await writeReport()            // rejected with LockLostError if the lock is lost meanwhile
 * }, { timeout: 5000 })
 * ```
 *
 * The same recipes as the Effect API (the same znodes, kazoo's or, with `layout: "curator"`,
 * Curator's), on the facade's session. JavaScript cannot stop a running promise: when a hold is
 * lost, `guard` rejects at once, and the work it was given should check `hold.isLost()` (or
 * await `lost`) before doing anything that needs the hold. Rejections are the tagged errors of
 * the Effect API (`LockTimeoutError`, `CancelledError`, `LockLostError`, ...).
 *
 * @since 0.1.0
 */
import type { PromiseZooKeeper } from "@effect-zk/core/Promise"
import type { WatchedEvent } from "@effect-zk/core/ClientState"
import type { NodeData, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ChildrenWatch from "./ChildrenWatch.js"
import * as DataWatch from "./DataWatch.js"
import * as Election from "./Election.js"
import type { Held } from "./Held.js"
import * as LeaderLatch from "./LeaderLatch.js"
import * as Lock from "./Lock.js"
import * as ReadLock from "./ReadLock.js"
import type { LockLostError } from "./RecipeError.js"
import * as Semaphore from "./Semaphore.js"
import * as ServiceDiscovery from "./ServiceDiscovery.js"
import * as WriteLock from "./WriteLock.js"

/**
 * A duration for the promise forms: milliseconds, or an Effect duration such as `"5 seconds"`.
 *
 * @since 0.1.0
 * @category models
 */
export type Timeout = Duration.DurationInput

/**
 * Options of an acquire.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireOptions {
  /** Give up after this long (`LockTimeoutError`). Default: wait as long as it takes. */
  readonly timeout?: Timeout | undefined
}

/**
 * A hold on a lock, a lease or leadership.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseHold {
  /** The recipe's path. */
  readonly path: string
  /** The znode that represents the hold. */
  readonly node: string
  /** Settles with the LockLostError when the hold is lost, or with undefined once released first. */
  readonly lost: Promise<LockLostError | undefined>
  /** Whether the hold has been lost. */
  readonly isLost: () => boolean
  /**
   * Runs `f`, rejecting with the LockLostError as soon as the hold is lost (`f` itself keeps
   * running: JavaScript cannot stop it); a hold already lost does not start `f`.
   */
  readonly guard: <A>(f: () => Promise<A>) => Promise<A>
  /** Releases the hold (its node is deleted); idempotent, never rejects. */
  readonly release: () => Promise<void>
}

/**
 * A lock, read lock, write lock or semaphore handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseLock {
  /** The recipe's path. */
  readonly path: string
  /** Waits for the lock (or a lease) and holds it until `release()`. */
  readonly acquire: (options?: AcquireOptions) => Promise<PromiseHold>
  /** Takes it only if it is free now; undefined otherwise, leaving nothing behind. */
  readonly tryAcquire: () => Promise<PromiseHold | undefined>
  /** Acquires, runs `f` guarded by the hold, and releases whatever happens; `f`'s result. */
  readonly withLock: <A>(f: (hold: PromiseHold) => Promise<A>, options?: AcquireOptions) => Promise<A>
  /** Makes the acquires waiting on this handle reject with CancelledError. */
  readonly cancel: () => Promise<void>
  /** The identifiers of the contenders (for a semaphore, of the lease holders). */
  readonly contenders: () => Promise<ReadonlyArray<string>>
}

/**
 * An election handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseElection {
  /** The election's path. */
  readonly path: string
  /**
   * Waits to be elected, runs `f` as the leader and gives the leadership up when it settles:
   * `f`'s result, or undefined if `cancel()` stopped the wait. Rejects with LockLostError as
   * soon as the leadership is lost while `f` runs (`f` keeps running: check before acting).
   */
  readonly run: <A>(f: () => Promise<A>) => Promise<A | undefined>
  /** Stops a waiting `run` (it resolves undefined). */
  readonly cancel: () => Promise<void>
  /** The identifiers of the contenders, the leader first. */
  readonly contenders: () => Promise<ReadonlyArray<string>>
}

/**
 * A participant in a leader latch, until `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseLeaderLatch {
  /** The latch's path. */
  readonly path: string
  /** Whether this participant leads now. */
  readonly isLeader: () => Promise<boolean>
  /** Resolves once this participant leads (at once if it does); false if the latch was closed first. */
  readonly awaitLeadership: () => Promise<boolean>
  /** Calls `listener` with the leadership now and on every change; returns a function that stops it. */
  readonly onChange: (listener: (leading: boolean) => void) => () => void
  /** The participants' ids, the leader first. */
  readonly participants: () => Promise<ReadonlyArray<LeaderLatch.Participant>>
  /** Leaves the latch (its node is deleted); idempotent. */
  readonly close: () => Promise<void>
}

/** The Effect client behind a facade (or the Effect client itself). */
const clientOf = (zk: PromiseZooKeeper | ZooKeeperClient): ZooKeeperClient => ("client" in zk ? zk.client : zk)

const closeScope = (scope: Scope.CloseableScope) => Effect.runPromise(Scope.close(scope, Exit.void))

/** Runs a scoped effect in a fresh scope: the value and the scope, or the scope closed and the error. */
const inScope = async <A>(effect: Effect.Effect<A, unknown, Scope.Scope>): Promise<[A, Scope.CloseableScope]> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(effect, scope))
  if (Exit.isSuccess(exit)) return [exit.value, scope]
  await closeScope(scope)
  throw Cause.squash(exit.cause)
}

/** Closes `scope` once, whoever asks. */
const closer = (scope: Scope.CloseableScope): (() => Promise<void>) => {
  let closed: Promise<void> | undefined
  return () => {
    closed ??= closeScope(scope)
    return closed
  }
}

/**
 * Calls `listener` with each element of `stream` until the returned function is called;
 * `onError` gets the error that ends it (not an interruption), `onEnd` is called if it ends by
 * itself.
 */
const follow = <A, E>(
  stream: Stream.Stream<A, E>,
  listener: (a: A) => void,
  onError?: (error: unknown) => void,
  onEnd?: () => void
) => {
  const fiber = Effect.runFork(
    Stream.runForEach(stream, (a) => Effect.sync(() => listener(a))).pipe(
      Effect.zipRight(Effect.sync(() => onEnd?.())),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Effect.sync(() => onError?.(Cause.squash(cause)))
      )
    )
  )
  return (): void => {
    Effect.runFork(Fiber.interrupt(fiber))
  }
}

/** A hold living in `scope` (closed by `release`). */
const holdOf = (held: Held, scope: Scope.CloseableScope): PromiseHold => {
  let lostError: LockLostError | undefined
  let settle: (value: LockLostError | undefined) => void = () => {}
  const lost = new Promise<LockLostError | undefined>((resolve) => {
    settle = resolve
  })
  // Follows the hold for as long as the scope is open; interrupted by release.
  Effect.runFork(
    Effect.forkIn(
      Effect.catchAll(held.lost, (error) =>
        Effect.sync(() => {
          lostError = error
          settle(error)
        })
      ),
      scope
    )
  )
  Effect.runSync(Scope.addFinalizer(scope, Effect.sync(() => settle(undefined))))
  return {
    path: held.path,
    node: held.node,
    lost,
    isLost: () => lostError !== undefined,
    guard: <A>(f: () => Promise<A>) => {
      if (lostError !== undefined) return Promise.reject(lostError)
      return Promise.race([
        f(),
        lost.then((error) => (error === undefined ? new Promise<never>(() => {}) : Promise.reject(error)))
      ])
    },
    release: closer(scope)
  }
}

/** An acquire in a fresh scope: the hold, or the scope closed and the error. */
const acquireIn = async (acquire: Effect.Effect<Held, unknown, Scope.Scope>): Promise<PromiseHold> => {
  const [held, scope] = await inScope(acquire)
  return holdOf(held, scope)
}

/** A tryAcquire in a fresh scope: the hold, or undefined (the scope closed). */
const tryAcquireIn = async (
  tryAcquire: Effect.Effect<Option.Option<Held>, unknown, Scope.Scope>
): Promise<PromiseHold | undefined> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(tryAcquire, scope))
  if (Exit.isSuccess(exit) && Option.isSome(exit.value)) return holdOf(exit.value.value, scope)
  await closeScope(scope)
  if (Exit.isSuccess(exit)) return undefined
  throw Cause.squash(exit.cause)
}

/** Runs an effect; rejects with its error (the tagged error itself, not a wrapper). */
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromiseExit(effect).then((exit) => (Exit.isSuccess(exit) ? exit.value : Promise.reject(Cause.squash(exit.cause))))

const withHold = async <A>(hold: PromiseHold, f: (hold: PromiseHold) => Promise<A>): Promise<A> => {
  try {
    return await hold.guard(() => f(hold))
  } finally {
    await hold.release()
  }
}

const lockLike = (
  path: string,
  handle: {
    readonly acquire: (options: { readonly timeout?: Timeout | undefined }) => Effect.Effect<Held, unknown, Scope.Scope>
    readonly tryAcquire: Effect.Effect<Option.Option<Held>, unknown, Scope.Scope>
    readonly cancel: Effect.Effect<void>
    readonly contenders: Effect.Effect<ReadonlyArray<string>, unknown>
  }
): PromiseLock => {
  const acquire = (options: AcquireOptions = {}) =>
    acquireIn(handle.acquire(options.timeout === undefined ? {} : { timeout: options.timeout }))
  return {
    path,
    acquire,
    tryAcquire: () => tryAcquireIn(handle.tryAcquire),
    withLock: async (f, options) => withHold(await acquire(options), f),
    cancel: () => run(handle.cancel),
    contenders: () => run(handle.contenders)
  }
}

const fromLock = (lock: Lock.Lock): PromiseLock =>
  lockLike(lock.path, {
    acquire: (o) => lock.acquire(o),
    tryAcquire: lock.tryAcquire(),
    cancel: lock.cancel,
    contenders: lock.contenders
  })

/**
 * An exclusive lock on `path` (`Lock.make`'s options: `identifier`, `layout`, `policy`, ...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const lock = (zk: PromiseZooKeeper | ZooKeeperClient, path: string, options: Lock.LockOptions = {}): PromiseLock =>
  fromLock(Effect.runSync(Lock.make(clientOf(zk), path, options)))

/**
 * The shared side of a read/write lock on `path`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readLock = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: Omit<Lock.LockOptions, "extraLockPatterns"> = {}
): PromiseLock => fromLock(Effect.runSync(ReadLock.make(clientOf(zk), path, options)))

/**
 * The exclusive side of a read/write lock on `path`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const writeLock = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: Omit<Lock.LockOptions, "extraLockPatterns"> = {}
): PromiseLock => fromLock(Effect.runSync(WriteLock.make(clientOf(zk), path, options)))

/**
 * A semaphore on `path` with `maxLeases` leases (default 1); `contenders()` lists the lease
 * holders. Throws InvalidArgumentError at once for a `maxLeases` that is not a positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const semaphore = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: Semaphore.SemaphoreOptions = {}
): PromiseLock => {
  const made = Effect.runSync(Effect.either(Semaphore.make(clientOf(zk), path, options)))
  if (made._tag === "Left") throw made.left
  const handle = made.right
  return lockLike(path, {
    acquire: (o) => handle.acquire(o),
    tryAcquire: handle.tryAcquire,
    cancel: handle.cancel,
    contenders: handle.leaseHolders
  })
}

/**
 * An election on `path` (kazoo's `Election`; `layout: "curator"` for Curator's LeaderSelector).
 *
 * @since 0.1.0
 * @category constructors
 */
export const election = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: Election.ElectionOptions = {}
): PromiseElection => {
  const handle = Effect.runSync(Election.make(clientOf(zk), path, options))
  return {
    path,
    run: (f) =>
      run(
        Effect.map(
          handle.run(Effect.tryPromise({ try: () => f(), catch: (error) => error })),
          Option.getOrUndefined
        )
      ),
    cancel: () => run(handle.cancel),
    contenders: () => run(handle.contenders)
  }
}

/**
 * Joins the leader latch at `path` (Curator's LeaderLatch) until `close()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const leaderLatch = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: LeaderLatch.LeaderLatchOptions = {}
): Promise<PromiseLeaderLatch> => {
  const [latch, scope] = await inScope(LeaderLatch.make(clientOf(zk), path, options))
  return {
    path,
    isLeader: () => run(latch.isLeader),
    awaitLeadership: () => run(latch.awaitLeadership),
    // the stream ends by itself when the latch closes
    onChange: (listener) => follow(latch.changes, listener),
    participants: () => run(latch.participants),
    close: closer(scope)
  }
}

/**
 * A registration, kept until `unregister()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseRegistration {
  /** The instance as last registered or updated. */
  readonly instance: () => ServiceDiscovery.ServiceInstance
  /** Resolves once the instance's node exists. */
  readonly awaitPresent: () => Promise<void>
  /** Changes the instance's details (Curator's `updateService`); the instance written. */
  readonly update: (
    changes: Omit<ServiceDiscovery.InstanceSpec, "name" | "id" | "serviceType">
  ) => Promise<ServiceDiscovery.ServiceInstance>
  /** Deletes the instance's node and stops keeping it; idempotent. */
  readonly unregister: () => Promise<void>
}

/**
 * A service provider (Curator's `ServiceProvider`), until `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseProvider {
  /** An instance to call, by the strategy; undefined when none is offered. */
  readonly instance: () => Promise<ServiceDiscovery.ServiceInstance | undefined>
  /** Every instance the provider's cache holds. */
  readonly all: () => Promise<ReadonlyArray<ServiceDiscovery.ServiceInstance>>
  /** Notes a failed call to an instance: enough of them make it down for a while. */
  readonly noteError: (instance: ServiceDiscovery.ServiceInstance) => void
  /** Stops the provider's cache; idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Service discovery on a base path (Curator's `curator-x-discovery` layout), promise style.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseServiceDiscovery {
  /** The base path. */
  readonly basePath: string
  /** Registers an instance until `unregister()` (dynamic unless `serviceType` says otherwise). */
  readonly register: (spec: ServiceDiscovery.InstanceSpec) => Promise<PromiseRegistration>
  /** The names of the services. */
  readonly names: () => Promise<ReadonlyArray<string>>
  /** The instances of a service now. */
  readonly instances: (name: string) => Promise<ReadonlyArray<ServiceDiscovery.ServiceInstance>>
  /** One instance, or undefined. */
  readonly instance: (name: string, id: string) => Promise<ServiceDiscovery.ServiceInstance | undefined>
  /**
   * Calls `listener` with a service's instances at once and after every change (Curator's
   * `ServiceCache`); `onError` gets the error that stops it. Returns a function that stops it.
   */
  readonly watch: (
    name: string,
    listener: (instances: ReadonlyArray<ServiceDiscovery.ServiceInstance>) => void,
    onError?: (error: unknown) => void
  ) => () => void
  /** A provider for a service (strategy, sticky, filter, error threshold as in the Effect API). */
  readonly provider: (name: string, options?: ServiceDiscovery.ProviderOptions) => Promise<PromiseProvider>
}

/**
 * Service discovery under `basePath`, sharing Curator's znodes (and so Java services' instances).
 *
 * @since 0.1.0
 * @category constructors
 */
export const serviceDiscovery = (zk: PromiseZooKeeper | ZooKeeperClient, basePath: string): PromiseServiceDiscovery => {
  const discovery = ServiceDiscovery.make(clientOf(zk), basePath)
  return {
    basePath,
    register: async (spec) => {
      const [registration, scope] = await inScope(discovery.register(spec))
      let current = registration.instance
      return {
        instance: () => current,
        awaitPresent: () => run(registration.awaitPresent),
        update: async (changes) => {
          current = await run(registration.update(changes))
          return current
        },
        unregister: closer(scope)
      }
    },
    names: () => run(discovery.names),
    instances: (name) => run(discovery.instances(name)),
    instance: (name, id) => run(Effect.map(discovery.instance(name, id), Option.getOrUndefined)),
    watch: (name, listener, onError) => follow(discovery.watch(name), listener, onError),
    provider: async (name, options) => {
      const [provider, scope] = await inScope(discovery.provider(name, options))
      return {
        instance: () => run(Effect.map(provider.instance, Option.getOrUndefined)),
        all: () => run(provider.all),
        noteError: (instance) => {
          Effect.runSync(provider.noteError(instance))
        },
        close: closer(scope)
      }
    }
  }
}

/**
 * kazoo's `DataWatch` for promise code: calls `listener` with the node's data and stat (undefined
 * while it does not exist) at once and after every change, and the event behind the call (none
 * for the first), until the returned function is called. Changes close together may be seen as
 * one (the latest data). `onError` gets an error that stops it (an invalid path); a lost session
 * does not (the watch goes on once a new session is up).
 *
 * @since 0.1.0
 * @category constructors
 */
export const dataWatch = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  listener: (node: NodeData | undefined, event: WatchedEvent | undefined) => void,
  handlers: { readonly onError?: (error: unknown) => void } = {}
): (() => void) =>
  follow(
    DataWatch.stream(clientOf(zk), path),
    (change) => listener(Option.getOrUndefined(change.node), Option.getOrUndefined(change.event)),
    handlers.onError
  )

/**
 * kazoo's `ChildrenWatch` for promise code: calls `listener` with the node's children at once
 * and after every change, until the returned function is called. As kazoo's, it stops by itself
 * when the node does not exist or is deleted (`onEnd` is called then); `onError` gets an error
 * that stops it (an invalid path).
 *
 * @since 0.1.0
 * @category constructors
 */
export const childrenWatch = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  listener: (children: ReadonlyArray<string>) => void,
  handlers: { readonly onError?: (error: unknown) => void; readonly onEnd?: () => void } = {}
): (() => void) =>
  follow(
    ChildrenWatch.stream(clientOf(zk), path),
    (change) => listener(change.children),
    handlers.onError,
    handlers.onEnd
  )
