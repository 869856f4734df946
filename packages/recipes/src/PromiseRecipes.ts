/**
 * The coordination recipes for promise code (the promise facade's `connect()`), for programs
 * that do not use Effect: locks, read/write locks, semaphores, elections, leader latches,
 * service discovery, kazoo's data and children watches, counters, barriers, parties, queues
 * (kazoo's and Curator's, items as async iterables) and shared counts, with async methods and
 * callbacks. A hold is an object to `release()`; `lost` settles when it stops counting before
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
import type { Bytes } from "@effect-zk/core/Transaction"
import * as Barrier from "./Barrier.js"
import * as ChildrenWatch from "./ChildrenWatch.js"
import * as Counter from "./Counter.js"
import * as CuratorQueue from "./CuratorQueue.js"
import * as DataWatch from "./DataWatch.js"
import * as DoubleBarrier from "./DoubleBarrier.js"
import * as Election from "./Election.js"
import type { Held } from "./Held.js"
import * as LeaderLatch from "./LeaderLatch.js"
import * as Lock from "./Lock.js"
import * as Party from "./Party.js"
import * as Queue from "./Queue.js"
import * as ReadLock from "./ReadLock.js"
import type { LockLostError } from "./RecipeError.js"
import * as Semaphore from "./Semaphore.js"
import * as ServiceDiscovery from "./ServiceDiscovery.js"
import * as SharedCount from "./SharedCount.js"
import type { Versioned } from "./SharedValue.js"
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
  // after stop(), nothing is called, not even for an element already on its way
  let stopped = false
  const fiber = Effect.runFork(
    Stream.runForEach(stream, (a) =>
      Effect.sync(() => {
        if (!stopped) listener(a)
      })
    ).pipe(
      Effect.zipRight(
        Effect.sync(() => {
          if (!stopped) onEnd?.()
        })
      ),
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) || stopped ? Effect.void : Effect.sync(() => onError?.(Cause.squash(cause)))
      )
    )
  )
  return (): void => {
    stopped = true
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
    // the hold may have been lost as it was handed out, before the fiber above has run
    isLost: () => lostError !== undefined || Effect.runSync(held.isLost),
    guard: <A>(f: () => Promise<A>) => {
      if (lostError !== undefined) return Promise.reject(lostError)
      if (Effect.runSync(held.isLost)) {
        return lost.then((error): Promise<A> => (error === undefined ? f() : Promise.reject(error)))
      }
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

/**
 * An async iterable whose every `next()` runs `take` once: an item is taken from the queue only
 * when the loop asks for it (a stream's iterator would take the next one ahead, and lose it when
 * the loop ends).
 */
const oneAtATime = <A, E>(take: Effect.Effect<A, E>): AsyncIterable<A> => ({
  [Symbol.asyncIterator]: (): AsyncIterator<A> => ({
    next: () => run(Effect.map(take, (value): IteratorResult<A> => ({ done: false, value }))),
    return: () => Promise.resolve({ done: true, value: undefined })
  })
})

/** Makes a handle whose constructor can only fail with an invalid argument: throws it at once. */
const made = <A, E>(effect: Effect.Effect<A, E>): A => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * A counter (kazoo's `Counter`; Curator's encodings with `curator`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseCounter {
  /** The counter's path. */
  readonly path: string
  /** The value now. */
  readonly value: () => Promise<number>
  /** Adds `n` (compare-and-set, retried); the values before and after. */
  readonly add: (n: number) => Promise<Counter.CounterChange>
  /** Subtracts `n`; the values before and after. */
  readonly subtract: (n: number) => Promise<Counter.CounterChange>
}

/**
 * A counter on `path` (`Counter.make`'s options). Throws InvalidArgumentError at once for an
 * invalid path or option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const counter = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: Counter.CounterOptions = {}
): PromiseCounter => {
  const handle = made(Counter.make(clientOf(zk), path, options))
  return {
    path,
    value: () => run(handle.value),
    add: (n) => run(handle.add(n)),
    subtract: (n) => run(handle.subtract(n))
  }
}

/**
 * A barrier (kazoo's `Barrier`, Curator's `DistributedBarrier`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseBarrier {
  /** The barrier's path. */
  readonly path: string
  /** Raises the barrier (creates its node). */
  readonly create: () => Promise<void>
  /** Lowers it (deletes its node); whether it was up. */
  readonly remove: () => Promise<boolean>
  /** Waits until the barrier is down: true, or false when `timeout` passed first. */
  readonly wait: (options?: { readonly timeout?: Timeout | undefined }) => Promise<boolean>
}

