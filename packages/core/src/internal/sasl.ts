/**
 * SASL over ZooKeeper's `sasl` request (opcode 102): the client side of DIGEST-MD5 (RFC 2831),
 * which ZooKeeper's `DigestLoginModule` serves, and the exchange that drives a mechanism with
 * whatever sends one token and returns the server's answer.
 *
 * ZooKeeper's server creates its SASL server for protocol `zookeeper` and server name
 * `zk-sasl-md5`, so the digest-uri is `zookeeper/zk-sasl-md5` and the realm is the one the
 * challenge names. DIGEST-MD5 has no initial response: the client sends an empty token, gets
 * the challenge, answers it, and checks the server's `rspauth` (proof that the server knows
 * the password too). The password is read from its `Redacted` only to compute the digest and
 * appears in no message.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { md5, toHex } from "./md5.js"

/**
 * The exchange failed for a reason other than a lost connection: the server refused the
 * credentials, sent something DIGEST-MD5 does not allow, or could not prove it knows the
 * password. Never carries the password.
 *
 * @since 0.1.0
 * @category errors
 */
export class SaslFailure extends Data.TaggedError("SaslFailure")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/**
 * A client-side SASL mechanism: its first token, then an answer to each server token.
 *
 * @since 0.1.0
 * @category models
 */
export interface SaslMechanism {
  readonly name: string
  /** The first token to send (empty when the mechanism has no initial response). */
  readonly initial: Uint8Array
  /** The answer to the server's token; `undefined` once the exchange is complete. */
  readonly evaluate: (serverToken: Uint8Array | null) => Uint8Array | undefined | SaslFailure
}

const MAX_ROUNDS = 8

/**
 * Runs a mechanism to completion: sends its tokens with `send` (which returns the server's
 * token) until the mechanism is satisfied.
 *
 * @since 0.1.0
 * @category running
 */
export const authenticate = <E>(
  mechanism: SaslMechanism,
  send: (token: Uint8Array) => Effect.Effect<Uint8Array | null, E | SaslFailure>
): Effect.Effect<void, E | SaslFailure> =>
  Effect.gen(function* () {
    let token: Uint8Array | undefined = mechanism.initial
    for (let round = 0; token !== undefined; round++) {
      if (round === MAX_ROUNDS) {
        return yield* new SaslFailure({ reason: `${mechanism.name} did not complete within ${MAX_ROUNDS} rounds` })
      }
      const answer = mechanism.evaluate(yield* send(token))
      if (answer instanceof SaslFailure) return yield* answer
      token = answer
    }
  })

// ---------------------------------------------------------------------------------------------
// DIGEST-MD5
// ---------------------------------------------------------------------------------------------

/**
 * Parses a DIGEST-MD5 challenge or response: comma-separated `name=token` or
 * `name="quoted \"string\""` directives (RFC 2831, section 7.1). Names are lower-cased; a
 * directive may repeat (`realm`).
 *
 * @since 0.1.0
 * @category DIGEST-MD5
 */
