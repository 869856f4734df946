/**
 * kazoo's `DoubleBarrier`: synchronises the start and the end of a task among `numClients`
 * processes. `enter` waits until that many have entered; `leave` waits until all have left.
 *
 * ```ts
 * const barrier = yield* DoubleBarrier.make(zk, "/barriers/job-42", 3, { identifier: "worker-1" })
 * yield* barrier.enter({ timeout: "1 minute" })
 * yield* doOurShare
 * yield* barrier.leave({ timeout: "1 minute" })
 * ```
 *
 * The znodes are kazoo's: each participant creates the ephemeral node `path/<32 hex digits>`
 * holding its identifier; the one that completes the count creates `path/ready`; leaving
 * deletes `ready`, then the participants delete their nodes — the lowest name last — each
 * watching the node it waits for with getData. Curator's DistributedDoubleBarrier keeps the same
 * nodes (its names are UUIDs), and takes part in the same barrier (tested against Curator 5).
 *
 * Beyond kazoo: `enter` and `leave` take a timeout (`LockTimeoutError`), are interruptible, and
 * on failure remove our node and fail (kazoo swallows the error); `enter` also succeeds when
 * `ready` already exists, and any event re-checks instead of waiting for one kind only.
 *
 * @since 0.1.0
 */
import { Path, type ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import { InvalidArgumentError, LockTimeoutError } from "@effect-zk/core/ZooKeeperError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { randomHex, utf8 } from "./internal/encoding.js"
import { withWatch } from "./internal/oneShot.js"
import { retryForever } from "./internal/retry.js"
import { removeNode } from "./internal/session.js"

/**
 * A double-barrier handle (one participant).
 *
 * @since 0.1.0
 * @category models
 */
export interface DoubleBarrier {
  /** The barrier's path. */
  readonly path: string
  /** How many participants must enter before any proceeds (kazoo's `num_clients`). */
  readonly numClients: number
  /** This participant's identifier, stored in its node. */
  readonly identifier: string
  /** The name of this participant's node under `path`. */
  readonly nodeName: string
  /** Whether this participant has entered and not left (kazoo's `participating`). */
  readonly participating: Effect.Effect<boolean>
  /** Enters and waits until `numClients` participants have entered. */
  readonly enter: (options?: {
    readonly timeout?: Duration.DurationInput | undefined
  }) => Effect.Effect<void, LockTimeoutError | ZooKeeperError.ZooKeeperError>
  /** Leaves and waits until every participant has left. */
  readonly leave: (options?: {
    readonly timeout?: Duration.DurationInput | undefined
  }) => Effect.Effect<void, LockTimeoutError | ZooKeeperError.ZooKeeperError>
}

/**
 * A double-barrier handle on `path` for `numClients` participants (kazoo's
 * `client.DoubleBarrier(path, num_clients, identifier)`). The identifier defaults to "" (kazoo's
 * is the host name and process id). Fails with InvalidArgumentError when `numClients` is not a
 * positive integer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  numClients: number,
  options: { readonly identifier?: string | undefined } = {}
): Effect.Effect<DoubleBarrier, InvalidArgumentError> =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(numClients) || numClients < 1) {
      return yield* new InvalidArgumentError({
        op: "DoubleBarrier.make",
        path,
        argument: "numClients",
        reason: `must be a positive integer, got ${numClients}`
      })
    }
    const identifier = options.identifier ?? ""
    const nodeName = randomHex()
    const createPath = Path.join(path, nodeName)
    const readyPath = Path.join(path, "ready")
    let participating = false
    let assuredPath = false

    const bounded = <A, E>(effect: Effect.Effect<A, E>, timeout: Duration.DurationInput | undefined) => {
      if (timeout === undefined) return effect
      const duration = Duration.decode(timeout)
      return Effect.timeoutFail(effect, {
        duration,
        onTimeout: () => new LockTimeoutError({ path, timeoutMillis: Duration.toMillis(duration) })
      })
    }
    const cleanup = removeNode(client, Effect.succeed(createPath), true)

    const enterPass = Effect.gen(function* () {
      if (!assuredPath) {
        yield* client.ensurePath(path)
        assuredPath = true
      }
      yield* Effect.catchTag(client.create(createPath, { data: utf8(identifier), ephemeral: true }), "NodeExistsError", () =>
        Effect.void
      )
      while (true) {
        // Each look watches `ready`; the watch goes when the look ends (entered, timed out,
        // interrupted, failed), unless it fired.
        const entered = yield* withWatch(client.existsAndWatch(readyPath), (ready) =>
          Effect.gen(function* () {
            if (Option.isSome(ready.stat)) return true
            const children = yield* client.getChildren(path)
            if (children.length >= numClients) {
              yield* client.ensurePath(readyPath)
              return true
            }
            yield* ready.event
            return false
          })
        )
        if (entered) return
      }
    })

    const leavePass = Effect.gen(function* () {
      yield* Effect.catchTag(client.delete(readyPath), "NoNodeError", () => Effect.void)
      while (true) {
        const children = [...(yield* client.getChildren(path))]
        if (children.length === 0) return
        if (children.length === 1 && children[0] === nodeName) {
          yield* Effect.catchTag(client.delete(createPath), "NoNodeError", () => Effect.void)
          return
        }
        children.sort()
        // The lowest waits for the highest to go; the others go, then wait for the lowest.
        const awaited = nodeName === children[0] ? children[children.length - 1]! : children[0]!
        if (nodeName !== children[0]) {
          yield* Effect.catchTag(client.delete(createPath), "NoNodeError", () => Effect.void)
        }
        // until it changes; gone already: look again
        yield* withWatch(client.getAndWatch(Path.join(path, awaited)), (watched) => watched.event).pipe(
          Effect.catchTag("NoNodeError", () => Effect.void)
        )
      }
    })

    const barrier: DoubleBarrier = {
      path,
      numClients,
      identifier,
      nodeName,
      participating: Effect.sync(() => participating),
      enter: (enterOptions = {}) =>
        bounded(retryForever(enterPass), enterOptions.timeout).pipe(
          Effect.onExit((exit) =>
            Effect.zipRight(
              Effect.sync(() => {
                participating = exit._tag === "Success"
              }),
              exit._tag === "Success" ? Effect.void : cleanup
            )
          )
        ),
      leave: (leaveOptions = {}) =>
        bounded(retryForever(leavePass), leaveOptions.timeout).pipe(
          Effect.onExit((exit) =>
            Effect.zipRight(
              Effect.sync(() => {
                participating = false
              }),
              exit._tag === "Success" ? Effect.void : cleanup
            )
          )
        )
    }
    return barrier
  })
