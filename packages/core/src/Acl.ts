/**
 * Access control lists: permissions, identities, the well-known ACLs and the helpers of kazoo's
 * `kazoo.security` (digest credentials computed with WebCrypto, so this runs on every runtime).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { InvalidArgumentError } from "./ZooKeeperError.js"

/**
 * The permission bits of an ACL entry. Combine them with `|`.
 *
 * @since 0.1.0
 * @category constants
 */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31
} as const

/**
 * The name of one permission bit.
 *
 * @since 0.1.0
 * @category models
 */
export type PermName = "READ" | "WRITE" | "CREATE" | "DELETE" | "ADMIN"

/**
 * An identity in a scheme: `world:anyone`, `digest:user:hash`, `ip:10.0.0.0/8`, `auth:`,
 * `sasl:principal`, `x509:...`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Id {
  readonly scheme: string
  readonly id: string
}

/**
 * One ACL entry: the permission bits granted to an identity.
 *
 * @since 0.1.0
 * @category models
 */
export interface ACL {
  readonly perms: number
  readonly id: Id
}

/**
 * Everyone (`world:anyone`).
 *
 * @since 0.1.0
 * @category well-known
 */
export const ANYONE_ID_UNSAFE: Id = Object.freeze({ scheme: "world", id: "anyone" })

/**
 * The identities the session has authenticated as (`auth:`); only meaningful when setting ACLs.
 *
 * @since 0.1.0
 * @category well-known
 */
export const AUTH_IDS: Id = Object.freeze({ scheme: "auth", id: "" })

/**
 * Everyone may do everything.
 *
 * @since 0.1.0
 * @category well-known
 */
export const OPEN_ACL_UNSAFE: ReadonlyArray<ACL> = Object.freeze([Object.freeze({ perms: Perms.ALL, id: ANYONE_ID_UNSAFE })])

/**
 * The session's authenticated identities may do everything (the creator's ACL).
 *
 * @since 0.1.0
 * @category well-known
 */
export const CREATOR_ALL_ACL: ReadonlyArray<ACL> = Object.freeze([Object.freeze({ perms: Perms.ALL, id: AUTH_IDS })])

/**
 * Everyone may read.
 *
 * @since 0.1.0
 * @category well-known
 */
export const READ_ACL_UNSAFE: ReadonlyArray<ACL> = Object.freeze([Object.freeze({ perms: Perms.READ, id: ANYONE_ID_UNSAFE })])

/**
 * Which permissions {@link makeAcl} grants; `all` grants every one of them.
 *
 * @since 0.1.0
 * @category models
 */
export interface PermFlags {
  readonly read?: boolean | undefined
  readonly write?: boolean | undefined
  readonly create?: boolean | undefined
  readonly delete?: boolean | undefined
  readonly admin?: boolean | undefined
  readonly all?: boolean | undefined
}

/**
 * The permission bits for a set of flags (none given: `0`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const permsOf = (flags: PermFlags): number => {
  if (flags.all === true) return Perms.ALL
  let perms = 0
  if (flags.read === true) perms |= Perms.READ
  if (flags.write === true) perms |= Perms.WRITE
  if (flags.create === true) perms |= Perms.CREATE
  if (flags.delete === true) perms |= Perms.DELETE
  if (flags.admin === true) perms |= Perms.ADMIN
  return perms
}

/**
 * An ACL entry for a scheme and credential with the given permissions (kazoo's `make_acl`).
 * For the `digest` scheme the credential is `user:base64(sha1(user:password))`, see
 * {@link makeDigestAclCredential}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAcl = (scheme: string, credential: string, flags: PermFlags = {}): ACL => ({
  perms: permsOf(flags),
  id: { scheme, id: credential }
})

// WebCrypto and TextEncoder are globals in every runtime we support (Node 20+, Bun, Deno,
// browsers); the build targets plain ES2022 without DOM types, so they are typed here.
interface WebCryptoGlobals {
  readonly crypto?: { readonly subtle?: { digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer> } }
  readonly TextEncoder: new () => { encode(input: string): Uint8Array }
}
const globals = globalThis as unknown as WebCryptoGlobals

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

const base64 = (bytes: Uint8Array): string => {
  let out = ""
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + "=="
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += BASE64[(n >> 18) & 63]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + "="
  }
  return out
}

const sha1 = (input: string): Effect.Effect<Uint8Array> =>
  Effect.suspend(() => {
    const subtle = globals.crypto?.subtle
    if (subtle === undefined) {
      return Effect.dieMessage("WebCrypto (globalThis.crypto.subtle) is not available in this runtime")
    }
    const data = new globals.TextEncoder().encode(input)
    return Effect.map(
      Effect.promise(() => subtle.digest("SHA-1", data)),
      (digest) => new Uint8Array(digest)
    )
  })

/**
 * Checks a digest user name: ZooKeeper splits `user:password` at the first `:`, so the user
 * name may not contain one (the password may).
 *
 * @since 0.1.0
 * @category validation
 */
