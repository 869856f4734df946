/**
 * The coordination recipes for promise code (the promise facade's `connect()`), for programs
 * that do not use Effect: locks, read/write locks, semaphores, leases, elections, leader
 * latches, service discovery, kazoo's data and children watches and tree cache, counters,
 * barriers, parties, group members, queues (kazoo's plain and locking ones and Curator's, items
 * as async iterables), shared counts and values, and set partitioners, with async methods and
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
 * (Longer than this codebase's ~600 lines on purpose: promise code imports one name for every
 * recipe, and each section only adapts one recipe module, turning its scope into `close()` or
 * `release()` and its streams into callbacks or async iterables; the recipes' logic stays in
 * their own modules.)
 *
 * @since 0.1.0
 */
import type { PromiseZooKeeper } from "@effect-zk/core/Promise"
import type { WatchedEvent } from "@effect-zk/core/ClientState"
import type { NodeData, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as HashMap from "effect/HashMap"
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
import * as GroupMember from "./GroupMember.js"
import type { Held } from "./Held.js"
import { utf8 } from "./internal/encoding.js"
import * as LeaderLatch from "./LeaderLatch.js"
import * as Lock from "./Lock.js"
import * as LockingQueue from "./LockingQueue.js"
import * as MultiNonBlockingLease from "./MultiNonBlockingLease.js"
import * as NonBlockingLease from "./NonBlockingLease.js"
import * as Party from "./Party.js"
import * as Queue from "./Queue.js"
import * as ReadLock from "./ReadLock.js"
import type { LockLostError } from "./RecipeError.js"
import * as Semaphore from "./Semaphore.js"
import * as ServiceDiscovery from "./ServiceDiscovery.js"
import * as SetPartitioner from "./SetPartitioner.js"
import * as SharedCount from "./SharedCount.js"
import * as SharedValue from "./SharedValue.js"
import type { Versioned } from "./SharedValue.js"
import * as TreeCache from "./TreeCache.js"
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

/**
 * A shared byte value (Curator's `SharedValue`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseSharedValue {
  /** The node's path. */
  readonly path: string
  /** The value now. */
  readonly value: () => Promise<Uint8Array>
  /** The value with its version, for `trySet`. */
  readonly versioned: () => Promise<Versioned<Uint8Array>>
  /** Sets the value (a string as UTF-8). */
  readonly set: (value: Bytes) => Promise<void>
  /** Sets the value only if it is still at the version `previous` was read at; whether it was. */
  readonly trySet: (previous: Versioned<Uint8Array>, value: Bytes) => Promise<boolean>
  /** Calls `listener` with the value at once and after every change; returns a function that stops it. */
  readonly onChange: (listener: (value: Uint8Array) => void, onError?: (error: unknown) => void) => () => void
}

const bytesOf = (value: Bytes): Uint8Array => (typeof value === "string" ? utf8(value) : value)

/**
 * A shared value at `path`, made with `seed` (a string as UTF-8) when the node does not exist yet.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sharedValue = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  seed: Bytes
): Promise<PromiseSharedValue> => {
  const handle = await run(SharedValue.make(clientOf(zk), path, seed))
  return {
    path,
    value: () => run(handle.value),
    versioned: () => run(handle.versioned),
    set: (value) => run(handle.set(bytesOf(value))),
    trySet: (previous, value) => run(handle.trySet(previous, bytesOf(value))),
    onChange: (listener, onError) => follow(handle.changes, listener, onError)
  }
}

/**
 * The outcome of a lease attempt (kazoo's `NonBlockingLease` / `MultiNonBlockingLease`), with a
 * way to end a lease obtained.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseLease extends NonBlockingLease.LeaseResult {
  /**
   * Ends the lease now if this attempt obtained it: renews it for no time (kazoo's record, its
   * end now), so that anyone may take it at once; it leaves a lease someone else has taken since
   * alone, and does nothing for an attempt that obtained nothing. Idempotent.
   */
  readonly release: () => Promise<void>
}

const leaseOf = (client: ZooKeeperClient, result: NonBlockingLease.LeaseResult, options: NonBlockingLease.LeaseOptions): PromiseLease => {
  let released: Promise<void> | undefined
  return {
    ...result,
    release: () => {
      if (!result.obtained) return Promise.resolve()
      // a failed release may be tried again
      released ??= run(Effect.asVoid(NonBlockingLease.obtain(client, result.path, 0, options))).catch((error: unknown) => {
        released = undefined
        return Promise.reject(error)
      })
      return released
    }
  }
}

