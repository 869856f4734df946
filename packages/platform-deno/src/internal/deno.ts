// The few Deno APIs this package uses, typed locally, so the package compiles with
// `"types": []` (and inside the repository next to Node's types) and reads them through
// `globalThis`. `@types/deno` (2.7 on npm) would add a global `Deno` of another version that
// clashes with Node's globals; `deno types` prints the whole runtime (700 KB). The shapes
// follow Deno 2's lib.deno.ns.d.ts; the tests run `deno check` on ../../deno/shapes.ts, which
// calls the running Deno's own declarations through them.

import type { Subtle } from "./pkcs8.js"

/** A connection (`Deno.TcpConn` / `Deno.TlsConn`). */
export interface DenoConn {
  /** Reads into `p`; the number of bytes read, or `null` at EOF. */
  read(p: Uint8Array): Promise<number | null>
  /** Writes some of `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>
  close(): void
}

/** A TCP connection. */
export interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay?: boolean): void
}

/** A TLS connection. */
export interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>
}

/** `Deno.connect`'s options for TCP. */
export interface DenoConnectOptions {
  hostname: string
  port: number
  transport: "tcp"
  signal?: AbortSignal
}

/** `Deno.connectTls`'s options. */
export interface DenoConnectTlsOptions {
  hostname: string
  port: number
  caCerts?: Array<string>
  cert?: string
  key?: string
}

/** The part of `AbortSignal` used here. */
export interface AbortSignal {
  readonly aborted: boolean
}

/** The part of the `Deno` namespace used here. */
export interface DenoApi {
  readonly connect: (options: DenoConnectOptions) => Promise<DenoTcpConn>
  readonly connectTls: (options: DenoConnectTlsOptions) => Promise<DenoTlsConn>
}

/** The globals this package reads. */
export interface DenoGlobals {
  readonly Deno: DenoApi
  readonly AbortController: new () => { readonly signal: AbortSignal; abort(reason?: unknown): void }
  readonly setTimeout: (callback: () => void, ms: number) => unknown
  readonly clearTimeout: (handle: unknown) => void
  /** WebCrypto, to decrypt a passphrase-protected TLS key. */
  readonly crypto: { readonly subtle: Subtle }
}

/** `globalThis` seen through the shapes above. `Deno` is only read when a socket is opened. */
export const denoGlobals = globalThis as unknown as DenoGlobals
