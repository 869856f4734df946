/**
 * Leadership for a scope's lifetime (Curator's `LeaderLatch`): every participant keeps a
 * protected ephemeral sequential node under the latch's path, and the one whose node has the
 * lowest sequence number leads. Unlike `Election`'s `run`, nobody gives the leadership up
 * after a piece of work: a participant stays in the race until its scope closes, and watches
 * its own leadership come and go.
 *
 * ```ts
 * yield* Effect.scoped(Effect.gen(function* () {
 *   const latch = yield* LeaderLatch.make(zk, "/services/scheduler/leader", { id: "host-1" })
 *   // run the scheduler while leading; interrupted as soon as the leadership is lost
 *   yield* latch.changes.pipe(
 *     Stream.flatMap((leading) => (leading ? Stream.fromEffect(runScheduler) : Stream.empty), { switch: true }),
 *     Stream.runDrain
 *   )
 * }))
 * ```
 *
 * Semantics: the node (`<path>/_c_<32 hex digits>-latch-<10-digit sequence>`, data: the
 * participant's id) is kept by a {@link PersistentNode}: made again, at the back of the line,
 * when someone deletes it or when its session expires. A participant leads while its node is
 * the first `latch-` child by sequence number, as the latest read of the children says. A
 * suspended connection ends the leadership under the `"standard"` policy (the default: another
 * participant may lead before this one can know) and the children are read again once
 * connected; under `"session"` only a lost session ends it. Closing the scope ends the
 * leadership, then deletes the node. The layout is Curator's (its LeaderLatch sorts children by
 * what follows `latch-`), so a Curator process can take part (tested with Curator 5).
 *
 * @since 0.1.0
 */
import { validate } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { InvalidArgumentError, ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import type { KazooState } from "@effect-zk/core/ClientState"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as ChildrenWatch from "./ChildrenWatch.js"
import { type ConnectionStatePolicy, isLost } from "./ConnectionStatePolicy.js"
import { fromUtf8 } from "./internal/encoding.js"
import * as PersistentNode from "./PersistentNode.js"

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaderLatchOptions {
  /** This participant's id, the data of its node (listed by `participants`). Default "". */
  readonly id?: string | undefined
  /** What a suspended connection means for the leader. Default `"standard"` (the leadership ends). */
  readonly policy?: ConnectionStatePolicy | undefined
}

/**
 * A participant in a latch.
 *
 * @since 0.1.0
 * @category models
 */
export interface Participant {
  /** The participant's id (its node's data). */
  readonly id: string
  /** Whether its node is the first in line. */
  readonly isLeader: boolean
}

/**
 * One participant's handle; see the module documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface LeaderLatch {
  /** The latch's path. */
  readonly path: string
  /** This participant's id. */
  readonly id: string
  /** Whether this participant leads now. */
  readonly isLeader: Effect.Effect<boolean>
  /** Whether this participant leads: at once, then at every change; ends when the latch's scope closes. */
  readonly changes: Stream.Stream<boolean>
  /** Waits until this participant leads (true, at once if it does) or the latch's scope closes (false). */
  readonly awaitLeadership: Effect.Effect<boolean>
  /** This participant's node while it exists, none while it is being (re)made. */
  readonly node: Effect.Effect<Option.Option<string>>
  /** Why this participant's node could not be made the last time (NoAuth, say); none once it exists. */
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError>>
  /** Every participant in line order, the leader first (Curator's `getParticipants`). */
  readonly participants: Effect.Effect<ReadonlyArray<Participant>, ZooKeeperError>
}

const LATCH = "latch-"
const isLatchNode = (name: string): boolean => /latch-\d{10}$/.test(name)
/** Curator's order: by what follows `latch-` (the sequence number). */
const inLine = (children: ReadonlyArray<string>): ReadonlyArray<string> =>
  children.filter(isLatchNode).sort((a, b) => {
    const x = a.slice(a.lastIndexOf(LATCH))
    const y = b.slice(b.lastIndexOf(LATCH))
    return x < y ? -1 : x > y ? 1 : 0
  })
const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

type Signal =
  | { readonly _tag: "Node"; readonly path: Option.Option<string> }
  | { readonly _tag: "Children"; readonly children: ReadonlyArray<string> }
  | { readonly _tag: "State"; readonly state: KazooState }

