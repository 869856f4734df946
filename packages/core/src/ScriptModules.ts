/**
 * What a script on the promise facade needs beside `connect`, in one place: the platforms'
 * standalone modules (`@effect-zk/platform-node/standalone`, ...) re-export it next to their
 * `connect`.
 *
 * @since 0.1.0
 */

/** ACLs: `OPEN_ACL_UNSAFE`, `makeAcl`, `makeDigestAcl`, ... @since 0.1.0 */
export * as Acl from "./Acl.js"
/** A multi-operation transaction's operations. @since 0.1.0 */
export * as Transaction from "./Transaction.js"
/** multiRead's reads. @since 0.1.0 */
export * as MultiRead from "./MultiRead.js"
/** Path helpers: `join`, `parent`, `basename`, `validate`. @since 0.1.0 */
export * as Path from "./Path.js"
/** The error classes a promise rejects with. @since 0.1.0 */
export * as ZooKeeperError from "./ZooKeeperError.js"
/** The client `connect` resolves to. @since 0.1.0 */
export type { PromiseZooKeeper } from "./Promise.js"
/** `connect`'s options. @since 0.1.0 */
export type { Options } from "./ZooKeeperConfig.js"
