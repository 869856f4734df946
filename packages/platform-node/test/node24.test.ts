import { Suite } from "@effect-zk/conformance"
import * as ClusterTls from "@effect-zk/conformance/ClusterTls"
import * as NodeTlsProxy from "@effect-zk/conformance/NodeTlsProxy"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { execute, root } from "../../../scripts/runtime.js"

/** Node 24 LTS, fetched from the npm registry once (scripts/node24.mjs). */
const node24 = Effect.promise(async () => {
  const { node24: fetch } = (await import(`${root}scripts/node24.mjs`)) as { node24: () => string }
  return fetch()
})

/** Runs a file under Node 24 (through tsx) against the cluster; its output is printed, so CI logs show its own counts. */
const runUnderNode24 = (file: string, timeoutMillis: number) =>
  Effect.gen(function* () {
    const binary = yield* node24
    const cluster = yield* TestCluster.TestCluster
    const hosts = yield* cluster.connectString()
    const tls = NodeTlsProxy.toEnv(yield* ClusterTls.endpoint(cluster))
    const result = yield* Effect.promise((signal) =>
      execute(
        { command: binary, args: ["--conditions=effect-zk-source", "--import", "tsx", file] },
        { env: { ZK_HOSTS: hosts, ...tls }, timeoutMillis, signal }
      )
    )
    console.log(`${file} under Node 24 (exit ${result.code}):\n${result.stdout}${result.stderr}`)
    return result
  })

layer(TestCluster.layer({ tls: true }), { excludeTestServices: true })("Node 24", (it) => {
  it.scoped(
    "the conformance suite passes under Node 24 LTS (NodeZooKeeper.layer)",
    () =>
      Effect.gen(function* () {
        const result = yield* runUnderNode24("packages/conformance/src/node.ts", 150_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toMatch(new RegExp(`node v24\\.\\d+\\.\\d+: ${Suite.cases.length} passed, 0 failed`))
      }),
    180_000
  )

  it.scoped(
    "examples/node/tour.ts (the demo) runs under Node 24",
    () =>
      Effect.gen(function* () {
        const cluster = yield* TestCluster.TestCluster
        const result = yield* runUnderNode24("examples/node/tour.ts", 60_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain(`connecting to ${yield* cluster.connectString()}`)
        expect(result.stdout).toContain("Done.")
      }),
    90_000
  )

  it.scoped(
    "examples/node/commonjs.cjs loads the built packages through require under Node 24",
    () =>
      Effect.gen(function* () {
        const binary = yield* node24
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const result = yield* Effect.promise((signal) =>
          execute({ command: binary, args: ["examples/node/commonjs.cjs"] }, { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
        )
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("missing node: NoNodeError")
        expect(result.stdout).toContain("done")
      }),
    90_000
  )

  it.scoped(
    "examples/standalone.mjs runs on @effect-zk/platform-node/standalone under Node 24",
    () =>
      Effect.gen(function* () {
        const binary = yield* node24
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const result = yield* Effect.promise((signal) =>
          execute({ command: binary, args: ["examples/standalone.mjs"] }, { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
        )
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("node: missing node: NoNodeError (a NoNodeError)")
        expect(result.stdout).toContain("node: done")
      }),
    90_000
  )
})
