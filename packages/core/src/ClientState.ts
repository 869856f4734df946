/**
 * Connection states and watch events, with kazoo's names.
 *
 * - {@link KazooState}: what an application cares about (CONNECTED, SUSPENDED, LOST).
 * - {@link KeeperState}: the protocol-level state (CONNECTING, CONNECTED, CONNECTED_RO,
 *   AUTH_FAILED, EXPIRED_SESSION, CLOSED).
 * - {@link WatchedEvent}: what a watch receives (type, state, path).
 *
 * @since 0.1.0
 */

/**
 * The application-level connection state, as kazoo's `KazooState`.
 *
 * - `CONNECTED`: the session is usable.
 * - `SUSPENDED`: the connection dropped; the session may still be alive. Ephemeral nodes and
 *   watches persist until the session is known to be gone.
 * - `LOST`: the session is gone (expired, closed, or authentication failed).
 *
 * @since 0.1.0
 * @category models
 */
export type KazooState = "CONNECTED" | "SUSPENDED" | "LOST"

/**
 * The protocol-level state, as kazoo's `KeeperState`.
 *
 * @since 0.1.0
 * @category models
 */
export type KeeperState = "CONNECTING" | "CONNECTED" | "CONNECTED_RO" | "AUTH_FAILED" | "EXPIRED_SESSION" | "CLOSED"

/**
 * Both states at once: what `client.state` holds and what listeners receive.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientState {
  /** The application-level state. */
  readonly state: KazooState
  /** The protocol-level state. */
  readonly keeperState: KeeperState
}

/**
 * The kind of change a watch reports, as kazoo's `EventType` (plus the watch-removed and
 * persistent-watch kinds of ZooKeeper 3.5+).
 *
 * @since 0.1.0
 * @category models
 */
export type EventType =
  | "NONE"
  | "CREATED"
  | "DELETED"
  | "CHANGED"
  | "CHILD"
  | "DATA_WATCH_REMOVED"
  | "CHILD_WATCH_REMOVED"
  | "PERSISTENT_WATCH_REMOVED"

/**
 * A watch notification, as kazoo's `WatchedEvent`: the event type, the connection state when
 * it happened, and the node's path (chroot removed).
 *
 * @since 0.1.0
 * @category models
 */
export interface WatchedEvent {
  /** What happened. */
  readonly type: EventType
  /** The protocol state the client was in. */
  readonly state: KeeperState
  /** The path of the node concerned. */
  readonly path: string
}

const eventTypes: ReadonlyArray<EventType | undefined> = [
  "NONE", // index 0 is not used by ZooKeeper: -1 is NONE and handled below
  "CREATED",
  "DELETED",
  "CHANGED",
  "CHILD",
  "DATA_WATCH_REMOVED",
  "CHILD_WATCH_REMOVED",
  "PERSISTENT_WATCH_REMOVED"
]

/**
 * Maps ZooKeeper's numeric event type (WatcherEvent.type) to an {@link EventType};
 * `undefined` for a number ZooKeeper does not define.
 *
 * @since 0.1.0
 * @category conversions
 */
export const eventTypeFromCode = (code: number): EventType | undefined =>
  code === -1 ? "NONE" : code >= 1 && code < eventTypes.length ? eventTypes[code] : undefined

/**
 * Maps ZooKeeper's numeric keeper state (WatcherEvent.state) to a {@link KeeperState}.
 * Disconnected (0) maps to `CONNECTING`, SyncConnected (3) to `CONNECTED`, AuthFailed (4) to
 * `AUTH_FAILED`, ConnectedReadOnly (5) to `CONNECTED_RO`, Expired (-112) to
 * `EXPIRED_SESSION`, Closed (7) to `CLOSED`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const keeperStateFromCode = (code: number): KeeperState | undefined => {
  switch (code) {
    case 0:
      return "CONNECTING"
    case 3:
    case 6: // SaslAuthenticated: still connected
      return "CONNECTED"
    case 4:
      return "AUTH_FAILED"
    case 5:
      return "CONNECTED_RO"
    case -112:
      return "EXPIRED_SESSION"
    case 7:
      return "CLOSED"
    default:
      return undefined
  }
}

/**
 * Which application state a protocol state implies, as kazoo documents it.
 *
 * @since 0.1.0
 * @category conversions
 */
export const kazooStateOf = (keeper: KeeperState): KazooState => {
  switch (keeper) {
    case "CONNECTED":
    case "CONNECTED_RO":
      return "CONNECTED"
    case "CONNECTING":
      return "SUSPENDED"
    case "AUTH_FAILED":
    case "EXPIRED_SESSION":
    case "CLOSED":
      return "LOST"
  }
}

/**
 * The transitions of {@link KazooState} kazoo allows: LOST→CONNECTED, CONNECTED→SUSPENDED,
 * CONNECTED→LOST, SUSPENDED→CONNECTED, SUSPENDED→LOST. Anything else is not a transition
 * (the same state again is not reported).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isValidTransition = (from: KazooState, to: KazooState): boolean =>
  from !== to && !(from === "LOST" && to === "SUSPENDED")