/**
 * A barrier on `path`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const barrier = (zk: PromiseZooKeeper | ZooKeeperClient, path: string): PromiseBarrier => {
  const handle = made(Barrier.make(clientOf(zk), path))
  return {
    path,
    create: () => run(handle.create),
    remove: () => run(handle.remove),
    wait: (options = {}) => run(handle.wait(options.timeout === undefined ? {} : { timeout: options.timeout }))
  }
}

/**
 * A double barrier (kazoo's `DoubleBarrier`, Curator's `DistributedDoubleBarrier`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseDoubleBarrier {
  /** The barrier's path. */
  readonly path: string
  /** Enters, then waits until `numClients` have entered (rejects with LockTimeoutError after `timeout`). */
  readonly enter: (options?: { readonly timeout?: Timeout | undefined }) => Promise<void>
  /** Leaves, then waits until everyone has left (rejects with LockTimeoutError after `timeout`). */
  readonly leave: (options?: { readonly timeout?: Timeout | undefined }) => Promise<void>
}

/**
 * A double barrier on `path` for `numClients` participants. Throws InvalidArgumentError at
 * once for a `numClients` that is not a positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const doubleBarrier = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  numClients: number,
  options: { readonly identifier?: string | undefined } = {}
): PromiseDoubleBarrier => {
  const handle = made(DoubleBarrier.make(clientOf(zk), path, numClients, options))
  const bound = (o: { readonly timeout?: Timeout | undefined } = {}) => (o.timeout === undefined ? {} : { timeout: o.timeout })
  return {
    path,
    enter: (o) => run(handle.enter(bound(o))),
    leave: (o) => run(handle.leave(bound(o)))
  }
}

/**
 * A party (kazoo's `Party` or, with `shallow`, `ShallowParty`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseParty {
  /** The party's path. */
  readonly path: string
  /** Joins (an ephemeral node holding the identifier). */
  readonly join: () => Promise<void>
  /** Leaves; whether this member was in. */
  readonly leave: () => Promise<boolean>
  /** The members' identifiers. */
  readonly members: () => Promise<ReadonlyArray<string>>
  /** Calls `listener` with the members at once and after every change; returns a function that stops it. */
  readonly onChange: (listener: (members: ReadonlyArray<string>) => void, onError?: (error: unknown) => void) => () => void
}

/**
 * A party at `path`, joined as `identifier`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const party = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  identifier = "",
  options: { readonly shallow?: boolean | undefined } = {}
): PromiseParty => {
  const client = clientOf(zk)
  const handle = made(options.shallow === true ? Party.makeShallow(client, path, identifier) : Party.make(client, path, identifier))
  return {
    path,
    join: () => run(handle.join),
    leave: () => run(handle.leave),
    members: () => run(handle.members),
    onChange: (listener, onError) => follow(handle.changes, listener, onError)
  }
}

/**
 * A queue: kazoo's `Queue`, or Curator's (see {@link curatorQueue}).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseQueue<PutArgs extends ReadonlyArray<unknown>> {
  /** The queue's path. */
  readonly path: string
  /** Puts an item; the path of its node. */
  readonly put: (item: Bytes, ...args: PutArgs) => Promise<string>
  /** Takes the next item, or undefined when the queue is empty now. */
  readonly poll: () => Promise<Uint8Array | undefined>
  /** The number of items. */
  readonly length: () => Promise<number>
  /** Every item as it comes, each taken from the queue (`for await (const item of queue.items())`). */
  readonly items: () => AsyncIterable<Uint8Array>
}

