// bench/runtimes.ts's workload under Node with NodeZooKeeper.layer. Needs ZK_HOSTS.
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { fromEnv, run } from "./workload.js"

await run("node (node:net)", `node ${process.version}`, process.env.ZK_HOSTS ?? "", NodeZooKeeper.layer, fromEnv((n) => process.env[n]))
process.exit(0)
