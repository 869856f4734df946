/**
 * Helpers of the Recipes II tests (party, partitioner, queues, tree cache, watchers), on top of
 * helpers.ts: what the server says about watches, and a bounded take from a queue.
 */
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Queue } from "effect"
import { WaitTimeout } from "./helpers.js"

/** The paths the server holds watches on (`wchp`), each with the watching session ids. */
export const serverWatches = Effect.gen(function* () {
  const cluster = yield* TestCluster.TestCluster
  const text = yield* cluster.fourLetterWord(1, "wchp")
  const out = new Map<string, Array<string>>()
  let current: string | undefined
  for (const line of text.split("\n")) {
    if (line.startsWith("/")) {
      current = line.trim()
      out.set(current, [])
    } else if (current !== undefined && line.trim().startsWith("0x")) out.get(current)!.push(line.trim())
  }
  return out
})

/** Whether the server holds any watch on the path (a server path: chroot included). */
export const hasServerWatch = (serverPath: string) =>
  Effect.map(serverWatches, (watches) => (watches.get(serverPath)?.length ?? 0) > 0)

/** Takes the next element, failing with WaitTimeout after `millis`. */
export const takeWithin = <A>(queue: Queue.Dequeue<A>, what: string, millis = 10_000) =>
  Queue.take(queue).pipe(
    Effect.timeoutFail({ duration: millis, onTimeout: () => new WaitTimeout(`timed out waiting for ${what}`) })
  )

/** UTF-8 bytes. */
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
