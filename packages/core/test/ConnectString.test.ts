import { describe, expect, it } from "@effect/vitest"
import * as ConnectString from "@effect-zk/core/ConnectString"
import { ConfigurationError } from "@effect-zk/core/ZooKeeperError"
import { Effect, Random } from "effect"
import * as fc from "fast-check"

const parsed = (hosts: string): ConnectString.ConnectString => {
  const result = ConnectString.parseSync(hosts)
  if (result instanceof ConfigurationError) throw new Error(`unexpected error: ${result.message}`)
  return result
}

const reason = (hosts: string): string => {
  const result = ConnectString.parseSync(hosts)
  if (!(result instanceof ConfigurationError)) throw new Error(`expected an error for ${JSON.stringify(hosts)}`)
  expect(result.field).toBe("hosts")
  return result.reason
}

describe("ConnectString.parse", () => {
  it("parses hosts, default ports, IPv6 in brackets, zones and the chroot", () => {
    expect(parsed("host1:2181,host2,[::1]:2182,[fe80::1%eth0]:2183/chroot/path")).toEqual({
      servers: [
        { host: "host1", port: 2181 },
        { host: "host2", port: 2181 },
        { host: "::1", port: 2182 },
        { host: "fe80::1%eth0", port: 2183 }
      ],
      chroot: "/chroot/path"
    })
  })

  it("agrees with ZooKeeper's ConnectStringParser on what both accept", () => {
    // Results of org.apache.zookeeper.client.ConnectStringParser (3.8) for the same strings.
    expect(parsed("[::1]")).toEqual({ servers: [{ host: "::1", port: 2181 }], chroot: undefined })
    expect(parsed("h1/")).toEqual({ servers: [{ host: "h1", port: 2181 }], chroot: undefined })
    expect(parsed("10.0.0.1:2888")).toEqual({ servers: [{ host: "10.0.0.1", port: 2888 }], chroot: undefined })
    expect(parsed("[::ffff:10.0.0.1]:1")).toEqual({ servers: [{ host: "::ffff:10.0.0.1", port: 1 }], chroot: undefined })
    expect(parsed("h1:65535/a b")).toEqual({ servers: [{ host: "h1", port: 65535 }], chroot: "/a b" })
  })

  it("trims whitespace around entries, hosts and ports", () => {
    expect(parsed("  h1 : 2181 ,\th2 ,  [::1] : 2182 /app \n")).toEqual({
      servers: [
        { host: "h1", port: 2181 },
        { host: "h2", port: 2181 },
        { host: "::1", port: 2182 }
      ],
      chroot: "/app"
    })
  })

  it("treats a chroot of / as none", () => {
    expect(parsed("h1:2181/").chroot).toBeUndefined()
  })

  it("rejects bad pieces with a reason naming them", () => {
    expect(reason("")).toBe(`no servers in ""`)
    expect(reason("   ")).toBe(`no servers in "   "`)
    expect(reason("/chroot")).toBe(`no servers in "/chroot"`)
    expect(reason("h1,,h2")).toBe(`empty server entry at position 2 of "h1,,h2"`)
    expect(reason("h1,")).toBe(`empty server entry at position 2 of "h1,"`)
    expect(reason("::1")).toBe(`"::1" has more than one ':'; write IPv6 addresses in brackets, e.g. [::1]:2181`)
    expect(reason("h:1:2")).toContain("more than one ':'")
    expect(reason("h1:")).toBe(`empty port after ':' in "h1:"`)
    expect(reason("[::1]:")).toBe(`empty port after ':' in "[::1]:"`)
    expect(reason("h1:0")).toBe(`port 0 in "h1:0" is not within 1-65535`)
    expect(reason("h1:65536")).toBe(`port 65536 in "h1:65536" is not within 1-65535`)
    expect(reason("h1:-1")).toBe(`port "-1" in "h1:-1" is not a number`)
    expect(reason("h1:abc")).toBe(`port "abc" in "h1:abc" is not a number`)
    expect(reason("[::1")).toBe(`"[::1" opens '[' without a matching ']'`)
    expect(reason("[host]:1")).toBe(`"[host]:1": brackets are for IPv6 addresses, "host" is not one`)
    expect(reason("[::1]x")).toBe(`unexpected "x" after ']' in "[::1]x"`)
    expect(reason(":2181")).toBe(`":2181" names no host`)
    expect(reason("a b:2181")).toBe(`"a b" is not a valid host name`)
    expect(reason("h1/a/")).toBe(`invalid chroot "/a/": a path must not end with '/'`)
    expect(reason("h1/a//b")).toBe(`invalid chroot "/a//b": empty segment ('//') at index 3`)
  })

  it.effect("parse fails with the ConfigurationError", () =>
    Effect.gen(function*() {
      const cs = yield* ConnectString.parse("h1:2182/app")
      expect(cs).toEqual({ servers: [{ host: "h1", port: 2182 }], chroot: "/app" })
      const error = yield* Effect.flip(ConnectString.parse("h1:0"))
      expect(error._tag).toBe("ConfigurationError")
      expect(error.field).toBe("hosts")
      expect(error.message).toBe(`invalid configuration "hosts": port 0 in "h1:0" is not within 1-65535`)
    }))
})

const hostname = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/)).map(([ip, zone]) => `${ip}%${zone}`)
)
const server = fc.record({ host: hostname, port: fc.integer({ min: 1, max: 65535 }) })
const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/)
const chroot = fc.option(
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => "/" + s.join("/")),
  { nil: undefined }
)
const connectString = fc.record({ servers: fc.array(server, { minLength: 1, maxLength: 5 }), chroot })

describe("ConnectString.format", () => {
  it("writes every port and brackets IPv6 addresses", () => {
    expect(
      ConnectString.format({
        servers: [
          { host: "h1", port: 2181 },
          { host: "::1", port: 2182 }
        ],
        chroot: "/app"
      })
    ).toBe("h1:2181,[::1]:2182/app")
    expect(ConnectString.formatAddress({ host: "fe80::1%eth0", port: 1 })).toBe("[fe80::1%eth0]:1")
  })

  it("parse(format(cs)) = cs", () => {
    fc.assert(
      fc.property(connectString, (cs) => {
        expect(ConnectString.parseSync(ConnectString.format(cs))).toEqual(cs)
      })
    )
  })
})

describe("ConnectString.shuffle", () => {
  const servers = Array.from({ length: 8 }, (_, i) => ({ host: `h${i}`, port: 2181 }))

  it.effect("is a permutation, deterministic under a seeded Random", () =>
    Effect.gen(function*() {
      const a = yield* Effect.withRandom(ConnectString.shuffle(servers), Random.make("seed"))
      const b = yield* Effect.withRandom(ConnectString.shuffle(servers), Random.make("seed"))
      expect(a).toEqual(b)
      expect([...a].sort((x, y) => x.host.localeCompare(y.host))).toEqual(servers)
      const orders = new Set<string>()
      for (let seed = 0; seed < 20; seed++) {
        const s = yield* Effect.withRandom(ConnectString.shuffle(servers), Random.make(seed))
        orders.add(s.map((x) => x.host).join(","))
      }
      expect(orders.size).toBeGreaterThan(1)
    }))
})