export const parseDirectives = (text: string): ReadonlyMap<string, ReadonlyArray<string>> | SaslFailure => {
  const out = new Map<string, Array<string>>()
  const n = text.length
  const isSpace = (ch: string | undefined) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n"
  let i = 0
  const skipSeparators = () => {
    while (i < n && (isSpace(text[i]) || text[i] === ",")) i++
  }
  skipSeparators()
  while (i < n) {
    const eq = text.indexOf("=", i)
    const name = eq < 0 ? "" : text.slice(i, eq).trim().toLowerCase()
    if (name.length === 0 || /[\s",]/.test(name)) {
      return new SaslFailure({ reason: `malformed DIGEST-MD5 directive at offset ${i}` })
    }
    i = eq + 1
    while (i < n && isSpace(text[i])) i++
    let value = ""
    if (text[i] === '"') {
      i++
      let closed = false
      while (i < n) {
        const ch = text[i]!
        if (ch === "\\" && i + 1 < n) {
          value += text[i + 1]
          i += 2
        } else if (ch === '"') {
          closed = true
          i++
          break
        } else {
          value += ch
          i++
        }
      }
      if (!closed) return new SaslFailure({ reason: `unterminated quoted value of DIGEST-MD5 directive ${name}` })
      while (i < n && isSpace(text[i])) i++
      if (i < n && text[i] !== ",") {
        return new SaslFailure({ reason: `unexpected text after DIGEST-MD5 directive ${name}` })
      }
    } else {
      const end = text.indexOf(",", i)
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim()
      i = end < 0 ? n : end
    }
    const values = out.get(name)
    if (values === undefined) out.set(name, [value])
    else values.push(value)
    skipSeparators()
  }
  return out
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

// RFC 2831 (and Java's DigestMD5Base.stringToByte_8859_1): user name, realm and password are
// hashed as ISO 8859-1 when every character fits, else as UTF-8 when the server said
// charset=utf-8.
const credentialBytes = (text: string, utf8Allowed: boolean): Uint8Array | undefined => {
  let latin1 = true
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) latin1 = false
  if (!latin1) return utf8Allowed ? utf8(text) : undefined
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

const quote = (text: string): string => `"${text.replace(/[\\"]/g, "\\$&")}"`

interface RandomGlobals {
  readonly crypto?: { getRandomValues<T extends Uint8Array>(array: T): T }
}

const randomNonce = (): string | SaslFailure => {
  const crypto = (globalThis as unknown as RandomGlobals).crypto
  return crypto === undefined
    ? new SaslFailure({ reason: "WebCrypto (globalThis.crypto) is not available in this runtime" })
    : toHex(crypto.getRandomValues(new Uint8Array(16)))
}

/**
 * Options of {@link digestMd5}.
 *
 * @since 0.1.0
 * @category DIGEST-MD5
 */
export interface DigestMd5Options {
  readonly username: string
  readonly password: Redacted.Redacted<string>
  /** The service of the digest-uri; ZooKeeper: `zookeeper`. */
  readonly protocol: string
  /** The host of the digest-uri; ZooKeeper: `zk-sasl-md5`. */
  readonly serverName: string
  /** The client nonce; random (16 bytes from WebCrypto, in hex) when absent. Fixed only by tests. */
  readonly cnonce?: string | undefined
}

/**
 * What ZooKeeper's server expects in the digest-uri: `zookeeper/zk-sasl-md5`.
 *
 * @since 0.1.0
 * @category DIGEST-MD5
 */
export const zooKeeperDigestUri = { protocol: "zookeeper", serverName: "zk-sasl-md5" } as const

/**
 * The client side of DIGEST-MD5 with `qop=auth` (authentication only, as ZooKeeper uses it):
 * an empty first token, the digest response to the challenge, then a check of the server's
 * `rspauth`.
 *
 * @since 0.1.0
 * @category DIGEST-MD5
 */
export const digestMd5 = (options: DigestMd5Options): SaslMechanism => {
  let step = 0
  let expectedRspauth = ""

  const respond = (challenge: Uint8Array | null): Uint8Array | SaslFailure => {
    if (challenge === null || challenge.length === 0) {
      return new SaslFailure({
        reason: "the server sent no DIGEST-MD5 challenge (is SASL configured on the server, with a JAAS Server section?)"
      })
    }
    const directives = parseDirectives(new TextDecoder().decode(challenge))
    if (directives instanceof SaslFailure) return directives
    const one = (name: string) => directives.get(name)?.[0]
    const nonce = one("nonce")
    if (nonce === undefined || (directives.get("nonce")?.length ?? 0) > 1) {
      return new SaslFailure({ reason: "the DIGEST-MD5 challenge must carry exactly one nonce" })
    }
    const algorithm = one("algorithm")
    if (algorithm?.toLowerCase() !== "md5-sess") {
      return new SaslFailure({ reason: `the DIGEST-MD5 challenge names algorithm ${algorithm ?? "(none)"}, not md5-sess` })
    }
    const qops = (one("qop") ?? "auth").split(",").map((q) => q.trim().toLowerCase())
    if (!qops.includes("auth")) {
      return new SaslFailure({ reason: `the server requires qop ${qops.join(", ")}; this client supports only auth` })
    }
    const charsetUtf8 = one("charset")?.toLowerCase() === "utf-8"
    const realm = one("realm") ?? ""
    const cnonce = options.cnonce ?? randomNonce()
    if (cnonce instanceof SaslFailure) return cnonce
    const nc = "00000001"
    const digestUri = `${options.protocol}/${options.serverName}`
    const user = credentialBytes(options.username, charsetUtf8)
    const realmBytes = credentialBytes(realm, charsetUtf8)
    const password = credentialBytes(Redacted.value(options.password), charsetUtf8)
    if (user === undefined || realmBytes === undefined || password === undefined) {
      return new SaslFailure({
        reason: "the user name, realm or password has characters outside ISO 8859-1 and the server did not offer UTF-8"
      })
    }
    const colon = utf8(":")
    const a1 = concat(md5(concat(user, colon, realmBytes, colon, password)), utf8(`:${nonce}:${cnonce}`))
    const ha1 = toHex(md5(a1))
    const kd = (a2: string) => toHex(md5(utf8(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${toHex(md5(utf8(a2)))}`)))
    expectedRspauth = kd(`:${digestUri}`)
    const parts = [
      ...(charsetUtf8 ? ["charset=utf-8"] : []),
      `username=${quote(options.username)}`,
      ...(directives.has("realm") ? [`realm=${quote(realm)}`] : []),
      `nonce=${quote(nonce)}`,
      `nc=${nc}`,
      `cnonce=${quote(cnonce)}`,
      `digest-uri=${quote(digestUri)}`,
      "maxbuf=65536",
      `response=${kd(`AUTHENTICATE:${digestUri}`)}`,
      "qop=auth"
    ]
    return utf8(parts.join(","))
  }

  const verify = (token: Uint8Array | null): undefined | SaslFailure => {
    if (token === null || token.length === 0) {
      return new SaslFailure({ reason: "the server did not send rspauth: it did not prove that it knows the password" })
    }
    const directives = parseDirectives(new TextDecoder().decode(token))
    if (directives instanceof SaslFailure) return directives
    if (directives.get("rspauth")?.[0] !== expectedRspauth) {
      return new SaslFailure({ reason: "the server's rspauth is wrong: it does not know the password" })
    }
    return undefined
  }

  return {
    name: "DIGEST-MD5",
    initial: new Uint8Array(0),
    evaluate: (serverToken) => {
      step++
      if (step === 1) return respond(serverToken)
      if (step === 2) return verify(serverToken)
      return new SaslFailure({ reason: "the server sent a token after DIGEST-MD5 had completed" })
    }
  }
}