export const validateUsername = (username: string, op = "makeDigestAcl"): InvalidArgumentError | undefined =>
  username.includes(":")
    ? new InvalidArgumentError({ op, argument: "username", reason: `a digest user name may not contain ':'` })
    : undefined

/**
 * The digest credential ZooKeeper stores for a user and password:
 * `user:base64(sha1("user:password"))`, exactly what ZooKeeper's
 * `DigestAuthenticationProvider.generateDigest` computes. Text is encoded as UTF-8 (as kazoo
 * does; run the JVM with `-Dfile.encoding=UTF-8` if it decodes otherwise). The password may be
 * `Redacted`, so it never prints.
 *
 * @since 0.1.0
 * @category digest
 */
export const makeDigestAclCredential = (
  username: string,
  password: string | Redacted.Redacted<string>
): Effect.Effect<string, InvalidArgumentError> => {
  const error = validateUsername(username, "makeDigestAclCredential")
  if (error !== undefined) return Effect.fail(error)
  const secret = Redacted.isRedacted(password) ? Redacted.value(password) : password
  return Effect.map(sha1(`${username}:${secret}`), (digest) => `${username}:${base64(digest)}`)
}

/**
 * A `digest` ACL entry for a user and plain-text password (kazoo's `make_digest_acl`).
 *
 * @since 0.1.0
 * @category digest
 */
export const makeDigestAcl = (
  username: string,
  password: string | Redacted.Redacted<string>,
  flags: PermFlags = {}
): Effect.Effect<ACL, InvalidArgumentError> =>
  Effect.map(makeDigestAclCredential(username, password), (credential) => makeAcl("digest", credential, flags))

const letters: ReadonlyArray<readonly [number, string]> = [
  [Perms.READ, "r"],
  [Perms.WRITE, "w"],
  [Perms.CREATE, "c"],
  [Perms.DELETE, "d"],
  [Perms.ADMIN, "a"]
]

/**
 * The permission bits as letters in bit order, `r` `w` `c` `d` `a`: `Perms.ALL` is `"rwcda"`,
 * `READ | WRITE` is `"rw"`, no permission is `""`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const permsToString = (perms: number): string => {
  let out = ""
  for (const [bit, letter] of letters) if ((perms & bit) !== 0) out += letter
  return out
}

/**
 * Parses permission letters in any order, as ZooKeeper's CLI does (`"cdrwa"`, `"rw"`); an
 * unknown letter gives an {@link InvalidArgumentError} naming `"perms"`.
 *
 * @since 0.1.0
 * @category parsing
 */
export const permsFromString = (text: string, op = "permsFromString"): number | InvalidArgumentError => {
  let perms = 0
  for (const ch of text) {
    const entry = letters.find(([, letter]) => letter === ch)
    if (entry === undefined) {
      return new InvalidArgumentError({
        op,
        argument: "perms",
        reason: `unknown permission ${JSON.stringify(ch)} in ${JSON.stringify(text)} (use r, w, c, d, a)`
      })
    }
    perms |= entry[0]
  }
  return perms
}

/**
 * The permission names of kazoo's `ACL.acl_list`: `["ALL"]` when every bit is set, else the
 * names of the bits present in bit order.
 *
 * @since 0.1.0
 * @category formatting
 */
export const permNames = (perms: number): ReadonlyArray<"ALL" | PermName> => {
  if ((perms & Perms.ALL) === Perms.ALL) return ["ALL"]
  const names: Array<PermName> = []
  if ((perms & Perms.READ) !== 0) names.push("READ")
  if ((perms & Perms.WRITE) !== 0) names.push("WRITE")
  if ((perms & Perms.CREATE) !== 0) names.push("CREATE")
  if ((perms & Perms.DELETE) !== 0) names.push("DELETE")
  if ((perms & Perms.ADMIN) !== 0) names.push("ADMIN")
  return names
}

/**
 * An ACL entry as ZooKeeper's CLI prints it: `scheme:id:perms`, e.g. `world:anyone:rwcda`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const aclToString = (acl: ACL): string => `${acl.id.scheme}:${acl.id.id}:${permsToString(acl.perms)}`
