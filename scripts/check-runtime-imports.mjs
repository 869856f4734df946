// Keeps the runtime-agnostic packages runtime-agnostic: packages/core, packages/recipes and packages/testing
// may not import node:*, bun, Deno or any platform package, nor touch the Bun/Deno globals.
// Also: no package's sources import Effect through its index ("effect"), which loads every one of
// Effect's modules (about 370 ms on this machine's Node, against about 240 for the modules used):
// they import "effect/Effect", "effect/Stream", ...
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs"
import { join, relative } from "node:path"

const roots = ["packages/core/src", "packages/recipes/src", "packages/testing/src"]
const forbiddenImport =
  /(?:from\s+|import\s*\(\s*|import\s+)["'](node:[^"']*|bun(?::[^"']*)?|@effect\/platform-(?:node|bun|deno)[^"']*|@effect-zk\/platform-[^"']*|(?:fs|net|tls|os|path|crypto|child_process|events|stream|buffer|util)(?:\/[^"']*)?)["']/g
const forbiddenGlobal = /\b(?:Deno|Bun)\s*\.|\bBuffer\s*\.|\bprocess\s*\./g

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : /\.(m|c)?tsx?$/.test(name) ? [p] : []
  })

const problems = []
for (const root of roots) {
  if (!existsSync(root)) continue
  for (const file of walk(root)) {
    const lines = readFileSync(file, "utf8").split("\n")
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "")
      for (const m of code.matchAll(forbiddenImport)) problems.push(`${relative(".", file)}:${i + 1}: imports "${m[1]}"`)
      for (const m of code.matchAll(forbiddenGlobal)) problems.push(`${relative(".", file)}:${i + 1}: uses runtime global "${m[0]}"`)
    })
  }
}
const packageSources = [
  ...readdirSync("packages").map((name) => join("packages", name, "src")),
  "test-cluster/src"
].filter(existsSync)
const barrel = /(?:from\s+|import\s*\(\s*|import\s+)["']effect["']/g
for (const root of packageSources) {
  for (const file of walk(root)) {
    const lines = readFileSync(file, "utf8").split("\n")
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "")
      if (barrel.test(code)) problems.push(`${relative(".", file)}:${i + 1}: imports "effect" (import its modules: "effect/Effect", ...)`)
      barrel.lastIndex = 0
    })
  }
}
if (problems.length > 0) {
  console.error("Import rules broken:\n" + problems.join("\n"))
  process.exit(1)
}
console.log(
  `runtime-import check: ${roots.filter(existsSync).join(", ")} are runtime-agnostic; no package source imports the "effect" index`
)
