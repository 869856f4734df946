// Members as local JVMs: one child process and one temporary folder per member.
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ClusterStartError, MemberStateError } from "../TestClusterError.js"
import * as TlsMaterial from "../TlsMaterial.js"
import type { Installation } from "../ZooKeeperInstall.js"
import type { BackendInstance, ExitInfo, MemberHandle, MemberState } from "./backend.js"
import { live } from "./live.js"
import { tailFile } from "./logTail.js"
import type { Resolved } from "./options.js"
import { reservePorts } from "./ports.js"
import { trackDir, trackPid, untrackDir, untrackPid } from "./safetyNet.js"
import {
  jaasConf,
  javaArgs,
  log4jProperties,
  logbackXml,
  loopback,
  type MemberPaths,
  memberPaths,
  type MemberPorts,
  type ServerTlsFiles,
  zooCfg
} from "./serverFiles.js"

/** Prefix of every temporary folder the process backend creates. */
export const tempDirPrefix = "effect-zk-cluster-"

interface ProcessMemberSpec {
  readonly ports: MemberPorts
  readonly paths: MemberPaths
  readonly java: string
  readonly args: ReadonlyArray<string>
}

const killWait = 10_000

const makeMember = (spec: ProcessMemberSpec): MemberHandle => {
  const { id } = spec.ports
  let state: MemberState = "stopped"
  let child: ChildProcess | undefined
  let exited: Deferred.Deferred<ExitInfo> | undefined
  let stopping = false
  let lastExit: ExitInfo | undefined
  const pids: Array<number> = []

  const signal = (name: NodeJS.Signals) => {
    const pid = child?.pid
    if (pid === undefined) return
    try {
      process.kill(pid, name)
    } catch {
      // the process is already gone; its exit event settles the state
    }
  }

  const startError = (reason: "spawn" | "filesystem", detail: string, cause: unknown) =>
    new ClusterStartError({ reason, detail, member: id, logTail: tailFile(spec.paths.logFile, 40), cause })

  const start = Effect.async<void, ClusterStartError>((resume) => {
    if (state !== "stopped") return resume(Effect.void)
    let fd: number
    try {
      appendFileSync(spec.paths.logFile, `==== effect-zk test-cluster: starting member ${id} at ${new Date().toISOString()}\n`)
      fd = openSync(spec.paths.logFile, "a")
    } catch (cause) {
      return resume(Effect.fail(startError("filesystem", `cannot open ${spec.paths.logFile}`, cause)))
    }
    let proc: ChildProcess
    try {
      proc = spawn(spec.java, [...spec.args], {
        cwd: spec.paths.dir,
        stdio: ["ignore", fd, fd],
        env: process.env,
        windowsHide: true
      })
    } catch (cause) {
      closeSync(fd)
      return resume(Effect.fail(startError("spawn", `cannot run ${spec.java}`, cause)))
    }
    // the child holds its own copy of the descriptor
    closeSync(fd)
    const pid = proc.pid
    if (pid === undefined) {
      proc.once("error", (cause) => resume(Effect.fail(startError("spawn", `cannot run ${spec.java}`, cause))))
      return
    }
    const done = Deferred.unsafeMake<ExitInfo>(FiberId.none)
    proc.on("error", () => {
      // signal delivery failures: the exit event reports what happened
    })
    proc.once("exit", (code, sig) => {
      untrackPid(pid)
      const info: ExitInfo = { code, signal: sig, expected: stopping }
      lastExit = info
      if (child === proc) {
        child = undefined
        state = "stopped"
        stopping = false
      }
      Deferred.unsafeDone(done, Exit.succeed(info))
    })
    trackPid(pid)
    pids.push(pid)
    child = proc
    exited = done
    stopping = false
    state = "running"
    resume(Effect.void)
  })

  const awaitExit = (done: Deferred.Deferred<ExitInfo> | undefined, millis: number) =>
    done === undefined ? Effect.succeed(true) : Deferred.await(done).pipe(
      Effect.timeoutOption(millis),
      Effect.map(Option.isSome),
      live
    )

  const kill = Effect.suspend(() => {
    if (state === "stopped") return Effect.void
    stopping = true
    const done = exited
    signal("SIGKILL")
    return Effect.asVoid(awaitExit(done, killWait))
  })

  const stop = (millis: number) =>
    Effect.suspend(() => {
      if (state === "stopped") return Effect.void
      stopping = true
      const done = exited
      const wasPaused = state === "paused"
      signal("SIGTERM")
      // a stopped (SIGSTOP) JVM only sees SIGTERM once it runs again
      if (wasPaused) signal("SIGCONT")
      return awaitExit(done, millis).pipe(
        Effect.flatMap((ended) =>
          ended ? Effect.void : Effect.suspend(() => {
            signal("SIGKILL")
            return Effect.asVoid(awaitExit(done, killWait))
          })
        )
      )
    })

  /** Whether every thread of the process has stopped (Linux /proc; elsewhere assumed at once). */
  const isStopped = (pid: number): boolean => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      // the state is the field after the parenthesised command name
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T"
    } catch {
      return true
    }
  }

  const pause = Effect.suspend(() => {
    if (state === "stopped") return Effect.fail(new MemberStateError({ id, operation: "pause", state }))
    if (state !== "running") return Effect.void
    signal("SIGSTOP")
    state = "paused"
    const pid = child?.pid
    if (pid === undefined) return Effect.void
    // SIGSTOP takes effect asynchronously: on a loaded machine the JVM could still answer a
    // request sent right after kill() returned. Wait (bounded) until the kernel says stopped.
    return live(
      Effect.suspend(() => (isStopped(pid) ? Effect.succeed(true) : Effect.fail("running" as const))).pipe(
        Effect.retry({ times: 200, schedule: Schedule.spaced("10 millis") }),
        Effect.ignore
      )
    )
  })

  const resumeMember = Effect.suspend(() => {
    if (state === "stopped") return Effect.fail(new MemberStateError({ id, operation: "resume", state }))
    if (state === "paused") {
      signal("SIGCONT")
      state = "running"
    }
    return Effect.void
  })

  return {
    id,
    host: loopback,
    dir: spec.paths.dir,
    logFile: spec.paths.logFile,
    clientPort: () => spec.ports.clientPort,
    secureClientPort: spec.ports.secureClientPort,
    identity: `dataDir=${spec.paths.dataDir}`,
    quorumPort: spec.ports.quorumPort,
    electionPort: spec.ports.electionPort,
    state: () => state,
    pid: () => Option.fromNullable(child?.pid),
    pids: () => [...pids],
    lastExit: () => lastExit,
    start,
    kill,
    pause,
    resume: resumeMember,
    stop,
    logs: (lines) => Effect.sync(() => tailFile(spec.paths.logFile, lines))
  }
}

