/**
 * @effect-zk/recipes: kazoo's recipes on the effect-zk client, with kazoo's znodes and
 * structured concurrency.
 *
 * @since 0.1.0
 */

/** kazoo's Barrier: wait until a node is removed. @since 0.1.0 */
export * as Barrier from "./Barrier.js"
/** What SUSPENDED and LOST mean for a hold. @since 0.1.0 */
export * as ConnectionStatePolicy from "./ConnectionStatePolicy.js"
/** kazoo's Counter: an atomic int or float counter. @since 0.1.0 */
export * as Counter from "./Counter.js"
/** kazoo's DoubleBarrier: enter together, leave together. @since 0.1.0 */
export * as DoubleBarrier from "./DoubleBarrier.js"
/** kazoo's Election: run an effect as the leader. @since 0.1.0 */
export * as Election from "./Election.js"
/** A hold on a lock, a lease or leadership. @since 0.1.0 */
export * as Held from "./Held.js"
/** kazoo's Lock: an exclusive lock. @since 0.1.0 */
export * as Lock from "./Lock.js"
/** kazoo's MultiNonBlockingLease: one of several time-limited leases. @since 0.1.0 */
export * as MultiNonBlockingLease from "./MultiNonBlockingLease.js"
/** kazoo's NonBlockingLease: a time-limited exclusive lease that never waits. @since 0.1.0 */
export * as NonBlockingLease from "./NonBlockingLease.js"
/** kazoo's ReadLock: the shared side of a read/write lock. @since 0.1.0 */
export * as ReadLock from "./ReadLock.js"
/** The errors of the recipes. @since 0.1.0 */
export * as RecipeError from "./RecipeError.js"
/** kazoo's Semaphore: at most N holders. @since 0.1.0 */
export * as Semaphore from "./Semaphore.js"
/** kazoo's WriteLock: the exclusive side of a read/write lock. @since 0.1.0 */
export * as WriteLock from "./WriteLock.js"