/**
 * Tries to obtain (or renew, with the same identifier) the lease on `path` for `duration`,
 * without waiting for it (kazoo's `NonBlockingLease`): `obtained` tells whether it is ours.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lease = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  duration: Timeout,
  options: NonBlockingLease.LeaseOptions
): Promise<PromiseLease> => {
  const client = clientOf(zk)
  return leaseOf(client, await run(NonBlockingLease.obtain(client, path, duration, options)), options)
}

/**
 * Tries the `count` lease slots under `path` in order and takes the first it can obtain or
 * renew (kazoo's `MultiNonBlockingLease`); `path` is the slot obtained, or the last one tried.
 * Rejects with InvalidArgumentError for a `count` that is not a positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const multiLease = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  count: number,
  path: string,
  duration: Timeout,
  options: NonBlockingLease.LeaseOptions
): Promise<PromiseLease> => {
  const client = clientOf(zk)
  return leaseOf(client, await run(MultiNonBlockingLease.obtain(client, count, path, duration, options)), options)
}

/**
 * A locking queue (kazoo's `LockingQueue`): a taken item is locked for this handle, and leaves
 * the queue only when consumed; released, or when the session ends, it goes back to the others.
 * One item at a time per handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseLockingQueue {
  /** The queue's path. */
  readonly path: string
  /** This handle's id, stored in the locks it takes. */
  readonly id: string
  /** Puts an item with a priority from 0 to 999, lower first (default 100); the path of its node. */
  readonly put: (item: Bytes, priority?: number) => Promise<string>
  /** Puts several items at once (all or none); the paths of their nodes. */
  readonly putAll: (items: ReadonlyArray<Bytes>, priority?: number) => Promise<ReadonlyArray<string>>
  /**
   * Locks and gives the next free item, waiting for one up to `timeout` (as long as it takes by
   * default); undefined when the timeout passed. An item taken and not yet consumed or released
   * is given again.
   */
  readonly get: (options?: { readonly timeout?: Timeout | undefined }) => Promise<Uint8Array | undefined>
  /** Whether this handle still holds the lock on its item (kazoo's `holds_lock`). */
  readonly holdsLock: () => Promise<boolean>
  /** Removes the item taken from the queue if its lock is still held; whether it did. */
  readonly consume: () => Promise<boolean>
  /** Gives the item taken back to the queue; false when there is nothing to release. */
  readonly release: () => Promise<boolean>
  /** The number of items, locked ones included. */
  readonly length: () => Promise<number>
  /**
   * Takes the next item (waiting for one), runs `f` on it, consumes it when `f` resolves and
   * releases it when `f` rejects (passing the rejection on); `f`'s result.
   */
  readonly process: <A>(f: (item: Uint8Array) => Promise<A>) => Promise<A>
}

/**
 * kazoo's `LockingQueue` at `path`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lockingQueue = (zk: PromiseZooKeeper | ZooKeeperClient, path: string): PromiseLockingQueue => {
  const handle = made(LockingQueue.make(clientOf(zk), path))
  return {
    path,
    id: handle.id,
    put: (item, priority) => run(handle.put(item, priority)),
    putAll: (items, priority) => run(handle.putAll(items, priority)),
    get: (options = {}) =>
      run(Effect.map(handle.get(options.timeout === undefined ? {} : { timeout: options.timeout }), Option.getOrUndefined)),
    holdsLock: () => run(handle.holdsLock),
    consume: () => run(handle.consume),
    release: () => run(handle.release),
    length: () => run(handle.length),
    process: (f) =>
      run(
        Effect.flatMap(
          Stream.runHead(handle.process((item) => Effect.tryPromise({ try: () => f(item), catch: (error) => error }))),
          Option.match({ onNone: () => Effect.dieMessage("the queue's process stream ended"), onSome: Effect.succeed })
        )
      )
  }
}

/**
 * A membership of a group (Curator's `GroupMember`), until `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseGroupMember {
  /** The group's path. */
  readonly path: string
  /** This member's id. */
  readonly id: string
  /** Resolves once this member's node exists. */
  readonly awaitPresent: () => Promise<void>
  /** Changes this member's data (Curator's `setThisData`). */
  readonly setData: (data: Bytes) => Promise<void>
  /** The members now, id → data by id, this one included (Curator's `getCurrentMembers`). */
  readonly members: () => Promise<GroupMember.Members>
  /**
   * Calls `listener` with the members at once and after every join, departure and data change,
   * until the returned function is called or the membership is closed.
   */
  readonly onChange: (listener: (members: GroupMember.Members) => void, onError?: (error: unknown) => void) => () => void
  /** Leaves the group (its node is deleted) and stops the listeners; idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Joins the group at `path` as `id` (Curator's `GroupMember`, its node made again after a
 * session loss) until `close()`. Rejects with InvalidArgumentError for a bad path, id or data.
 *
 * @since 0.1.0
 * @category constructors
 */
