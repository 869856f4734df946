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
import { ZooKeeper } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import { curatorWriteDriver, writeDriver } from "./internal/contender.js"
import { makeWithDriver } from "./internal/lockHandle.js"
import type { AcquireError, AcquireOptions, Lock, LockOptions } from "./Lock.js"
import type { LockLostError } from "./RecipeError.js"

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
export const withLock =
  (path: string, options: Omit<LockOptions, "extraLockPatterns"> & AcquireOptions = {}) =>
  <A, E, R>(
    self: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E | AcquireError | LockLostError, R | ZooKeeper.ZooKeeper> =>
    Effect.flatMap(Effect.flatMap(ZooKeeper.ZooKeeper, (client) => make(client, path, options)), (lock) =>
      lock.withLock(self, options)
    )
