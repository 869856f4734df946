// What the cluster needs from a backend (local JVMs or containers): one handle per member.
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { ClusterStartError, ContainerError, MemberStateError } from "../TestClusterError.js"
import type { Backend } from "../TestClusterOptions.js"
import type { TlsMaterial } from "../TlsMaterial.js"

export type MemberState = "running" | "paused" | "stopped"

export interface ExitInfo {
  readonly code: number | null
  readonly signal: string | null
  /** False when the member died without being asked to. */
  readonly expected: boolean
}

export interface MemberHandle {
  readonly id: number
  readonly host: string
  /** The member's folder (process backend). */
  readonly dir: string | undefined
  /** The member's log file (process backend). */
  readonly logFile: string | undefined
  readonly clientPort: () => number
  /** The TLS client port, when the cluster has TLS. */
  readonly secureClientPort?: number | undefined
  /** Text the member's `conf` answer must contain, proving the port is really this member's. */
  readonly identity: string | undefined
  readonly quorumPort: number
  readonly electionPort: number
  readonly state: () => MemberState
  readonly pid: () => Option.Option<number>
  /** Every process id this member has had (process backend). */
  readonly pids: () => ReadonlyArray<number>
  /** How the last run ended, when it did. */
  readonly lastExit: () => ExitInfo | undefined
  /** Starts a stopped member; does not wait for it to serve. */
  readonly start: Effect.Effect<void, ClusterStartError>
  readonly kill: Effect.Effect<void, ContainerError>
  readonly pause: Effect.Effect<void, MemberStateError | ContainerError>
  readonly resume: Effect.Effect<void, MemberStateError | ContainerError>
  /** Graceful stop, then a hard kill after `timeoutMillis`. */
  readonly stop: (timeoutMillis: number) => Effect.Effect<void, ContainerError>
  /** The last `lines` lines of the member's log. */
  readonly logs: (lines: number) => Effect.Effect<string>
}

export interface BackendInstance {
  readonly kind: Backend
  readonly members: ReadonlyArray<MemberHandle>
  /** The cluster's TLS material, when it has TLS. */
  readonly tls?: TlsMaterial | undefined
}
