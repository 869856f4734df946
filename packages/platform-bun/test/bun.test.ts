import { Suite } from "@effect-zk/conformance"
import * as ClusterTls from "@effect-zk/conformance/ClusterTls"
import * as NodeTlsProxy from "@effect-zk/conformance/NodeTlsProxy"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { binary, builtCommand, command, execute } from "../../../scripts/runtime.js"

/** Runs a file under Bun against the cluster; its output is printed, so CI logs show Bun's own counts. */
const runUnderBun = (file: string, timeoutMillis: number) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const hosts = yield* cluster.connectString()
    // The server's own TLS port (Netty), for the suite's TLS cases.
    const tls = NodeTlsProxy.toEnv(yield* ClusterTls.endpoint(cluster))
    const result = yield* Effect.promise((signal) =>
      execute(command("bun", file), { env: { ZK_HOSTS: hosts, ...tls }, timeoutMillis, signal })
    )
    console.log(`${file} under bun ${binary("bun").version} (exit ${result.code}):\n${result.stdout}${result.stderr}`)
    return result
  })

layer(TestCluster.layer({ tls: true }), { excludeTestServices: true })("Bun", (it) => {
  it.scoped(
    "the conformance suite passes under Bun (BunZooKeeper.layer)",
    () =>
      Effect.gen(function* () {
        const result = yield* runUnderBun("packages/conformance/src/bun.ts", 150_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain(`bun: ${Suite.cases.length} passed, 0 failed`)
      }),
    180_000
  )

  it.scoped(
    "examples/bun/tour.ts runs under Bun",
    () =>
      Effect.gen(function* () {
        const result = yield* runUnderBun("examples/bun/tour.ts", 60_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("watch fired: CHANGED")
        expect(result.stdout).toContain("transaction: Created, Created, Checked")
        expect(result.stdout).toContain("[listener] SUSPENDED")
        expect(result.stdout).toContain("promise facade: flag = on (version 1)")
        expect(result.stdout).toContain("Done.")
      }),
    90_000
  )

  it.scoped(
    "examples/standalone.mjs runs under Bun on @effect-zk/platform-bun/standalone (the built module)",
    () =>
      Effect.gen(function* () {
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const result = yield* Effect.promise((signal) =>
          execute(builtCommand("bun", "examples/standalone.mjs"), { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
        )
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("bun: transaction: Created, Created, Checked")
        expect(result.stdout).toContain("bun: missing node: NoNodeError (a NoNodeError)")
        expect(result.stdout).toContain("bun: done")
      }),
    90_000
  )
})
