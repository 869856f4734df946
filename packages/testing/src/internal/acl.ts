/**
 * ACL checks of the in-memory server, after ZooKeeper 3.8's `ZooKeeperServer.checkACL`,
 * `PrepRequestProcessor.fixupACL` and its `world`, `digest` and `ip` providers.
 *
 * - An operation is allowed when the session is a superuser, the ACL is empty, or an entry
 *   with the needed permission names `world:anyone` or an identity the session has.
 * - ACLs given to create/setACL are de-duplicated; `auth:` expands to the session's
 *   authenticated identities (digest ones; the connection's `ip` identity does not count) and
 *   is invalid without any; `world` only knows `anyone`; a digest id is `user:hash`; an ip id
 *   is an IPv4 address with an optional `/bits`; any other scheme is invalid.
 * - getACL without ADMIN shows digest hashes as `x`.
 */
import type { Acl } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import { encodeUtf8 } from "./text.js"

type ACL = Acl.ACL

/** An identity a session holds (`ip:127.0.0.1`, `digest:user:hash`, `super:`). */
export interface AuthId {
  readonly scheme: string
  readonly id: string
}

/** Whether the session may do something needing `perm` on a node with this ACL. */
export const allowed = (acl: ReadonlyArray<ACL>, perm: number, ids: ReadonlyArray<AuthId>): boolean => {
  if (acl.length === 0) return true
  if (ids.some((id) => id.scheme === "super")) return true
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue
    const { scheme, id } = entry.id
    if (scheme === "world" && id === "anyone") return true
    for (const held of ids) {
      if (held.scheme !== scheme) continue
      if (scheme === "digest" && held.id === id) return true
      if (scheme === "ip" && ipMatches(held.id, id)) return true
    }
  }
  return false
}

const sameAcl = (a: ACL, b: ACL): boolean => a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id

/** The ACL to store for a create or setACL, or undefined when ZooKeeper says InvalidACL. */
export const fixup = (acl: ReadonlyArray<ACL>, ids: ReadonlyArray<AuthId>): ReadonlyArray<ACL> | undefined => {
  const unique: Array<ACL> = []
  for (const entry of acl) if (!unique.some((u) => sameAcl(u, entry))) unique.push(entry)
  if (unique.length === 0) return undefined
  const out: Array<ACL> = []
  for (const entry of unique) {
    const { scheme, id } = entry.id
    if (scheme === "world" && id === "anyone") {
      out.push(entry)
    } else if (scheme === "auth") {
      const authenticated = ids.filter((held) => held.scheme === "digest")
      if (authenticated.length === 0) return undefined
      for (const held of authenticated) out.push({ perms: entry.perms, id: { scheme: held.scheme, id: held.id } })
    } else if ((scheme === "digest" && isValidDigest(id)) || (scheme === "ip" && isValidIp(id))) {
      out.push(entry)
    } else {
      return undefined
    }
  }
  return out
}

/** The ACL as getACL shows it to a session without ADMIN: digest hashes replaced by `x`. */
export const redacted = (acl: ReadonlyArray<ACL>): ReadonlyArray<ACL> =>
  acl.map((entry) =>
    entry.id.scheme === "digest"
      ? { perms: entry.perms, id: { scheme: "digest", id: entry.id.id.replace(/:.*/s, ":x") } }
      : entry
  )

/** Java's `id.split(":").length == 2` (trailing empty parts dropped). */
const isValidDigest = (id: string): boolean => {
  const parts = id.split(":")
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop()
  return parts.length === 2
}

const ipv4 = (text: string): ReadonlyArray<number> | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN))
  return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined
}

const isValidIp = (id: string): boolean => {
  const [address, bits, ...rest] = id.split("/")
  if (rest.length > 0 || address === undefined || ipv4(address) === undefined) return false
  if (bits === undefined) return true
  return /^\d+$/.test(bits) && Number(bits) <= 32
}

/** Whether an address lies in an ip ACL's network (`10.0.0.0/8`) or is its address. */
export const ipMatches = (address: string, expression: string): boolean => {
  const [network, bitsText] = expression.split("/")
  const a = ipv4(address)
  const n = network === undefined ? undefined : ipv4(network)
  if (a === undefined || n === undefined) return false
  const bits = bitsText === undefined ? 32 : Number(bitsText)
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8))
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff
    if ((a[i]! & mask) !== (n[i]! & mask)) return false
  }
  return true
}

// WebCrypto is a global in every runtime this package supports; typed here (no DOM types).
interface WebCryptoGlobals {
  readonly crypto?: { readonly subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } }
}
const subtle = (globalThis as unknown as WebCryptoGlobals).crypto?.subtle

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

const base64 = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]!
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63]! : "="
    out += i + 2 < bytes.length ? BASE64[n & 63]! : "="
  }
  return out
}

/**
 * The identity a digest credential authenticates as, exactly as ZooKeeper's
 * `DigestAuthenticationProvider.generateDigest`: `user:base64(sha1(credential))`, the user being
 * the credential up to its first `:` (all of it when there is none).
 */
export const digestOf = (credential: string): Effect.Effect<string> =>
  Effect.suspend(() => {
    if (subtle === undefined) return Effect.dieMessage("WebCrypto (globalThis.crypto.subtle) is not available")
    const user = credential.split(":", 1)[0] ?? ""
    const data = encodeUtf8(credential)
    return Effect.map(
      Effect.promise(() => subtle.digest("SHA-1", data)),
      (hash) => `${user}:${base64(new Uint8Array(hash))}`
    )
  })

/** The user name whoAmI reports for an identity (a digest id up to its `:`). */
export const userOf = (id: AuthId): string => (id.scheme === "digest" ? (id.id.split(":", 1)[0] ?? "") : id.id)
