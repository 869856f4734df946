/**
 * Runs the conformance suite under Node (any version; CI uses it for Node 24) against
 * `ZK_HOSTS` (and the TLS endpoint of `ZK_CONFORMANCE_TLS_*`); exits 0 when every case passed.
 *
 * `node --conditions=effect-zk-source --import tsx packages/conformance/src/node.ts`
 *
 * @since 0.1.0
 */
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { run } from "./Runner.js"
import { tlsFromEnv } from "./Suite.js"

const hosts = process.env["ZK_HOSTS"]
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS to the connect string of a ZooKeeper server")
  process.exit(2)
}
const { failed } = await run(
  {
    hosts,
    platform: { name: `node ${process.version}`, layer: NodeZooKeeper.layer, connect: NodeZooKeeper.connect },
    tls: tlsFromEnv((n) => process.env[n])
  },
  { filter: process.env["ZK_CONFORMANCE_FILTER"] }
)
process.exit(failed === 0 ? 0 : 1)
