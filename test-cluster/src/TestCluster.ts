/**
 * Real ZooKeeper servers for tests: a standalone server or an ensemble, on free loopback
 * ports, each member in its own temporary folder, with fault controls (kill, pause, stop,
 * restart) and four-letter words. Closing the scope stops every server and removes every
 * folder, whether the test passed, failed or was interrupted.
 *
 * ```ts
 * import { it } from "@effect/vitest"
 * import { TestCluster } from "@effect-zk/test-cluster"
 *
 * it.scoped("a standalone server", () =>
 *   Effect.gen(function*() {
 *     const cluster = yield* TestCluster.make()
 *     const connectString = yield* cluster.connectString()
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { existsSync } from "node:fs"
import * as ContainerConfig from "./ContainerConfig.js"
import * as FourLetterWord from "./FourLetterWord.js"
import type { BackendInstance, MemberHandle, MemberState as State } from "./internal/backend.js"
import * as DockerBackend from "./internal/dockerBackend.js"
import { live } from "./internal/live.js"
import { type Resolved, resolve } from "./internal/options.js"
import * as ProcessBackend from "./internal/processBackend.js"
import {
  ClusterStartError,
  ClusterTimeoutError,
  type ContainerError,
  type DockerUnavailableError,
  type FourLetterWordError,
  InvalidOptionsError,
  type JavaNotFoundError,
  MemberNotFoundError,
  type MemberStateError,
  type ZooKeeperNotFoundError
} from "./TestClusterError.js"
import type { Backend, TestClusterOptions } from "./TestClusterOptions.js"
import type { TlsMaterial } from "./TlsMaterial.js"
import * as ZooKeeperInstall from "./ZooKeeperInstall.js"

/**
 * Marks a value as a {@link TestCluster}.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-zk/test-cluster/TestCluster")

/**
 * The type of {@link TypeId}.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Whether a member's server runs, is frozen (SIGSTOP / docker pause), or is not running.
 *
 * @since 0.1.0
 * @category models
 */
export type MemberState = State

/**
 * A member as it is now.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemberInfo {
  readonly id: number
  readonly host: string
  readonly clientPort: number
  /** The TLS client port, when the cluster has TLS. */
  readonly secureClientPort: number | undefined
  readonly quorumPort: number
  readonly electionPort: number
  readonly state: MemberState
  /** The JVM's process id while it runs (process backend). */
  readonly pid: Option.Option<number>
  /** The member's temporary folder (process backend): zoo.cfg, data/, zookeeper.log. */
  readonly dir: string | undefined
  /** The member's server log (process backend). */
  readonly logFile: string | undefined
}

/**
 * Options of the waits that have a bound.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Default: the cluster's start timeout. */
  readonly timeout?: Duration.DurationInput
}

/**
 * Options of `start` and `restart`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends WaitOptions {
  /** Wait until the member serves requests (default true). Without a quorum it never will. */
  readonly wait?: boolean
}