export const groupMember = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  id: string,
  options: GroupMember.Options = {}
): Promise<PromiseGroupMember> => {
  const [member, scope] = await inScope(GroupMember.make(clientOf(zk), path, id, options))
  // the listeners' stop functions, called by close
  const listeners = new Set<() => void>()
  let left = false
  Effect.runSync(
    Scope.addFinalizer(
      scope,
      Effect.sync(() => {
        left = true
        for (const stop of listeners) stop()
        listeners.clear()
      })
    )
  )
  return {
    path,
    id,
    awaitPresent: () => run(member.awaitPresent),
    setData: (data) => run(member.setData(data)),
    members: () => run(member.members),
    onChange: (listener, onError) => {
      if (left) return () => {}
      const stop = follow(member.changes, listener, onError)
      listeners.add(stop)
      return () => {
        listeners.delete(stop)
        stop()
      }
    },
    close: closer(scope)
  }
}

/**
 * A tree cache (kazoo's `TreeCache`): an in-memory copy of a subtree, kept up to date once
 * started. Its reads are synchronous: they read the copy.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseTreeCache {
  /** The root of the cached subtree. */
  readonly path: string
  /**
   * Starts following the tree (the root is created if missing) until `close()`; resolves once
   * started, before the tree is loaded (an `INITIALIZED` event, or `initialized()`, tells).
   * Rejects with TreeCacheStateError when started already or closed.
   */
  readonly start: () => Promise<void>
  /**
   * Calls `listener` with every event from now on (listen before `start()` to see the whole
   * tree added), until the returned function is called; `onEnd` is called when the cache
   * closes.
   */
  readonly listen: (
    listener: (event: TreeCache.TreeEvent) => void,
    handlers?: { readonly onError?: (error: unknown) => void; readonly onEnd?: () => void }
  ) => () => void
  /**
   * Calls `listener` with each fault met while following the tree (kazoo's `listen_fault`: a
   * read the server refused, the client closed) until the returned function is called.
   */
  readonly onFault: (listener: (error: unknown) => void) => () => void
  /** Waits until the tree is loaded: true, or false when `timeout` passed or the cache closed first. */
  readonly initialized: (options?: { readonly timeout?: Timeout | undefined }) => Promise<boolean>
  /** Whether the tree is loaded (since the start, or since the last session loss). */
  readonly isInitialized: () => boolean
  /** A cached node, undefined if not cached; throws InvalidArgumentError for a path outside the tree. */
  readonly getData: (path: string) => TreeCache.NodeData | undefined
  /** A cached node's child names, sorted; undefined if not cached; throws as `getData`. */
  readonly getChildren: (path: string) => ReadonlyArray<string> | undefined
  /** Every cached node by path, in path order: a copy of the tree at this moment. */
  readonly snapshot: () => ReadonlyMap<string, TreeCache.NodeData>
  /** Stops following the tree and forgets it; the listeners end. Idempotent; a closed cache cannot start again. */
  readonly close: () => Promise<void>
}

