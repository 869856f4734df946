/**
 * Runs the conformance suite under Deno against `ZK_HOSTS` (and the TLS endpoint of `ZK_CONFORMANCE_TLS_*`); exits 0 when every case passed.
 *
 * `deno run --node-modules-dir=manual --sloppy-imports --conditions=effect-zk-source
 *  --allow-net --allow-env packages/conformance/src/deno.ts`
 *
 * @since 0.1.0
 */
import { DenoZooKeeper } from "@effect-zk/platform-deno"
import { run } from "./Runner.js"
import { tlsFromEnv } from "./Suite.js"

interface DenoRuntime {
  readonly env: { get(key: string): string | undefined }
  exit(code: number): never
}
const Deno: DenoRuntime = (globalThis as unknown as { readonly Deno: DenoRuntime }).Deno

const hosts = Deno.env.get("ZK_HOSTS")
if (hosts === undefined || hosts === "") {
  console.error("set ZK_HOSTS to the connect string of a ZooKeeper server")
  Deno.exit(2)
}
const { failed } = await run(
  { hosts, platform: { name: "deno", layer: DenoZooKeeper.layer, connect: DenoZooKeeper.connect }, tls: tlsFromEnv((n) => Deno.env.get(n)) },
  { filter: Deno.env.get("ZK_CONFORMANCE_FILTER") }
)
Deno.exit(failed === 0 ? 0 : 1)