/**
 * A running test cluster and its controls. Member ids are 1..size.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestCluster {
  readonly [TypeId]: TypeId
  readonly backend: Backend
  readonly size: number
  readonly ids: ReadonlyArray<number>
  /** The members' temporary folders (empty for the docker backend). */
  readonly directories: ReadonlyArray<string>
  /** `127.0.0.1:port,127.0.0.1:port` for all members, or for the given ids in that order. */
  readonly connectString: (ids?: ReadonlyArray<number>) => Effect.Effect<string, MemberNotFoundError>
  /** A member's client address. */
  readonly clientAddress: (
    id: number
  ) => Effect.Effect<{ readonly host: string; readonly port: number }, MemberNotFoundError>
  readonly clientPort: (id: number) => Effect.Effect<number, MemberNotFoundError>
  /** The CA, a client certificate and its keys of a cluster started with `tls`; undefined without. */
  readonly tls: TlsMaterial | undefined
  /** Like `connectString`, with the members' TLS client ports; fails when the cluster has no TLS. */
  readonly secureConnectString: (
    ids?: ReadonlyArray<number>
  ) => Effect.Effect<string, MemberNotFoundError | InvalidOptionsError>
  readonly member: (id: number) => Effect.Effect<MemberInfo, MemberNotFoundError>
  readonly members: Effect.Effect<ReadonlyArray<MemberInfo>>
  readonly state: (id: number) => Effect.Effect<MemberState, MemberNotFoundError>
  /** Every JVM process id the cluster has started so far, running or not. */
  readonly processIds: Effect.Effect<ReadonlyArray<number>>
  /** SIGKILL (docker: kill). The data folder is kept. */
  readonly kill: (id: number) => Effect.Effect<void, MemberNotFoundError | ContainerError>
  /** SIGSTOP (docker: pause): the member stops answering but keeps its connections. */
  readonly pause: (id: number) => Effect.Effect<void, MemberNotFoundError | MemberStateError | ContainerError>
  /** SIGCONT (docker: unpause). */
  readonly resume: (id: number) => Effect.Effect<void, MemberNotFoundError | MemberStateError | ContainerError>
  /** Graceful stop (SIGTERM), SIGKILL after the stop timeout. The data folder is kept. */
  readonly stop: (id: number) => Effect.Effect<void, MemberNotFoundError | ContainerError>
  /** Starts a stopped member with its data and, by default, waits until it serves. */
  readonly start: (
    id: number,
    options?: StartOptions
  ) => Effect.Effect<void, MemberNotFoundError | ClusterStartError | ClusterTimeoutError>
  /** `stop` then `start`. */
  readonly restart: (
    id: number,
    options?: StartOptions
  ) => Effect.Effect<void, MemberNotFoundError | ClusterStartError | ClusterTimeoutError | ContainerError>
  /** Waits until exactly one running member is the leader and returns its id (standalone: its one member). */
  readonly leader: (options?: WaitOptions) => Effect.Effect<number, ClusterTimeoutError>
  /** Waits until every running member serves and, in an ensemble, exactly one of them leads. */
  readonly awaitReady: (options?: WaitOptions) => Effect.Effect<void, ClusterTimeoutError>
  /** The member's role now, from `srvr` (undefined while it does not serve). */
  readonly mode: (
    id: number
  ) => Effect.Effect<FourLetterWord.Mode | undefined, MemberNotFoundError | FourLetterWordError>
  /** Sends any four-letter word to a member and returns the answer. */
  readonly fourLetterWord: (
    id: number,
    word: string,
    options?: FourLetterWord.SendOptions
  ) => Effect.Effect<string, MemberNotFoundError | FourLetterWordError>
  /** The last `lines` lines (default 100) of a member's server log. */
  readonly logs: (id: number, lines?: number) => Effect.Effect<string, MemberNotFoundError>
  /** The last `lines` lines (default 50) of every member's log, each under a header. */
  readonly logTails: (lines?: number) => Effect.Effect<string>
}

/**
 * The service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export const TestCluster: Context.Tag<TestCluster, TestCluster> = Context.GenericTag<TestCluster>(
  "@effect-zk/test-cluster/TestCluster"
)

/**
 * Everything `make` can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type MakeError =
  | InvalidOptionsError
  | DockerUnavailableError
  | ZooKeeperNotFoundError
  | JavaNotFoundError
  | ClusterStartError

// ---------------------------------------------------------------------------------------------
// readiness

interface Probe {
  readonly member: MemberHandle
  readonly imok: boolean
  readonly mode: FourLetterWord.Mode | undefined
  readonly note: string
}

const probeTimeout: Duration.DurationInput = "1 second"
const pollInterval: Duration.DurationInput = "100 millis"

const probe = (member: MemberHandle): Effect.Effect<Probe> => {
  const state = member.state()
  if (state !== "running") return Effect.succeed({ member, imok: false, mode: undefined, note: state })
  const host = member.host
  const port = member.clientPort()
  const options = { timeout: probeTimeout }
  // Another server may hold the port (ours then fails to bind and exits): only trust answers
  // whose `conf` names this member's data folder.
  const identity = member.identity
  const isOurs = identity === undefined
    ? Effect.succeed(true)
    : Effect.map(FourLetterWord.send(host, port, "conf", options), (conf) => conf.includes(identity))
  return Effect.all([isOurs, FourLetterWord.ruok(host, port, options), FourLetterWord.status(host, port, options)]).pipe(
    Effect.map(([ours, imok, status]): Probe =>
      ours
        ? {
          member,
          imok,
          mode: status.mode,
          note: status.mode ?? (status.raw.trim().split("\n")[0] ?? "no mode")
        }
        : { member, imok: false, mode: undefined, note: `port ${port} is answered by another server` }
    ),
    Effect.catchAll((error) => Effect.succeed<Probe>({ member, imok: false, mode: undefined, note: error.message }))
  )
}

const describe = (probes: ReadonlyArray<Probe>) =>
  probes.map((p) => `member ${p.member.id} ${p.member.state()}: ${p.imok ? "imok, " : ""}${p.note}`).join("; ")

const logTailsOf = (members: ReadonlyArray<MemberHandle>, lines: number) =>
  Effect.forEach(members, (member) =>
    member.logs(lines).pipe(
      Effect.map((text) =>
        `==== member ${member.id} (${member.host}:${member.clientPort()}, ${member.state()})${
          member.logFile === undefined ? "" : ` ${member.logFile}`
        }\n${text}`
      )
    ), { concurrency: "unbounded" }).pipe(Effect.map((parts) => parts.join("\n")))

const bindFailure = /BindException|Address already in use/

/** A member that was meant to run but died by itself. */
const crashed = (members: ReadonlyArray<MemberHandle>) =>
  members.find((m) => m.state() === "stopped" && m.lastExit()?.expected === false)

