// When the Node process goes away without closing its clusters, the JVMs and folders go too.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { isAlive } from "./helpers.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const fixture = fileURLToPath(new URL("./fixtures/abandon.ts", import.meta.url))

interface Abandoned {
  readonly started: { readonly pids: ReadonlyArray<number>; readonly dirs: ReadonlyArray<string> }
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** Runs the fixture; once it has printed its cluster, `onStarted` may signal it. */
const abandon = (how: "exit" | "signal") =>
  Effect.async<Abandoned, Error>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, how], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"]
    })
    let output = ""
    let started: Abandoned["started"] | undefined
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const line = output.split("\n")[0]
      if (started === undefined && output.includes("\n") && line !== undefined) {
        started = JSON.parse(line) as Abandoned["started"]
        if (how === "signal") child.kill("SIGTERM")
      }
    })
    child.once("error", (error) => resume(Effect.fail(error)))
    child.once("exit", (code, signal) =>
      resume(
        started === undefined
          ? Effect.fail(new Error(`the fixture ended (${code ?? signal}) before starting a cluster`))
          : Effect.succeed({ started, code, signal })
      ))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** The JVM dies right after its parent: wait for the kernel to finish the job. */
const settle = (pids: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 50 && pids.some(isAlive); i++) yield* Effect.sleep("100 millis")
  })

describe("the process-exit safety net", () => {
  it.live("kills the servers and removes the folders on process.exit", () =>
    Effect.gen(function*() {
      const { started, code } = yield* abandon("exit")
      expect(code).toBe(0)
      expect(started.pids).toHaveLength(1)
      yield* settle(started.pids)
      expect(started.pids.filter(isAlive)).toEqual([])
      expect(started.dirs.filter((dir) => existsSync(dir))).toEqual([])
    }), 60_000)

  it.live("kills the servers and removes the folders on SIGTERM, then dies of it", () =>
    Effect.gen(function*() {
      const { started, signal } = yield* abandon("signal")
      expect(signal).toBe("SIGTERM")
      yield* settle(started.pids)
      expect(started.pids.filter(isAlive)).toEqual([])
      expect(started.dirs.filter((dir) => existsSync(dir))).toEqual([])
    }), 60_000)
})
