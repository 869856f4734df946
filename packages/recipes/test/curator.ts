/**
 * A Curator process (Debian's libcurator-recipes-java and libcurator-discovery-java, compiled
 * against with javac) driven by
 * the interop tests over stdin/stdout lines (see curator/CuratorDriver.java). Every wait is
 * bounded; the process is killed by its PID when the scope closes.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Data, Duration, Effect, Queue } from "effect"

const source = fileURLToPath(new URL("./curator/CuratorDriver.java", import.meta.url))
const recipesJar = "/usr/share/java/curator-recipes.jar"
const discoveryJar = "/usr/share/java/curator-x-discovery.jar"
const classpath = `${recipesJar}:${discoveryJar}`

/** Why the Curator interop tests cannot run here, or undefined when they can. */
export const curatorUnavailable = ((): string | undefined => {
  if (!existsSync(recipesJar)) return `${recipesJar} is missing (Debian: apt-get install libcurator-recipes-java)`
  if (!existsSync(discoveryJar)) return `${discoveryJar} is missing (Debian: apt-get install libcurator-discovery-java)`
  try {
    execFileSync("javac", ["-version"], { stdio: "ignore" })
  } catch {
    return "javac is missing (a JDK is needed to compile the Curator driver)"
  }
  return undefined
})()

/** The Curator side failed, or did not answer in time. */
export class CuratorError extends Data.TaggedError("CuratorError")<{ readonly message: string }> {}

/** A running Curator process. */
export interface Curator {
  /** Sends a command line and waits (at most `timeout`) for its reply's result. */
  readonly call: (line: string, timeout?: Duration.DurationInput) => Effect.Effect<string, CuratorError>
}

/** Compiles the driver into a temporary folder, removed with the scope. */
const compiled = Effect.acquireRelease(
  Effect.try({
    try: () => {
      const dir = mkdtempSync(join(tmpdir(), "effect-zk-curator-"))
      execFileSync("javac", ["-d", dir, "-cp", classpath, source], { stdio: ["ignore", "ignore", "pipe"] })
      return dir
    },
    catch: (error) => new CuratorError({ message: `javac failed: ${String(error)}` })
  }),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Starts Curator connected to `hosts` (with chroot); waits until it is connected. */
export const curator = (hosts: string) =>
  Effect.gen(function* () {
    const dir = yield* compiled
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn("java", ["-cp", `${dir}:${classpath}`, "CuratorDriver", hosts], { stdio: ["pipe", "pipe", "pipe"] })),
      (proc) =>
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
    const replies = yield* Queue.unbounded<string>()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })
    createInterface({ input: child.stdout }).on("line", (line) => Queue.unsafeOffer(replies, line))
    child.on("exit", (code) => Queue.unsafeOffer(replies, `error exited (${code}): ${stderr}`))
    const next = (what: string, timeout: Duration.DurationInput) =>
      Effect.timeoutFail(Queue.take(replies), {
        duration: timeout,
        onTimeout: () => new CuratorError({ message: `curator: no ${what} within ${Duration.format(Duration.decode(timeout))}; stderr: ${stderr}` })
      })
    const ready = yield* next("ready", "40 seconds")
    if (ready !== "ready") return yield* new CuratorError({ message: `curator did not start: ${ready}` })
    const c: Curator = {
      call: (line, timeout = "20 seconds") =>
        Effect.gen(function* () {
          child.stdin.write(`${line}\n`)
          const reply = yield* next(`reply to ${line}`, timeout)
          if (reply.startsWith("ok ")) return reply.slice(3)
          return yield* new CuratorError({ message: `curator: ${line}: ${reply}` })
        })
    }
    return c
  })
