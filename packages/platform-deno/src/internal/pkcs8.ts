// Decrypting a passphrase-protected private key for Deno.connectTls, which takes only a plain
// PEM key. The format is PKCS#8's EncryptedPrivateKeyInfo with PBES2 (RFC 8018): PBKDF2 with an
// HMAC-SHA PRF, then AES-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc` (OpenSSL 3's default
// for encrypted keys) writes. Everything runs on WebCrypto (`crypto.subtle`), so no runtime API
// is needed. Errors are plain messages: they never contain key material or the passphrase.

/** The part of WebCrypto's `SubtleCrypto` used here (the package compiles without DOM types). */
export interface Subtle {
  importKey(
    format: "raw",
    keyData: Uint8Array<ArrayBuffer>,
    algorithm: string | { readonly name: string },
    extractable: boolean,
    usages: Array<"deriveBits" | "decrypt">
  ): Promise<unknown>
  deriveBits(
    algorithm: { readonly name: "PBKDF2"; readonly salt: Uint8Array<ArrayBuffer>; readonly iterations: number; readonly hash: string },
    baseKey: unknown,
    length: number
  ): Promise<ArrayBuffer>
  decrypt(
    algorithm: { readonly name: "AES-CBC"; readonly iv: Uint8Array<ArrayBuffer> },
    key: unknown,
    data: Uint8Array<ArrayBuffer>
  ): Promise<ArrayBuffer>
}

/** Why a key could not be used; the message names the problem and never the key or passphrase. */
export class KeyDecryptionError extends Error {
  override readonly name = "KeyDecryptionError"
}

const OID = {
  pbes2: "2a864886f70d01050d",
  pbkdf2: "2a864886f70d01050c",
  aes128cbc: "608648016503040102",
  aes192cbc: "608648016503040116",
  aes256cbc: "60864801650304012a"
} as const

const PRF: Readonly<Record<string, string>> = {
  "2a864886f70d0207": "SHA-1",
  "2a864886f70d0209": "SHA-256",
  "2a864886f70d020a": "SHA-384",
  "2a864886f70d020b": "SHA-512"
}

const AES_KEY_BYTES: Readonly<Record<string, number>> = {
  [OID.aes128cbc]: 16,
  [OID.aes192cbc]: 24,
  [OID.aes256cbc]: 32
}

/** PBKDF2 iteration counts above this are refused (a forged key must not stall the connect). */
const MAX_ITERATIONS = 10_000_000

// --- PEM and base64 ---------------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]))

const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => {
  const clean = text.replace(/[\s=]/g, "")
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let bits = 0
  let acc = 0
  let n = 0
  for (const c of clean) {
    const v = B64_INDEX.get(c)
    if (v === undefined) throw new KeyDecryptionError("the PEM body is not base64")
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >> bits) & 0xff
    }
  }
  return out.subarray(0, n)
}

const toBase64 = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!
    const b = bytes[i + 1]
    const c = bytes[i + 2]
    out += B64[a >> 2]
    out += B64[((a & 3) << 4) | ((b ?? 0) >> 4)]
    out += b === undefined ? "=" : B64[((b & 15) << 2) | ((c ?? 0) >> 6)]
    out += c === undefined ? "=" : B64[c & 63]
  }
  return out
}

const pemBlock = (pem: string, label: string): string | undefined => {
  const begin = `-----BEGIN ${label}-----`
  const end = `-----END ${label}-----`
  const a = pem.indexOf(begin)
  if (a < 0) return undefined
  const b = pem.indexOf(end, a + begin.length)
  if (b < 0) throw new KeyDecryptionError(`the PEM has "${begin}" but no "${end}"`)
  return pem.slice(a + begin.length, b)
}

// --- DER ---------------------------------------------------------------------------------------

interface Tlv {
  readonly tag: number
  /** Start and end of the contents. */
  readonly start: number
  readonly end: number
}

const malformed = (what: string) => new KeyDecryptionError(`the encrypted key is malformed: ${what}`)

