/**
 * The client's metrics, as Effect `Metric`s, recorded by clients made with `metrics: true`
 * (`ZK_METRICS=true` for `ZooKeeper.layerConfig`); exported like any other Effect metric (e.g.
 * `@effect/opentelemetry`'s metrics exporter, or `Metric.value` / `Metric.snapshot`).
 *
 * ```ts
 * const zk = yield* ZooKeeper.make({ hosts, metrics: true })
 * yield* zk.get("/app/config")
 * const gets = yield* Metric.value(ZooKeeperMetrics.operations.pipe(Metric.tagged("op", "get"), Metric.tagged("outcome", "ok")))
 * ```
 *
 * Every client of a process adds to the same metrics (Effect's metric registry is global); tag
 * them further with `Metric.tagged` around your own use if you need to tell clients apart. Off by
 * default: recording costs a little CPU on every request.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"

/**
 * Operations completed, tagged `op` (`get`, `create`, `transaction`, ...) and `outcome`: `ok`,
 * the error's tag (`NoNodeError`, `ConnectionLossError`, ...), `interrupted` or `defect`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const operations = Metric.counter("zookeeper.client.operations", {
  description: "ZooKeeper operations completed, by operation and outcome",
  incremental: true
})

/**
 * How long operations took, in milliseconds, from the call to the reply (waiting for a
 * connection included), tagged `op`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const operationDuration = Metric.histogram(
  "zookeeper.client.operation.duration",
  MetricBoundaries.exponential({ start: 0.125, factor: 2, count: 18 }),
  "ZooKeeper operation duration in milliseconds, by operation"
)

/**
 * Changes of the client's state, tagged `state` (`CONNECTED`, `SUSPENDED`, `LOST`) and
 * `keeperState` (`CONNECTED`, `CONNECTED_RO`, `CONNECTING`, `AUTH_FAILED`, `CLOSED`, ...).
 *
 * @since 0.1.0
 * @category metrics
 */
export const stateChanges = Metric.counter("zookeeper.client.state_changes", {
  description: "ZooKeeper client state changes, by state",
  incremental: true
})

const opLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const outcomeLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

const labelsOf = (op: string): ReadonlyArray<MetricLabel.MetricLabel> => {
  let labels = opLabels.get(op)
  if (labels === undefined) {
    labels = [MetricLabel.make("op", op)]
    opLabels.set(op, labels)
  }
  return labels
}

const outcomeOf = (exit: Exit.Exit<unknown, unknown>): string => {
  if (Exit.isSuccess(exit)) return "ok"
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const e = failure.value
    return typeof e === "object" && e !== null && "_tag" in e && typeof e._tag === "string" ? e._tag : "error"
  }
  return Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "defect"
}

/**
 * Records one operation: its outcome and its duration since `startMillis` (`performance.now()`).
 * For client implementations (the client here and `@effect-zk/testing`'s in-memory one).
 *
 * @since 0.1.0
 * @category recording
 */
export const recordOperation = (op: string, startMillis: number, exit: Exit.Exit<unknown, unknown>): void => {
  const outcome = outcomeOf(exit)
  const key = `${op}\u0000${outcome}`
  let labels = outcomeLabels.get(key)
  if (labels === undefined) {
    labels = [MetricLabel.make("op", op), MetricLabel.make("outcome", outcome)]
    outcomeLabels.set(key, labels)
  }
  operations.unsafeUpdate(1, labels)
  operationDuration.unsafeUpdate(performance.now() - startMillis, labelsOf(op))
}

/**
 * Records one change of a client's state. For client implementations.
 *
 * @since 0.1.0
 * @category recording
 */
export const recordStateChange = (state: string, keeperState: string): void => {
  stateChanges.unsafeUpdate(1, [MetricLabel.make("state", state), MetricLabel.make("keeperState", keeperState)])
}

/**
 * Runs `effect` as operation `op`, recording its outcome and duration when it ends (an
 * operation interrupted from outside is not recorded). For client implementations.
 *
 * @since 0.1.0
 * @category recording
 */
export const measure = <A, E, R>(op: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    // Not `onExit` (an uninterruptible region and a finalizer per call): an operation whose
    // fiber is interrupted from outside is not recorded.
    return Effect.flatMap(Effect.exit(effect), (exit) => {
      recordOperation(op, start, exit)
      return exit
    })
  })
