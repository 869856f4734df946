import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { resolve } from "../src/internal/options.js"
import { jaasConf, javaArgs, log4jProperties, logbackXml, memberPaths, zooCfg } from "../src/internal/serverFiles.js"

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

describe("security options", () => {
  const tlsFiles = { keyStore: "/tmp/tls/server-keystore.p12", keyStorePassword: "pw", trustStore: "/tmp/tls/ca.pem" }

  it("tls: a secure client port on 127.0.0.1 served by Netty, the keystores, clientAuth and the x509 provider", () => {
    const r = Either.getOrThrow(resolve({ tls: true }, 1, {}))
    const cfg = parse(zooCfg(r, { ...members[0]!, secureClientPort: 21004 }, [members[0]!], paths, tlsFiles))
    expect(cfg.get("clientPort")).toBe("21001")
    expect(cfg.get("secureClientPort")).toBe("21004")
    expect(cfg.get("secureClientPortAddress")).toBe("127.0.0.1")
    expect(cfg.get("serverCnxnFactory")).toBe("org.apache.zookeeper.server.NettyServerCnxnFactory")
    expect(cfg.get("ssl.keyStore.location")).toBe("/tmp/tls/server-keystore.p12")
    expect(cfg.get("ssl.keyStore.password")).toBe("pw")
    expect(cfg.get("ssl.keyStore.type")).toBe("PKCS12")
    expect(cfg.get("ssl.trustStore.location")).toBe("/tmp/tls/ca.pem")
    expect(cfg.get("ssl.trustStore.type")).toBe("PEM")
    expect(cfg.get("ssl.clientAuth")).toBe("want")
    expect(cfg.get("authProvider.x509")).toBe("org.apache.zookeeper.server.auth.X509AuthenticationProvider")
    const need = Either.getOrThrow(resolve({ tls: { clientAuth: "need" } }, 1, {}))
    expect(parse(zooCfg(need, { ...members[0]!, secureClientPort: 21004 }, [members[0]!], paths, tlsFiles)).get("ssl.clientAuth"))
      .toBe("need")
    expect(zooCfg(Either.getOrThrow(resolve({}, 1, {})), members[0]!, [members[0]!], paths)).not.toContain("ssl.")
  })

  it("sasl: the SASL provider, a JAAS Server section with DigestLoginModule, and the JVM flag naming it", () => {
    const r = Either.getOrThrow(resolve({ sasl: { users: { bob: "secret", "alice.b": "p w" } } }, 1, {}))
    const cfg = parse(zooCfg(r, members[0]!, [members[0]!], paths))
    expect(cfg.get("authProvider.1")).toBe("org.apache.zookeeper.server.auth.SASLAuthenticationProvider")
    expect(javaArgs(r, "/a.jar", paths)).toContain(
      "-Djava.security.auth.login.config=/tmp/effect-zk-cluster-abc/jaas.conf"
    )
    expect(jaasConf(r.sasl!.users)).toBe([
      "Server {",
      "  org.apache.zookeeper.server.auth.DigestLoginModule required",
      "  user_bob=\"secret\"",
      "  user_alice.b=\"p w\"",
      "  ;",
      "};",
      ""
    ].join("\n"))
    expect(javaArgs(Either.getOrThrow(resolve({}, 1, {})), "/a.jar", paths).join(" ")).not.toContain("login.config")
  })

  it("refuses users and passwords the JAAS file cannot carry, and an unknown clientAuth", () => {
    expect(Either.isLeft(resolve({ sasl: { users: {} } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ sasl: { users: { "bad name": "x" } } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ sasl: { users: { bob: "quo\"te" } } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ sasl: { users: { bob: "back\\slash" } } }, 1, {}))).toBe(true)
    expect(Either.isLeft(resolve({ tls: { clientAuth: "maybe" as "want" } }, 1, {}))).toBe(true)
  })
})
