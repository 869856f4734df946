// Checked by `deno check` (see test/deno.test.ts), not by the repository's tsc: Deno's own
// declarations must accept what src/internal/deno.ts passes and return what it expects.
import type { DenoConnectOptions, DenoConnectTlsOptions, DenoGlobals, DenoTcpConn, DenoTlsConn } from "../src/internal/deno.js"
import type { Subtle } from "../src/internal/pkcs8.js"

type Options = Omit<DenoConnectOptions, "signal"> & { signal?: AbortSignal }

export const connect = (options: Options): Promise<DenoTcpConn> => Deno.connect(options)
export const connectTls = (options: DenoConnectTlsOptions): Promise<DenoTlsConn> => Deno.connectTls(options)
export const controller: InstanceType<DenoGlobals["AbortController"]> = new AbortController()
export const timer: ReturnType<DenoGlobals["setTimeout"]> = setTimeout(() => {}, 0)
export const clear: DenoGlobals["clearTimeout"] = (handle) => clearTimeout(handle as number)
// What src/internal/pkcs8.ts passes to WebCrypto, and gets back (its keys are CryptoKeys).
export const subtle: Subtle = {
  importKey: (format, keyData, algorithm, extractable, usages) => crypto.subtle.importKey(format, keyData, algorithm, extractable, usages),
  deriveBits: (algorithm, baseKey, length) => crypto.subtle.deriveBits(algorithm, baseKey as CryptoKey, length),
  decrypt: (algorithm, key, data) => crypto.subtle.decrypt(algorithm, key as CryptoKey, data)
}
