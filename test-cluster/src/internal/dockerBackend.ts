// Members as Docker containers of the official `zookeeper` image, through testcontainers.
// testcontainers is an optional dependency: it is imported only when this backend is chosen.
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ContainerClusterConfig, ContainerMemberConfig } from "../ContainerConfig.js"
import { containerPorts } from "../ContainerConfig.js"
import { ClusterStartError, ContainerError, MemberStateError } from "../TestClusterError.js"
import type { BackendInstance, ExitInfo, MemberHandle, MemberState } from "./backend.js"
import { lastLines } from "./logTail.js"
import type { Resolved } from "./options.js"

type Testcontainers = typeof import("testcontainers")
type StartedContainer = import("testcontainers").StartedTestContainer
type RuntimeClient = import("testcontainers").ContainerRuntimeClient

/** Docker's log stream multiplexes stdout and stderr in frames of an 8-byte header plus payload. */
export const demuxDockerLog = (bytes: Uint8Array): string => {
  const decoder = new TextDecoder()
  const framed = bytes.length >= 8 && bytes[0]! <= 2 && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0
  if (!framed) return decoder.decode(bytes)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Array<string> = []
  let offset = 0
  while (offset + 8 <= bytes.length) {
    const size = view.getUint32(offset + 4)
    const end = Math.min(bytes.length, offset + 8 + size)
    parts.push(decoder.decode(bytes.subarray(offset + 8, end)))
    offset = end
  }
  return parts.join("")
}

const containerError = (operation: string, member: number) => (cause: unknown) =>
  new ContainerError({ operation, member, cause })

const makeMember = (
  config: ContainerMemberConfig,
  container: StartedContainer,
  client: RuntimeClient
): MemberHandle => {
  const { id } = config
  let state: MemberState = "running"
  let lastExit: ExitInfo | undefined
  let port = container.getMappedPort(containerPorts.client)
  const docker = client.container.getById(container.getId())

  const run = <A>(operation: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: containerError(operation, id) })

  const start = Effect.suspend(() => {
    if (state !== "stopped") return Effect.void
    return Effect.tryPromise({
      // `restart` starts a stopped container, waits for its port and re-reads the port mapping.
      try: () => container.restart({ timeout: 0 }),
      catch: (cause) =>
        new ClusterStartError({ reason: "container", detail: "docker restart failed", member: id, logTail: "", cause })
    }).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          port = container.getMappedPort(containerPorts.client)
          state = "running"
        })
      )
    )
  })

  const markStopped = (signal: string) =>
    Effect.sync(() => {
      state = "stopped"
      lastExit = { code: null, signal, expected: true }
    })

  const kill = Effect.suspend(() =>
    state === "stopped"
      ? Effect.void
      : Effect.zipRight(run("kill", () => docker.kill({ signal: "SIGKILL" })), markStopped("SIGKILL"))
  )

  const stop = (millis: number) =>
    Effect.suspend(() => {
      if (state === "stopped") return Effect.void
      const unpause = state === "paused" ? run("unpause", () => docker.unpause()) : Effect.void
      return unpause.pipe(
        Effect.zipRight(run("stop", () => client.container.stop(docker, { timeout: Math.ceil(millis / 1000) }))),
        Effect.zipRight(markStopped("SIGTERM"))
      )
    })

  const pause = Effect.suspend((): Effect.Effect<void, MemberStateError | ContainerError> => {
    if (state === "stopped") return Effect.fail(new MemberStateError({ id, operation: "pause", state }))
    if (state === "paused") return Effect.void
    return Effect.zipRight(run("pause", () => docker.pause()), Effect.sync(() => {
      state = "paused"
    }))
  })

  const resume = Effect.suspend((): Effect.Effect<void, MemberStateError | ContainerError> => {
    if (state === "stopped") return Effect.fail(new MemberStateError({ id, operation: "resume", state }))
    if (state === "running") return Effect.void
    return Effect.zipRight(run("unpause", () => docker.unpause()), Effect.sync(() => {
      state = "running"
    }))
  })

  const logs = (lines: number) =>
    run("logs", () => docker.logs({ stdout: true, stderr: true, follow: false, tail: lines })).pipe(
      Effect.map((buffer) => lastLines(demuxDockerLog(buffer), lines)),
      Effect.orElseSucceed(() => "")
    )

  return {
    id,
    // Docker publishes on every local address: keep connect strings in the 127.0.0.1 form.
    host: container.getHost() === "localhost" ? "127.0.0.1" : container.getHost(),
    dir: undefined,
    logFile: undefined,
    clientPort: () => port,
    identity: undefined,
    quorumPort: containerPorts.quorum,
    electionPort: containerPorts.election,
    state: () => state,
    pid: () => Option.none(),
    pids: () => [],
    lastExit: () => lastExit,
    start,
    kill,
    pause,
    resume,
    stop,
    logs
  }
}

const importTestcontainers = Effect.tryPromise({
  try: (): Promise<Testcontainers> => import("testcontainers"),
  catch: (cause) =>
    new ClusterStartError({
      reason: "container",
      detail: "the docker backend needs the optional dependency `testcontainers` (npm install -D testcontainers)",
      logTail: "",
      cause
    })
})

const startError = (detail: string, member?: number) => (cause: unknown) =>
  new ClusterStartError({
    reason: "container",
    detail,
    ...(member === undefined ? {} : { member }),
    logTail: cause instanceof Error ? cause.message : "",
    cause
  })

/** Starts every member's container (in parallel) on a private network; the scope removes them. */
export const start = (
  r: Resolved,
  config: ContainerClusterConfig
): Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const tc = yield* importTestcontainers
    const client = yield* Effect.tryPromise({
      try: () => tc.getContainerRuntimeClient(),
      catch: startError("cannot reach the Docker daemon")
    })
    const network = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => new tc.Network().start(), catch: startError("cannot create a Docker network") }),
      (network) => Effect.ignore(Effect.tryPromise(() => network.stop()))
    )
    const members = yield* Effect.forEach(
      config.members,
      (member) =>
        Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              new tc.GenericContainer(member.image)
                .withEnvironment({ ...member.env })
                .withExposedPorts(...member.exposedPorts)
                .withNetwork(network)
                .withNetworkAliases(member.alias)
                .withWaitStrategy(tc.Wait.forListeningPorts())
                .withStartupTimeout(r.startTimeoutMillis)
                .start(),
            catch: startError(`cannot start a ${member.image} container`, member.id)
          }),
          (container) =>
            Effect.ignore(
              Effect.tryPromise(() => container.stop({ timeout: Math.ceil(r.stopTimeoutMillis / 1000) }))
            ).pipe(
              // A member stopped by a test makes `stop` fail before it removes: remove it anyway.
              Effect.zipRight(Effect.ignore(Effect.tryPromise(() =>
                client.container.getById(container.getId()).remove({ force: true, v: true })
              )))
            )
        ).pipe(Effect.map((container) => makeMember(member, container, client))),
      { concurrency: "unbounded" }
    )
    return { kind: "docker" as const, members }
  })
