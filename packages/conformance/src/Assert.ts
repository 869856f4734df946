/**
 * Assertions for the conformance suite, runtime-neutral (no `node:assert`, no test runner):
 * each returns an Effect that dies with an {@link AssertionError} when it does not hold.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
/**
 * A failed check: what was expected, what came.
 *
 * @since 0.1.0
 * @category errors
 */
export class AssertionError extends Error {
  override readonly name = "AssertionError"
}

const show = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? `<${v.length} bytes>` : v
  ) ?? String(value)

const deepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/** `actual` deep-equals `expected` (own enumerable keys, arrays, bytes, bigints). @since 0.1.0 */
export const equal = <A>(actual: A, expected: A, label = "value"): Effect.Effect<void> =>
  Effect.suspend(() =>
    deepEqual(actual, expected)
      ? Effect.void
      : Effect.die(new AssertionError(`${label}: expected ${show(expected)}, got ${show(actual)}`))
  )

/** `actual` has (at least) the properties of `expected`, compared deeply. @since 0.1.0 */
export const matches = (actual: unknown, expected: Record<string, unknown>, label = "value"): Effect.Effect<void> =>
  Effect.suspend(() =>
    typeof actual === "object" &&
    actual !== null &&
    Object.entries(expected).every(([k, v]) => deepEqual((actual as Record<string, unknown>)[k], v))
      ? Effect.void
      : Effect.die(new AssertionError(`${label}: expected ${show(actual)} to match ${show(expected)}`))
  )

/** `condition` holds. @since 0.1.0 */
export const ok = (condition: boolean, label: string): Effect.Effect<void> =>
  condition ? Effect.void : Effect.die(new AssertionError(label))

/** `effect` fails with an error whose `_tag` is `tag`; returns that error. @since 0.1.0 */
export const failsWith = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  tag: string
): Effect.Effect<E, never, R> =>
  Effect.flatMap(Effect.exit(effect), (exit) => {
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      const error = exit.cause.error
      const actual = (error as { readonly _tag?: unknown })._tag
      return actual === tag ? Effect.succeed(error) : Effect.die(new AssertionError(`expected ${tag}, got ${String(actual)}`))
    }
    return Effect.die(
      new AssertionError(`expected ${tag}, got ${Exit.isSuccess(exit) ? `success ${show(exit.value)}` : `cause ${exit.cause._tag}`}`)
    )
  })