const crashError = (member: MemberHandle) =>
  Effect.gen(function*() {
    const tail = yield* member.logs(60)
    const exit = member.lastExit()
    const how = exit?.signal ?? `code ${exit?.code ?? "?"}`
    return new ClusterStartError({
      reason: bindFailure.test(tail) ? "port-conflict" : "exited",
      detail: `member ${member.id} exited (${how}) before it served`,
      member: member.id,
      logTail: tail
    })
  })

/**
 * Polls until `check` returns a value, failing fast when a watched member crashes, and with a
 * timeout error holding the last observations and the log tails when time runs out.
 */
const waitFor = <A>(args: {
  readonly operation: string
  readonly all: ReadonlyArray<MemberHandle>
  readonly watched: ReadonlyArray<MemberHandle>
  readonly timeoutMillis: number
  readonly check: (probes: ReadonlyArray<Probe>) => Either.Either<A, string>
}): Effect.Effect<A, ClusterStartError | ClusterTimeoutError> => {
  let last = "no answer yet"
  const loop: Effect.Effect<A, ClusterStartError> = Effect.gen(function*() {
    while (true) {
      const probes = yield* Effect.forEach(args.all, probe, { concurrency: "unbounded" })
      // after probing: a member may have died while we waited for its answers
      const dead = crashed(args.watched)
      if (dead !== undefined) return yield* Effect.flatMap(crashError(dead), Effect.fail)
      const result = args.check(probes)
      if (Either.isRight(result)) return result.right
      last = result.left
      yield* Effect.sleep(pollInterval)
    }
  })
  return loop.pipe(
    Effect.timeoutOption(args.timeoutMillis),
    Effect.flatMap(Option.match({
      onSome: Effect.succeed,
      onNone: () =>
        Effect.flatMap(logTailsOf(args.all, 40), (logTail) =>
          Effect.fail(
            new ClusterTimeoutError({ operation: args.operation, timeoutMillis: args.timeoutMillis, detail: last, logTail })
          ))
    })),
    live
  )
}

/**
 * Ready: the members that should run (all of them at start; the running ones later, at least
 * one) answer `imok` and serve, and an ensemble has exactly one leader.
 */
const readyCheck = (quorum: boolean, all: boolean) => (probes: ReadonlyArray<Probe>): Either.Either<void, string> => {
  const running = probes.filter((p) => p.member.state() === "running")
  const expected = all ? probes : running
  const serving = expected.length > 0 && expected.every((p) => p.member.state() === "running" && p.imok && p.mode !== undefined)
  const leaders = running.filter((p) => p.mode === "leader").length
  return serving && (!quorum || leaders === 1)
    ? Either.right(undefined)
    : Either.left(`${describe(probes)}${quorum ? `; ${leaders} leader(s)` : ""}`)
}

const memberCheck = (probes: ReadonlyArray<Probe>): Either.Either<void, string> =>
  probes.every((p) => p.member.state() === "running" && p.imok && p.mode !== undefined)
    ? Either.right(undefined)
    : Either.left(describe(probes))

const leaderCheck = (quorum: boolean) => (probes: ReadonlyArray<Probe>): Either.Either<number, string> => {
  const wanted = quorum ? "leader" : "standalone"
  const leaders = probes.filter((p) => p.member.state() === "running" && p.mode === wanted)
  const only = leaders.length === 1 ? leaders[0] : undefined
  return only !== undefined
    ? Either.right(only.member.id)
    : Either.left(`${leaders.length} ${wanted}(s): ${describe(probes)}`)
}

