// The conformance suite under Bun with the @effect/platform-bun socket of effectSocket.ts
// (the contender of BunZooKeeper.layer). Needs ZK_HOSTS.
import { Runner } from "@effect-zk/conformance"
import { PromiseClient, type ZooKeeperConfig } from "@effect-zk/core"
import { layer } from "./effectSocket.js"

interface BunProcess {
  readonly env: Record<string, string | undefined>
  exit(code: number): never
}
const process: BunProcess = (globalThis as unknown as { readonly process: BunProcess }).process

const connect = (options: ZooKeeperConfig.Options) => PromiseClient.connect(options, layer)
const { failed } = await Runner.run(
  { hosts: process.env["ZK_HOSTS"] ?? "", platform: { name: "bun-effect-socket", layer, connect } },
  { filter: process.env["ZK_CONFORMANCE_FILTER"] }
)
process.exit(failed === 0 ? 0 : 1)
