import { ConnectString, ServerConfig } from "@effect-zk/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"

const sample = [
  "server.1=zk1:2888:3888:participant;0.0.0.0:2181",
  "server.2=zk2:2888:3888|zk2b:2889:3889;2182",
  "server.3=[2001:db8::3]:2888:3888:observer;[2001:db8::3]:2183",
  "server.4=zk4:2888:3888",
  "version=10000000a"
].join("\n")

const reason = (data: string): string => {
  const r = ServerConfig.parseSync(data)
  if (!("_tag" in r)) throw new Error(`parsed: ${data}`)
  return r.reason
}

describe("ServerConfig", () => {
  it("reads members, roles, addresses, client addresses and the version", () => {
    const config = ServerConfig.parseSync(sample)
    expect(config).toEqual({
      members: [
        { id: 1, addresses: [{ host: "zk1", quorumPort: 2888, electionPort: 3888 }], role: "participant", client: { host: "0.0.0.0", port: 2181 } },
        {
          id: 2,
          addresses: [
            { host: "zk2", quorumPort: 2888, electionPort: 3888 },
            { host: "zk2b", quorumPort: 2889, electionPort: 3889 }
          ],
          role: "participant",
          client: { host: "0.0.0.0", port: 2182 }
        },
        {
          id: 3,
          addresses: [{ host: "2001:db8::3", quorumPort: 2888, electionPort: 3888 }],
          role: "observer",
          client: { host: "2001:db8::3", port: 2183 }
        },
        { id: 4, addresses: [{ host: "zk4", quorumPort: 2888, electionPort: 3888 }], role: "participant", client: undefined }
      ],
      version: 0x10000000an
    })
    // bytes as the server sends them; other lines skipped; an empty configuration (standalone)
    expect(ServerConfig.parseSync(new TextEncoder().encode(`# comment\nclientPort=2181\n${sample}\n`))).toEqual(config)
    expect(ServerConfig.parseSync("")).toEqual({ members: [], version: undefined })
  })

  it("gives the client addresses as a connect string, reaching wildcard ones through the member's host", () => {
    const config = ServerConfig.parseSync(sample)
    if ("_tag" in config) throw config
    expect(ServerConfig.clientConnectString(config)).toBe("zk1:2181,zk2:2182,[2001:db8::3]:2183")
    expect(ServerConfig.clientConnectString(config, { participantsOnly: true })).toBe("zk1:2181,zk2:2182")
    const cs = ConnectString.parseSync(`${ServerConfig.clientConnectString(config)}/app`)
    expect(cs).toEqual({
      servers: [
        { host: "zk1", port: 2181 },
        { host: "zk2", port: 2182 },
        { host: "2001:db8::3", port: 2183 }
      ],
      chroot: "/app"
    })
  })

  it("names what is wrong with a malformed line", () => {
    expect(reason("server.1=zk1:2888")).toMatch(/"server.1=zk1:2888": a quorum address is host:quorumPort:electionPort/)
    expect(reason("server.1=zk1:2888:70000")).toMatch(/a port must be 1-65535/)
    expect(reason("server.1=zk1:2888:3888:leader")).toMatch(/the role must be participant or observer, not "leader"/)
    expect(reason("server.1=a:1:2:observer|b:1:2:participant")).toMatch(/its addresses name different roles/)
    expect(reason("server.1=zk1:2888:3888;host:")).toMatch(/the client address is port or host:port/)
    expect(reason("server.1=[::1:2888:3888")).toMatch(/a quorum address/)
    expect(reason("server.x=zk1:2888:3888")).toMatch(/the server id is a number/)
    expect(reason("server.1=a:1:2\nserver.1=b:1:2")).toMatch(/server.1 is named twice/)
    expect(reason("version=xyz")).toMatch(/"version=xyz": the version is a hexadecimal number/)
  })

  it.effect("parse is parseSync as an Effect", () =>
    Effect.gen(function* () {
      expect((yield* ServerConfig.parse(sample)).members).toHaveLength(4)
      expect((yield* Effect.flip(ServerConfig.parse("server.1=zk1")))._tag).toBe("ProtocolError")
    })
  )

  it("reads back every configuration it can be given as text", () => {
    const host = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,12}(\.[a-z0-9-]{1,8}){0,2}$/),
      fc.ipV4(),
      fc.constantFrom("::1", "2001:db8::7", "fe80::1")
    )
    const portArb = fc.integer({ min: 1, max: 65535 })
    const fmt = (h: string) => (h.includes(":") ? `[${h}]` : h)
    const member = fc.record({
      addresses: fc.array(fc.record({ host, quorumPort: portArb, electionPort: portArb }), { minLength: 1, maxLength: 3 }),
      role: fc.constantFrom("participant" as const, "observer" as const),
      writeRole: fc.boolean(),
      client: fc.option(fc.record({ host: fc.option(host, { nil: undefined }), port: portArb }), { nil: undefined })
    })
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { nil: undefined }), (ms, version) => {
        const lines = ms.map((m, i) => {
          const role = m.writeRole || m.role === "observer" ? `:${m.role}` : ""
          const quorum = m.addresses.map((a) => `${fmt(a.host)}:${a.quorumPort}:${a.electionPort}${role}`).join("|")
          const client = m.client === undefined ? "" : `;${m.client.host === undefined ? "" : `${fmt(m.client.host)}:`}${m.client.port}`
          return `server.${i + 1}=${quorum}${client}`
        })
        if (version !== undefined) lines.push(`version=${version.toString(16)}`)
        expect(ServerConfig.parseSync(lines.join("\n"))).toEqual({
          members: ms.map((m, i) => ({
            id: i + 1,
            addresses: m.addresses,
            role: m.role,
            client: m.client === undefined ? undefined : { host: m.client.host ?? "0.0.0.0", port: m.client.port }
          })),
          version
        })
      })
    )
  })
})
