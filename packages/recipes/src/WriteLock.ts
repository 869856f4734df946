/**
 * kazoo's `WriteLock`: the exclusive side of a read/write lock. A writer waits for every reader
 * and writer that came before it. Writers create `<prefix>__lock__<seq>` nodes — the same as
 * kazoo's exclusive `Lock` — beside the readers' `__rlock__` nodes, so kazoo's ReadLock/WriteLock
 * and these see each other. With `layout: "curator"` the nodes are Curator's
 * InterProcessReadWriteLock's (`_c_<uuid>-__WRIT__<seq>` beside `…-__READ__<seq>`).
 *
 * ```ts
 * const writer = yield* WriteLock.make(zk, "/locks/table", { identifier: "writer-1" })
 * yield* writer.withLock(rewriteTable, { timeout: "30 seconds" })
 * ```
 *
 * Everything else — acquire, timeouts, cancel, scopes, loss — is as for {@link Lock}.
 *
 * @since 0.1.0
 */
import type { ZooKeeper } from "@effect-zk/core"
import type * as Effect from "effect/Effect"
import { curatorWriteDriver, writeDriver } from "./internal/contender.js"
import { makeWithDriver, withLockOf } from "./internal/lockHandle.js"
import type { Lock, LockOptions, WithLock } from "./Lock.js"

/**
 * A write-lock handle: a {@link Lock} that also waits for earlier readers.
 *
 * @since 0.1.0
 * @category models
 */
export type WriteLock = Lock

/**
 * A write-lock handle on `path` (kazoo's `client.WriteLock(path, identifier)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  options: Omit<LockOptions, "extraLockPatterns"> = {}
): Effect.Effect<WriteLock> =>
  makeWithDriver(client, path, options.layout === "curator" ? curatorWriteDriver : writeDriver, options)

/**
 * Runs an effect holding the write lock on `path`, with the client from the context.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: WithLock<Omit<LockOptions, "extraLockPatterns">> = (path, options = {}) => withLockOf(make)(path, options)
