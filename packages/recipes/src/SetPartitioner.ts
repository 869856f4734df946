/**
 * kazoo's `SetPartitioner`: divide a set of items among the members of a party so that each
 * item belongs to at most one member at a time, and divide it again when members come or go.
 *
 * ```ts
 * const p = yield* SetPartitioner.make(zk, "/work", ["q-1", "q-2", "q-3"], { timeBoundary: "5 seconds" })
 * for (;;) {                                  // kazoo's loop
 *   const state = yield* p.state
 *   if (state === "FAILURE") break
 *   if (state === "RELEASE") yield* p.releaseSet
 *   else if (state === "ACQUIRED") yield* work(yield* p.partitions)
 *   else yield* p.waitForAcquire()
 * }
 * // or follow p.states (a Stream of the states, ending with FAILURE)
 * ```
 *
 * The state machine is kazoo's:
 * - `ALLOCATING` → `ACQUIRED`: the party stayed unchanged for `timeBoundary`, and every item of
 *   this member's share is locked; `partitions` gives the share.
 * - `ACQUIRED` → `RELEASE`: the party changed (or the connection dropped / came back): call
 *   `releaseSet` soon, which unlocks the share and goes back to `ALLOCATING`.
 * - `ALLOCATING` / `ACQUIRED` → `FAILURE`: the session was lost, a lock could not be taken
 *   (other than by timing out), or `finish` was called. A failed partitioner is done for: make
 *   a new one.
 * While allocating, locks are tried `maxReactionTime` at a time; between tries a party change
 * aborts the round (the locks taken so far are released and allocation starts over).
 *
 * Ownership is held through kazoo's znodes, so kazoo members and these can share a set:
 * `<path>/party/<32 hex>-<identifier>` (a ShallowParty) and `<path>/locks/<item>` (each a
 * kazoo Lock). The share is `partitionFunc(identifier, members, set)`; by default kazoo's: sort
 * the items and the members' identifiers (Python's order) and take every n-th item starting at
 * this member's position. Identifiers must be unique: the default is 32 random hex digits
 * (kazoo uses `hostname-pid`).
 *
 * Leaving the scope calls `finish`: the locks are released and the member leaves the party.
 *
 * @since 0.1.0
 */
import type { KazooState } from "@effect-zk/core/ClientState"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { randomHex } from "./internal/encoding.js"
import * as Lock from "./Lock.js"
import * as Party from "./Party.js"
import * as PatientChildrenWatch from "./PatientChildrenWatch.js"

/**
 * The states of a partitioner (kazoo's `PartitionState`).
 *
 * @since 0.1.0
 * @category models
 */
export type PartitionState = "ALLOCATING" | "ACQUIRED" | "RELEASE" | "FAILURE"

/**
 * How to divide the set: this member's share, from its identifier, every member's identifier
 * and the whole set.
 *
 * @since 0.1.0
 * @category models
 */
export type PartitionFunction = (
  identifier: string,
  members: ReadonlyArray<string>,
  set: ReadonlyArray<string>
) => ReadonlyArray<string>

/**
 * Options of a partitioner.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetPartitionerOptions {
  /** How to divide the set; kazoo's by default (see {@link defaultPartitionFunction}). */
  readonly partitionFunc?: PartitionFunction | undefined
  /** This member's identifier, unique in the party. Default: 32 random hex digits. */
  readonly identifier?: string | undefined
  /** How long the party must stay unchanged before allocating (kazoo's `time_boundary`). Default 30 s. */
  readonly timeBoundary?: Duration.DurationInput | undefined
  /** How long each lock is tried before checking the party again (kazoo's `max_reaction_time`). Default 1 s. */
  readonly maxReactionTime?: Duration.DurationInput | undefined
}

/**
 * A partitioner: one member's view of the divided set.
 *
 * @since 0.1.0
 * @category models
 */
