// Runs a command with Node 24 first on the PATH (fetched by scripts/node24.mjs), so that `node`,
// `npx` and everything they start run under Node 24: `node scripts/with-node24.mjs vitest run`.
import { spawnSync } from "node:child_process"
import { dirname, delimiter } from "node:path"
import { node24 } from "./node24.mjs"

const [command, ...args] = process.argv.slice(2)
if (command === undefined) {
  console.error("usage: node scripts/with-node24.mjs <command> [args...]")
  process.exit(2)
}
const binary = node24()
const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ""}` }
const run = spawnSync("npx", ["--no-install", command, ...args], { stdio: "inherit", env })
process.exit(run.status ?? 1)
