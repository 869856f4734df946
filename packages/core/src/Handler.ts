/**
 * The platform seam (kazoo's "handler"): what a runtime supplies — a socket connector and a
 * scheduler — and the three sequential callback queues the client owns (session events, watch
 * events, completions).
 *
 * A platform package (`@effect-zk/platform-node`, `-bun`, `-deno`) provides a
 * {@link ZooKeeperHandler} layer; the core never looks at the runtime itself.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Scheduler from "effect/Scheduler"
import type * as Scope from "effect/Scope"
/**
 * A socket-level failure: could not connect, the peer reset the connection, a TLS handshake
 * failed, ... `address` is `host:port`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketError extends Data.TaggedError("SocketError")<{
  readonly address: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `socket ${this.address}: ${this.reason}`
  }
}

/**
 * TLS settings for a connection (used by platforms that support TLS).
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust; the platform's defaults when absent. */
  readonly ca?: string | undefined
  /** PEM client certificate. */
  readonly cert?: string | undefined
  /** PEM client private key. */
  readonly key?: string | undefined
  /** Passphrase of the private key. */
  readonly passphrase?: string | undefined
  /** Server name for SNI and certificate checks; the host when absent. */
  readonly serverName?: string | undefined
  /** Skips certificate verification. Dangerous: only for tests. */
  readonly dangerouslySkipVerification?: boolean | undefined
}

/**
 * Where and how to connect.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  readonly host: string
  readonly port: number
  readonly connectTimeoutMillis: number
  readonly tls?: TlsOptions | undefined
}

/**
 * Receives what a socket delivers. Both are called synchronously from the runtime's I/O
 * callbacks: they must not block.
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketHandlers {
  /** Bytes arrived. The chunk may be kept (it is not reused by the platform). */
  readonly onData: (chunk: Uint8Array) => void
  /** The socket closed; `error` is set unless the close was requested locally. Called once. */
  readonly onClose: (error: SocketError | undefined) => void
}

/**
 * An open connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Socket {
  /** Writes the chunks in order, as one write where the platform can. Never blocks. */
  readonly write: (chunks: ReadonlyArray<Uint8Array>) => void
  /** Closes the socket; `onClose` then follows with no error. Idempotent. */
  readonly close: () => void
  /** `host:port` of the peer. */
  readonly remoteAddress: string
  /**
   * Stops reading for about `millis` (then reads what came meanwhile in one go), for the
   * client's `readCoalescing`. Optional: a platform without it never pauses.
   */
  readonly pauseReading?: ((millis: number) => void) | undefined
}

/**
 * Opens sockets. The connection is opened in the background; the Effect completes once it is
 * established (or fails with {@link SocketError}, also on timeout). Interrupting it aborts
 * the attempt.
 *
 * @since 0.1.0
 * @category models
 */
export interface SocketConnector {
  readonly connect: (options: ConnectOptions, handlers: SocketHandlers) => Effect.Effect<Socket, SocketError>
}

/**
 * What a platform provides.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handler {
  /** A short name of the platform, e.g. `"node"`, for logs and spans. */
  readonly name: string
  /** Opens sockets. */
  readonly connector: SocketConnector
  /** The scheduler the client's fibers run on. */
  readonly scheduler: Scheduler.Scheduler
}

/**
 * The platform's {@link Handler}, provided by a platform package's layer.
 *
 * @since 0.1.0
 * @category tags
 */
export class ZooKeeperHandler extends Context.Tag("@effect-zk/core/Handler")<ZooKeeperHandler, Handler>() {}

/**
 * One of the client's sequential callback queues (session events, watch events,
 * completions). Tasks run one at a time, in the order they were offered, on the queue's own
 * fiber, so a slow task delays only its own queue. A failing or dying task is logged and
 * does not stop the queue.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallbackQueue {
  /** The queue's name: `"session"`, `"watch"` or `"completion"`. */
  readonly name: string
  /** Enqueues a task; false (and the task is dropped) once the queue is closed. Safe to call from any context. */
  readonly offer: (task: Effect.Effect<void, unknown>) => boolean
  /** `offer` for a plain function (a throw is logged like a failing task): no Effect is made per task. */
  readonly offerSync: (task: () => void) => boolean
  /** Completes once every task offered so far has run. */
  readonly drained: Effect.Effect<void>
  /**
   * True when nothing is queued or running and the worker waits for tasks: whatever is done
   * now (instead of offered) comes after every task offered before. The promise facade
   * settles a promise at once then, which runs no user code (a promise's callbacks run as
   * microtasks) and saves the worker's wake-up.
   */
  readonly isIdle: () => boolean
}

