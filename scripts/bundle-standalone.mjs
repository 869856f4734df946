// Builds each platform package's `standalone` entry (src/standalone.ts) into one ES module,
// dist/standalone.js, with Effect and @effect-zk/core inside it: a script that imports it loads
// one file instead of Effect's modules one by one. Runs after `tsc -b` (npm run build), whose
// standalone.js it replaces (its standalone.d.ts stays). Bundles from the sources (the
// effect-zk-source condition), so it needs no earlier bundle and is the same on every run.
import { build } from "esbuild"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const effectVersion = JSON.parse(readFileSync(join(root, "node_modules/effect/package.json"), "utf8")).version

const targets = [
  { pkg: "platform-node", platform: "node" },
  { pkg: "platform-bun", platform: "neutral" },
  { pkg: "platform-deno", platform: "neutral" }
]

for (const { pkg, platform } of targets) {
  const dir = join(root, "packages", pkg)
  const entry = join(dir, "src/standalone.ts")
  if (!existsSync(entry)) continue
  const banner = [
    `// @effect-zk/${pkg}/standalone: the promise facade in one module, built by scripts/bundle-standalone.mjs.`,
    `// It contains @effect-zk/core (Apache-2.0) and effect ${effectVersion} (MIT License, Copyright (c) 2023 Effectful Technologies Inc).`
  ].join("\n")
  await build({
    entryPoints: [entry],
    outfile: join(dir, "dist/standalone.js"),
    bundle: true,
    format: "esm",
    platform,
    target: "es2022",
    conditions: ["effect-zk-source"],
    mainFields: ["module", "main"],
    // node:* stays an import under every runtime (Bun and Deno provide them)
    external: ["node:*"],
    banner: { js: banner },
    legalComments: "inline",
    logLevel: "warning"
  })
  // tsc's map describes the module it replaced
  rmSync(join(dir, "dist/standalone.js.map"), { force: true })
}
