import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { delimiter } from "node:path"
import { discover, type FileProbe } from "../src/ZooKeeperInstall.js"

// A fake file system: a set of files; a folder "exists" when some file lies under it.
const fakeProbe = (files: ReadonlyArray<string>): FileProbe => ({
  exists: (path) => files.includes(path),
  list: (dir) =>
    files
      .filter((file) => file.startsWith(`${dir}/`) && !file.slice(dir.length + 1).includes("/"))
      .map((file) => file.slice(dir.length + 1))
})

const java = "/usr/bin/java"
const debianFiles = [
  java,
  "/usr/share/java/zookeeper.jar",
  "/usr/share/java/slf4j-log4j12.jar",
  "/usr/share/java/log4j-1.2.jar"
]

describe("ZooKeeperInstall.discover", () => {
  it("takes ZOOKEEPER_CLASSPATH as it is, before anything else", () => {
    const result = discover(
      { ZOOKEEPER_CLASSPATH: "/opt/a.jar:/opt/b.jar", ZOOKEEPER_PATH: "/opt/zk", PATH: "/usr/bin" },
      fakeProbe(debianFiles)
    )
    expect(result).toEqual(Either.right({ java, classpath: "/opt/a.jar:/opt/b.jar", source: "ZOOKEEPER_CLASSPATH" }))
  })

  it("builds the classpath of an Apache release from ZOOKEEPER_PATH (jar in lib/)", () => {
    const files = [
      java,
      "/opt/zk/lib/zookeeper-3.9.3.jar",
      "/opt/zk/lib/zookeeper-jute-3.9.3.jar",
      "/opt/zk/lib/logback-classic-1.2.13.jar",
      "/opt/zk/lib/netty-handler-4.1.113.Final.jar",
      "/opt/zk/README.md"
    ]
    const result = discover({ ZOOKEEPER_PATH: "/opt/zk", PATH: "/usr/bin" }, fakeProbe(files))
    expect(Either.isRight(result)).toBe(true)
    const installation = Either.getOrThrow(result)
    expect(installation.source).toBe("ZOOKEEPER_PATH")
    expect(installation.classpath.split(delimiter)).toEqual([
      "/opt/zk/lib/zookeeper-3.9.3.jar",
      "/opt/zk/lib/zookeeper-jute-3.9.3.jar",
      "/opt/zk/lib/logback-classic-1.2.13.jar",
      "/opt/zk/lib/netty-handler-4.1.113.Final.jar"
    ])
  })

  it("accepts the zookeeper jar at the top of ZOOKEEPER_PATH, with lib/ beside it", () => {
    const files = [java, "/opt/zk/zookeeper-3.4.14.jar", "/opt/zk/lib/slf4j-api-1.7.25.jar"]
    const result = Either.getOrThrow(discover({ ZOOKEEPER_PATH: "/opt/zk", PATH: "/usr/bin" }, fakeProbe(files)))
    expect(result.classpath.split(delimiter)).toEqual(["/opt/zk/zookeeper-3.4.14.jar", "/opt/zk/lib/slf4j-api-1.7.25.jar"])
  })

  it("says what is wrong when ZOOKEEPER_PATH holds no zookeeper jar", () => {
    const result = discover({ ZOOKEEPER_PATH: "/opt/empty", PATH: "/usr/bin" }, fakeProbe(debianFiles))
    const error = Either.getLeft(result)
    expect(error._tag).toBe("Some")
    const message = Either.isLeft(result) ? result.left.message : ""
    expect(message).toContain("ZOOKEEPER_PATH is /opt/empty")
    expect(message).toContain("zookeeper-<version>.jar")
  })

  it("falls back to Debian's layout and adds a logging binding", () => {
    const result = Either.getOrThrow(discover({ PATH: "/usr/local/bin:/usr/bin" }, fakeProbe(debianFiles)))
    expect(result).toEqual({
      java,
      classpath: ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"]
        .join(delimiter),
      source: "debian"
    })
  })

  it("adds Debian's netty-codec and netty-resolver, which its jar's manifest forgets (Netty/TLS needs them)", () => {
    const netty = ["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"]
    const result = Either.getOrThrow(discover({ PATH: "/usr/bin" }, fakeProbe([...debianFiles, ...netty])))
    expect(result.classpath.split(delimiter).slice(-2)).toEqual(netty)
  })

  it("uses slf4j-simple on Debian when log4j is not there, and nothing when neither is", () => {
    const simple = Either.getOrThrow(
      discover({ PATH: "/usr/bin" }, fakeProbe([java, "/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"]))
    )
    expect(simple.classpath).toBe(["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"].join(delimiter))
    const bare = Either.getOrThrow(discover({ PATH: "/usr/bin" }, fakeProbe([java, "/usr/share/java/zookeeper.jar"])))
    expect(bare.classpath).toBe("/usr/share/java/zookeeper.jar")
  })

  it("prefers JAVA_HOME over PATH, and rejects a JAVA_HOME without bin/java", () => {
    const files = [...debianFiles, "/opt/jdk/bin/java"]
    expect(Either.getOrThrow(discover({ JAVA_HOME: "/opt/jdk", PATH: "/usr/bin" }, fakeProbe(files))).java)
      .toBe("/opt/jdk/bin/java")
    const result = discover({ JAVA_HOME: "/opt/nojdk", PATH: "/usr/bin" }, fakeProbe(files))
    expect(Either.isLeft(result) && result.left._tag).toBe("JavaNotFoundError")
    expect(Either.isLeft(result) && result.left.message).toContain("JAVA_HOME is /opt/nojdk")
  })

  it("reports a missing Java with what to install", () => {
    const result = discover({ PATH: "/nowhere" }, fakeProbe(["/usr/share/java/zookeeper.jar"]))
    expect(Either.isLeft(result) && result.left._tag).toBe("JavaNotFoundError")
    expect(Either.isLeft(result) && result.left.message).toContain("default-jre-headless")
  })

  it("says exactly what to install or set when no ZooKeeper exists", () => {
    const result = discover({ PATH: "/usr/bin" }, fakeProbe([java]))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("ZooKeeperNotFoundError")
      const message = result.left.message
      expect(message).toContain("sudo apt-get install zookeeper")
      expect(message).toContain("ZOOKEEPER_PATH")
      expect(message).toContain("ZOOKEEPER_CLASSPATH")
      expect(message).toContain("EFFECT_ZK_TEST_CLUSTER=docker")
      expect(message).toContain("/usr/share/java/zookeeper.jar")
    }
  })
})
