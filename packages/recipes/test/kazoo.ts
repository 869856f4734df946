/**
 * A kazoo process (Debian's python3-kazoo under /usr/bin/python3) driven by the interop tests
 * over stdin/stdout lines (see kazoo/driver.py). Every wait is bounded; the process is killed
 * by its PID when the scope closes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Data, Deferred, Duration, Effect, Queue } from "effect"

const driver = fileURLToPath(new URL("./kazoo/driver.py", import.meta.url))

/** The kazoo side failed, or did not answer in time. */
export class KazooError extends Data.TaggedError("KazooError")<{ readonly message: string }> {}

/** An event line from the driver. */
export interface KazooEvent {
  readonly event: string
  readonly name?: string
}

/** A running kazoo process. */
export interface Kazoo {
  readonly pid: number
  /** Runs a command and waits (at most `timeout`) for its reply. */
  readonly call: (
    op: string,
    args?: Record<string, unknown>,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<unknown, KazooError>
  /** Starts a command without waiting; the returned Effect waits (at most `timeout`) for its reply. */
  readonly start: (
    op: string,
    args?: Record<string, unknown>
  ) => Effect.Effect<(timeout?: Duration.DurationInput) => Effect.Effect<unknown, KazooError>>
  /** Waits (at most `timeout`) for the next event with this name. */
  readonly nextEvent: (event: string, timeout?: Duration.DurationInput) => Effect.Effect<KazooEvent, KazooError>
}

/** Starts kazoo connected to `hosts` (with chroot); waits until it is connected. */
export const kazoo = (hosts: string) =>
  Effect.gen(function* () {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn("/usr/bin/python3", [driver, hosts], { stdio: ["pipe", "pipe", "pipe"] })),
      (proc: ChildProcessWithoutNullStreams) =>
        Effect.sync(() => {
          if (proc.exitCode === null && proc.pid !== undefined) {
            try {
              process.kill(proc.pid, "SIGKILL")
            } catch {
              // already gone
            }
          }
        })
    )
    const pid = child.pid
    if (pid === undefined) return yield* new KazooError({ message: "python3 did not start" })
    const pending = new Map<number, Deferred.Deferred<unknown, KazooError>>()
    const events = yield* Queue.unbounded<KazooEvent>()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    const lines = createInterface({ input: child.stdout })
    lines.on("line", (line) => {
      let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string; name?: string }
      try {
        message = JSON.parse(line)
      } catch {
        return
      }
      if (message.id === undefined) {
        if (message.event !== undefined) {
          Queue.unsafeOffer(events, message.name === undefined ? { event: message.event } : { event: message.event, name: message.name })
        }
        return
      }
      const waiter = pending.get(message.id)
      if (waiter === undefined) return
      pending.delete(message.id)
      Deferred.unsafeDone(
        waiter,
        message.ok === true
          ? Effect.succeed(message.result)
          : Effect.fail(new KazooError({ message: message.error ?? "unknown kazoo error" }))
      )
    })
    child.on("exit", (code) => {
      for (const waiter of pending.values()) {
        Deferred.unsafeDone(waiter, Effect.fail(new KazooError({ message: `kazoo exited (${code}): ${stderr}` })))
      }
      pending.clear()
    })
    let nextId = 1
    const bounded = <A>(effect: Effect.Effect<A, KazooError>, what: string, timeout: Duration.DurationInput) =>
      Effect.timeoutFail(effect, {
        duration: timeout,
        onTimeout: () => new KazooError({ message: `kazoo: no ${what} within ${Duration.format(Duration.decode(timeout))}; stderr: ${stderr}` })
      })
    const start = (op: string, args: Record<string, unknown> = {}) =>
      Effect.gen(function* () {
        const id = nextId++
        const reply = yield* Deferred.make<unknown, KazooError>()
        pending.set(id, reply)
        child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`)
        return (timeout: Duration.DurationInput = "20 seconds") => bounded(Deferred.await(reply), `reply to ${op}`, timeout)
      })
    const nextEvent = (event: string, timeout: Duration.DurationInput = "20 seconds") =>
      bounded(
        Effect.gen(function* () {
          while (true) {
            const e = yield* Queue.take(events)
            if (e.event === event) return e
          }
        }),
        `${event} event`,
        timeout
      )
    yield* nextEvent("ready", "30 seconds")
    const k: Kazoo = {
      pid,
      start,
      call: (op, args, timeout) => Effect.flatMap(start(op, args), (wait) => wait(timeout)),
      nextEvent
    }
    return k
  })
