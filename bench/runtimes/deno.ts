// bench/runtimes.ts's workload under Deno with DenoZooKeeper.layer. Needs ZK_HOSTS.
import { DenoZooKeeper } from "@effect-zk/platform-deno"
import { fromEnv, run } from "./workload.js"

interface DenoRuntime {
  readonly env: { get(key: string): string | undefined }
  readonly version: { readonly deno: string }
  exit(code: number): never
}
const Deno: DenoRuntime = (globalThis as unknown as { readonly Deno: DenoRuntime }).Deno

await run("deno (Deno.connect)", `deno ${Deno.version.deno}`, Deno.env.get("ZK_HOSTS") ?? "", DenoZooKeeper.layer, fromEnv((n) => Deno.env.get(n)))
Deno.exit(0)
