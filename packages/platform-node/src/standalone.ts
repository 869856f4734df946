/**
 * The promise facade in one file, for scripts that do not use Effect themselves: `connect` and
 * the modules a promise user needs (`Acl`, `Transaction`, `MultiRead`, `Path`, `ZooKeeperError`), built into
 * a single ES module that carries its own copy of Effect and of `@effect-zk/core`. Node loads it
 * in a fraction of the time it takes to load Effect's modules one file at a time (see
 * bench/RESULTS.md, "Start-up").
 *
 * ```ts
 * import { connect, Transaction } from "@effect-zk/platform-node/standalone"
 *
 * const zk = await connect({ hosts: "127.0.0.1:2181" })
 * await zk.transaction([Transaction.create("/a"), Transaction.create("/a/b")])
 * await zk.close()
 * ```
 *
 * Because its Effect and core are copies, an Effect program should import
 * `@effect-zk/platform-node` instead: the error classes exported here are not those of
 * `@effect-zk/core` (tell errors apart by `_tag`, as the README does, or with this module's
 * classes). In the sources (the `effect-zk-source` condition) it is the unbundled modules.
 *
 * @since 0.1.0
 */

/** The promise facade's `connect()` on Node; see `NodeZooKeeper.connect`. @since 0.1.0 */
export { connect } from "./NodeZooKeeper.js"
/** `Acl`, `Transaction`, `MultiRead`, `Path`, `ZooKeeperError` and the facade's types (core's `ScriptModules`). @since 0.1.0 */
export * from "@effect-zk/core/ScriptModules"
