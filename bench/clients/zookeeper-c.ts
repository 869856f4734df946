// bench/clients.ts worker for the `zookeeper` npm package (a binding of ZooKeeper's C client),
// through its callback API (a_get, aw_get, a_set, a_create, a_delete_). The driver installs the
// package into a cache folder (it compiles the C client, which it ships) and passes that folder
// as BENCH_ZOOKEEPER_C_DIR; it is loaded from there, not from the workspace.
import { Buffer } from "node:buffer"
import { createRequire } from "node:module"
import { join } from "node:path"
import { type CallbackSession, type Done, runCallbackWorkload, workerEnv } from "./shared.js"

/** The part of the binding the bench uses. */
interface NativeClient {
  on(event: "connect", listener: () => void): void
  init(config: Record<string, unknown>): void
  close(): void
  a_get(path: string, watch: boolean, cb: (rc: number, error: string) => void): void
  aw_get(path: string, watch: (type: number, state: number, path: string) => void, cb: (rc: number, error: string) => void): void
  a_set(path: string, data: Buffer, version: number, cb: (rc: number, error: string) => void): void
  a_create(path: string, data: Buffer, flags: number, cb: (rc: number, error: string) => void): void
  a_delete_(path: string, version: number, cb: (rc: number, error: string) => void): void
}
interface Binding {
  new (config: Record<string, unknown>): NativeClient
  readonly constants: { readonly ZOO_LOG_LEVEL_ERROR: number }
}

const env = workerEnv()
const dir = process.env.BENCH_ZOOKEEPER_C_DIR
if (dir === undefined) throw new Error("BENCH_ZOOKEEPER_C_DIR is not set")
const ZooKeeper = createRequire(join(dir, "package.json"))("zookeeper") as Binding

const asBuffer = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.length)
const callback = (done: Done) => (rc: number, error: string) => done(rc === 0 ? undefined : new Error(`${rc} ${error}`))

const open = (): Promise<CallbackSession> =>
  new Promise((resolve) => {
    const config = {
      connect: env.hosts,
      timeout: 30_000,
      debug_level: ZooKeeper.constants.ZOO_LOG_LEVEL_ERROR,
      host_order_deterministic: true
    }
    const client = new ZooKeeper(config)
    client.on("connect", () =>
      resolve({
        get: (path, done) => client.a_get(path, false, callback(done)),
        getWatch: (path, onEvent, done) => client.aw_get(path, () => onEvent(), callback(done)),
        set: (path, data, done) => client.a_set(path, asBuffer(data), -1, callback(done)),
        create: (path, data, done) => client.a_create(path, asBuffer(data), 0, callback(done)),
        remove: (path, done) => client.a_delete_(path, -1, callback(done)),
        close: async () => {
          client.close()
        }
      })
    )
    client.init(config)
  })

await runCallbackWorkload("zookeeper (C binding)", env, open)