/**
 * A tree cache of the subtree at `path`, not started yet. Throws InvalidArgumentError at once
 * for an invalid path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const treeCache = (zk: PromiseZooKeeper | ZooKeeperClient, path: string): PromiseTreeCache => {
  const cache = made(TreeCache.make(clientOf(zk), path))
  // the first start's scope (only the first can succeed), or undefined if it failed
  let started: Promise<Scope.CloseableScope | undefined> | undefined
  let closing: Promise<void> | undefined
  const closed = Effect.runSync(Deferred.make<void>())
  return {
    path,
    start: () => {
      if (closing !== undefined) return Promise.reject(new TreeCache.TreeCacheStateError({ path, reason: "already closed" }))
      const attempt = inScope(cache.start)
      started ??= attempt.then(
        ([, scope]) => scope,
        () => undefined
      )
      return attempt.then(() => undefined)
    },
    listen: (listener, handlers = {}) => {
      // the subscription lives in its own scope, closed on stop: events stop piling up for it
      const scope = Effect.runSync(Scope.make())
      const events = Effect.runSync(Scope.extend(cache.events, scope))
      const stop = follow(Stream.interruptWhen(events, Deferred.await(closed)), listener, handlers.onError, handlers.onEnd)
      return () => {
        stop()
        void closeScope(scope)
      }
    },
    onFault: (listener) => {
      let stopped = false
      Effect.runSync(
        cache.listenFault((error) => {
          if (!stopped) listener(error)
        })
      )
      return () => {
        stopped = true
      }
    },
    initialized: (options = {}) => {
      const loaded = Effect.raceFirst(Effect.as(cache.initialized, true), Effect.as(Deferred.await(closed), false))
      return run(
        options.timeout === undefined
          ? loaded
          : Effect.timeoutTo(loaded, { duration: options.timeout, onTimeout: () => false, onSuccess: (b) => b })
      )
    },
    isInitialized: () => Effect.runSync(cache.isInitialized),
    getData: (p) => Option.getOrUndefined(made(cache.getData(p))),
    getChildren: (p) => Option.getOrUndefined(made(cache.getChildren(p))),
    snapshot: () =>
      new Map([...HashMap.toEntries(Effect.runSync(cache.snapshot))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    close: () => {
      closing ??= (async () => {
        // a start under way is let finish, so that nothing follows the tree after close
        const scope = await started
        if (scope !== undefined) await closeScope(scope)
        await run(Effect.zipRight(cache.close, Deferred.succeed(closed, undefined)))
      })()
      return closing
    }
  }
}

/**
 * A member of a set partitioner (kazoo's `SetPartitioner`), until `close()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseSetPartitioner {
  /** The partitioner's path. */
  readonly path: string
  /** This member's identifier. */
  readonly identifier: string
  /** The state now: ALLOCATING, ACQUIRED, RELEASE or FAILURE. */
  readonly state: () => SetPartitioner.PartitionState
  /** This member's share (kazoo's `list(partitioner)`): while ACQUIRED, and in RELEASE until `releaseSet()`; empty otherwise. */
  readonly partitions: () => ReadonlyArray<string>
  /**
   * Calls `listener` with the state and this member's share at that moment, at once and on every
   * change, until the returned function is called; `onEnd` is called after FAILURE. In RELEASE,
   * call `releaseSet()` soon.
   */
  readonly onChange: (
    listener: (state: SetPartitioner.PartitionState, partitions: ReadonlyArray<string>) => void,
    handlers?: { readonly onError?: (error: unknown) => void; readonly onEnd?: () => void }
  ) => () => void
  /** Waits until the share is acquired, at most `timeout` (default 30 s; kazoo's `wait_for_acquire`). */
  readonly waitForAcquire: (timeout?: Timeout) => Promise<void>
  /** Releases the share and allocates again (kazoo's `release_set`), in RELEASE. */
  readonly releaseSet: () => Promise<void>
  /** Releases the share and leaves the party: FAILURE (kazoo's `finish`); idempotent. */
  readonly close: () => Promise<void>
}

/**
 * Joins the partitioner at `path` dividing `set` (`SetPartitioner.make`'s options) and starts
 * allocating, until `close()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const setPartitioner = async (
  zk: PromiseZooKeeper | ZooKeeperClient,
  path: string,
  set: ReadonlyArray<string>,
  options: SetPartitioner.SetPartitionerOptions = {}
): Promise<PromiseSetPartitioner> => {
  const [partitioner, scope] = await inScope(SetPartitioner.make(clientOf(zk), path, set, options))
  const partitions = (state: SetPartitioner.PartitionState) =>
    state === "ACQUIRED" || state === "RELEASE" ? Effect.runSync(partitioner.partitions) : []
  return {
    path,
    identifier: partitioner.identifier,
    state: () => Effect.runSync(partitioner.state),
    partitions: () => Effect.runSync(partitioner.partitions),
    onChange: (listener, handlers = {}) =>
      follow(partitioner.states, (state) => listener(state, partitions(state)), handlers.onError, handlers.onEnd),
    waitForAcquire: (timeout) => run(partitioner.waitForAcquire(timeout)),
    releaseSet: () => run(partitioner.releaseSet),
    close: closer(scope)
  }
}
