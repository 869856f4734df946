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

layer(TestCluster.layer({}), { excludeTestServices: true })("examples run under Node", (it) => {
  it.effect("examples/node/promise-facade.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/promise-facade.ts", { ZK_HOSTS: hosts })
      expect(stdout).toContain("watch fired: CHANGED")
      expect(stdout).toContain("flag = on (version 1)")
      expect(stdout).toContain("second create failed: NodeExistsError")
      expect(stdout).toContain("done")
    })
  )

  it.effect("examples/node/config-watch.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/config-watch.ts", { ZK_HOSTS: hosts })
      expect(stdout).toContain("CHANGED: v2 (v1)")
      expect(stdout).toContain("done")
    })
  )

  it.effect("examples/node/tour.ts (the demo) against a given server", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/tour.ts", { ZK_HOSTS: hosts })
      expect(stdout).toContain("watch fired: CHANGED on /app/config/greeting")
      expect(stdout).toContain("transaction rejected at op 1: BadVersionError")
      expect(stdout).toContain("state is now SUSPENDED")
      expect(stdout).toContain("Done.")
    })
  )
})
