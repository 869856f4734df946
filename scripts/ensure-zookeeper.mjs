// Makes sure a ZooKeeper server (and Java) is available before the tests run.
// Order of discovery matches test-cluster's: ZOOKEEPER_CLASSPATH, ZOOKEEPER_PATH, then
// Debian's layout. When nothing is found and we run as root on Debian, install the
// `zookeeper` package (and python3-kazoo, libcurator-recipes-java and libcurator-discovery-java,
// used by the interop tests) with apt-get.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"

const debianJar = "/usr/share/java/zookeeper.jar"
const haveJava = () => spawnSync(process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : "java", ["-version"]).status === 0
const haveZk = () =>
  Boolean(process.env.ZOOKEEPER_CLASSPATH) || Boolean(process.env.ZOOKEEPER_PATH) || existsSync(debianJar)
const wanted = ["zookeeper", "python3-kazoo", "libcurator-recipes-java", "libcurator-discovery-java"]
const missingDebs = () =>
  wanted.filter((p) => spawnSync("dpkg-query", ["-W", "--showformat=$" + "{Status}", p], { encoding: "utf8" }).stdout?.includes("install ok installed") !== true)

const isRoot = typeof process.getuid === "function" && process.getuid() === 0
const hasApt = existsSync("/usr/bin/apt-get")

if (haveZk() && haveJava() && (!hasApt || missingDebs().length === 0 || process.env.ZOOKEEPER_CLASSPATH || process.env.ZOOKEEPER_PATH)) {
  console.log("ensure-zookeeper: ZooKeeper and Java are present")
  process.exit(0)
}

if (isRoot && hasApt) {
  const pkgs = missingDebs()
  if (!haveJava()) pkgs.push("default-jre-headless")
  console.log(`ensure-zookeeper: installing ${pkgs.join(" ")} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env })
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], { stdio: "inherit", env })
  if (haveZk() && haveJava()) process.exit(0)
}

if (haveZk() && haveJava()) {
  console.error(`ensure-zookeeper: ZooKeeper and Java are present, but not ${missingDebs().join(" ")}, which the interop tests
  run beside effect-zk. Install them (sudo apt-get install ${missingDebs().join(" ")}), or run npm test as root
  to have them installed.`)
  process.exit(1)
}

console.error(`ensure-zookeeper: no ZooKeeper server found.
  Install one of:
    - Debian/Ubuntu: sudo apt-get update && sudo apt-get install zookeeper python3-kazoo libcurator-recipes-java libcurator-discovery-java   (needs Java 11+)
    - or set ZOOKEEPER_PATH to an unpacked Apache ZooKeeper release (the folder with lib/)
    - or set ZOOKEEPER_CLASSPATH to the full Java classpath of a ZooKeeper server
  Java is taken from JAVA_HOME, else from PATH.`)
process.exit(1)
