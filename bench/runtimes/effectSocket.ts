// The contender BunZooKeeper.layer was measured against: the core's socket seam on
// @effect/platform-bun's `BunSocket.makeNet` (an Effect `Socket` over Node's `net` under Bun).
// It passes the conformance suite (`npx tsx scripts/runtime.ts bun bench/runtimes/conformance-effect-socket.ts`);
// kept here, not in the package, because Bun.connect was faster (packages/platform-bun/README.md).
//
// The fit: `run(handler)` opens the connection and feeds chunks to a synchronous handler (no
// fiber per chunk); its end is the close. The writer is an Effect, so each coalesced write of
// the engine forks a fiber to send it.
import * as BunSocket from "@effect/platform-bun/BunSocket"
import {
  type ConnectOptions,
  type Handler,
  type Socket,
  SocketError,
  type SocketConnector,
  type SocketHandlers,
  ZooKeeperHandler
} from "@effect-zk/core/Handler"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Scheduler, Scope } from "effect"

const addressOf = (o: ConnectOptions) => (o.host.includes(":") ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`)

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

export const connector: SocketConnector = {
  connect: (options: ConnectOptions, handlers: SocketHandlers) =>
    Effect.gen(function* () {
      const address = addressOf(options)
      const socket = yield* BunSocket.makeNet({
        host: options.host,
        port: options.port,
        noDelay: true,
        openTimeout: options.connectTimeoutMillis
      }).pipe(Effect.mapError((e) => new SocketError({ address, reason: e.message, cause: e })))
      const opened = yield* Deferred.make<void, SocketError>()
      let isOpen = false
      let closedLocally = false
      const writerScope = yield* Scope.make()
      const write = yield* Scope.extend(socket.writer, writerScope)
      const running = Effect.runFork(
        socket
          .run(
            (chunk) => {
              handlers.onData(chunk)
            },
            { onOpen: Effect.sync(() => (isOpen = true)).pipe(Effect.zipRight(Deferred.succeed(opened, undefined))) }
          )
          .pipe(
            // onExit, not exit + flatMap: a local close interrupts this fiber, and must be reported too.
            Effect.onExit((exit) =>
              Effect.sync(() => {
                const error = Exit.isFailure(exit)
                  ? new SocketError({ address, reason: reasonOf(exit.cause), cause: exit.cause })
                  : undefined
                if (!isOpen) {
                  Deferred.unsafeDone(opened, Exit.fail(error ?? new SocketError({ address, reason: "closed while connecting" })))
                  return
                }
                Effect.runFork(Scope.close(writerScope, Exit.void))
                handlers.onClose(
                  closedLocally ? undefined : (error ?? new SocketError({ address, reason: "closed by the server" }))
                )
              })
            )
          )
      )
      yield* Deferred.await(opened).pipe(Effect.onInterrupt(() => Fiber.interrupt(running)))
      const zkSocket: Socket = {
        remoteAddress: address,
        write: (chunks) => {
          Effect.runFork(Effect.ignore(write(concat(chunks))))
        },
        close: () => {
          if (closedLocally) return
          closedLocally = true
          Effect.runFork(Fiber.interrupt(running))
        }
      }
      return zkSocket
    })
}

export const handler: Handler = { name: "bun-effect-socket", connector, scheduler: Scheduler.defaultScheduler }

export const layer: Layer.Layer<ZooKeeperHandler> = Layer.succeed(ZooKeeperHandler, handler)
