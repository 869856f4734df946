/**
 * What a connection state means for a hold (a lock, a semaphore lease, leadership), after
 * Curator's `ConnectionStateErrorPolicy`:
 *
 * - `"standard"` (Curator's `StandardConnectionStateErrorPolicy`, the default): SUSPENDED and
 *   LOST both end the hold. While suspended nobody can tell whether the session — and so the
 *   node — still exists, so the safe reading is that it may not.
 * - `"session"` (Curator's `SessionConnectionStateErrorPolicy`): only LOST ends it; a
 *   connection that comes back within the session timeout keeps the hold.
 *
 * Either way a hold whose node is deleted, or whose session is replaced by a new one, is lost.
 *
 * @since 0.1.0
 */
import type { ClientState } from "@effect-zk/core"

/**
 * A connection-state policy: `"standard"` or `"session"`.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionStatePolicy = "standard" | "session"

/**
 * SUSPENDED and LOST both end a hold (Curator's default).
 *
 * @since 0.1.0
 * @category constants
 */
export const standard: ConnectionStatePolicy = "standard"

/**
 * Only LOST ends a hold.
 *
 * @since 0.1.0
 * @category constants
 */
export const session: ConnectionStatePolicy = "session"

/**
 * Whether the policy counts this application state as the end of a hold.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLost = (policy: ConnectionStatePolicy, state: ClientState.KazooState): boolean =>
  state === "LOST" || (state === "SUSPENDED" && policy === "standard")
