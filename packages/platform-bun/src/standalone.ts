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
/** `Acl`, `Transaction`, `MultiRead`, `Path`, `ZooKeeperError` and the facade's types (core's `ScriptModules`). @since 0.1.0 */
export * from "@effect-zk/core/ScriptModules"
