/**
 * @effect-zk/platform-bun: the Bun layer of effect-zk.
 *
 * @since 0.1.0
 */

/** The Bun handler layer and the promise facade's `connect()`. @since 0.1.0 */
export * as BunZooKeeper from "./BunZooKeeper.js"
export { connect } from "./BunZooKeeper.js"
