/**
 * The promise facade on Bun in one file, with its own copy of Effect and `@effect-zk/core`:
 * `connect`, `Acl`, `Transaction`, `MultiRead`, `Path` and `ZooKeeperError`, for scripts that do not use
 * Effect themselves (an Effect program imports `@effect-zk/platform-bun`; this module's error
 * classes are its own, so tell errors apart by `_tag`). See `@effect-zk/platform-node/standalone`.
 *
 * ```ts
 * import { connect } from "@effect-zk/platform-bun/standalone"
 *
 * const zk = await connect({ hosts: "127.0.0.1:2181" })
 * console.log(await zk.getChildren("/"))
 * await zk.close()
 * ```
 *
 * @since 0.1.0
 */

/** The promise facade's `connect()` on Bun; see `BunZooKeeper.connect`. @since 0.1.0 */
export { connect } from "./BunZooKeeper.js"
/** ACLs (core's `Acl`). @since 0.1.0 */
export * as Acl from "@effect-zk/core/Acl"
/** A transaction's operations (core's `Transaction`). @since 0.1.0 */
export * as Transaction from "@effect-zk/core/Transaction"
/** multiRead's reads (core's `MultiRead`). @since 0.1.0 */
export * as MultiRead from "@effect-zk/core/MultiRead"
/** Path helpers (core's `Path`). @since 0.1.0 */
export * as Path from "@effect-zk/core/Path"
/** The error classes a promise rejects with (core's `ZooKeeperError`). @since 0.1.0 */
export * as ZooKeeperError from "@effect-zk/core/ZooKeeperError"
/** The client `connect` resolves to. @since 0.1.0 */
export type { PromiseZooKeeper } from "@effect-zk/core/Promise"
/** `connect`'s options. @since 0.1.0 */
export type { Options } from "@effect-zk/core/ZooKeeperConfig"
