/**
 * The promise facade, for scripts that do not use Effect (e.g. teams moving off
 * node-zookeeper-client). Needs ZK_HOSTS (e.g. `ZK_HOSTS=127.0.0.1:2181`).
 *
 *   ZK_HOSTS=127.0.0.1:2181 npx tsx --conditions=effect-zk-source examples/node/promise-facade.ts
 */
import { connect } from "@effect-zk/platform-node"

const hosts = process.env.ZK_HOSTS
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS, e.g. ZK_HOSTS=127.0.0.1:2181")
  process.exit(2)
}

const zk = await connect({ hosts })
try {
  zk.addListener((s) => console.log(`state: ${s.state}`))
  const base = `/promise-demo-${Date.now()}`
  await zk.ensurePath(`${base}/config`)
  await zk.create(`${base}/config/flag`, { data: "off" })

  const changed = new Promise<string>((resolve) => {
    void zk.get(`${base}/config/flag`, { watch: (event) => resolve(`${event.type} ${event.path}`) })
  })
  await zk.set(`${base}/config/flag`, "on")
  console.log(`watch fired: ${await changed}`)

  const { data, stat } = await zk.get(`${base}/config/flag`)
  console.log(`flag = ${new TextDecoder().decode(data)} (version ${stat.version})`)

  try {
    await zk.create(`${base}/config/flag`)
  } catch (error) {
    // Rejections are the same tagged errors as the Effect API.
    console.log(`second create failed: ${(error as { _tag: string })._tag}`)
  }
  await zk.delete(base, { recursive: true })
  console.log("done")
} finally {
  await zk.close()
}
