// bench/startup.ts worker: a script on effect-zk's promise facade, from the built packages (as
// an npm user gets them), under Node, Bun or Deno (argv[2]: the platform package, or its standalone module). Prints one
// JSON line of times in ms: the import, the connect, and the first reply since the process began.
const platform = process.argv[2] ?? "@effect-zk/platform-node"
const { ZK_HOSTS: hosts, BENCH_PATH: path } = process.env
const t0 = performance.now()
const { connect } = await import(platform)
const t1 = performance.now()
const zk = await connect({ hosts })
const t2 = performance.now()
const { data } = await zk.get(path)
const t3 = performance.now()
await zk.close()
console.log(JSON.stringify({ importMs: t1 - t0, connectMs: t2 - t1, firstReplyMs: t3, bytes: data.length }))
