/**
 * @effect-zk/platform-node: the Node.js layer of effect-zk.
 *
 * @since 0.1.0
 */

/** The Node.js handler layer and the promise facade's `connect()`. @since 0.1.0 */
export * as NodeZooKeeper from "./NodeZooKeeper.js"
export { connect } from "./NodeZooKeeper.js"
