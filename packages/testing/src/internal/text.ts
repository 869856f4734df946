/**
 * UTF-8 through the runtime's TextEncoder/TextDecoder. The package compiles with the ES2022 lib
 * and no runtime types, which declare neither class, so they are typed here.
 */
interface TextGlobals {
  readonly TextEncoder: new () => { encode(input: string): Uint8Array }
  readonly TextDecoder: new () => { decode(input: Uint8Array): string }
}
const globals = globalThis as unknown as TextGlobals
const encoder = new globals.TextEncoder()
const decoder = new globals.TextDecoder()

/** A string as UTF-8 bytes. */
export const encodeUtf8 = (text: string): Uint8Array => encoder.encode(text)

/** UTF-8 bytes as a string. */
export const decodeUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)
