/**
 * @effect-zk/platform-deno: the Deno layer of effect-zk.
 *
 * @since 0.1.0
 */

/** The Deno handler layer and the promise facade's `connect()`. @since 0.1.0 */
export * as DenoZooKeeper from "./DenoZooKeeper.js"
export { connect } from "./DenoZooKeeper.js"
