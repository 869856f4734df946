/**
 * @effect-zk/testing: an in-memory ZooKeeper for unit tests, providing the same `ZooKeeper`
 * service as the real client.
 *
 * @since 0.1.0
 */

/** The in-memory server, its layers and its test controls. @since 0.1.0 */
export * as ZooKeeperTest from "./ZooKeeperTest.js"
