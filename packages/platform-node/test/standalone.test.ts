import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { builtCommand, execute } from "../../../scripts/runtime.js"

const root = new URL("../../../", import.meta.url)

/** Every module a bundle imports: static imports and re-exports, and dynamic `import("...")`. */
const importsOf = (code: string): ReadonlyArray<string> => [
  ...[...code.matchAll(/^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm)].map((m) => m[1]!),
  ...[...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm)].map((m) => m[1]!),
  ...[...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!)
]

describe("the standalone modules (npm run build)", () => {
  for (const pkg of ["platform-node", "platform-bun", "platform-deno"]) {
    it(`@effect-zk/${pkg}/standalone is one module: Effect and core inside, nothing imported but node:*`, () => {
      const code = readFileSync(new URL(`packages/${pkg}/dist/standalone.js`, root), "utf8")
      expect(code.startsWith(`// @effect-zk/${pkg}/standalone:`)).toBe(true)
      expect(code).toMatch(/contains @effect-zk\/core \(Apache-2\.0\) and effect \d+\.\d+\.\d+ \(MIT License/)
      expect(importsOf(code).filter((specifier) => !specifier.startsWith("node:"))).toEqual([])
      // what it exports: the facade and the modules a promise user needs
      expect(code).toMatch(/export \{[^}]*\bconnect\b[^}]*\}/)
      for (const name of ["Acl", "Transaction", "Path", "ZooKeeperError"]) expect(code).toMatch(new RegExp(`\\b${name}\\b`))
    })
  }

  it("importsOf finds what a module imports (so that the check above can fail)", () => {
    const sample = 'import * as net from "node:net";\nimport { Effect } from "effect";\nexport { x } from "./x.js";\nimport "side";\nawait import("dyn")'
    expect(importsOf(sample)).toEqual(["node:net", "effect", "./x.js", "side", "dyn"])
  })
})

layer(TestCluster.layer({}), { excludeTestServices: true })("the standalone facade under plain Node", (it) => {
  it.effect("examples/standalone.mjs runs on @effect-zk/platform-node/standalone", () =>
    Effect.gen(function* () {
      const hosts = yield* Effect.flatMap(TestCluster.TestCluster, (c) => c.connectString())
      const { code, stdout, stderr } = yield* Effect.promise((signal) =>
        execute(builtCommand("node", "examples/standalone.mjs"), { env: { ZK_HOSTS: hosts }, timeoutMillis: 60_000, signal })
      )
      expect(code, stdout + stderr).toBe(0)
      expect(stdout).toContain("node: transaction: Created, Created, Checked")
      expect(stdout).toContain("node: children: a, b")
      expect(stdout).toContain("node: missing node: NoNodeError (a NoNodeError)")
      expect(stdout).toContain("node: done")
    })
  )
})
