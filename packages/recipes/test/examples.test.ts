import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import { expect } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const tsx = `${root}node_modules/.bin/tsx`

/** Runs an example under Node (through tsx) and returns its output; fails on a non-zero exit. */
const runExample = (file: string, env: Record<string, string>) =>
  Effect.async<{ stdout: string; stderr: string }, Error>((resume) => {
    const child = execFile(
      tsx,
      ["--conditions=effect-zk-source", file],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null) resume(Effect.fail(new Error(`${file} failed: ${error.message}\n${stdout}\n${stderr}`)))
        else resume(Effect.succeed({ stdout, stderr }))
      }
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

layer(TestCluster.layer({}), { excludeTestServices: true })("recipe examples run under Node", (it) => {
  it.effect("examples/node/lock.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/lock.ts", { ZK_HOSTS: hosts })
      for (const name of ["alice", "bob"]) {
        expect(stdout).toContain(`${name} holds the lock (round 1`)
        expect(stdout).toContain(`${name} holds the lock (round 2`)
      }
      expect(stdout).toContain("jobs done: 4)")
      expect(stdout).toContain("impatient: LockTimeoutError")
      expect(stdout).toContain("contenders now: holder\n")
      expect(stdout).toContain("jobs done in total: 4")
      expect(stdout).toContain("done")
    })
  )

  it.effect("examples/node/service-registry.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/service-registry.ts", { ZK_HOSTS: hosts })
      expect(stdout).toBe(
        [
          "members: [a, b]",
          "a is registered again at 10.0.0.1:8080",
          "a now at 10.0.0.1:8081",
          "members: [a]",
          "members: []",
          "done",
          ""
        ].join("\n")
      )
    })
  )
})
