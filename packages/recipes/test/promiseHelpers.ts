/**
 * What the PromiseRecipes test files share: two promise clients in a fresh chroot, and bounded
 * waits for promise code.
 */
import type { PromiseZooKeeper } from "@effect-zk/core/Promise"
import { connect } from "@effect-zk/platform-node"
import { Effect } from "effect"
import { hosts, newChroot } from "./helpers.js"

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 20 ms until it holds; rejects after `ms`. */
export const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** The `_tag` of a rejection. */
export const rejection = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "resolved",
    (error: unknown) =>
      typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : `untagged: ${String(error)}`
  )

/** Two promise clients in one fresh chroot, closed after `f` whatever it does. */
export const withTwoClients = (f: (a: PromiseZooKeeper, b: PromiseZooKeeper) => Promise<void>) =>
  Effect.gen(function* () {
    const cs = `${yield* hosts}${yield* newChroot}`
    yield* Effect.promise(async () => {
      const a = await connect({ hosts: cs })
      const b = await connect({ hosts: cs })
      try {
        await f(a, b)
      } finally {
        await a.close()
        await b.close()
      }
    })
  })
