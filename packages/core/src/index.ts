/**
 * @effect-zk/core: the runtime-agnostic ZooKeeper client for Effect.
 *
 * @since 0.1.0
 */

/** Tagged errors: one per ZooKeeper error code, plus the client's own. @since 0.1.0 */
export * as ZooKeeperError from "./ZooKeeperError.js"
