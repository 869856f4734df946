// bench/startup.ts worker: the same script on node-zookeeper-client 1.1.3 (its callback API).
const { ZK_HOSTS: hosts, BENCH_PATH: path } = process.env
const t0 = performance.now()
const { default: zookeeper } = await import("node-zookeeper-client")
const t1 = performance.now()
const client = zookeeper.createClient(hosts)
await new Promise((resolve) => {
  client.once("connected", resolve)
  client.connect()
})
const t2 = performance.now()
const data = await new Promise((resolve, reject) => client.getData(path, (error, d) => (error ? reject(error) : resolve(d))))
const t3 = performance.now()
await new Promise((resolve) => {
  client.once("disconnected", resolve)
  client.close()
})
console.log(JSON.stringify({ importMs: t1 - t0, connectMs: t2 - t1, firstReplyMs: t3, bytes: data.length }))
