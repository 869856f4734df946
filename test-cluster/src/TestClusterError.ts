/**
 * The errors of the test cluster: each says what went wrong and, where it can, what to do.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
/**
 * No ZooKeeper server could be found: the message says what to install or which variable to set.
 *
 * @since 0.1.0
 * @category errors
 */
export class ZooKeeperNotFoundError extends Data.TaggedError("ZooKeeperNotFoundError")<{
  /** Where we looked, in order. */
  readonly searched: ReadonlyArray<string>
  /** Why the search stopped, when a variable pointed at something unusable. */
  readonly reason?: string
}> {
  override get message(): string {
    return [
      this.reason ?? "No ZooKeeper server found.",
      "Install one of:",
      "  - Debian/Ubuntu: sudo apt-get update && sudo apt-get install zookeeper   (provides /usr/share/java/zookeeper.jar; needs Java 11+)",
      "  - or set ZOOKEEPER_PATH to an unpacked Apache ZooKeeper release (the folder holding lib/ and the zookeeper-*.jar)",
      "  - or set ZOOKEEPER_CLASSPATH to the full Java classpath of a ZooKeeper server",
      "  - or run the servers in Docker with EFFECT_ZK_TEST_CLUSTER=docker (needs a running Docker daemon)",
      `Searched: ${this.searched.join(", ")}`
    ].join("\n")
  }
}

/**
 * No `java` executable could be found to run ZooKeeper with.
 *
 * @since 0.1.0
 * @category errors
 */
export class JavaNotFoundError extends Data.TaggedError("JavaNotFoundError")<{
  readonly searched: ReadonlyArray<string>
  readonly reason?: string
}> {
  override get message(): string {
    return [
      this.reason ?? "No Java runtime found to run ZooKeeper.",
      "Install Java 11 or newer (Debian/Ubuntu: sudo apt-get install default-jre-headless),",
      "or set JAVA_HOME to a JDK/JRE folder (the one holding bin/java), or put `java` on PATH.",
      `Searched: ${this.searched.join(", ")}`
    ].join("\n")
  }
}

/**
 * The Docker backend was selected (EFFECT_ZK_TEST_CLUSTER=docker) but no Docker daemon is reachable.
 *
 * @since 0.1.0
 * @category errors
 */
export class DockerUnavailableError extends Data.TaggedError("DockerUnavailableError")<{
  readonly reason: string
}> {
  override get message(): string {
    return `EFFECT_ZK_TEST_CLUSTER=docker needs Docker: ${this.reason}. ` +
      "Start a Docker daemon (or set DOCKER_HOST), or unset EFFECT_ZK_TEST_CLUSTER to run ZooKeeper as local Java processes."
  }
}

/**
 * The options given to the cluster are not usable.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOptionsError extends Data.TaggedError("InvalidOptionsError")<{
  readonly option: string
  readonly reason: string
}> {
  override get message(): string {
    return `Invalid test cluster option "${this.option}": ${this.reason}`
  }
}

/**
 * TLS material (a CA, certificates, keystores) could not be made with openssl.
 *
 * @since 0.1.0
 * @category errors
 */
export class TlsMaterialError extends Data.TaggedError("TlsMaterialError")<{
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `cannot make TLS certificates: ${this.detail}`
  }
}

/**
 * Why a cluster or a member failed to start.
 *
 * @since 0.1.0
 * @category models
 */
export type StartFailure =
  | "port-conflict"
  | "exited"
  | "timeout"
  | "spawn"
  | "filesystem"
  | "container"
  | "tls"

/**
 * A cluster, or one member of it, did not start. `logTail` holds the end of the server logs.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClusterStartError extends Data.TaggedError("ClusterStartError")<{
  readonly reason: StartFailure
  readonly detail: string
  readonly member?: number
  readonly logTail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const who = this.member === undefined ? "ZooKeeper test cluster" : `ZooKeeper member ${this.member}`
    const tail = this.logTail.length > 0 ? `\n--- server log tail ---\n${this.logTail}` : ""
    return `${who} failed to start (${this.reason}): ${this.detail}${tail}`
  }
}

/**
 * A bounded wait (for readiness, a leader, a member to stop) ran out of time.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClusterTimeoutError extends Data.TaggedError("ClusterTimeoutError")<{
  readonly operation: string
  readonly timeoutMillis: number
  readonly detail: string
  readonly logTail: string
}> {
  override get message(): string {
    const tail = this.logTail.length > 0 ? `\n--- server log tail ---\n${this.logTail}` : ""
    return `Timed out after ${this.timeoutMillis} ms waiting for ${this.operation}: ${this.detail}${tail}`
  }
}

/**
 * No member has the given id.
 *
 * @since 0.1.0
 * @category errors
 */
export class MemberNotFoundError extends Data.TaggedError("MemberNotFoundError")<{
  readonly id: number
  readonly available: ReadonlyArray<number>
}> {
  override get message(): string {
    return `No cluster member with id ${this.id}; members are ${this.available.join(", ")}`
  }
}

/**
 * The member is not in a state that allows the operation (e.g. pausing a stopped member).
 *
 * @since 0.1.0
 * @category errors
 */
export class MemberStateError extends Data.TaggedError("MemberStateError")<{
  readonly id: number
  readonly operation: string
  readonly state: string
}> {
  override get message(): string {
    return `Cannot ${this.operation} member ${this.id}: it is ${this.state}`
  }
}

/**
 * How a four-letter-word exchange failed.
 *
 * @since 0.1.0
 * @category models
 */
export type FourLetterWordFailure = "timeout" | "refused" | "error"

/**
 * A four-letter word (ruok, srvr, stat, ...) got no answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class FourLetterWordError extends Data.TaggedError("FourLetterWordError")<{
  readonly host: string
  readonly port: number
  readonly word: string
  readonly reason: FourLetterWordFailure
  readonly cause?: unknown
}> {
  override get message(): string {
    const why = this.reason === "timeout"
      ? "no answer in time"
      : this.reason === "refused"
      ? "connection refused"
      : `connection error${this.cause instanceof Error ? `: ${this.cause.message}` : ""}`
    return `Four-letter word "${this.word}" to ${this.host}:${this.port} failed: ${why}`
  }
}

/**
 * A Docker operation of the container backend failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ContainerError extends Data.TaggedError("ContainerError")<{
  readonly operation: string
  readonly member?: number
  readonly cause: unknown
}> {
  override get message(): string {
    const who = this.member === undefined ? "" : ` of member ${this.member}`
    const why = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Docker ${this.operation}${who} failed: ${why}`
  }
}

/**
 * Every error of this package.
 *
 * @since 0.1.0
 * @category errors
 */
export type TestClusterError =
  | ZooKeeperNotFoundError
  | JavaNotFoundError
  | DockerUnavailableError
  | InvalidOptionsError
  | ClusterStartError
  | ClusterTimeoutError
  | MemberNotFoundError
  | MemberStateError
  | FourLetterWordError
  | ContainerError