// ---------------------------------------------------------------------------------------------
// construction

const attempts = 3

const startOnce = (r: Resolved, boot: Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope>) =>
  Effect.gen(function*() {
    const backend = yield* boot
    const result = yield* waitFor({
      operation: `the ${r.size === 1 ? "server" : `${r.size}-member ensemble`} to serve`,
      all: backend.members,
      watched: backend.members,
      timeoutMillis: r.startTimeoutMillis,
      check: readyCheck(r.quorum, true)
    }).pipe(Effect.either)
    if (Either.isRight(result)) return backend
    const error = result.left
    if (error._tag === "ClusterStartError") return yield* Effect.fail(error)
    // A member whose port was taken may keep running without ever serving: look in the logs.
    const tails = yield* Effect.forEach(backend.members, (m) => m.logs(400))
    const reason = tails.some((tail) => bindFailure.test(tail)) ? "port-conflict" as const : "timeout" as const
    return yield* Effect.fail(
      new ClusterStartError({
        reason,
        detail: `not serving after ${error.timeoutMillis} ms: ${error.detail}`,
        logTail: error.logTail
      })
    )
  })

/** Starts in a child scope; on a port conflict, tears that attempt down and tries new ports. */
const startWithRetry = (
  r: Resolved,
  boot: Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope>,
  left: number
): Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const outer = yield* Effect.scope
    const inner = yield* Scope.fork(outer, ExecutionStrategy.sequential)
    const exit = yield* Effect.exit(Scope.extend(startOnce(r, boot), inner))
    if (Exit.isSuccess(exit)) return exit.value
    yield* Scope.close(inner, exit)
    const failure = Cause.failureOption(exit.cause)
    if (left > 1 && Option.isSome(failure) && failure.value.reason === "port-conflict") {
      return yield* startWithRetry(r, boot, left - 1)
    }
    return yield* exit
  })

const makeService = (r: Resolved, backend: BackendInstance): TestCluster => {
  const members = backend.members
  const ids = members.map((m) => m.id)
  const find = (id: number) =>
    Effect.suspend(() => {
      const member = members.find((m) => m.id === id)
      return member === undefined
        ? Effect.fail(new MemberNotFoundError({ id, available: ids }))
        : Effect.succeed(member)
    })
  const info = (m: MemberHandle): MemberInfo => ({
    id: m.id,
    host: m.host,
    clientPort: m.clientPort(),
    secureClientPort: m.secureClientPort,
    quorumPort: m.quorumPort,
    electionPort: m.electionPort,
    state: m.state(),
    pid: m.pid(),
    dir: m.dir,
    logFile: m.logFile
  })
  const timeoutOf = (options: WaitOptions | undefined) =>
    options?.timeout === undefined ? r.startTimeoutMillis : Duration.toMillis(Duration.decode(options.timeout))

  const startMember = (id: number, options?: StartOptions) =>
    Effect.gen(function*() {
      const member = yield* find(id)
      yield* member.start
      if (options?.wait === false) return
      yield* waitFor({
        operation: `member ${id} to serve`,
        all: [member],
        watched: [member],
        timeoutMillis: timeoutOf(options),
        check: memberCheck
      })
    }).pipe(live)

  return {
    [TypeId]: TypeId,
    backend: backend.kind,
    size: members.length,
    ids,
    directories: members.flatMap((m) => (m.dir === undefined ? [] : [m.dir])),
    connectString: (wanted) =>
      Effect.forEach(wanted ?? ids, (id) => Effect.map(find(id), (m) => `${m.host}:${m.clientPort()}`)).pipe(
        Effect.map((parts) => parts.join(","))
      ),
    clientAddress: (id) => Effect.map(find(id), (m) => ({ host: m.host, port: m.clientPort() })),
    clientPort: (id) => Effect.map(find(id), (m) => m.clientPort()),
    tls: backend.tls,
    secureConnectString: (wanted) =>
      Effect.forEach(wanted ?? ids, (id) =>
        Effect.flatMap(find(id), (m) =>
          m.secureClientPort === undefined
            ? Effect.fail(new InvalidOptionsError({ option: "tls", reason: "the cluster was started without tls" }))
            : Effect.succeed(`${m.host}:${m.secureClientPort}`))).pipe(Effect.map((parts) => parts.join(","))),
    member: (id) => Effect.map(find(id), info),
    members: Effect.sync(() => members.map(info)),
    state: (id) => Effect.map(find(id), (m) => m.state()),
    processIds: Effect.sync(() => members.flatMap((m) => m.pids())),
    kill: (id) => Effect.flatMap(find(id), (m) => m.kill),
    pause: (id) => Effect.flatMap(find(id), (m) => m.pause),
    resume: (id) => Effect.flatMap(find(id), (m) => m.resume),
    stop: (id) => Effect.flatMap(find(id), (m) => m.stop(r.stopTimeoutMillis)),
    start: startMember,
    restart: (id, options) =>
      Effect.flatMap(find(id), (m) => m.stop(r.stopTimeoutMillis)).pipe(
        Effect.zipRight(startMember(id, options))
      ),
    leader: (options) =>
      waitFor({
        operation: "a leader",
        all: members,
        watched: [],
        timeoutMillis: timeoutOf(options),
        check: leaderCheck(r.quorum)
      }).pipe(
        // nothing is watched for crashes, so only the timeout can end the wait
        Effect.catchTag("ClusterStartError", (error) => Effect.die(error))
      ),
    awaitReady: (options) =>
      waitFor({
        operation: "the cluster to serve",
        all: members,
        watched: [],
        timeoutMillis: timeoutOf(options),
        check: readyCheck(r.quorum, false)
      }).pipe(Effect.catchTag("ClusterStartError", (error) => Effect.die(error))),
    mode: (id) =>
      Effect.flatMap(find(id), (m) => FourLetterWord.status(m.host, m.clientPort())).pipe(
        Effect.map((status) => status.mode)
      ),
    fourLetterWord: (id, word, options) =>
      Effect.flatMap(find(id), (m) => FourLetterWord.send(m.host, m.clientPort(), word, options)),
    logs: (id, lines = 100) => Effect.flatMap(find(id), (m) => m.logs(lines)),
    logTails: (lines = 50) => logTailsOf(members, lines)
  }
}

