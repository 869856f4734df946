import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { authenticate, digestMd5, parseDirectives, SaslFailure, zooKeeperDigestUri } from "../src/internal/sasl.js"

const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array | undefined | SaslFailure) =>
  b instanceof Uint8Array ? new TextDecoder().decode(b) : b instanceof SaslFailure ? `failure: ${b.reason}` : String(b)

// RFC 2831, section 4, example 1 (IMAP): chris / secret at elwood.innosoft.com.
const rfcChallenge = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8'
const rfcClient = () =>
  digestMd5({
    username: "chris",
    password: Redacted.make("secret"),
    protocol: "imap",
    serverName: "elwood.innosoft.com",
    cnonce: "OA6MHXh6VqTrRk"
  })

describe("SASL DIGEST-MD5", () => {
  it("answers RFC 2831's example challenge with its response and accepts its rspauth", () => {
    const client = rfcClient()
    expect(client.initial).toEqual(new Uint8Array(0))
    const response = text(client.evaluate(utf8(rfcChallenge)))
    expect(response).toBe(
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
        'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",maxbuf=65536,' +
        "response=d388dad90d4bbd760a152321f2143af7,qop=auth"
    )
    expect(client.evaluate(utf8("rspauth=ea40f60335c427b5527b84dbabcdfffd"))).toBeUndefined()
  })

  it("refuses a wrong rspauth, a missing one, and tokens after completion", () => {
    const wrong = rfcClient()
    wrong.evaluate(utf8(rfcChallenge))
    expect(text(wrong.evaluate(utf8("rspauth=00000000000000000000000000000000")))).toMatch(/rspauth is wrong/)
    const missing = rfcClient()
    missing.evaluate(utf8(rfcChallenge))
    expect(text(missing.evaluate(null))).toMatch(/did not send rspauth/)
    const done = rfcClient()
    done.evaluate(utf8(rfcChallenge))
    done.evaluate(utf8("rspauth=ea40f60335c427b5527b84dbabcdfffd"))
    expect(text(done.evaluate(utf8("more")))).toMatch(/after DIGEST-MD5 had completed/)
  })

  it("refuses challenges it cannot answer, naming why", () => {
    const answer = (challenge: string | null) => text(rfcClient().evaluate(challenge === null ? null : utf8(challenge)))
    expect(answer(null)).toMatch(/no DIGEST-MD5 challenge .*JAAS/)
    expect(answer('realm="r",qop="auth",algorithm=md5-sess')).toMatch(/exactly one nonce/)
    expect(answer('nonce="n",qop="auth-conf",algorithm=md5-sess')).toMatch(/supports only auth/)
    expect(answer('nonce="n",algorithm=md5')).toMatch(/not md5-sess/)
    expect(answer('nonce="n,algorithm=md5-sess')).toMatch(/unterminated/)
  })

  it("uses ZooKeeper's digest-uri and a fresh random cnonce per exchange", () => {
    const make = () =>
      digestMd5({ username: "bob", password: Redacted.make("secret"), ...zooKeeperDigestUri })
    const challenge = utf8('realm="zk-sasl-md5",nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess')
    const first = text(make().evaluate(challenge))
    const second = text(make().evaluate(challenge))
    expect(first).toContain('digest-uri="zookeeper/zk-sasl-md5"')
    expect(first).toContain('realm="zk-sasl-md5"')
    const cnonce = (s: string) => /cnonce="([0-9a-f]{32})"/.exec(s)?.[1]
    expect(cnonce(first)).toBeDefined()
    expect(cnonce(first)).not.toBe(cnonce(second))
    expect(first).not.toContain("secret")
  })

  it("parses quoted strings with escapes, repeated directives and odd spacing", () => {
    const parsed = parseDirectives(' realm="a\\"b" , realm=c,,nonce = "x,y" ,qop=auth ')
    expect(parsed).toEqual(
      new Map([
        ["realm", ['a"b', "c"]],
        ["nonce", ["x,y"]],
        ["qop", ["auth"]]
      ])
    )
    expect(parseDirectives("novalue")).toBeInstanceOf(SaslFailure)
    expect(parseDirectives('a="b"c')).toBeInstanceOf(SaslFailure)
  })

  it("authenticate drives the mechanism until it is satisfied, and fails on a refusal", () =>
    Effect.gen(function* () {
      const sent: Array<string> = []
      const replies = [utf8(rfcChallenge), utf8("rspauth=ea40f60335c427b5527b84dbabcdfffd")]
      yield* authenticate(rfcClient(), (token) => {
        sent.push(text(token))
        return Effect.succeed(replies.shift() ?? null)
      })
      expect(sent).toHaveLength(2)
      expect(sent[0]).toBe("")
      const refused = yield* Effect.exit(
        authenticate(rfcClient(), () => Effect.fail(new SaslFailure({ reason: "refused" })))
      )
      expect(Exit.isFailure(refused)).toBe(true)
    }).pipe(Effect.runSync))
})
