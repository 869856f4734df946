/**
 * Test helpers for the recipes: clients in a fresh chroot (kazoo's harness does the same),
 * a TCP proxy to cut a client off, kazoo's session-expiry trick, and bounded waits.
 */
import { type ClientState, ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TcpProxy, TestCluster } from "@effect-zk/test-cluster"
import { Effect, Exit, Option, type Scope } from "effect"

export type Client = ZooKeeper.ZooKeeperClient
type ExtraOptions = Partial<ZooKeeperConfig.Options>

let counter = 0

/** The cluster's connect string. */
export const hosts = Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.connectString())

/** Creates a fresh chroot and returns it. */
export const newChroot = Effect.gen(function* () {
  const cs = yield* hosts
  const chroot = `/recipes-${process.pid}-${Date.now().toString(36)}-${counter++}`
  yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: cs }), (root) => root.ensurePath(chroot))).pipe(
    Effect.provide(NodeZooKeeper.layer)
  )
  return chroot
})

/** A client in the given chroot (a fresh one by default); closed with the scope. */
export const client = (
  options: ExtraOptions & { readonly chroot?: string } = {}
): Effect.Effect<Client, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.gen(function* () {
    const cs = yield* hosts
    const { chroot: given, ...rest } = options
    const chroot = given ?? (yield* newChroot)
    return yield* ZooKeeper.make({ hosts: `${cs}${chroot}`, ...rest }).pipe(Effect.provide(NodeZooKeeper.layer))
  })

/** A tuple of `N` values of type `T`. */
export type Tuple<T, N extends number, Acc extends ReadonlyArray<T> = []> = Acc["length"] extends N
  ? Acc
  : Tuple<T, N, [T, ...Acc]>

/** `n` clients in the same fresh chroot. */
export const clients = <N extends number>(
  n: N,
  options: ExtraOptions = {}
): Effect.Effect<Tuple<Client, N>, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.gen(function* () {
    const chroot = yield* newChroot
    const out: Array<Client> = []
    for (let i = 0; i < n; i++) out.push(yield* client({ ...options, chroot }))
    return out as unknown as Tuple<Client, N>
  })

/** UTF-8 helpers. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** The `_tag` of an exit's failure (`cause:<tag>` for a defect or interruption), undefined on success. */
export const tagOf = <A, E>(exit: Exit.Exit<A, E>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  if (exit.cause._tag === "Fail") {
    const error: unknown = exit.cause.error
    return typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
      ? error._tag
      : "untagged"
  }
  return `cause:${exit.cause._tag}`
}

/** A failure of a bounded wait in a test. */
export class WaitTimeout extends Error {
  readonly _tag = "WaitTimeout"
}

/** Polls `check` every 20 ms until it holds; fails with WaitTimeout after `millis`. */
export const waitUntil = <E, R>(
  check: Effect.Effect<boolean, E, R>,
  what: string,
  millis = 10_000
): Effect.Effect<void, E | WaitTimeout, R> =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: millis, onTimeout: () => new WaitTimeout(`timed out waiting for ${what}`) }))

/** The children of a node (sorted), or [] when it does not exist. */
export const childrenOf = (zk: Client, path: string) =>
  Effect.map(
    Effect.catchTag(zk.getChildren(path), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>)),
    (children) => [...children].sort()
  )

/**
 * Whether the client still has a watcher of `type` on `path` (relative to its chroot), as the
 * server sees it: after a reconnect the server holds the watches the client re-registers, and
 * removeWatches tells whether it holds one of this session (no four-letter word lists children
 * watches). A watcher it finds is removed, on both ends.
 */
export const watchedAfterReconnect = (zk: Client, path: string, type: "data" | "children") =>
  Effect.gen(function* () {
    yield* zk.restart
    const removed = yield* Effect.either(zk.removeWatches(path, type))
    if (removed._tag === "Right") return true
    if (removed.left._tag === "NoWatcherError") return false
    return yield* Effect.fail(removed.left)
  })

/** A TCP proxy in front of a server (see @effect-zk/test-cluster's TcpProxy). */
export const tcpProxy = TcpProxy.make

/** Records the application states a client goes through, for the lifetime of the scope. */
export const recordStates = (zk: Client) =>
  Effect.gen(function* () {
    const seen: Array<ClientState.KazooState> = []
    yield* zk.listen((s) => {
      seen.push(s.state)
    })
    const waitFor = (state: ClientState.KazooState, from = 0, millis = 15_000) =>
      waitUntil(
        Effect.sync(() => seen.slice(from).includes(state)),
        `state ${state} (seen: ${seen.join(", ")})`,
        millis
      )
    return { seen, waitFor }
  })

/**
 * A client behind a proxy in the given chroot, and kazoo's way to expire its session: cut it
 * off, connect a second client with the same session id and password straight to the server,
 * close that one (which ends the session), then let the first back. `expire` waits until the
 * first client has seen LOST and is connected again (with a new session). A client without a
 * session at that moment is first waited for until it has one.
 */
export const expirableClient = (chroot: string, options: ExtraOptions = {}) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
    const zk = yield* ZooKeeper.make({ hosts: `${proxy.hosts}${chroot}`, ...options }).pipe(
      Effect.provide(NodeZooKeeper.layer)
    )
    const cs = yield* hosts
    const expire = Effect.scoped(
      Effect.gen(function* () {
        // Its current session: a client between sessions (its last one expired on its own, say
        // after reconnecting took longer than the session timeout) gets its new one first.
        yield* waitUntil(zk.connected, "a session to expire", 15_000)
        const states = yield* recordStates(zk)
        const id = yield* zk.clientId
        if (Option.isNone(id)) return yield* Effect.fail(new WaitTimeout("the client has no session to expire"))
        yield* proxy.cut
        yield* Effect.scoped(
          Effect.flatMap(ZooKeeper.make({ hosts: cs, clientId: id.value }), (twin) => twin.close)
        ).pipe(Effect.provide(NodeZooKeeper.layer), Effect.ensuring(proxy.heal))
        yield* states.waitFor("LOST")
        yield* waitUntil(zk.connected, "reconnection after expiry", 15_000)
      })
    )
    return { zk, proxy, expire }
  })
