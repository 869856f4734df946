/**
 * @effect-zk/recipes: kazoo's recipes on the effect-zk client, with kazoo's znodes and
 * structured concurrency, and some of Curator's with Curator's znodes.
 *
 * @since 0.1.0
 */

/** kazoo's Barrier: wait until a node is removed. @since 0.1.0 */
export * as Barrier from "./Barrier.js"
/** kazoo's ChildrenWatch: a node's children, at once and on every change. @since 0.1.0 */
export * as ChildrenWatch from "./ChildrenWatch.js"
/** What SUSPENDED and LOST mean for a hold. @since 0.1.0 */
export * as ConnectionStatePolicy from "./ConnectionStatePolicy.js"
/** kazoo's Counter: an atomic int or float counter. @since 0.1.0 */
export * as Counter from "./Counter.js"
/** Curator's queues (SimpleDistributedQueue; DistributedQueue, its priority and delay kinds) with Curator's znodes. @since 0.1.0 */
export * as CuratorQueue from "./CuratorQueue.js"
/** kazoo's DataWatch: a node's data, at once and on every change. @since 0.1.0 */
export * as DataWatch from "./DataWatch.js"
/** kazoo's DoubleBarrier: enter together, leave together. @since 0.1.0 */
export * as DoubleBarrier from "./DoubleBarrier.js"
/** kazoo's Election: run an effect as the leader. @since 0.1.0 */
export * as Election from "./Election.js"
/** Curator's EnsembleTracker: the host list follows the ensemble's reconfigs. @since 0.1.0 */
export * as EnsembleTracker from "./EnsembleTracker.js"
/** Curator's GroupMember: membership of a group for a scope's lifetime. @since 0.1.0 */
export * as GroupMember from "./GroupMember.js"
/** A hold on a lock, a lease or leadership. @since 0.1.0 */
export * as Held from "./Held.js"
/** Curator's LeaderLatch: leadership for a scope's lifetime. @since 0.1.0 */
export * as LeaderLatch from "./LeaderLatch.js"
/** kazoo's Lock: an exclusive lock. @since 0.1.0 */
export * as Lock from "./Lock.js"
/** kazoo's LockingQueue: a queue whose items are locked, then consumed or released. @since 0.1.0 */
export * as LockingQueue from "./LockingQueue.js"
/** Curator x-async's ModeledFramework: typed znodes, read and written through an Effect Schema. @since 0.1.0 */
export * as Modeled from "./Modeled.js"
/** kazoo's MultiNonBlockingLease: one of several time-limited leases. @since 0.1.0 */
export * as MultiNonBlockingLease from "./MultiNonBlockingLease.js"
/** kazoo's NonBlockingLease: a time-limited exclusive lease that never waits. @since 0.1.0 */
export * as NonBlockingLease from "./NonBlockingLease.js"
/** kazoo's Party and ShallowParty: who is in a group. @since 0.1.0 */
export * as Party from "./Party.js"
/** Curator's PersistentNode: a node (ephemeral, persistent, container or TTL) kept in place for a scope's lifetime. @since 0.1.0 */
export * as PersistentNode from "./PersistentNode.js"
/** Curator's PersistentTtlNode: a node that lives while this process does, and goes by itself a while after. @since 0.1.0 */
export * as PersistentTtlNode from "./PersistentTtlNode.js"
/** kazoo's PatientChildrenWatch: a node's children once they settle. @since 0.1.0 */
export * as PatientChildrenWatch from "./PatientChildrenWatch.js"
/** The recipes for promise code: locks, semaphores, leases, elections, latches, service discovery, watches, tree cache, counters, barriers, parties, group members, queues, shared count and value, set partitioner) with async methods. @since 0.1.0 */
export * as PromiseRecipes from "./PromiseRecipes.js"
/** kazoo's Queue: a distributed queue with priorities. @since 0.1.0 */
export * as Queue from "./Queue.js"
/** Curator's QueueSharder: one queue spread over several, added as they fill. @since 0.1.0 */
export * as QueueSharder from "./QueueSharder.js"
/** kazoo's ReadLock: the shared side of a read/write lock. @since 0.1.0 */
export * as ReadLock from "./ReadLock.js"
/** The errors of the recipes. @since 0.1.0 */
export * as RecipeError from "./RecipeError.js"
/** kazoo's Semaphore: at most N holders. @since 0.1.0 */
export * as Semaphore from "./Semaphore.js"
/** Curator's service discovery (curator-x-discovery's layout): register and find instances. @since 0.1.0 */
export * as ServiceDiscovery from "./ServiceDiscovery.js"
/** Curator's SharedCount: a shared 32-bit integer, set or compare-and-set, followed as a Stream. @since 0.1.0 */
export * as SharedCount from "./SharedCount.js"
/** Curator's SharedValue: shared bytes, set or compare-and-set, followed as a Stream. @since 0.1.0 */
export * as SharedValue from "./SharedValue.js"
/** kazoo's SetPartitioner: divide a set among a party's members. @since 0.1.0 */
export * as SetPartitioner from "./SetPartitioner.js"
/** kazoo's TreeCache: a live in-memory copy of a subtree. @since 0.1.0 */
export * as TreeCache from "./TreeCache.js"
/** kazoo's WriteLock: the exclusive side of a read/write lock. @since 0.1.0 */
export * as WriteLock from "./WriteLock.js"
