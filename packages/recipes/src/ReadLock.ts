/**
 * kazoo's `ReadLock`: the shared side of a read/write lock. Any number of readers hold it
 * together; a reader waits while a writer that came before it holds or waits for the lock.
 * Readers create `<prefix>__rlock__<seq>` nodes beside the writers' `__lock__` nodes, so kazoo's
 * ReadLock/WriteLock and these see each other. With `layout: "curator"` the nodes are Curator's
 * InterProcessReadWriteLock's (`_c_<uuid>-__READ__<seq>` beside `…-__WRIT__<seq>`), so its readers
 * and writers and these see each other (Curator's write-lock holder may also take its read lock,
 * re-entrantly; handles here are not re-entrant).
 *
 * ```ts
 * const reader = yield* ReadLock.make(zk, "/locks/table", { identifier: "reader-1" })
 * const rows = yield* reader.withLock(readTable)
 * ```
 *
 * One difference from kazoo 2.8, whose readers also waited for writers that arrived *after*
 * them and could deadlock with them (kazoo issue #649, fixed in kazoo 2.9): here, as in
 * ZooKeeper's shared-lock recipe, only earlier writers count. Everything else — acquire,
 * timeouts, cancel, scopes, loss — is as for {@link Lock}.
 *
 * @since 0.1.0
 */
import type { ZooKeeper } from "@effect-zk/core"
import type * as Effect from "effect/Effect"
import { curatorReadDriver, readDriver } from "./internal/contender.js"
import { makeWithDriver, withLockOf } from "./internal/lockHandle.js"
import type { Lock, LockOptions, WithLock } from "./Lock.js"

/**
 * A read-lock handle: a {@link Lock} whose holds are shared with other readers.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadLock = Lock

/**
 * A read-lock handle on `path` (kazoo's `client.ReadLock(path, identifier)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeper.ZooKeeperClient,
  path: string,
  options: Omit<LockOptions, "extraLockPatterns"> = {}
): Effect.Effect<ReadLock> =>
  makeWithDriver(client, path, options.layout === "curator" ? curatorReadDriver : readDriver, options)

/**
 * Runs an effect holding the read lock on `path`, with the client from the context.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLock: WithLock<Omit<LockOptions, "extraLockPatterns">> = (path, options = {}) => withLockOf(make)(path, options)
