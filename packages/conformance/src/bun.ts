/**
 * Runs the conformance suite under Bun against `ZK_HOSTS`; exits 0 when every case passed.
 *
 * `bun --conditions=effect-zk-source packages/conformance/src/bun.ts`
 *
 * @since 0.1.0
 */
import { BunZooKeeper } from "@effect-zk/platform-bun"
import { run } from "./Runner.js"

interface BunProcess {
  readonly env: Record<string, string | undefined>
  exit(code: number): never
}
const process: BunProcess = (globalThis as unknown as { readonly process: BunProcess }).process

const hosts = process.env["ZK_HOSTS"]
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS to the connect string of a ZooKeeper server")
  process.exit(2)
}
const { failed } = await run(
  { hosts, platform: { name: "bun", layer: BunZooKeeper.layer, connect: BunZooKeeper.connect } },
  { filter: process.env["ZK_CONFORMANCE_FILTER"] }
)
process.exit(failed === 0 ? 0 : 1)