const makeWith = (
  options: TestClusterOptions,
  defaultSize: number
): Effect.Effect<TestCluster, MakeError, Scope.Scope> =>
  Effect.gen(function*() {
    const r = yield* resolve(options, defaultSize, process.env)
    let boot: Effect.Effect<BackendInstance, ClusterStartError, Scope.Scope>
    if (r.backend === "docker") {
      // Fail fast, before anything else, when Docker is not there.
      yield* ContainerConfig.requireDocker(r.env, existsSync)
      const config = yield* ContainerConfig.make(options, { defaultSize })
      boot = DockerBackend.start(r, config)
    } else {
      const installation = yield* ZooKeeperInstall.find(r.env)
      boot = ProcessBackend.start(r, installation)
    }
    const backend = yield* startWithRetry(r, boot, r.backend === "docker" ? 1 : attempts)
    return makeService(r, backend)
  }).pipe(live)

/**
 * Starts a cluster (default: one standalone server) and waits until it serves: every member
 * answers `ruok` with `imok` and, in an ensemble, exactly one is the leader. Closing the scope
 * stops every server and removes every temporary folder.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: TestClusterOptions = {}): Effect.Effect<TestCluster, MakeError, Scope.Scope> =>
  makeWith(options, 1)

/**
 * Like {@link make}, with three members unless `size` says otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ensemble = (options: TestClusterOptions = {}): Effect.Effect<TestCluster, MakeError, Scope.Scope> =>
  makeWith(options, 3)

/**
 * A layer providing {@link TestCluster} (default: one standalone server).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: TestClusterOptions = {}): Layer.Layer<TestCluster, MakeError> =>
  Layer.scoped(TestCluster, make(options))

/**
 * A layer providing a three-member {@link TestCluster} unless `size` says otherwise.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerEnsemble = (options: TestClusterOptions = {}): Layer.Layer<TestCluster, MakeError> =>
  Layer.scoped(TestCluster, ensemble(options))

/**
 * Prints the tail of every member's log (to stderr) when `self` fails or dies, then fails as
 * `self` did. Interruption alone prints nothing.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLogsOnFailure = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  lines = 50
): Effect.Effect<A, E, R | TestCluster> =>
  Effect.flatMap(TestCluster, (cluster) =>
    Effect.tapErrorCause(self, (cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.flatMap(cluster.logTails(lines), (text) =>
          Effect.sync(() => console.error(`ZooKeeper test cluster logs after a failure:\n${text}`)))))
