/**
 * A tiny runner for the conformance suite, for runtimes without vitest: runs each case in
 * turn (each bounded by a timeout; a case that cannot run says why and is skipped), prints one
 * line per case and closes with `<runtime>: N passed, N failed[, N skipped]`.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type Case, cases as allCases, type Env } from "./Suite.js"

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** Only cases whose name contains this. */
  readonly filter?: string | undefined
  /** Bound of each case, in ms. Default 60 s. */
  readonly caseTimeoutMillis?: number | undefined
  /** Where lines go. Default `console.log`. */
  readonly log?: ((line: string) => void) | undefined
  /** The cases. Default: the whole suite. */
  readonly cases?: ReadonlyArray<Case> | undefined
}

/**
 * Runs the suite against `env` and reports; resolves with the counts (never rejects).
 *
 * @since 0.1.0
 * @category running
 */
export const run = async (env: Env, options: RunOptions = {}): Promise<{ passed: number; failed: number; skipped: number }> => {
  const log = options.log ?? ((line: string) => console.log(line))
  const timeout = options.caseTimeoutMillis ?? 60_000
  const selected = (options.cases ?? allCases).filter((c) => options.filter === undefined || c.name.includes(options.filter))
  let passed = 0
  let failed = 0
  let skipped = 0
  log(`conformance suite on ${env.platform.name} against ${env.hosts}: ${selected.length} cases`)
  for (const c of selected) {
    const reason = c.skip?.(env)
    if (reason !== undefined) {
      skipped++
      log(`  skip  ${c.name}: ${reason}`)
      continue
    }
    const start = Date.now()
    const exit = await Effect.runPromiseExit(
      Effect.scoped(c.run(env)).pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`timed out after ${timeout} ms`) })
      )
    )
    const ms = Date.now() - start
    if (Exit.isSuccess(exit)) {
      passed++
      log(`  ok    ${c.name} (${ms} ms)`)
    } else {
      failed++
      log(`  FAIL  ${c.name} (${ms} ms)\n${Cause.pretty(exit.cause).replace(/^/gm, "        ")}`)
    }
  }
  log(`${env.platform.name}: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
  return { passed, failed, skipped }
}
