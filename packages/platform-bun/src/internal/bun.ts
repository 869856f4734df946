// The few Bun APIs this package uses, typed locally: the package compiles with `"types": []`
// (and inside the repository with Node's types), so neither `bun-types` nor a global `Bun`
// declaration is needed. Shapes follow Bun 1.x's `Bun.connect` (bun.d.ts: SocketHandler,
// TCPSocketConnectOptions, TLSOptions).

/** A connected `Bun.connect` socket. */
export interface BunSocket {
  /** Writes what the kernel takes now; returns the number of bytes written (-1 when closed). */
  write(data: Uint8Array): number
  /** Half-closes after flushing what Bun holds. */
  end(): void
  /** Closes at once. */
  terminate(): void
  setNoDelay?(noDelay?: boolean): boolean
  /** Stops reading (Bun 1.1+); optional, as older versions lack it. */
  pause?(): void
  /** Reads again after `pause`. */
  resume?(): void
  readonly readyState: string | number
}

/** Handlers of `Bun.connect`; every one is called synchronously from Bun's event loop. */
export interface BunSocketHandlers {
  open(socket: BunSocket): void
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void
  data(socket: BunSocket, data: Uint8Array): void
  drain(socket: BunSocket): void
  end(socket: BunSocket): void
  error(socket: BunSocket, error: Error): void
  close(socket: BunSocket, error?: Error): void
  connectError(socket: BunSocket, error: Error): void
}

/** TLS options of `Bun.connect`. */
export interface BunTlsOptions {
  ca?: string
  cert?: string
  key?: string
  passphrase?: string
  serverName?: string
  rejectUnauthorized?: boolean
}

/** Options of `Bun.connect` for TCP. */
export interface BunConnectOptions {
  hostname: string
  port: number
  tls?: BunTlsOptions | boolean
  socket: BunSocketHandlers
}

interface BunGlobals {
  readonly Bun: { readonly connect: (options: BunConnectOptions) => Promise<BunSocket> }
  readonly setTimeout: (callback: () => void, ms: number) => unknown
  readonly clearTimeout: (handle: unknown) => void
}

/** `globalThis` seen through the shapes above. `Bun` is only read when a socket is opened. */
export const bunGlobals = globalThis as unknown as BunGlobals