/**
 * kazoo's `Queue` at `path` (`put(item, priority)`: 0–999, lower first; default 100).
 *
 * @since 0.1.0
 * @category constructors
 */
export const queue = (zk: PromiseZooKeeper | ZooKeeperClient, path: string): PromiseQueue<[priority?: number]> => {
  const handle = made(Queue.make(clientOf(zk), path))
  return {
    path,
    put: (item, priority) => run(handle.put(item, priority)),
    poll: () => run(Effect.map(handle.get, Option.getOrUndefined)),
    length: () => run(handle.length),
    // the next item as the stream gives it: waits (a children watch) while the queue is empty
    items: () =>
      oneAtATime(
        Effect.flatMap(
          Stream.runHead(handle.items),
          Option.match({ onNone: () => Effect.dieMessage("the queue's item stream ended"), onSome: Effect.succeed })
        )
      )
  }
}

/**
 * Curator's `DistributedQueue` (and its priority, delay and id kinds) at `path`, with
 * `CuratorQueue.distributed`'s options. `process(f)` takes an item, runs `f` on it and, with a
 * `lockPath`, removes it only once `f` resolves (put back when it rejects). Throws
 * InvalidArgumentError at once for an invalid path or option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const curatorQueue = (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  options: CuratorQueue.DistributedOptions = {}
): PromiseQueue<[options?: CuratorQueue.PutOptions]> & {
  /** Waits for the next item; rejects with the queue's error. */
  readonly take: () => Promise<Uint8Array>
  /** Takes the next item, waiting at most `timeout`; undefined if none came. */
  readonly takeWithin: (timeout: Timeout) => Promise<Uint8Array | undefined>
  /** Takes the next item and runs `f` on it (see above). */
  readonly process: (f: (item: Uint8Array) => Promise<void>) => Promise<void>
} => {
  const handle = made(CuratorQueue.distributed(clientOf(zk), path, options))
  return {
    path,
    put: (item, putOptions) => run(handle.put(item, putOptions)),
    poll: () => run(Effect.map(handle.takeWithin(0), Option.getOrUndefined)),
    length: () => run(handle.length),
    items: () => oneAtATime(handle.take),
    take: () => run(handle.take),
    takeWithin: (timeout) => run(Effect.map(handle.takeWithin(timeout), Option.getOrUndefined)),
    process: (f) => run(handle.process((item) => Effect.tryPromise({ try: () => f(item), catch: (error) => error })))
  }
}

/**
 * A count every process shares (Curator's `SharedCount`: a 4-byte integer in one node).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseSharedCount {
  /** The node's path. */
  readonly path: string
  /** The count now. */
  readonly value: () => Promise<number>
  /** The count with its version, for `trySet`. */
  readonly versioned: () => Promise<Versioned<number>>
  /** Sets the count. */
  readonly set: (value: number) => Promise<void>
  /** Sets the count only if it is still at the version `previous` was read at; whether it was. */
  readonly trySet: (previous: Versioned<number>, value: number) => Promise<boolean>
  /** Calls `listener` with the count at once and after every change; returns a function that stops it. */
  readonly onChange: (listener: (value: number) => void, onError?: (error: unknown) => void) => () => void
}

/**
 * A shared count at `path`, made with `seed` when the node does not exist yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sharedCount = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  seed: number
): Promise<PromiseSharedCount> => {
  const handle = await run(SharedCount.make(clientOf(zk), path, seed))
  return {
    path,
    value: () => run(handle.value),
    versioned: () => run(handle.versioned),
    set: (value) => run(handle.set(value)),
    trySet: (previous, value) => run(handle.trySet(previous, value)),
    onChange: (listener, onError) => follow(handle.changes, listener, onError)
  }
}
