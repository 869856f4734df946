/**
 * The testing examples run in CI: examples/node/testing-with-memory.ts as a script (through
 * tsx, as a user runs it), and examples/node/lease.test.ts, a user's vitest tests on the
 * in-memory server, registered here.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const tsx = `${root}node_modules/.bin/tsx`

/** Runs an example under Node (through tsx) and returns its output; fails on a non-zero exit. */
const runExample = (file: string) =>
  Effect.async<{ stdout: string; stderr: string }, Error>((resume) => {
    const child = execFile(
      tsx,
      ["--conditions=effect-zk-source", file],
      { cwd: root, env: process.env, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null) resume(Effect.fail(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`)))
        else resume(Effect.succeed({ stdout, stderr }))
      }
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("testing examples", () => {
  it.live("examples/node/testing-with-memory.ts runs without a server", () =>
    Effect.gen(function* () {
      const { stdout } = yield* runExample("examples/node/testing-with-memory.ts")
      expect(stdout).toContain("holder: alice until t=30 s")
      expect(stdout).toContain("bob is refused: LeaseHeldError")
      expect(stdout).toContain("after 31 s: nobody")
      expect(stdout).toContain("holder: bob until t=61 s")
      expect(stdout).toContain("after bob's session expired: nobody")
      expect(stdout).toContain("carol's first try: ConnectionLossError")
      expect(stdout).toContain('/leases/migration [ephemeral] "{\\"holder\\":\\"carol\\",\\"until\\":61000}"')
      expect(stdout).toContain("done")
    })
  )
})

await import("../../../examples/node/lease.test.js")