/** The element at `at`, ending at or before `limit`. */
const tlv = (der: Uint8Array, at: number, limit: number, what: string): Tlv => {
  if (at + 2 > limit) throw malformed(`${what} is missing`)
  const tag = der[at]!
  let length = der[at + 1]!
  let start = at + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 4 || start + count > limit) throw malformed(`${what} has a bad length`)
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!
    start += count
  }
  if (start + length > limit) throw malformed(`${what} runs past its container`)
  return { tag, start, end: start + length }
}

const expect = (der: Uint8Array, at: number, limit: number, tag: number, what: string): Tlv => {
  const t = tlv(der, at, limit, what)
  if (t.tag !== tag) throw malformed(`${what} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`)
  return t
}

const hex = (der: Uint8Array, t: Tlv): string => {
  let s = ""
  for (let i = t.start; i < t.end; i++) s += der[i]!.toString(16).padStart(2, "0")
  return s
}

const integer = (der: Uint8Array, t: Tlv, what: string): number => {
  if (t.end - t.start > 6 || t.end === t.start || (der[t.start]! & 0x80) !== 0) throw malformed(`${what} is out of range`)
  let n = 0
  for (let i = t.start; i < t.end; i++) n = n * 256 + der[i]!
  return n
}

/** `TextEncoder`, a global of every runtime (typed here: the package compiles without DOM types). */
const utf8 = (text: string): Uint8Array<ArrayBuffer> =>
  new (globalThis as unknown as { readonly TextEncoder: new () => { encode(s: string): Uint8Array<ArrayBuffer> } }).TextEncoder().encode(
    text
  )

const SEQUENCE = 0x30
const OCTET_STRING = 0x04
const INTEGER = 0x02
const OBJECT_ID = 0x06

interface Pbes2 {
  readonly salt: Uint8Array<ArrayBuffer>
  readonly iterations: number
  readonly hash: string
  readonly keyBytes: number
  readonly iv: Uint8Array<ArrayBuffer>
  readonly data: Uint8Array<ArrayBuffer>
}

/** Reads EncryptedPrivateKeyInfo { AlgorithmIdentifier { pbes2, PBES2-params }, OCTET STRING }. */
const parse = (der: Uint8Array<ArrayBuffer>): Pbes2 => {
  const info = expect(der, 0, der.length, SEQUENCE, "EncryptedPrivateKeyInfo")
  const alg = expect(der, info.start, info.end, SEQUENCE, "encryptionAlgorithm")
  const algOid = expect(der, alg.start, alg.end, OBJECT_ID, "encryptionAlgorithm's OID")
  if (hex(der, algOid) !== OID.pbes2) {
    throw new KeyDecryptionError(
      "the key is encrypted with a scheme other than PBES2 (PKCS#5 v2): re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
    )
  }
  const params = expect(der, algOid.end, alg.end, SEQUENCE, "PBES2-params")
  const kdf = expect(der, params.start, params.end, SEQUENCE, "keyDerivationFunc")
  const kdfOid = expect(der, kdf.start, kdf.end, OBJECT_ID, "keyDerivationFunc's OID")
  if (hex(der, kdfOid) !== OID.pbkdf2) throw new KeyDecryptionError("the key's PBES2 uses a key derivation other than PBKDF2 (e.g. scrypt)")
  const kdfParams = expect(der, kdfOid.end, kdf.end, SEQUENCE, "PBKDF2-params")
  const salt = expect(der, kdfParams.start, kdfParams.end, OCTET_STRING, "the PBKDF2 salt")
  const count = expect(der, salt.end, kdfParams.end, INTEGER, "the PBKDF2 iteration count")
  const iterations = integer(der, count, "the iteration count")
  let at = count.end
  let keyLength: number | undefined
  let hash = "SHA-1" // the PRF's default
  if (at < kdfParams.end && der[at] === INTEGER) {
    const t = tlv(der, at, kdfParams.end, "the PBKDF2 key length")
    keyLength = integer(der, t, "the key length")
    at = t.end
  }
  if (at < kdfParams.end) {
    const prf = expect(der, at, kdfParams.end, SEQUENCE, "the PBKDF2 PRF")
    const prfOid = hex(der, expect(der, prf.start, prf.end, OBJECT_ID, "the PBKDF2 PRF's OID"))
    const named = PRF[prfOid]
    if (named === undefined) throw new KeyDecryptionError("the key's PBKDF2 uses a PRF other than HMAC-SHA1/256/384/512")
    hash = named
  }
  const enc = expect(der, kdf.end, params.end, SEQUENCE, "encryptionScheme")
  const encOid = expect(der, enc.start, enc.end, OBJECT_ID, "encryptionScheme's OID")
  const keyBytes = AES_KEY_BYTES[hex(der, encOid)]
  if (keyBytes === undefined) throw new KeyDecryptionError("the key is encrypted with a cipher other than AES-128/192/256-CBC")
  if (keyLength !== undefined && keyLength !== keyBytes) throw malformed("the PBKDF2 key length does not match the cipher")
  const iv = expect(der, encOid.end, enc.end, OCTET_STRING, "the AES IV")
  if (iv.end - iv.start !== 16) throw malformed("the AES IV is not 16 bytes")
  if (iterations < 1 || iterations > MAX_ITERATIONS) throw malformed(`the iteration count ${iterations} is out of range`)
  const data = expect(der, alg.end, info.end, OCTET_STRING, "encryptedData")
  if ((data.end - data.start) % 16 !== 0 || data.end === data.start) throw malformed("the encrypted data is not whole AES blocks")
  return {
    salt: der.slice(salt.start, salt.end),
    iterations,
    hash,
    keyBytes,
    iv: der.slice(iv.start, iv.end),
    data: der.slice(data.start, data.end)
  }
}