const memberDir = Effect.acquireRelease(
  Effect.try({
    try: () => {
      const dir = mkdtempSync(join(tmpdir(), tempDirPrefix))
      trackDir(dir)
      return dir
    },
    catch: (cause) =>
      new ClusterStartError({
        reason: "filesystem",
        detail: `cannot create a folder under ${tmpdir()}`,
        logTail: "",
        cause
      })
  }),
  (dir) =>
    Effect.sync(() => {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
      untrackDir(dir)
    })
)

const writeFiles = (
  r: Resolved,
  self: MemberPorts,
  all: ReadonlyArray<MemberPorts>,
  paths: MemberPaths,
  tls: ServerTlsFiles | undefined
) =>
  Effect.try({
    try: () => {
      mkdirSync(paths.dataDir, { recursive: true })
      writeFileSync(join(paths.dataDir, "myid"), `${self.id}\n`)
      writeFileSync(paths.configFile, zooCfg(r, self, all, paths, tls))
      if (r.sasl !== undefined) writeFileSync(paths.jaasFile, jaasConf(r.sasl.users))
      writeFileSync(paths.log4jFile, log4jProperties)
      writeFileSync(paths.logbackFile, logbackXml)
    },
    catch: (cause) =>
      new ClusterStartError({
        reason: "filesystem",
        detail: `cannot write the files of member ${self.id} in ${paths.dir}`,
        member: self.id,
        logTail: "",
        cause
      })
  })

/**
 * Creates the members' folders and files, starts every JVM (in parallel) and, on scope close,
 * stops them (SIGTERM, then SIGKILL after the stop timeout) and removes the folders.
 */
export const start = (
  r: Resolved,
  installation: Installation
): Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const perMember = r.tls === undefined ? 3 : 4
    const ports = yield* reservePorts(perMember * r.size)
    const all: ReadonlyArray<MemberPorts> = Array.from({ length: r.size }, (_, i) => ({
      id: i + 1,
      clientPort: ports[perMember * i]!,
      quorumPort: ports[perMember * i + 1]!,
      electionPort: ports[perMember * i + 2]!,
      ...(r.tls === undefined ? {} : { secureClientPort: ports[perMember * i + 3]! })
    }))
    // One CA and server certificate for the whole cluster, in a folder of its own.
    const tls = r.tls === undefined ? undefined : yield* TlsMaterial.make.pipe(
      Effect.mapError((error) =>
        new ClusterStartError({ reason: "tls", detail: error.detail, logTail: "", cause: error.cause })
      )
    )
    const members: Array<MemberHandle> = []
    for (const self of all) {
      const dir = yield* memberDir
      const paths = memberPaths(dir)
      yield* writeFiles(r, self, all, paths, tls)
      members.push(makeMember({ ports: self, paths, java: installation.java, args: javaArgs(r, installation.classpath, paths) }))
    }
    yield* Effect.addFinalizer(() =>
      Effect.forEach(members, (member) => member.stop(r.stopTimeoutMillis), { concurrency: "unbounded", discard: true })
        .pipe(Effect.ignore)
    )
    // Highest id first: it wins election ties, so the others find their leader sooner.
    yield* Effect.forEach([...members].reverse(), (member) => member.start, { concurrency: "unbounded", discard: true })
    return { kind: "process" as const, members, tls }
  })
