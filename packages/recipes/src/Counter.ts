/**
 * kazoo's `Counter`: a shared number, changed atomically (read, compute, write back at the
 * version read; retried when someone else wrote in between).
 *
 * ```ts
 * const counter = yield* Counter.make(zk, "/counters/jobs")
 * const { preValue, postValue } = yield* counter.add(1)
 * const floats = yield* Counter.make(zk, "/counters/load", { kind: "float", default: 1.0 })
 * yield* floats.subtract(0.25)
 * ```
 *
 * The data is kazoo's: the number as ASCII text — Python's `repr` of an int (`42`) or of a float
 * (`3.0`, `0.1`, `1e+16`) — and the `default` while the node is empty; with `curator: true` (or
 * `"int"`) a 4-byte big-endian signed integer, as Curator's `SharedCount` and
 * `DistributedAtomicInteger` and kazoo's `support_curator` write it; with `curator: "long"` an
 * 8-byte one, as Curator's `DistributedAtomicLong` writes it (limited to JavaScript's safe
 * integers, ±2⁵³−1: a larger stored value is a MalformedDataError). A kazoo or Curator process and
 * this one can increment the same counter.
 *
 * JavaScript has one number type, so the kind is explicit: an `"int"` counter (the default)
 * takes safe integers only (kazoo raises TypeError for a float), a `"float"` counter any number.
 *
 * @since 0.1.0
 */
