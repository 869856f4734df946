// Checked by `deno check` (see test/deno.test.ts), not by the repository's tsc: Deno's own
// declarations must accept what src/internal/deno.ts passes and return what it expects.
import type { DenoConnectOptions, DenoConnectTlsOptions, DenoGlobals, DenoTcpConn, DenoTlsConn } from "../src/internal/deno.js"

type Options = Omit<DenoConnectOptions, "signal"> & { signal?: AbortSignal }

export const connect = (options: Options): Promise<DenoTcpConn> => Deno.connect(options)
export const connectTls = (options: DenoConnectTlsOptions): Promise<DenoTlsConn> => Deno.connectTls(options)
export const controller: InstanceType<DenoGlobals["AbortController"]> = new AbortController()
export const timer: ReturnType<DenoGlobals["setTimeout"]> = setTimeout(() => {}, 0)
export const clear: DenoGlobals["clearTimeout"] = (handle) => clearTimeout(handle as number)
