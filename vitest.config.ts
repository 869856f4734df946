import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Workspace packages resolve to their TypeScript sources, so tests never need a build first.
const alias = [
  { find: /^@effect-zk\/test-cluster$/, replacement: here("./test-cluster/src/index.ts") },
  { find: /^@effect-zk\/test-cluster\/(.*)$/, replacement: here("./test-cluster/src/$1.ts") },
  { find: /^@effect-zk\/([a-z-]+)$/, replacement: here("./packages/$1/src/index.ts") },
  { find: /^@effect-zk\/([a-z-]+)\/(.*)$/, replacement: here("./packages/$1/src/$2.ts") }
]

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test-cluster/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start JVMs; two cores do not profit from many parallel files.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ["default"]
  }
})