/**
 * The plain PEM (`-----BEGIN PRIVATE KEY-----`) of `pem` decrypted with `passphrase`. A key
 * that is not encrypted is returned as it is (the passphrase is then unused, as Node's TLS
 * does). Rejects with a {@link KeyDecryptionError} for a wrong passphrase, an OpenSSL
 * "traditional" encrypted key (`Proc-Type: 4,ENCRYPTED`), or a scheme WebCrypto cannot run.
 */
export const decryptPrivateKey = async (pem: string, passphrase: string, subtle: Subtle): Promise<string> => {
  const body = pemBlock(pem, "ENCRYPTED PRIVATE KEY")
  if (body === undefined) {
    if (/Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
      throw new KeyDecryptionError(
        "the key is in OpenSSL's traditional encrypted PEM format, which Deno cannot decrypt: convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
      )
    }
    if (!pem.includes("PRIVATE KEY-----")) throw new KeyDecryptionError("the key is not a PEM private key")
    return pem
  }
  const p = parse(fromBase64(body))
  const secret = await subtle.importKey("raw", utf8(passphrase), "PBKDF2", false, ["deriveBits"])
  const bits = await subtle.deriveBits({ name: "PBKDF2", salt: p.salt, iterations: p.iterations, hash: p.hash }, secret, p.keyBytes * 8)
  const aes = await subtle.importKey("raw", new Uint8Array(bits), { name: "AES-CBC" }, false, ["decrypt"])
  let plain: Uint8Array
  try {
    plain = new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: p.iv }, aes, p.data))
  } catch {
    throw new KeyDecryptionError("wrong passphrase for the TLS key")
  }
  // A wrong passphrase can still end in valid padding (about 1 in 256): the result must be one
  // DER SEQUENCE filling it exactly, as a PrivateKeyInfo does.
  let whole = false
  try {
    whole = expect(plain, 0, plain.length, SEQUENCE, "PrivateKeyInfo").end === plain.length
  } catch {
    whole = false
  }
  if (!whole) throw new KeyDecryptionError("wrong passphrase for the TLS key")
  const lines = toBase64(plain).match(/.{1,64}/g) ?? []
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`
}
