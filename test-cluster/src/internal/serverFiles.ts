// The files and command line of one ZooKeeper JVM (process backend). Pure functions.
import { join } from "node:path"
import { commonConfigEntries, commonSystemProperties, type Resolved } from "./options.js"

export const loopback = "127.0.0.1"

export interface MemberPorts {
  readonly id: number
  readonly clientPort: number
  readonly quorumPort: number
  readonly electionPort: number
  /** The TLS client port (`secureClientPort`), when the cluster has TLS. */
  readonly secureClientPort?: number | undefined
}

export interface MemberPaths {
  readonly dir: string
  readonly dataDir: string
  readonly configFile: string
  readonly logFile: string
  readonly log4jFile: string
  readonly logbackFile: string
  readonly jaasFile: string
}

export const memberPaths = (dir: string): MemberPaths => ({
  dir,
  dataDir: join(dir, "data"),
  configFile: join(dir, "zoo.cfg"),
  logFile: join(dir, "zookeeper.log"),
  log4jFile: join(dir, "log4j.properties"),
  logbackFile: join(dir, "logback.xml"),
  jaasFile: join(dir, "jaas.conf")
})

export const serverLine = (member: MemberPorts) =>
  `${loopback}:${member.quorumPort}:${member.electionPort}:participant;${loopback}:${member.clientPort}`

/** The server side of the cluster's TLS material (see TlsMaterial.ts). */
export interface ServerTlsFiles {
  readonly keyStore: string
  readonly keyStorePassword: string
  readonly trustStore: string
}

/**
 * zoo.cfg entries of the security options: the SASL auth provider; TLS on the secure client
 * port (Netty serves both ports) with the x509 auth provider, so a client certificate gives an
 * `x509` identity. ZooKeeper turns the `ssl.*` and `authProvider.*` keys into `zookeeper.*`
 * system properties, which is where its X509AuthenticationProvider reads them.
 */
export const securityEntries = (
  r: Resolved,
  self: MemberPorts,
  tls: ServerTlsFiles | undefined
): ReadonlyArray<readonly [string, string]> => {
  const entries: Array<readonly [string, string]> = []
  if (r.sasl !== undefined) {
    entries.push(["authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"])
  }
  if (r.tls !== undefined && tls !== undefined && self.secureClientPort !== undefined) {
    entries.push(
      ["secureClientPort", String(self.secureClientPort)],
      ["secureClientPortAddress", loopback],
      ["serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory"],
      ["ssl.keyStore.location", tls.keyStore],
      ["ssl.keyStore.password", tls.keyStorePassword],
      ["ssl.keyStore.type", "PKCS12"],
      ["ssl.trustStore.location", tls.trustStore],
      ["ssl.trustStore.type", "PEM"],
      ["ssl.clientAuth", r.tls.clientAuth],
      ["authProvider.x509", "org.apache.zookeeper.server.auth.X509AuthenticationProvider"]
    )
  }
  return entries
}

/** The JAAS file of the SASL option: ZooKeeper's DigestLoginModule with the cluster's users. */
export const jaasConf = (users: Readonly<Record<string, string>>): string =>
  [
    "Server {",
    "  org.apache.zookeeper.server.auth.DigestLoginModule required",
    ...Object.entries(users).map(([name, password]) => `  user_${name}="${password}"`),
    "  ;",
    "};",
    ""
  ].join("\n")

/** zoo.cfg of one member. Every address is 127.0.0.1. */
export const zooCfg = (
  r: Resolved,
  self: MemberPorts,
  all: ReadonlyArray<MemberPorts>,
  paths: MemberPaths,
  tls?: ServerTlsFiles | undefined
): string => {
  const entries = new Map<string, string>([
    ["dataDir", paths.dataDir],
    ["clientPort", String(self.clientPort)],
    ["clientPortAddress", loopback],
    ["quorumListenOnAllIPs", "false"]
  ])
  if (r.quorum) {
    for (const member of all) entries.set(`server.${member.id}`, serverLine(member))
  }
  for (const [key, value] of securityEntries(r, self, tls)) entries.set(key, value)
  for (const [key, value] of commonConfigEntries(r)) entries.set(key, value)
  return [...entries.entries()].map(([key, value]) => `${key}=${value}`).join("\n") + "\n"
}

// Both log4j 1.x (Debian, ZooKeeper <= 3.7) and logback (ZooKeeper 3.8+ releases) write to the
// console; the JVM's stdout and stderr go to the member's zookeeper.log. The connection classes
// log every four-letter word at INFO: the harness polls with them, so they log from WARN up.
const quietLoggers = [
  "org.apache.zookeeper.server.NIOServerCnxn",
  "org.apache.zookeeper.server.NettyServerCnxn"
]

export const log4jProperties = [
  "log4j.rootLogger=INFO, CONSOLE",
  ...quietLoggers.map((name) => `log4j.logger.${name}=WARN`),
  "log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender",
  "log4j.appender.CONSOLE.Target=System.out",
  "log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout",
  "log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} [myid:%X{myid}] %-5p [%t:%C{1}@%L] - %m%n",
  ""
].join("\n")

export const logbackXml = [
  "<configuration>",
  "  <appender name=\"CONSOLE\" class=\"ch.qos.logback.core.ConsoleAppender\">",
  "    <encoder><pattern>%d{ISO8601} [myid:%X{myid}] %-5level [%thread:%logger{0}@%line] - %msg%n</pattern></encoder>",
  "  </appender>",
  ...quietLoggers.map((name) => `  <logger name="${name}" level="WARN"/>`),
  "  <root level=\"INFO\"><appender-ref ref=\"CONSOLE\"/></root>",
  "</configuration>",
  ""
].join("\n")

export const mainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

/** Arguments to `java` for one member. */
export const javaArgs = (r: Resolved, classpath: string, paths: MemberPaths): ReadonlyArray<string> => {
  const props = new Map<string, string>([
    ["file.encoding", "UTF-8"],
    ["java.awt.headless", "true"],
    ["java.net.preferIPv4Stack", "true"],
    ["zookeeper.log.dir", paths.dir],
    ["zookeeper.root.logger", "INFO,CONSOLE"],
    ["log4j.configuration", `file:${paths.log4jFile}`],
    ["logback.configurationFile", paths.logbackFile],
    ["org.slf4j.simpleLogger.logFile", "System.out"],
    ["org.slf4j.simpleLogger.showDateTime", "true"],
    ["org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss,SSS"]
  ])
  if (r.sasl !== undefined) props.set("java.security.auth.login.config", paths.jaasFile)
  for (const [key, value] of commonSystemProperties(r)) props.set(key, value)
  return [
    ...r.jvmFlags,
    ...[...props.entries()].map(([key, value]) => `-D${key}=${value}`),
    "-cp",
    classpath,
    mainClass,
    paths.configFile
  ]
}
