/**
 * Small, runtime-agnostic helpers shared by the recipes: UTF-8, random hex ids (kazoo's
 * `uuid.uuid4().hex`), and the exact text forms Python writes (`repr` of a float, `json.dumps`
 * of a string) so that our znodes hold the same bytes as kazoo's.
 */

interface Utf8Encoder {
  encode(input: string): Uint8Array
}
interface Utf8Decoder {
  decode(input: Uint8Array): string
}
interface Globals {
  readonly TextEncoder: new () => Utf8Encoder
  readonly TextDecoder: new (label: string) => Utf8Decoder
  readonly crypto?: { readonly getRandomValues?: (array: Uint8Array) => Uint8Array } | undefined
}

// The package compiles with `"types": []` and the ES2022 lib, which declare none of these;
// every runtime we support (Node 20+, Bun, Deno, browsers) has them on globalThis.
const globals = globalThis as unknown as Globals
const encoder = new globals.TextEncoder()
const decoder = new globals.TextDecoder("utf-8")

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

/** A string from UTF-8 bytes (invalid sequences become U+FFFD, as Python's "replace" would). */
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

/** Whether every byte is ASCII (what kazoo's `decode('ascii')` accepts). */
export const isAscii = (bytes: Uint8Array): boolean => bytes.every((b) => b < 0x80)

const HEX = "0123456789abcdef"

/**
 * 32 random lowercase hex digits, the shape of kazoo's `uuid.uuid4().hex` (a version-4 UUID
 * without dashes). Uses WebCrypto's `getRandomValues`, or `Math.random` where it is missing.
 */
export const randomHex = (): string => {
  const bytes = new Uint8Array(16)
  const getRandomValues = globals.crypto?.getRandomValues
  if (getRandomValues !== undefined) getRandomValues.call(globals.crypto, bytes)
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  let out = ""
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!
  return out
}

/** A string as a literal piece of a regular expression. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's), in fixed
 * notation when the decimal exponent is from -4 to 15 and always with a fractional part
 * (`3.0`), otherwise in scientific notation with a signed, at least two-digit exponent
 * (`1e+16`, `1.5e-05`); `inf`, `-inf`, `nan`.
 */
export const pythonFloatRepr = (value: number): string => {
  if (Number.isNaN(value)) return "nan"
  if (value === Number.POSITIVE_INFINITY) return "inf"
  if (value === Number.NEGATIVE_INFINITY) return "-inf"
  const sign = value < 0 || Object.is(value, -0) ? "-" : ""
  const [mantissa = "0", exponent = "0"] = Math.abs(value).toExponential().split("e")
  const digits = mantissa.replace(".", "")
  const decpt = Number(exponent) + 1
  if (decpt <= -4 || decpt > 16) {
    const exp = decpt - 1
    const body = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`
    const expDigits = String(Math.abs(exp)).padStart(2, "0")
    return `${sign}${body}e${exp < 0 ? "-" : "+"}${expDigits}`
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
}

const PY_INT = /^[+-]?\d+(?:_\d+)*$/
const PY_FLOAT = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*|\d+(?:_\d+)*\.?)(?:[eE][+-]?\d+(?:_\d+)*)?$/
const PY_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i

/** Python's `int(text)` for base 10 (surrounding whitespace, a sign and `_` separators allowed); undefined when it would raise. */
export const parsePythonInt = (text: string): number | undefined => {
  const t = text.trim()
  if (!PY_INT.test(t)) return undefined
  return Number(t.replaceAll("_", "")) + 0 // an int has no negative zero
}

/** Python's `float(text)`; undefined when it would raise. */
export const parsePythonFloat = (text: string): number | undefined => {
  const t = text.trim()
  const special = PY_SPECIAL.exec(t)
  if (special !== null) {
    if (special[2]!.toLowerCase() === "nan") return Number.NaN
    return special[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  }
  if (!PY_FLOAT.test(t)) return undefined
  return Number(t.replaceAll("_", ""))
}

/**
 * Python's `json.dumps` of a string with its defaults (`ensure_ascii=True`): JSON's escapes,
 * and every character outside printable ASCII as a lowercase `\uXXXX` (UTF-16) escape.
 */
export const pythonJsonString = (text: string): string =>
  JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