/**
 * Builds a {@link CallbackQueue} whose fiber lives in the current scope. Closing the scope
 * lets the tasks already queued run (for up to `drainMillis`, default 1 s), then stops it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCallbackQueue = (
  name: string,
  options?: { readonly drainMillis?: number }
): Effect.Effect<CallbackQueue, never, Scope.Scope> =>
  Effect.gen(function* () {
    // A plain function is queued as itself (no Effect per task): the promise facade settles
    // every promise through here.
    type Item =
      | { readonly task: Effect.Effect<void, unknown> }
      | { readonly done: Deferred.Deferred<void> }
      | (() => void)
    // The waiting tasks, and the worker's wake-up when it waits for some: a plain array and one
    // Effect.async per wake-up, which costs the worker far less per batch than a Queue's take.
    let items: Array<Item> = []
    let wake: ((effect: Effect.Effect<void>) => void) | undefined
    let open = true
    const enqueue = (item: Item): boolean => {
      if (!open) return false
      items.push(item)
      const w = wake
      if (w !== undefined) {
        wake = undefined
        w(Effect.void)
      }
      return true
    }
    const waitForTasks = Effect.async<void>((resume) => {
      if (items.length > 0) return resume(Effect.void)
      wake = resume
      return Effect.sync(() => {
        if (wake === resume) wake = undefined
      })
    })
    const failed = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logWarning(`effect-zk: a callback on the ${name} queue failed`, cause)
    // Runs a batch in order, one task at a time; consecutive plain functions in one step.
    const runBatch = (batch: ReadonlyArray<Item>): Effect.Effect<void> => {
      let i = 0
      const next: Effect.Effect<void> = Effect.suspend(() => {
        while (i < batch.length) {
          const item = batch[i++]!
          if (typeof item === "function") {
            try {
              item()
            } catch (defect) {
              return Effect.zipRight(failed(Cause.die(defect)), next)
            }
          } else if ("done" in item) {
            return Effect.zipRight(Deferred.succeed(item.done, undefined), next)
          } else {
            return Effect.zipRight(Effect.catchAllCause(item.task, failed), next)
          }
        }
        return Effect.void
      })
      return next
    }
    // Every task waiting is taken at once and run in order, one at a time, so that the
    // follow-up work of each (a settled promise's next request, say) runs after the whole batch.
    // (A loop without `Effect.forever`'s yield per round: the wait for tasks is the yield.)
    const round: Effect.Effect<void> = Effect.suspend(() => {
      if (!open) return Effect.interrupt
      if (items.length === 0) return waitForTasks
      const batch = items
      items = []
      return runBatch(batch)
    })
    const loop: Effect.Effect<never> = Effect.flatMap(round, () => loop)
    // Interruptible whatever the context that makes the queue (a client made in a finalizer,
    // say, which runs uninterruptibly); closing also wakes a waiting worker to end it.
    const worker = yield* Effect.forkDaemon(Effect.interruptible(loop))
    const drained = Effect.suspend(() => {
      const done = Deferred.unsafeMake<void>(worker.id())
      return enqueue({ done }) ? Deferred.await(done) : Effect.void
    })
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        // Finalizers run uninterruptibly: the wait must be made interruptible for the bound to work.
        // An idle worker (nothing queued, waiting for tasks) has nothing to drain.
        if (items.length > 0 || wake === undefined) {
          yield* Effect.timeout(Effect.interruptible(drained), options?.drainMillis ?? 1000).pipe(Effect.ignore)
        }
        open = false
        items = []
        const w = wake
        wake = undefined
        w?.(Effect.interrupt)
        yield* Fiber.interrupt(worker)
      })
    )
    return {
      name,
      offer: (task) => enqueue({ task }),
      offerSync: (task) => enqueue(task),
      drained,
      isIdle: () => open && wake !== undefined && items.length === 0
    }
  })
