// The part of node-zookeeper-client (plain JavaScript, no types of its own) the bench uses.
declare module "node-zookeeper-client" {
  import type { EventEmitter } from "node:events"

  /** A watch event. */
  export interface Event {
    readonly type: number
    readonly name: string
    readonly path: string
  }

  /** A client (one session). */
  export interface Client extends EventEmitter {
    /** Starts connecting; "connected" is emitted once a session is established. */
    connect(): void
    close(): void
    getData(path: string, callback: (error: Error | null, data: Buffer, stat: unknown) => void): void
    getData(
      path: string,
      watcher: (event: Event) => void,
      callback: (error: Error | null, data: Buffer, stat: unknown) => void
    ): void
    setData(path: string, data: Buffer, version: number, callback: (error: Error | null, stat: unknown) => void): void
    create(path: string, data: Buffer, callback: (error: Error | null, path: string) => void): void
    remove(path: string, version: number, callback: (error: Error | null) => void): void
  }

  /** Options of createClient. */
  export interface Options {
    readonly sessionTimeout?: number
    readonly spinDelay?: number
    readonly retries?: number
  }

  /** A client for the connect string; `connect()` starts it. */
  export function createClient(connectionString: string, options?: Options): Client
}
