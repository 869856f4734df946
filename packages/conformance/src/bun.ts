/**
 * Runs the conformance suite under Bun against `ZK_HOSTS` (and the TLS endpoint of `ZK_CONFORMANCE_TLS_*`); exits 0 when every case passed.
 *
 * `bun --conditions=effect-zk-source packages/conformance/src/bun.ts`
 *
 * @since 0.1.0
 */
import { BunZooKeeper } from "@effect-zk/platform-bun"
import { run } from "./Runner.js"
import { tlsFromEnv } from "./Suite.js"

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
  { hosts, platform: { name: "bun", layer: BunZooKeeper.layer, connect: BunZooKeeper.connect }, tls: tlsFromEnv((n) => process.env[n]) },
  { filter: process.env["ZK_CONFORMANCE_FILTER"] }
)
process.exit(failed === 0 ? 0 : 1)
