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

layer(TestCluster.layer({}), { excludeTestServices: true })("recipe examples run under Node", (it) => {
  it.effect("examples/node/scheduler-leader.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/scheduler-leader.ts", { ZK_HOSTS: hosts })
      expect(stdout).toBe(
        [
          "a leads: scheduler started",
          "calls go to http://127.0.0.1:8081, http://127.0.0.1:8082, http://127.0.0.1:8081, http://127.0.0.1:8082",
          "participants: a (leader), b",
          "a scheduler stopped",
          "b leads: scheduler started",
          "instances left: b",
          "b scheduler stopped",
          "done",
          ""
        ].join("\n")
      )
    })
  )

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

  it.effect("examples/node/work-queue.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/work-queue.ts", { ZK_HOSTS: hosts })
      expect(stdout).toBe(
        [
          "resize 3 failed, put back",
          "done: report a, report b, resize 1, resize 2, resize 3, resize 4",
          "resize 3 done after resize 4: true",
          "jobs left: 0",
          "done",
          ""
        ].join("\n")
      )
    })
  )

  it.effect("examples/node/promise-recipes.ts", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { stdout } = yield* runExample("examples/node/promise-recipes.ts", { ZK_HOSTS: hosts })
      expect(stdout).toBe(
        [
          "jobs done: a1, b1, a2, b2; at most 1 at once",
          "a third lease while two are held: none free",
          "leader: a",
          "after a leaves, leader: b; b saw false -> true",
          "done",
          ""
        ].join("\n")
      )
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
