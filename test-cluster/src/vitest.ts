/**
 * Test clusters for plain vitest, with Promises instead of Effects.
 *
 * ```ts
 * import { describe, expect, it } from "vitest"
 * import { useTestCluster } from "@effect-zk/test-cluster/vitest"
 *
 * describe("failover", () => {
 *   const zk = useTestCluster({ size: 3 })
 *   it("elects a new leader", async () => {
 *     await zk.cluster.kill(await zk.cluster.leader())
 *     expect(await zk.cluster.leader()).toBeGreaterThan(0)
 *   })
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { afterAll, beforeAll, beforeEach } from "vitest"
import type * as FourLetterWord from "./FourLetterWord.js"
import * as TestCluster from "./TestCluster.js"
import type { TestClusterOptions } from "./TestClusterOptions.js"

/**
 * The cluster's controls as Promises (and plain values where nothing waits).
 *
 * @since 0.1.0
 * @category models
 */
export interface PromiseTestCluster {
  /** The Effect service underneath, for mixing with Effect code. */
  readonly service: TestCluster.TestCluster
  readonly backend: TestCluster.TestCluster["backend"]
  readonly size: number
  readonly ids: ReadonlyArray<number>
  readonly directories: ReadonlyArray<string>
  readonly connectString: (ids?: ReadonlyArray<number>) => string
  readonly clientPort: (id: number) => number
  readonly clientAddress: (id: number) => { readonly host: string; readonly port: number }
  readonly member: (id: number) => TestCluster.MemberInfo
  readonly members: () => ReadonlyArray<TestCluster.MemberInfo>
  readonly state: (id: number) => TestCluster.MemberState
  readonly processIds: () => ReadonlyArray<number>
  readonly kill: (id: number) => Promise<void>
  readonly pause: (id: number) => Promise<void>
  readonly resume: (id: number) => Promise<void>
  readonly stop: (id: number) => Promise<void>
  readonly start: (id: number, options?: TestCluster.StartOptions) => Promise<void>
  readonly restart: (id: number, options?: TestCluster.StartOptions) => Promise<void>
  readonly leader: (options?: TestCluster.WaitOptions) => Promise<number>
  readonly awaitReady: (options?: TestCluster.WaitOptions) => Promise<void>
  readonly mode: (id: number) => Promise<FourLetterWord.Mode | undefined>
  readonly fourLetterWord: (id: number, word: string, options?: FourLetterWord.SendOptions) => Promise<string>
  readonly logs: (id: number, lines?: number) => Promise<string>
  readonly logTails: (lines?: number) => Promise<string>
}

/**
 * A cluster started with {@link startTestCluster}; `close` stops it and removes its folders.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartedTestCluster extends PromiseTestCluster {
  readonly close: () => Promise<void>
}

// Failures surface as the tagged error itself (an Error), not wrapped in a FiberFailure.
const unwrap = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromiseExit(effect).then(unwrap)
const runSync = <A, E>(effect: Effect.Effect<A, E>): A => unwrap(Effect.runSyncExit(effect))

const promiseCluster = (service: TestCluster.TestCluster): PromiseTestCluster => ({
  service,
  backend: service.backend,
  size: service.size,
  ids: service.ids,
  directories: service.directories,
  connectString: (ids) => runSync(service.connectString(ids)),
  clientPort: (id) => runSync(service.clientPort(id)),
  clientAddress: (id) => runSync(service.clientAddress(id)),
  member: (id) => runSync(service.member(id)),
  members: () => runSync(service.members),
  state: (id) => runSync(service.state(id)),
  processIds: () => runSync(service.processIds),
  kill: (id) => run(service.kill(id)),
  pause: (id) => run(service.pause(id)),
  resume: (id) => run(service.resume(id)),
  stop: (id) => run(service.stop(id)),
  start: (id, options) => run(service.start(id, options)),
  restart: (id, options) => run(service.restart(id, options)),
  leader: (options) => run(service.leader(options)),
  awaitReady: (options) => run(service.awaitReady(options)),
  mode: (id) => run(service.mode(id)),
  fourLetterWord: (id, word, options) => run(service.fourLetterWord(id, word, options)),
  logs: (id, lines) => run(service.logs(id, lines)),
  logTails: (lines) => run(service.logTails(lines))
})

/**
 * Starts a cluster (default: one standalone server) and resolves once it serves. Call
 * `close()` when done; a process-exit hook kills the servers if you forget.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startTestCluster = async (options: TestClusterOptions = {}): Promise<StartedTestCluster> => {
  const scope = Effect.runSync(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.extend(TestCluster.make(options), scope))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, exit))
    throw Cause.squash(exit.cause)
  }
  let closed: Promise<void> | undefined
  return {
    ...promiseCluster(exit.value),
    close: () => {
      closed ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return closed
    }
  }
}

/**
 * Options of {@link useTestCluster}.
 *
 * @since 0.1.0
 * @category models
 */
export interface UseTestClusterOptions extends TestClusterOptions {
  /** Lines of each member's log printed when a test fails; 0 prints nothing. Default 50. */
  readonly logLinesOnFailure?: number
  /** Timeout of the beforeAll/afterAll hooks, in ms. Default 120000. */
  readonly hookTimeout?: number
}

/**
 * Registers vitest hooks in the current describe block: the cluster starts in `beforeAll`,
 * stops in `afterAll`, and a failing test prints the tail of every member's log.
 *
 * @since 0.1.0
 * @category constructors
 */
export const useTestCluster = (options: UseTestClusterOptions = {}): { readonly cluster: PromiseTestCluster } => {
  const { logLinesOnFailure = 50, hookTimeout = 120_000, ...clusterOptions } = options
  let started: StartedTestCluster | undefined
  beforeAll(async () => {
    started = await startTestCluster(clusterOptions)
  }, hookTimeout)
  afterAll(async () => {
    const cluster = started
    started = undefined
    await cluster?.close()
  }, hookTimeout)
  beforeEach((context) => {
    context.onTestFailed(async () => {
      if (started === undefined || logLinesOnFailure <= 0) return
      const tails = await started.logTails(logLinesOnFailure)
      console.error(`ZooKeeper test cluster logs for the failed test "${context.task.name}":\n${tails}`)
    })
  })
  return {
    get cluster(): PromiseTestCluster {
      if (started === undefined) {
        throw new Error("useTestCluster: the cluster exists only while the describe block's tests run")
      }
      return started
    }
  }
}