export interface SetPartitioner {
  /** The partitioner's path. */
  readonly path: string
  /** This member's identifier. */
  readonly identifier: string
  /** The current state. */
  readonly state: Effect.Effect<PartitionState>
  /** The current state, then every change; ends after FAILURE. */
  readonly states: Stream.Stream<PartitionState>
  /** This member's share (kazoo's `list(partitioner)`): while ACQUIRED, and in RELEASE until `releaseSet`; empty otherwise. */
  readonly partitions: Effect.Effect<ReadonlyArray<string>>
  /** Waits until the share is acquired, at most `timeout` (default 30 s), as kazoo's `wait_for_acquire`. */
  readonly waitForAcquire: (timeout?: Duration.DurationInput) => Effect.Effect<void>
  /** Releases the share and allocates again (kazoo's `release_set`), in RELEASE. */
  readonly releaseSet: Effect.Effect<void>
  /** Releases the share and leaves the party: FAILURE (kazoo's `finish`). */
  readonly finish: Effect.Effect<void>
}

const comparePython = (a: string, b: string): number => {
  const x = Array.from(a, (c) => c.codePointAt(0)!)
  const y = Array.from(b, (c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/**
 * kazoo's partition function: the items and the identifiers sorted (Python's string order), and
 * every n-th item from this member's position on (n members). A member not in the list gets
 * nothing.
 *
 * @since 0.1.0
 * @category partitioning
 */
export const defaultPartitionFunction: PartitionFunction = (identifier, members, set) => {
  const items = [...set].sort(comparePython)
  const workers = [...members].sort(comparePython)
  const i = workers.indexOf(identifier)
  if (i < 0) return []
  return items.filter((_, k) => k >= i && (k - i) % workers.length === 0)
}

/**
 * Joins the party at `<path>/party` and starts allocating the set (kazoo's
 * `client.SetPartitioner(path, set, ...)`); `finish` runs when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  set: ReadonlyArray<string>,
  options: SetPartitionerOptions = {}
): Effect.Effect<SetPartitioner, Party.PartyError | ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const identifier = options.identifier ?? randomHex()
    const partitionFunc = options.partitionFunc ?? defaultPartitionFunction
    const timeBoundary = Duration.decode(options.timeBoundary ?? "30 seconds")
    const maxReactionTime = Duration.decode(options.maxReactionTime ?? "1 second")
    const lockPath = `${path}/locks`
    const partyPath = `${path}/party`
    const outer = yield* Effect.scope

    let state: PartitionState = "ALLOCATING"
    let stateId = 0
    let partitionSet: ReadonlyArray<string> = []
    const stateRef = yield* SubscriptionRef.make<PartitionState>(state)
    const acquiredFlag = yield* SubscriptionRef.make(false)
    /** The locks of the current share, released together. */
    let locks: Scope.CloseableScope | undefined
    /** The scope of the current allocation round: its fiber and its party watch. */
    let round: Scope.CloseableScope | undefined

    const setState = (next: PartitionState) =>
      Effect.suspend(() => {
        state = next
        stateId++
        return SubscriptionRef.set(stateRef, next)
      })

    yield* client.ensurePath(path)
    yield* client.ensurePath(lockPath)
    yield* client.ensurePath(partyPath)
    const party = yield* Party.makeShallow(client, partyPath, identifier)
    yield* party.join

    // Transitions run whole: an interruption half-way would forget locks still held.
    const releaseLocks = Effect.uninterruptible(
      Effect.gen(function* () {
        const held = locks
        locks = undefined
        partitionSet = []
        if (held !== undefined) yield* Scope.close(held, Exit.void)
        yield* SubscriptionRef.set(acquiredFlag, false)
      })
    )

    const endRound = Effect.uninterruptible(
      Effect.suspend(() => {
        const r = round
        round = undefined
        return r === undefined ? Effect.void : Scope.close(r, Exit.void)
      })
    )

    const failOut = Effect.gen(function* () {
      yield* setState("FAILURE")
      yield* endRound
      if (yield* party.participating) yield* Effect.ignore(party.leave)
    })

    // The round goes first, so that no lock is being taken while the share is released. (From
    // the round's own fiber, closing its scope leaves that fiber running to its end.)
    const finish = Effect.uninterruptible(Effect.zipRight(Effect.zipRight(endRound, releaseLocks), failOut))

    /** One allocation round (kazoo's `_child_watching` + `_allocate_transition`). */
    const allocate = (roundScope: Scope.Scope): Effect.Effect<void, never> =>
      Effect.gen(function* () {
        const settled = yield* Effect.either(
          Scope.extend(PatientChildrenWatch.start(client, partyPath, timeBoundary), roundScope)
        )
        if (settled._tag === "Left") return yield* failOut
        let childrenChanged = false
        yield* Effect.forkIn(
          Effect.flatMap(settled.right.changed, () =>
            Effect.suspend(() => {
              childrenChanged = true
              return state === "ACQUIRED" ? setState("RELEASE") : Effect.void
            })
          ),
          roundScope
        )
        if (state !== "ALLOCATING") return
        const startId = stateId
        /** Whether to stop this round; restarts allocation after a party change. */
        const abortIfNeeded = Effect.suspend((): Effect.Effect<boolean> => {
          if (stateId === startId) {
            if (!childrenChanged) return Effect.succeed(false)
            return Effect.as(Effect.zipRight(releaseLocks, startRound), true)
          }
          return Effect.as(state === "ALLOCATING" || state === "ACQUIRED" ? setState("RELEASE") : Effect.void, true)
        })
        const members = yield* Effect.either(party.members)
        if (members._tag === "Left") return yield* finish
        const share = partitionFunc(identifier, members.right, set)
        const held = yield* Scope.make()
        locks = held
        for (const item of share) {
          const lock = yield* Lock.make(client, `${lockPath}/${item}`)
          for (;;) {
            const got = yield* Effect.either(Scope.extend(lock.acquire({ timeout: maxReactionTime }), held))
            if (got._tag === "Right") break
            if (got.left._tag !== "LockTimeoutError") return yield* finish
            if (yield* abortIfNeeded) return
          }
          if (yield* abortIfNeeded) return
        }
        if (stateId === startId && !childrenChanged) {
          partitionSet = share
          yield* setState("ACQUIRED")
          yield* SubscriptionRef.set(acquiredFlag, true)
          return
        }
        if (!(yield* abortIfNeeded)) yield* failOut
      })

    /** Starts a new round in the background, ending the previous one. */
    const startRound: Effect.Effect<void> = Effect.gen(function* () {
      const previous = round
      const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential)
      round = scope
      // interruptible even when started from a transition (which runs uninterruptibly)
      yield* Effect.forkIn(Effect.interruptible(allocate(scope)), scope)
      // The previous round's watch goes. Its fiber has returned, or is the one calling us (an
      // aborted round), which has nothing left to do: close it from another fiber.
      if (previous !== undefined) yield* Effect.forkDaemon(Scope.close(previous, Exit.void))
    })

    const onState = (s: KazooState) =>
      Effect.suspend(() => {
        if (state === "FAILURE") return Effect.void
        if (s === "LOST") return Effect.asVoid(Effect.forkIn(finish, outer))
        return state === "RELEASE" ? Effect.void : setState("RELEASE")
      })
    yield* client.listen((s) => onState(s.state))

    const releaseSet = Effect.uninterruptible(
      Effect.gen(function* () {
        yield* endRound
        yield* releaseLocks
        if (state === "FAILURE") return
        yield* setState("ALLOCATING")
        yield* startRound
      })
    )

    yield* Effect.addFinalizer(() => finish)
    yield* startRound

    return {
      path,
      identifier,
      state: Effect.sync(() => state),
      states: stateRef.changes.pipe(Stream.takeUntil((s) => s === "FAILURE")),
      partitions: Effect.sync(() => (state === "ACQUIRED" || state === "RELEASE" ? partitionSet : [])),
      waitForAcquire: (timeout = "30 seconds") =>
        acquiredFlag.changes.pipe(
          Stream.filter((b) => b),
          Stream.runHead,
          Effect.timeoutOption(timeout),
          Effect.asVoid
        ),
      releaseSet,
      finish
    }
  })
