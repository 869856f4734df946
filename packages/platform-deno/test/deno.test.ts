import { Suite } from "@effect-zk/conformance"
import * as ClusterTls from "@effect-zk/conformance/ClusterTls"
import * as NodeTlsProxy from "@effect-zk/conformance/NodeTlsProxy"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { expect } from "vitest"
import { binary, builtCommand, command, execute } from "../../../scripts/runtime.js"

/** Runs a file under Deno against the cluster; its output is printed, so CI logs show Deno's own counts. */
const runUnderDeno = (file: string, timeoutMillis: number) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const hosts = yield* cluster.connectString()
    // The server's own TLS port (Netty), for the suite's TLS cases.
    const tls = NodeTlsProxy.toEnv(yield* ClusterTls.endpoint(cluster))
    const result = yield* Effect.promise((signal) =>
      execute(command("deno", file), { env: { ZK_HOSTS: hosts, ...tls }, timeoutMillis, signal })
    )
    console.log(`${file} under ${binary("deno").version} (exit ${result.code}):\n${result.stdout}${result.stderr}`)
    return result
  })

layer(TestCluster.layer({ tls: true }), { excludeTestServices: true })("Deno", (it) => {
  it.scoped(
    "the conformance suite passes under Deno (DenoZooKeeper.layer)",
    () =>
      Effect.gen(function* () {
        const result = yield* runUnderDeno("packages/conformance/src/deno.ts", 150_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain(`deno: ${Suite.cases.length} passed, 0 failed`)
      }),
    180_000
  )

  it.scoped(
    "examples/deno/tour.ts runs under Deno",
    () =>
      Effect.gen(function* () {
        const result = yield* runUnderDeno("examples/deno/tour.ts", 60_000)
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("watch fired: CHANGED")
        expect(result.stdout).toContain("transaction: Created, Created, Checked")
        expect(result.stdout).toContain("[listener] SUSPENDED")
        expect(result.stdout).toContain("promise facade: flag = on (version 1)")
        expect(result.stdout).toContain("Done.")
      }),
    90_000
  )

  // Deno's own checker (its TypeScript and its declarations of Deno.connect & co.), strict:
  // the layer, the Deno entry points, and deno/shapes.ts, which calls Deno's declared APIs
  // through the local shapes the layer is written against. The core is checked as the root
  // tsconfig does (`--no-config`: Deno's default libs, where TextEncoder & co. are global).
  it.scoped(
    "deno check: the layer and its local Deno shapes agree with Deno's declarations",
    () =>
      Effect.gen(function* () {
        const files = [
          "packages/platform-deno/deno/shapes.ts",
          "packages/platform-deno/src/index.ts",
          "packages/conformance/src/deno.ts",
          "examples/deno/tour.ts"
        ]
        const result = yield* Effect.promise((signal) =>
          execute(
            {
              command: binary("deno").path,
              args: [
                "check",
                "--no-config",
                "--node-modules-dir=manual",
                "--sloppy-imports",
                "--conditions=effect-zk-source",
                ...files
              ]
            },
            { timeoutMillis: 120_000, signal }
          )
        )
        expect(result.code, result.stdout + result.stderr).toBe(0)
      }),
    150_000
  )

  it.scoped(
    "examples/standalone.mjs runs under Deno on @effect-zk/platform-deno/standalone (the built module)",
    () =>
      Effect.gen(function* () {
        const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
        const result = yield* Effect.promise((signal) =>
          execute(builtCommand("deno", "examples/standalone.mjs"), { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
        )
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain("deno: transaction: Created, Created, Checked")
        expect(result.stdout).toContain("deno: missing node: NoNodeError (a NoNodeError)")
        expect(result.stdout).toContain("deno: done")
      }),
    90_000
  )
})
