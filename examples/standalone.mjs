/**
 * A plain-JavaScript script on the standalone promise facade: one module with its own copy of
 * Effect, which starts several times faster than loading Effect's modules (bench/RESULTS.md,
 * "Start-up"). The same file runs under Node, Bun and Deno, each with its platform's module;
 * it runs the built packages (`npm run build` first). Needs ZK_HOSTS:
 *
 *   ZK_HOSTS=127.0.0.1:2181 node examples/standalone.mjs
 *   ZK_HOSTS=127.0.0.1:2181 bun examples/standalone.mjs
 *   ZK_HOSTS=127.0.0.1:2181 deno run --node-modules-dir=manual --allow-net --allow-env --allow-read examples/standalone.mjs
 *
 * A script for one runtime imports its module directly, e.g.
 * `import { connect, Transaction } from "@effect-zk/platform-node/standalone"`.
 */
const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node"
const { connect, Acl, Path, Transaction, ZooKeeperError } = await import(`@effect-zk/platform-${runtime}/standalone`)

const hosts = globalThis.process?.env.ZK_HOSTS
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS, e.g. ZK_HOSTS=127.0.0.1:2181")
  globalThis.process.exit(2)
}

const zk = await connect({ hosts })
try {
  const base = `/standalone-demo-${runtime}-${Date.now()}`
  await zk.create(base, { acl: Acl.OPEN_ACL_UNSAFE })
  const results = await zk.transaction([
    Transaction.create(Path.join(base, "a"), { data: "1" }),
    Transaction.create(Path.join(base, "b"), { data: "2" }),
    Transaction.check(base, 0)
  ])
  console.log(`${runtime}: transaction: ${results.map((r) => r._tag).join(", ")}`)
  const children = await zk.getChildren(base)
  console.log(`${runtime}: children: ${[...children].sort().join(", ")}`)
  try {
    await zk.get(Path.join(base, "missing"))
  } catch (error) {
    console.log(`${runtime}: missing node: ${error._tag} (${error instanceof ZooKeeperError.NoNodeError ? "a" : "not a"} NoNodeError)`)
  }
  await zk.delete(base, { recursive: true })
} finally {
  await zk.close()
}
console.log(`${runtime}: done`)
