/**
 * `@effect/vitest` as the recipes' test files see it on the in-memory server: the same, except
 * that a case the in-memory server cannot run is skipped, with the reason in its name and on
 * the console.
 */
import type * as EffectVitest from "@effect/vitest"

type Module = typeof EffectVitest

/** The part of a tester (`it.scoped`, `it.effect`) the wrapper uses, loosely typed. */
interface Tester {
  (name: string, self: unknown, timeout?: unknown): void
  readonly skipIf: (condition: unknown) => (name: string, self: unknown, timeout?: unknown) => void
}
interface Methods {
  readonly scoped: Tester
  readonly effect: Tester
}
type Describe = (nameOrBody: string | ((it: Methods) => void), body?: (it: Methods) => void) => void

/** Cases that cannot run on the in-memory server, by a pattern of their name, and why. */
export const exclusions: ReadonlyArray<readonly [RegExp, string]> = [
  [/interop with kazoo/, "kazoo (Python) talks to a server over TCP; the in-memory server has no socket"]
]

const reasonFor = (name: string): string | undefined => exclusions.find(([pattern]) => pattern.test(name))?.[1]

const wrapTester = (tester: Tester): Tester => {
  const wrapped = (name: string, self: unknown, timeout?: unknown) => {
    const reason = reasonFor(name)
    if (reason === undefined) return tester(name, self, timeout)
    console.info(`[memory] not run: ${name}: ${reason}`)
    return tester.skipIf(true)(`${name} (not run on memory: ${reason})`, self, timeout)
  }
  return Object.assign(wrapped, tester)
}

/** The module with `layer` wrapped. */
export const wrap = (actual: Module): Module => {
  const layer = (layer_: Parameters<Module["layer"]>[0], options?: Parameters<Module["layer"]>[1]): Describe => {
    const describe = actual.layer(layer_, options) as unknown as Describe
    const wrapIt = (body: (it: Methods) => void) => (it: Methods) =>
      body({ ...it, scoped: wrapTester(it.scoped), effect: wrapTester(it.effect) })
    return (nameOrBody, body) =>
      typeof nameOrBody === "string" ? describe(nameOrBody, wrapIt(body!)) : describe(wrapIt(nameOrBody))
  }
  return { ...actual, layer: layer as unknown as Module["layer"] }
}