/**
 * Joins the latch at `path` for the scope's lifetime. Returns at once (the node is being made);
 * {@link LeaderLatch.awaitLeadership} waits to lead. Fails only for an invalid path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  options: LeaderLatchOptions = {}
): Effect.Effect<LeaderLatch, InvalidArgumentError, Scope.Scope> =>
  Effect.gen(function* () {
    const bad = validate(path, { op: "LeaderLatch" })
    if (bad !== undefined) return yield* Effect.fail(bad)
    const id = options.id ?? ""
    const policy = options.policy ?? "standard"
    const leading = yield* SubscriptionRef.make(false)
    const closed = yield* Deferred.make<void>()
    // Registered before the node, so that closing the scope ends the leadership before the
    // node is deleted (finalizers run in reverse order).
    yield* Effect.addFinalizer(() => Effect.zipRight(SubscriptionRef.set(leading, false), Deferred.succeed(closed, undefined)))
    const changes = Stream.interruptWhen(leading.changes, Deferred.await(closed))
    const signals = yield* Effect.acquireRelease(Queue.unbounded<Signal>(), Queue.shutdown)
    yield* client.listen((s) => {
      Queue.unsafeOffer(signals, { _tag: "State", state: s.state })
    })
    const node = yield* PersistentNode.make(client, path === "/" ? `/${LATCH}` : `${path}/${LATCH}`, {
      data: id,
      sequential: true
    })

    // The node's path, as it comes and goes.
    yield* node.changes.pipe(
      Stream.runForEach((p) => Queue.offer(signals, { _tag: "Node", path: p })),
      Effect.forkScoped
    )
    // The latch's children: watched once the node (and so the latch's path) exists; watched
    // again should the path itself be deleted.
    const watchChildren: Effect.Effect<void> = Effect.zipRight(
      node.awaitPresent,
      ChildrenWatch.stream(client, path).pipe(
        Stream.runForEach((change: ChildrenWatch.Change) => Queue.offer(signals, { _tag: "Children", children: change.children })),
        Effect.ignore
      )
    )
    yield* Effect.forever(Effect.zipRight(watchChildren, Effect.sleep("100 millis"))).pipe(Effect.forkScoped)

    // One fiber decides, in the order the signals came.
    let mine: Option.Option<string> = Option.none()
    let line: ReadonlyArray<string> = []
    let connected = (yield* client.state).state === "CONNECTED"
    // After a suspension the last children read may be stale: no leadership until read again.
    let fresh = connected
    const reread = client.getChildren(path).pipe(
      Effect.flatMap((children) => Queue.offer(signals, { _tag: "Children", children })),
      Effect.ignore,
      Effect.forkScoped
    )
    const decide = Effect.gen(function* () {
      const signal = yield* Queue.take(signals)
      switch (signal._tag) {
        case "Node":
          mine = signal.path
          break
        case "Children":
          line = inLine(signal.children)
          if (connected) fresh = true
          break
        case "State":
          if (signal.state === "CONNECTED") {
            if (!connected) {
              connected = true
              yield* reread
            }
          } else if (isLost(policy, signal.state)) {
            connected = false
            fresh = false
          }
          break
      }
      const leads = fresh && Option.isSome(mine) && line.length > 0 && line[0] === baseName(mine.value)
      if (leads !== (yield* SubscriptionRef.get(leading))) yield* SubscriptionRef.set(leading, leads)
    })
    yield* Effect.forever(decide).pipe(Effect.forkScoped)

    const participants = Effect.gen(function* () {
      const children = inLine(yield* client.getChildren(path))
      const out: Array<Participant> = []
      for (const child of children) {
        const data = yield* Effect.option(client.get(path === "/" ? `/${child}` : `${path}/${child}`))
        if (Option.isSome(data)) out.push({ id: fromUtf8(data.value.data), isLeader: out.length === 0 })
      }
      return out as ReadonlyArray<Participant>
    })

    return {
      path,
      id,
      isLeader: SubscriptionRef.get(leading),
      changes,
      awaitLeadership: Effect.map(Stream.runHead(Stream.filter(changes, (l) => l)), Option.isSome),
      node: node.current,
      lastError: node.lastError,
      participants
    }
  })
