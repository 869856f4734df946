/**
 * Finding a ZooKeeper server and a Java runtime on this machine.
 *
 * The search order is `ZOOKEEPER_CLASSPATH`, then `ZOOKEEPER_PATH` (an unpacked Apache release),
 * then Debian's layout (`/usr/share/java/zookeeper.jar`, whose manifest names its dependencies).
 * Java comes from `JAVA_HOME`, else from `PATH`. {@link discover} is a pure function of the
 * environment and a file-system probe, so it is tested without touching the disk.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { existsSync, readdirSync } from "node:fs"
import { delimiter, join } from "node:path"
import { JavaNotFoundError, ZooKeeperNotFoundError } from "./TestClusterError.js"

/**
 * Where the ZooKeeper classpath came from.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = "ZOOKEEPER_CLASSPATH" | "ZOOKEEPER_PATH" | "debian"

/**
 * A usable ZooKeeper server: the `java` to run and the classpath holding `QuorumPeerMain`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Installation {
  readonly java: string
  readonly classpath: string
  readonly source: Source
}

/**
 * The two questions discovery asks of a file system.
 *
 * @since 0.1.0
 * @category models
 */
export interface FileProbe {
  readonly exists: (path: string) => boolean
  /** File names in a folder; empty when the folder does not exist. */
  readonly list: (dir: string) => ReadonlyArray<string>
}

/**
 * Debian's ZooKeeper jar.
 *
 * @since 0.1.0
 * @category constants
 */
export const debianJar = "/usr/share/java/zookeeper.jar"

// Debian's zookeeper.jar names slf4j-api but no binding: without one the server logs nothing.
const debianLogBindings: ReadonlyArray<ReadonlyArray<string>> = [
  ["/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"],
  ["/usr/share/java/slf4j-simple.jar"]
]

// Debian's zookeeper.jar names netty-handler but not netty-codec (nor netty-resolver), which
// Netty's handlers need: without them the Netty connection factory (TLS) cannot load.
const debianNettyJars: ReadonlyArray<string> = ["/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar"]

const isServerJar = (name: string) => /^zookeeper-\d[\w.-]*\.jar$/.test(name) && !/-(sources|javadoc|tests)\.jar$/.test(name)
const isJuteJar = (name: string) => /^zookeeper-jute-[\w.-]*\.jar$/.test(name)
const isLogJar = (name: string) => /^(slf4j-api|slf4j-log4j12|slf4j-reload4j|log4j-1\.2|reload4j|logback-(classic|core))[\w.-]*\.jar$/.test(name)

const fromRelease = (root: string, probe: FileProbe): ReadonlyArray<string> | undefined => {
  const top = probe.list(root).filter((name) => name.endsWith(".jar"))
  const lib = probe.list(join(root, "lib")).filter((name) => name.endsWith(".jar"))
  const hasServer = top.some(isServerJar) || lib.some(isServerJar)
  if (!hasServer) return undefined
  const topJars = top.filter((name) => isServerJar(name) || isJuteJar(name) || (lib.length === 0 && isLogJar(name)))
  return [...topJars.map((name) => join(root, name)), ...lib.map((name) => join(root, "lib", name))]
}

const findJava = (
  env: Readonly<Record<string, string | undefined>>,
  probe: FileProbe
): Either.Either<string, JavaNotFoundError> => {
  const javaHome = env["JAVA_HOME"]
  if (javaHome !== undefined && javaHome !== "") {
    const java = join(javaHome, "bin", "java")
    return probe.exists(java)
      ? Either.right(java)
      : Either.left(
        new JavaNotFoundError({ searched: [java], reason: `JAVA_HOME is ${javaHome}, but ${java} does not exist.` })
      )
  }
  const dirs = (env["PATH"] ?? "").split(delimiter).filter((dir) => dir !== "")
  const candidates = dirs.map((dir) => join(dir, "java"))
  const found = candidates.find((candidate) => probe.exists(candidate))
  return found === undefined
    ? Either.left(new JavaNotFoundError({ searched: ["JAVA_HOME (unset)", ...candidates] }))
    : Either.right(found)
}

const findClasspath = (
  env: Readonly<Record<string, string | undefined>>,
  probe: FileProbe
): Either.Either<{ readonly classpath: string; readonly source: Source }, ZooKeeperNotFoundError> => {
  const classpath = env["ZOOKEEPER_CLASSPATH"]
  if (classpath !== undefined && classpath.trim() !== "") {
    return Either.right({ classpath: classpath.trim(), source: "ZOOKEEPER_CLASSPATH" })
  }
  const searched = ["ZOOKEEPER_CLASSPATH (unset)"]
  const root = env["ZOOKEEPER_PATH"]
  if (root !== undefined && root.trim() !== "") {
    const jars = fromRelease(root, probe)
    if (jars === undefined) {
      return Either.left(
        new ZooKeeperNotFoundError({
          searched: [...searched, `ZOOKEEPER_PATH=${root}`],
          reason: `ZOOKEEPER_PATH is ${root}, but neither it nor its lib/ folder holds a zookeeper-<version>.jar.`
        })
      )
    }
    return Either.right({ classpath: jars.join(delimiter), source: "ZOOKEEPER_PATH" })
  }
  searched.push("ZOOKEEPER_PATH (unset)", debianJar)
  if (probe.exists(debianJar)) {
    const binding = debianLogBindings.find((jars) => jars.every((jar) => probe.exists(jar))) ?? []
    const netty = debianNettyJars.filter((jar) => probe.exists(jar))
    return Either.right({ classpath: [debianJar, ...binding, ...netty].join(delimiter), source: "debian" })
  }
  return Either.left(new ZooKeeperNotFoundError({ searched }))
}

/**
 * Finds ZooKeeper and Java from an environment and a file-system probe, without side effects.
 *
 * @since 0.1.0
 * @category constructors
 */
export const discover = (
  env: Readonly<Record<string, string | undefined>>,
  probe: FileProbe
): Either.Either<Installation, ZooKeeperNotFoundError | JavaNotFoundError> =>
  Either.gen(function*() {
    const { classpath, source } = yield* findClasspath(env, probe)
    const java = yield* findJava(env, probe)
    return { java, classpath, source }
  })

/**
 * The real file system as a {@link FileProbe}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nodeFileProbe: FileProbe = {
  exists: (path) => existsSync(path),
  list: (dir) => {
    try {
      return readdirSync(dir)
    } catch {
      return []
    }
  }
}

/**
 * Finds ZooKeeper and Java on this machine (default environment: `process.env`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const find = (
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<Installation, ZooKeeperNotFoundError | JavaNotFoundError> =>
  Effect.suspend(() => discover(env, nodeFileProbe))
