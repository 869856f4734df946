/**
 * The container backend's configuration, as pure data: which image, environment, ports and
 * network aliases each member's container gets (for the official `zookeeper` image), and
 * whether a Docker daemon is reachable at all.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { homedir } from "node:os"
import { join } from "node:path"
import { commonConfigEntries, commonSystemProperties, type Env, resolve } from "./internal/options.js"
import { DockerUnavailableError, InvalidOptionsError } from "./TestClusterError.js"
import type { TestClusterOptions } from "./TestClusterOptions.js"

/**
 * Ports inside every container (the image's defaults).
 *
 * @since 0.1.0
 * @category constants
 */
export const containerPorts = { client: 2181, quorum: 2888, election: 3888 } as const

/**
 * One member's container.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerMemberConfig {
  readonly id: number
  readonly image: string
  /** Name of the member on the cluster's Docker network. */
  readonly alias: string
  readonly env: Readonly<Record<string, string>>
  /** Container ports to publish on the host (the client port). */
  readonly exposedPorts: ReadonlyArray<number>
}

/**
 * Every member's container, on one private network.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContainerClusterConfig {
  readonly image: string
  readonly members: ReadonlyArray<ContainerMemberConfig>
}

// zoo.cfg keys the image sets from dedicated variables.
const ownVariables = new Set([
  "4lw.commands.whitelist",
  "admin.enableServer",
  "standaloneEnabled",
  "tickTime",
  "initLimit",
  "syncLimit",
  "maxClientCnxns"
])

const noSpaces = (what: string, value: string): Either.Either<string, InvalidOptionsError> =>
  /\s/.test(value)
    ? Either.left(
      new InvalidOptionsError({
        option: what,
        reason: `"${value}" contains whitespace, which the image's environment cannot carry`
      })
    )
    : Either.right(value)

/**
 * Builds the container configuration of a cluster from the same options the process backend
 * takes. Fails when an option cannot be expressed through the image's environment (the image
 * splits `ZOO_CFG_EXTRA` and `JVMFLAGS` on whitespace, so values must not contain any).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: TestClusterOptions,
  config: { readonly defaultSize?: number; readonly aliasPrefix?: string } = {}
): Either.Either<ContainerClusterConfig, InvalidOptionsError> =>
  Either.gen(function*() {
    const r = yield* resolve(options, config.defaultSize ?? 1, {})
    if (r.sasl !== undefined || r.tls !== undefined) {
      return yield* Either.left(
        new InvalidOptionsError({
          option: r.tls !== undefined ? "tls" : "sasl",
          reason: "only the process backend sets up TLS and SASL; unset EFFECT_ZK_TEST_CLUSTER (or use backend: \"process\")"
        })
      )
    }
    const prefix = config.aliasPrefix ?? "zk"
    const alias = (id: number) => `${prefix}${id}`
    const ids = Array.from({ length: r.size }, (_, i) => i + 1)
    const extra: Array<string> = []
    for (const [key, value] of commonConfigEntries(r)) {
      // 4lw and the admin server have their own variables; the rest goes through ZOO_CFG_EXTRA.
      if (ownVariables.has(key)) continue
      extra.push(yield* noSpaces(`serverProperties.${key}`, `${key}=${value}`))
    }
    const jvm: Array<string> = [...r.jvmFlags]
    for (const [key, value] of commonSystemProperties(r)) jvm.push(`-D${key}=${value}`)
    for (const flag of jvm) yield* noSpaces("jvmFlags", flag)
    const servers = ids
      .map((id) =>
        `server.${id}=${alias(id)}:${containerPorts.quorum}:${containerPorts.election}:participant;0.0.0.0:${containerPorts.client}`
      )
      .join(" ")
    const standaloneEnabled = r.serverProperties["standaloneEnabled"] ?? "true"
    const members = ids.map((id): ContainerMemberConfig => ({
      id,
      image: r.image,
      alias: alias(id),
      exposedPorts: [containerPorts.client],
      env: {
        ZOO_MY_ID: String(id),
        ...(r.quorum ? { ZOO_SERVERS: servers } : {}),
        ZOO_TICK_TIME: String(r.tickTime),
        ZOO_INIT_LIMIT: String(r.initLimit),
        ZOO_SYNC_LIMIT: String(r.syncLimit),
        ZOO_STANDALONE_ENABLED: standaloneEnabled,
        ZOO_ADMINSERVER_ENABLED: "false",
        ZOO_MAX_CLIENT_CNXNS: "0",
        ZOO_4LW_COMMANDS_WHITELIST: r.fourLetterWords,
        ZOO_CFG_EXTRA: extra.join(" "),
        JVMFLAGS: jvm.join(" ")
      }
    }))
    return { image: r.image, members }
  })

/**
 * Whether a Docker daemon looks reachable, and how.
 *
 * @since 0.1.0
 * @category models
 */
export type DockerAvailability =
  | { readonly available: true; readonly via: string }
  | { readonly available: false; readonly reason: string }

/**
 * Decides, from the environment and the file system only (no connection), whether Docker is
 * there: `DOCKER_HOST` (a `unix://` socket must exist; other schemes are trusted), else the
 * usual sockets (`/var/run/docker.sock`, the rootless `$XDG_RUNTIME_DIR/docker.sock`, Docker
 * Desktop's `~/.docker/run/docker.sock`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const dockerAvailability = (
  env: Env,
  exists: (path: string) => boolean,
  home: string = homedir()
): DockerAvailability => {
  const host = env["DOCKER_HOST"]?.trim()
  if (host !== undefined && host !== "") {
    if (host.startsWith("unix://")) {
      const socket = host.slice("unix://".length)
      return exists(socket)
        ? { available: true, via: host }
        : { available: false, reason: `DOCKER_HOST is ${host}, but ${socket} does not exist` }
    }
    return { available: true, via: host }
  }
  const runtimeDir = env["XDG_RUNTIME_DIR"]
  const sockets = [
    "/var/run/docker.sock",
    ...(runtimeDir === undefined || runtimeDir === "" ? [] : [join(runtimeDir, "docker.sock")]),
    join(home, ".docker", "run", "docker.sock")
  ]
  const found = sockets.find((socket) => exists(socket))
  return found === undefined
    ? { available: false, reason: `DOCKER_HOST is not set and no Docker socket exists (looked at ${sockets.join(", ")})` }
    : { available: true, via: `unix://${found}` }
}

/**
 * {@link dockerAvailability} as an error for the backend to fail fast with.
 *
 * @since 0.1.0
 * @category constructors
 */
export const requireDocker = (
  env: Env,
  exists: (path: string) => boolean
): Either.Either<string, DockerUnavailableError> => {
  const availability = dockerAvailability(env, exists)
  return availability.available
    ? Either.right(availability.via)
    : Either.left(new DockerUnavailableError({ reason: availability.reason }))
}
