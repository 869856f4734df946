// bench/clients.ts worker for node-zookeeper-client (npm), through its callback API.
import { Buffer } from "node:buffer"
import * as zookeeper from "node-zookeeper-client"
import { type CallbackSession, type Done, runCallbackWorkload, workerEnv } from "./shared.js"

const env = workerEnv()

const asBuffer = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.length)
const callback = (done: Done) => (error: Error | null) => done(error ?? undefined)

const open = (): Promise<CallbackSession> =>
  new Promise((resolve) => {
    const client = zookeeper.createClient(env.hosts, { sessionTimeout: 30_000, retries: 0 })
    client.once("connected", () =>
      resolve({
        get: (path, done) => client.getData(path, callback(done)),
        getWatch: (path, onEvent, done) => client.getData(path, () => onEvent(), callback(done)),
        set: (path, data, done) => client.setData(path, asBuffer(data), -1, callback(done)),
        create: (path, data, done) => client.create(path, asBuffer(data), callback(done)),
        remove: (path, done) => client.remove(path, -1, callback(done)),
        close: () =>
          new Promise<void>((closed) => {
            client.once("disconnected", () => closed())
            client.close()
          })
      })
    )
    client.connect()
  })

await runCallbackWorkload("node-zookeeper-client", env, open)
