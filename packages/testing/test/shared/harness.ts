/**
 * What the shared suite runs against: a real ZooKeeper (test-cluster) or the in-memory server.
 * Each case gets clients from a harness, works in a fresh chroot (or a fresh name under the
 * root) and makes the same assertions on both. A case the in-memory server cannot simulate is
 * excluded by name, with the reason printed.
 */
import type { ClientState, ZooKeeper, ZooKeeperConfig, ZooKeeperError } from "@effect-zk/core"
import type { Vitest } from "@effect/vitest"
import { Chunk, Effect, Exit, Queue, type Scope } from "effect"

/** Options of a client made by a harness (its connect string is the harness's). */
export type ClientOptions = Partial<ZooKeeperConfig.Options> & { readonly waitForConnection?: boolean | undefined }

/** A client whose connection and session the harness controls. */
export interface Controlled<R> {
  readonly zk: ZooKeeper.ZooKeeperClient
  /** Cuts the client off the server (SUSPENDED) until `heal`. */
  readonly cut: Effect.Effect<void, unknown, R>
  readonly heal: Effect.Effect<void, unknown, R>
  /** Expires its session (kazoo's trick on a real server: cut, close a twin session, heal). */
  readonly expire: Effect.Effect<void, unknown, R>
}

/** A server to run the suite against. */
export interface Harness<R> {
  /** `"real"` or `"memory"`. */
  readonly name: string
  /** The connect string, without chroot. */
  readonly hosts: Effect.Effect<string, unknown, R>
  /** A client in a fresh chroot (created first), closed with the scope. */
  readonly client: (options?: ClientOptions) => Effect.Effect<ZooKeeper.ZooKeeperClient, unknown, Scope.Scope | R>
  /** A client without chroot. */
  readonly rootClient: (options?: ClientOptions) => Effect.Effect<ZooKeeper.ZooKeeperClient, unknown, Scope.Scope | R>
  /** A client with exactly these options (`hosts` included), as `ZooKeeper.make` would make it. */
  readonly make: (
    options: ZooKeeperConfig.Options & { readonly waitForConnection?: boolean | undefined }
  ) => Effect.Effect<ZooKeeper.ZooKeeperClient, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError, Scope.Scope | R>
  /** A client of a server that is not there. */
  readonly unreachable: (
    options: ClientOptions
  ) => Effect.Effect<ZooKeeper.ZooKeeperClient, ZooKeeperError.ConfigurationError | ZooKeeperError.ZooKeeperError, Scope.Scope | R>
  /** A client without chroot that the harness can cut off and whose session it can expire. */
  readonly controlled: (options?: ClientOptions) => Effect.Effect<Controlled<R>, unknown, Scope.Scope | R>
  /** Makes the server stop answering without closing its connections (a stalled process), until `resume`. */
  readonly pause: Effect.Effect<void, unknown, R>
  readonly resume: Effect.Effect<void, unknown, R>
  /** Cases this server cannot run: name → why. */
  readonly exclusions: ReadonlyMap<string, string>
}

/** The vitest methods of a `layer(...)` block with the live clock. */
export type It<R> = Vitest.MethodsNonLive<R, true>

/**
 * Registers a case; when the harness excludes it, it is skipped and the reason printed (in the
 * test's name and on the console).
 */
export const test = <R>(
  it: It<R>,
  h: Harness<R>,
  name: string,
  body: () => Effect.Effect<void, unknown, Scope.Scope | R>,
  timeout?: number
): void => {
  const reason = h.exclusions.get(name)
  if (reason !== undefined) console.info(`[${h.name}] not run: ${name}: ${reason}`)
  it.scoped.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (not run on ${h.name}: ${reason})`, body, timeout)
}

/** UTF-8 bytes as text. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
/** Text as UTF-8 bytes. */
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The `_tag` of an exit's failure, undefined on success. */
export const tagOf = <A, E>(exit: Exit.Exit<A, E>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  if (exit.cause._tag !== "Fail") return `cause:${exit.cause._tag}`
  const error: unknown = exit.cause.error
  return typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "untagged"
}

/** Collects the events a watch callback receives. */
export const recorder = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<ClientState.WatchedEvent>()
  const callback = (event: ClientState.WatchedEvent) => Queue.offer(queue, event)
  const next = Queue.take(queue).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "no event" }))
  return { callback, next, size: Queue.size(queue), all: Effect.map(Queue.takeAll(queue), Chunk.toReadonlyArray) }
})

/** Records the application states a client's listener receives. */
export const listenTo = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const states = yield* Queue.unbounded<ClientState.KazooState>()
    yield* zk.addListener((s) => Queue.offer(states, s.state))
    const next = Queue.take(states).pipe(Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => "no state" }))
    return { next, all: Effect.map(Queue.takeAll(states), Chunk.toReadonlyArray) }
  })

let counter = 0
/** A name no other case uses (for nodes under the root). */
export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${counter++}`
