/**
 * @effect-zk/test-cluster: real ZooKeeper servers and ensembles for tests, with fault injection.
 *
 * The vitest helpers live in `@effect-zk/test-cluster/vitest` (they import vitest).
 *
 * @since 0.1.0
 */

/**
 * The cluster service, its constructors and layers.
 *
 * @since 0.1.0
 */
export * as TestCluster from "./TestCluster.js"

/**
 * Options of a cluster and their defaults.
 *
 * @since 0.1.0
 */
export * as TestClusterOptions from "./TestClusterOptions.js"

/**
 * The errors of this package.
 *
 * @since 0.1.0
 */
export * as TestClusterError from "./TestClusterError.js"

/**
 * Finding ZooKeeper and Java.
 *
 * @since 0.1.0
 */
export * as ZooKeeperInstall from "./ZooKeeperInstall.js"

/**
 * Four-letter words over a raw socket.
 *
 * @since 0.1.0
 */
export * as FourLetterWord from "./FourLetterWord.js"

/**
 * The container backend's configuration and Docker detection.
 *
 * @since 0.1.0
 */
export * as ContainerConfig from "./ContainerConfig.js"

/**
 * Certificates for TLS tests (a CA, server keystore, client certificate), made with openssl.
 *
 * @since 0.1.0
 */
export * as TlsMaterial from "./TlsMaterial.js"

/**
 * A TCP proxy to cut a client off the network in a test.
 *
 * @since 0.1.0
 */
export * as TcpProxy from "./TcpProxy.js"
