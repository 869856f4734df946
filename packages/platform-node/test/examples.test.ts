import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import { expect } from "vitest"
import { execute, tsx } from "../../../scripts/runtime.js"

/** Runs an example under Node (through tsx) and returns its output; fails on a non-zero exit. */
const runExample = (file: string, env: Record<string, string>) =>
  Effect.flatMap(
    Effect.promise((signal) => execute(tsx(file), { env, timeoutMillis: 60_000, signal })),
    ({ code, stdout, stderr }) =>
      code === 0 ? Effect.succeed({ stdout, stderr }) : Effect.fail(new Error(`${file} exited with ${code}\n${stdout}\n${stderr}`))
  )

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

  it.effect("examples/node/commonjs.cjs: the built packages from require, under plain node", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { code, stdout, stderr } = yield* Effect.promise((signal) =>
        execute({ command: process.execPath, args: ["examples/node/commonjs.cjs"] }, { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
      )
      expect(code, stdout + stderr).toBe(0)
      expect(stdout).toMatch(/: hello from require \(ephemeral: true\)/)
      expect(stdout).toContain("missing node: NoNodeError")
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
