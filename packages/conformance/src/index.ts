/**
 * @effect-zk/conformance: the integration suite every platform layer passes, and a runner.
 *
 * @since 0.1.0
 */

/** Runtime-neutral assertions. @since 0.1.0 */
export * as Assert from "./Assert.js"
/** A runner printing `N passed, N failed`. @since 0.1.0 */
export * as Runner from "./Runner.js"
/** The cases. @since 0.1.0 */
export * as Suite from "./Suite.js"
