import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { resolve } from "../src/internal/options.js"
import { javaArgs, log4jProperties, logbackXml, memberPaths, zooCfg } from "../src/internal/serverFiles.js"

const members = [
  { id: 1, clientPort: 21001, quorumPort: 21002, electionPort: 21003 },
  { id: 2, clientPort: 21011, quorumPort: 21012, electionPort: 21013 },
  { id: 3, clientPort: 21021, quorumPort: 21022, electionPort: 21023 }
]
const paths = memberPaths("/tmp/effect-zk-cluster-abc")
const parse = (cfg: string) =>
  new Map(cfg.trim().split("\n").map((line) => {
    const eq = line.indexOf("=")
    return [line.slice(0, eq), line.slice(eq + 1)] as const
  }))

describe("zoo.cfg", () => {
  it("an ensemble member binds everything to 127.0.0.1 and lists every server", () => {
    const r = Either.getOrThrow(resolve({}, 3, {}))
    const cfg = parse(zooCfg(r, members[1]!, members, paths))
    expect(cfg.get("dataDir")).toBe("/tmp/effect-zk-cluster-abc/data")
    expect(cfg.get("clientPort")).toBe("21011")
    expect(cfg.get("clientPortAddress")).toBe("127.0.0.1")
    expect(cfg.get("server.1")).toBe("127.0.0.1:21002:21003:participant;127.0.0.1:21001")
    expect(cfg.get("server.3")).toBe("127.0.0.1:21022:21023:participant;127.0.0.1:21021")
    expect(cfg.get("admin.enableServer")).toBe("false")
    expect(cfg.get("4lw.commands.whitelist")).toBe("*")
    expect(cfg.get("maxClientCnxns")).toBe("0")
    expect(cfg.get("tickTime")).toBe("500")
  })

  it("a standalone server has no server lines, unless standaloneEnabled=false", () => {
    const standalone = Either.getOrThrow(resolve({}, 1, {}))
    expect(zooCfg(standalone, members[0]!, [members[0]!], paths)).not.toContain("server.1=")
    const single = Either.getOrThrow(resolve({ serverProperties: { standaloneEnabled: "false" } }, 1, {}))
    const cfg = parse(zooCfg(single, members[0]!, [members[0]!], paths))
    expect(cfg.get("server.1")).toBe("127.0.0.1:21002:21003:participant;127.0.0.1:21001")
    expect(cfg.get("standaloneEnabled")).toBe("false")
  })

  it("user properties win, and the harness's four-letter words are always allowed", () => {
    const r = Either.getOrThrow(resolve({
      fourLetterWords: "stat, mntr",
      reconfigEnabled: true,
      minSessionTimeout: 1500,
      serverProperties: { secureClientPort: "21999", tickTime: "250" }
    }, 1, {}))
    const cfg = parse(zooCfg(r, members[0]!, [members[0]!], paths))
    expect(cfg.get("4lw.commands.whitelist")).toBe("stat,mntr,ruok,srvr,conf")
    expect(cfg.get("reconfigEnabled")).toBe("true")
    expect(cfg.get("minSessionTimeout")).toBe("1500")
    expect(cfg.get("secureClientPort")).toBe("21999")
    expect(cfg.get("tickTime")).toBe("250")
  })

  it("refuses entries that would break the file", () => {
    expect(Either.isLeft(resolve({ serverProperties: { "a b": "1" } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ serverProperties: { a: "1\nb=2" } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ tickTime: 1.5 }, 1, {}))).toBe(true)
  })
})

describe("the java command line", () => {
  it("puts flags and properties before the main class and the config file", () => {
    const r = Either.getOrThrow(resolve({ extendedTypesEnabled: true, jvmFlags: ["-Xmx64m"] }, 1, {}))
    const args = javaArgs(r, "/a.jar:/b.jar", paths)
    expect(args[0]).toBe("-Xmx64m")
    expect(args).toContain("-Dzookeeper.extendedTypesEnabled=true")
    expect(args).toContain("-Dlog4j.configuration=file:/tmp/effect-zk-cluster-abc/log4j.properties")
    expect(args).toContain("-Dlogback.configurationFile=/tmp/effect-zk-cluster-abc/logback.xml")
    expect(args.slice(-4)).toEqual([
      "-cp",
      "/a.jar:/b.jar",
      "org.apache.zookeeper.server.quorum.QuorumPeerMain",
      "/tmp/effect-zk-cluster-abc/zoo.cfg"
    ])
    expect(log4jProperties).toContain("log4j.rootLogger=INFO, CONSOLE")
    expect(logbackXml).toContain("<root level=\"INFO\">")
  })
})
