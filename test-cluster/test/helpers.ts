// Shared checks of the integration tests: are processes and folders really gone?
import { Effect } from "effect"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Whether a process exists and is not a zombie waiting to be reaped. */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
  } catch {
    return !existsSync("/proc/self/stat")
  }
}

/** Java processes whose parent is this process (Linux /proc; empty elsewhere). */
export const javaChildren = (): ReadonlyArray<number> => {
  if (!existsSync("/proc/self/stat")) return []
  const children: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
      const close = stat.lastIndexOf(")")
      const comm = stat.slice(stat.indexOf("(") + 1, close)
      const ppid = Number(stat.slice(close + 2).split(" ")[1])
      if (ppid === process.pid && comm === "java") children.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return children
}

/**
 * Runs `self` with TMPDIR pointing at a fresh folder, so every temporary folder the harness
 * creates lands there; returns what `self` returned and what is left in the folder afterwards.
 */
export const withPrivateTmp = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly value: A; readonly leftovers: ReadonlyArray<string> }, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "effect-zk-harness-test-"))
      const previous = process.env["TMPDIR"]
      process.env["TMPDIR"] = dir
      return { dir, previous }
    }),
    ({ dir }) => Effect.map(self, (value) => ({ value, leftovers: readdirSync(dir) })),
    ({ dir, previous }) =>
      Effect.sync(() => {
        if (previous === undefined) delete process.env["TMPDIR"]
        else process.env["TMPDIR"] = previous
        rmSync(dir, { recursive: true, force: true })
      })
  )
