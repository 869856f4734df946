/**
 * The promise facade from CommonJS, for code still on `require` (as most node-zookeeper-client
 * code is). effect-zk's packages are ES modules; Node 20.19+, 22.12+ and 24 load them from
 * `require`. Runs the built packages (`npm run build` first). Needs ZK_HOSTS:
 *
 *   ZK_HOSTS=127.0.0.1:2181 node examples/node/commonjs.cjs
 */
const { connect } = require("@effect-zk/platform-node")

const hosts = process.env.ZK_HOSTS
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS, e.g. ZK_HOSTS=127.0.0.1:2181")
  process.exit(2)
}

const main = async () => {
  const zk = await connect({ hosts })
  try {
    const path = `/commonjs-demo-${Date.now()}`
    await zk.create(path, { data: "hello from require", ephemeral: true })
    const { data, stat } = await zk.get(path)
    console.log(`${path}: ${new TextDecoder().decode(data)} (ephemeral: ${stat.isEphemeral})`)
    try {
      await zk.get(`${path}/missing`)
    } catch (error) {
      console.log(`missing node: ${error._tag}`)
    }
  } finally {
    await zk.close()
  }
  console.log("done")
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