import type { Retry, ZooKeeper, ZooKeeperError } from "@effect-zk/core"
import { InvalidArgumentError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { isAscii, parsePythonFloat, parsePythonInt, pythonFloatRepr, utf8 } from "./internal/encoding.js"
import { MalformedDataError } from "./RecipeError.js"

/**
 * The kind of number a counter holds.
 *
 * @since 0.1.0
 * @category models
 */
export type CounterKind = "int" | "float"

/**
 * Options of a counter.
 *
 * @since 0.1.0
 * @category models
 */
export interface CounterOptions {
  /** `"int"` (default) or `"float"`. */
  readonly kind?: CounterKind | undefined
  /** The value while the node is empty (kazoo's `default`). Default 0. */
  readonly default?: number | undefined
  /**
   * Curator's binary encodings, int counters only: `true` or `"int"`, a 4-byte big-endian int
   * (SharedCount, DistributedAtomicInteger; kazoo's `support_curator`); `"long"`, 8 bytes
   * (DistributedAtomicLong).
   */
  readonly curator?: boolean | "int" | "long" | undefined
}

/**
 * The values around one change: before (kazoo's `pre_value`) and after (`post_value`).
 *
 * @since 0.1.0
 * @category models
 */
export interface CounterChange {
  readonly preValue: number
  readonly postValue: number
}

/**
 * What a counter's operations can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type CounterError = MalformedDataError | InvalidArgumentError | Retry.RetriedError<ZooKeeperError.ZooKeeperError>

/**
 * A counter handle.
 *
 * @since 0.1.0
 * @category models
 */
export interface Counter {
  /** The counter's path. */
  readonly path: string
  /** Its kind. */
  readonly kind: CounterKind
  /** Its default value. */
  readonly default: number
  /** The current value (kazoo's `value`). */
  readonly value: Effect.Effect<number, CounterError>
  /** Adds atomically (kazoo's `counter += n`). */
  readonly add: (n: number) => Effect.Effect<CounterChange, CounterError>
  /** Subtracts atomically (kazoo's `counter -= n`). */
  readonly subtract: (n: number) => Effect.Effect<CounterChange, CounterError>
  /** The value before this handle's last change, if any (kazoo's `pre_value`). */
  readonly preValue: Effect.Effect<Option.Option<number>>
  /** The value after this handle's last change, if any (kazoo's `post_value`). */
  readonly postValue: Effect.Effect<Option.Option<number>>
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/**
 * A counter handle on `path` (kazoo's `client.Counter(path, default, support_curator)`). Fails
 * with InvalidArgumentError for a default that does not fit the kind.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  options: CounterOptions = {}
): Effect.Effect<Counter, InvalidArgumentError> =>
  Effect.gen(function* () {
    const kind = options.kind ?? "int"
    const fallback = options.default ?? 0
    // the binary width: 0 (kazoo's text), 4 or 8 bytes
    const width = options.curator === "long" ? 8 : options.curator === true || options.curator === "int" ? 4 : 0
    const curator = width !== 0
    const invalid = (argument: string, reason: string) =>
      new InvalidArgumentError({ op: "Counter", path, argument, reason })
    if (curator && kind !== "int") return yield* invalid("kind", "a Curator-compatible counter holds ints only")
    const fits = (n: number) =>
      kind === "float" || (Number.isSafeInteger(n) && (width !== 4 || (n >= INT32_MIN && n <= INT32_MAX)))
    const what = width === 4 ? "a 32-bit integer" : width === 8 ? "a safe integer" : "an integer"
    if (!fits(fallback)) return yield* invalid("default", `${fallback} is not ${what}`)

    let ensured = false
    let pre: Option.Option<number> = Option.none()
    let post: Option.Option<number> = Option.none()

    const decode = (data: Uint8Array): Effect.Effect<number, MalformedDataError> => {
      if (data.length === 0) return Effect.succeed(fallback)
      if (curator) {
        if (data.length !== width) {
          return Effect.fail(new MalformedDataError({ path, reason: `${data.length} bytes, not a ${width}-byte int` }))
        }
        const view = new DataView(data.buffer, data.byteOffset, width)
        if (width === 4) return Effect.succeed(view.getInt32(0))
        const big = view.getBigInt64(0)
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
          return Effect.fail(new MalformedDataError({ path, reason: `${big} is beyond JavaScript's safe integers` }))
        }
        return Effect.succeed(Number(big))
      }
      if (!isAscii(data)) return Effect.fail(new MalformedDataError({ path, reason: "the value is not ASCII text" }))
      const text = String.fromCharCode(...data)
      const n = kind === "int" ? parsePythonInt(text) : parsePythonFloat(text)
      if (n === undefined || (kind === "int" && !Number.isSafeInteger(n))) {
        return Effect.fail(new MalformedDataError({ path, reason: `${JSON.stringify(text)} is not ${kind === "int" ? "a safe integer" : "a float"}` }))
      }
      return Effect.succeed(n)
    }

    const encode = (n: number): Uint8Array => {
      if (curator) {
        const out = new Uint8Array(width)
        if (width === 4) new DataView(out.buffer).setInt32(0, n)
        else new DataView(out.buffer).setBigInt64(0, BigInt(n))
        return out
      }
      return utf8(kind === "int" ? String(n) : pythonFloatRepr(n))
    }

    const read = Effect.gen(function* () {
      if (!ensured) {
        yield* client.ensurePath(path)
        ensured = true
      }
      const { data, stat } = yield* client.get(path)
      return { value: yield* decode(data), version: stat.version }
    })

    // One compare-and-set; BadVersion (someone wrote in between) is retried at once, with jitter.
    const change = (n: number) =>
      Effect.gen(function* () {
        const { value, version } = yield* read
        const next = value + n
        if (!fits(next)) {
          return yield* invalid("value", `${value} + ${n} = ${next} does not fit the counter`)
        }
        yield* client.set(path, encode(next), { version })
        return { preValue: value, postValue: next }
      }).pipe(
        Effect.retry({
          while: (e) => e._tag === "BadVersionError",
          schedule: Schedule.jittered(Schedule.spaced("5 millis"))
        })
      )

    const apply = (n: number) =>
      Effect.suspend(() => {
        if (!fits(n)) return Effect.fail(invalid("value", `${n} is not ${what}`))
        return Effect.tap(client.retry(change(n)), (c) => {
          pre = Option.some(c.preValue)
          post = Option.some(c.postValue)
        })
      })

    const counter: Counter = {
      path,
      kind,
      default: fallback,
      value: Effect.map(client.retry(read), (r) => r.value),
      add: (n) => apply(n),
      subtract: (n) => apply(-n),
      preValue: Effect.sync(() => pre),
      postValue: Effect.sync(() => post)
    }
    return counter
  })
