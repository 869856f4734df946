/**
 * The platform seam (kazoo's "handler"): what a runtime supplies — a socket connector and a
 * scheduler — and the sequential callback queues the client owns (session events, watch events).
 *
 * A platform package (`@effect-zk/platform-node`, `-bun`, `-deno`) provides a
 * {@link ZooKeeperHandler} layer; the core never looks at the runtime itself.
 *
 * @since 0.1.0
 */
import { Cause, Context, Data, Deferred, Effect, Fiber, Queue, type Scheduler, type Scope } from "effect"

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
 * One of the client's sequential callback queues (session events, watch events). Tasks run one at a time, in the order they were offered, on the queue's own
 * fiber, so a slow task delays only its own queue. A failing or dying task is logged and
 * does not stop the queue.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallbackQueue {
  /** The queue's name: `"session"` or `"watch"`. */
  readonly name: string
  /** Enqueues a task; false (and the task is dropped) once the queue is closed. Safe to call from any context. */
  readonly offer: (task: Effect.Effect<void, unknown>) => boolean
  /** Completes once every task offered so far has run. */
  readonly drained: Effect.Effect<void>
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
    type Item = { readonly task: Effect.Effect<void, unknown> } | { readonly done: Deferred.Deferred<void> }
    const queue = yield* Queue.unbounded<Item>()
    let open = true
    const runItem = (item: Item): Effect.Effect<void> =>
      "done" in item
        ? Deferred.succeed(item.done, undefined)
        : Effect.catchAllCause(item.task, (cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.void
              : Effect.logWarning(`effect-zk: a callback on the ${name} queue failed`, cause)
          )
    // Every task waiting is taken at once and run in order, one at a time: `forever` yields to
    // the scheduler after each round, and a yield per task would let each task's follow-up
    // work (a settled promise's next request, say) run between tasks instead of together.
    const worker = yield* Effect.forkDaemon(
      Effect.forever(
        Effect.flatMap(Queue.take(queue), (first) =>
          Effect.flatMap(Queue.takeAll(queue), (rest) =>
            rest.length === 0 ? runItem(first) : Effect.forEach([first, ...rest], runItem, { discard: true })
          )
        )
      )
    )
    const drained = Effect.suspend(() => {
      const done = Deferred.unsafeMake<void>(worker.id())
      return open ? Effect.zipRight(Queue.offer(queue, { done }), Deferred.await(done)) : Effect.void
    })
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        // Finalizers run uninterruptibly: the wait must be made interruptible for the bound to work.
        yield* Effect.timeout(Effect.interruptible(drained), options?.drainMillis ?? 1000).pipe(Effect.ignore)
        open = false
        // Shut the queue first: a worker whose running task swallowed the interruption then
        // finds the queue closed instead of waiting on it forever.
        yield* Queue.shutdown(queue)
        yield* Fiber.interrupt(worker)
      })
    )
    return {
      name,
      offer: (task) => open && queue.unsafeOffer({ task }),
      drained
    }
  })
