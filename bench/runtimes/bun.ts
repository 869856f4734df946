// bench/runtimes.ts's workload under Bun. Needs ZK_HOSTS; the argument picks the socket:
// `native` (BunZooKeeper.layer, Bun.connect), `effect-socket` (@effect/platform-bun's socket,
// see effectSocket.ts) or `node-net` (NodeZooKeeper.layer: node:net under Bun).
import { BunZooKeeper } from "@effect-zk/platform-bun"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer as effectSocketLayer } from "./effectSocket.js"
import { fromEnv, run } from "./workload.js"

interface BunProcess {
  readonly env: Record<string, string | undefined>
  readonly argv: ReadonlyArray<string>
  readonly versions: Record<string, string | undefined>
  exit(code: number): never
}
const process: BunProcess = (globalThis as unknown as { readonly process: BunProcess }).process

const variant = process.argv[2] ?? "native"
const layers = {
  native: ["bun (Bun.connect)", BunZooKeeper.layer],
  "effect-socket": ["bun (@effect/platform-bun socket)", effectSocketLayer],
  "node-net": ["bun (node:net, platform-node layer)", NodeZooKeeper.layer]
} as const
if (!(variant in layers)) {
  console.error(`unknown variant ${variant}: one of ${Object.keys(layers).join(", ")}`)
  process.exit(2)
}
const [label, layer] = layers[variant as keyof typeof layers]
await run(label, `bun ${process.versions["bun"]}`, process.env["ZK_HOSTS"] ?? "", layer, fromEnv((n) => process.env[n]))
process.exit(0)
