/**
 * A kazoo process (Debian's python3-kazoo under /usr/bin/python3, see driver.py) for the
 * Recipes II interop tests: one JSON line per command and per reply. Every wait is bounded, and
 * the process is killed by its PID when the scope closes.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Data, Deferred, Duration, Effect } from "effect"

const driver = fileURLToPath(new URL("./driver.py", import.meta.url))

/** The kazoo side failed, or did not answer in time. */
export class KazooProcessError extends Data.TaggedError("KazooProcessError")<{ readonly message: string }> {}

/** A running kazoo process. */
export interface KazooProcess {
  readonly pid: number
  /** Runs a command and waits, at most `timeout`, for its result. */
  readonly call: (
    op: string,
    args?: Record<string, unknown>,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<unknown, KazooProcessError>
}

/** Starts kazoo on `hosts` (chroot included) and waits, at most 30 s, until it is connected. */
export const kazooProcess = (hosts: string) =>
  Effect.gen(function* () {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn("/usr/bin/python3", [driver, hosts], { stdio: ["pipe", "pipe", "pipe"] })),
      (proc) =>
        Effect.sync(() => {
          if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
            try {
              process.kill(proc.pid, "SIGKILL")
            } catch {
              // already gone
            }
          }
        })
    )
    const pid = child.pid
    if (pid === undefined) return yield* new KazooProcessError({ message: "python3 did not start" })
    const ready = yield* Deferred.make<void, KazooProcessError>()
    const pending = new Map<number, Deferred.Deferred<unknown, KazooProcessError>>()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    createInterface({ input: child.stdout }).on("line", (line) => {
      let message: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string }
      try {
        message = JSON.parse(line)
      } catch {
        return
      }
      if (message.event === "ready") {
        Deferred.unsafeDone(ready, Effect.void)
        return
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id)
      if (waiter === undefined || message.id === undefined) return
      pending.delete(message.id)
      Deferred.unsafeDone(
        waiter,
        message.ok === true
          ? Effect.succeed(message.result)
          : Effect.fail(new KazooProcessError({ message: message.error ?? "unknown error" }))
      )
    })
    child.on("exit", (code) => {
      const error = new KazooProcessError({ message: `kazoo exited (${code}): ${stderr}` })
      Deferred.unsafeDone(ready, Effect.fail(error))
      for (const waiter of pending.values()) Deferred.unsafeDone(waiter, Effect.fail(error))
      pending.clear()
    })
    const bounded = <A>(effect: Effect.Effect<A, KazooProcessError>, what: string, timeout: Duration.DurationInput) =>
      Effect.timeoutFail(effect, {
        duration: timeout,
        onTimeout: () =>
          new KazooProcessError({
            message: `kazoo: no ${what} within ${Duration.format(Duration.decode(timeout))}; stderr: ${stderr}`
          })
      })
    yield* bounded(Deferred.await(ready), "connection", "30 seconds")
    let nextId = 1
    const call = (op: string, args: Record<string, unknown> = {}, timeout: Duration.DurationInput = "25 seconds") =>
      Effect.gen(function* () {
        const id = nextId++
        const reply = yield* Deferred.make<unknown, KazooProcessError>()
        pending.set(id, reply)
        child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`)
        return yield* bounded(Deferred.await(reply), `reply to ${op}`, timeout)
      })
    const k: KazooProcess = { pid, call }
    return k
  })
