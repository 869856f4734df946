/**
 * @effect-zk/core: the runtime-agnostic ZooKeeper client for Effect.
 *
 * @since 0.1.0
 */

/** ACLs, ids, permissions and digest helpers (kazoo.security). @since 0.1.0 */
export * as Acl from "./Acl.js"
/** Connection states and watch events. @since 0.1.0 */
export * as ClientState from "./ClientState.js"
/** Connect strings: `host:port,[::1]:2182/chroot`. @since 0.1.0 */
export * as ConnectString from "./ConnectString.js"
/** The platform seam and the three callback queues. @since 0.1.0 */
export * as Handler from "./Handler.js"
/** Path validation and chroot helpers. @since 0.1.0 */
export * as Path from "./Path.js"
/** multiRead (ZooKeeper 3.6+): several getData / getChildren in one request. @since 0.1.0 */
export * as MultiRead from "./MultiRead.js"
/** The promise facade. @since 0.1.0 */
export * as PromiseClient from "./Promise.js"
/** kazoo's KazooRetry on Effect Schedule. @since 0.1.0 */
export * as Retry from "./Retry.js"
/** The ensemble's dynamic configuration (getConfig, reconfig). @since 0.1.0 */
export * as ServerConfig from "./ServerConfig.js"
/** Node stats with kazoo's field names. @since 0.1.0 */
export * as Stat from "./Stat.js"
/** Transactions (multi). @since 0.1.0 */
export * as Transaction from "./Transaction.js"
/** The client service: the `ZooKeeper` tag, `make`, `layer`, `layerConfig`. @since 0.1.0 */
export * as ZooKeeper from "./ZooKeeper.js"
/** Client configuration. @since 0.1.0 */
export * as ZooKeeperConfig from "./ZooKeeperConfig.js"
/** Tagged errors: one per ZooKeeper error code, plus the client's own. @since 0.1.0 */
export * as ZooKeeperError from "./ZooKeeperError.js"
/** The client's metrics (operations, their durations, state changes), recorded with `metrics: true`. @since 0.1.0 */
export * as ZooKeeperMetrics from "./ZooKeeperMetrics.js"
