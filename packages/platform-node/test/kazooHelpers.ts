/**
 * Helpers for the ports of kazoo's client tests (kazoo-client*.test.ts): clients in fresh
 * chroots, state recording, kazoo's session-expiry trick, bounded waits, and a handler that
 * answers four-letter words with canned replies (kazoo's tests mock `client.command`).
 */
import { randomUUID } from "node:crypto"
import { type ClientState, Handler, ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { TcpProxy, TestCluster } from "@effect-zk/test-cluster"
import { Effect, Exit, Layer, Option, type Scope } from "effect"

export type Client = ZooKeeper.ZooKeeperClient
export type MakeOptions = ZooKeeperConfig.Options & { readonly waitForConnection?: boolean | undefined }
export type ExtraOptions = Partial<MakeOptions>

/** A hex id, like kazoo's `uuid.uuid4().hex`. */
export const uuid = (): string => randomUUID().replaceAll("-", "")

/** The cluster's connect string (all members, or the given ones in that order). */
export const connectString = (ids?: ReadonlyArray<number>) =>
  Effect.flatMap(TestCluster.TestCluster, (cluster) => cluster.connectString(ids))

/** A client on the Node handler; closed with the scope. */
export const makeClient = (options: MakeOptions) => ZooKeeper.make(options).pipe(Effect.provide(NodeZooKeeper.layer))

/** A client on another handler layer; closed with the scope. */
export const makeClientWith = (handler: Layer.Layer<Handler.ZooKeeperHandler>, options: MakeOptions) =>
  ZooKeeper.make(options).pipe(Effect.provide(handler))

/** Creates a fresh chroot (kazoo's `/kazootests<uuid>`) and returns it with the connect string. */
export const newChroot = (ids?: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const cs = yield* connectString(ids)
    const chroot = `/kazootests${uuid()}`
    yield* Effect.scoped(Effect.flatMap(makeClient({ hosts: cs }), (root) => root.ensurePath(chroot)))
    return { cs, chroot }
  })

/** A client in a fresh chroot (kazoo's `self.client`). */
export const chrootClient = (
  options: ExtraOptions = {},
  ids?: ReadonlyArray<number>
): Effect.Effect<Client, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.flatMap(newChroot(ids), ({ chroot, cs }) => makeClient({ ...options, hosts: `${cs}${chroot}` }))

/** A client without chroot (kazoo's `_get_nonchroot_client`). */
export const rootClient = (
  options: ExtraOptions = {},
  ids?: ReadonlyArray<number>
): Effect.Effect<Client, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.flatMap(connectString(ids), (cs) => makeClient({ ...options, hosts: cs }))

/** Another client in the same chroot as `zk` (kazoo's `_get_client()`). */
export const sameChroot = (
  zk: Client,
  options: ExtraOptions = {},
  ids?: ReadonlyArray<number>
): Effect.Effect<Client, unknown, Scope.Scope | TestCluster.TestCluster> =>
  Effect.flatMap(connectString(ids), (cs) => makeClient({ ...options, hosts: `${cs}${zk.chroot ?? ""}` }))

/** UTF-8 helpers. */
export const text = (data: Uint8Array): string => new TextDecoder().decode(data)
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The `_tag` of an exit's failure (or `cause:<tag>` for a defect / interruption), undefined on success. */
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

/** Runs an effect and gives the tag of its failure (undefined when it succeeded). */
export const failureTag = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<string | undefined, never, R> =>
  Effect.map(Effect.exit(effect), tagOf)

/** A test failure with a message. */
export class WaitTimeout extends Error {
  readonly _tag = "WaitTimeout"
}

/** Polls `check` every 20 ms until it holds; fails with WaitTimeout after `millis`. */
export const waitUntil = <E, R>(
  check: Effect.Effect<boolean, E, R>,
  what: string | (() => string),
  millis = 10_000
): Effect.Effect<void, E | WaitTimeout, R> =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("20 millis")
  }).pipe(
    Effect.timeoutFail({
      duration: millis,
      onTimeout: () => new WaitTimeout(`timed out waiting for ${typeof what === "string" ? what : what()}`)
    })
  )

/** Whether `check` holds within `millis` (no failure when it does not). */
export const holdsWithin = <E, R>(check: Effect.Effect<boolean, E, R>, millis: number): Effect.Effect<boolean, E, R> =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("20 millis")
    return true
  }).pipe(Effect.timeoutTo({ duration: millis, onSuccess: (b) => b, onTimeout: () => false }))

/** Records the application states a listener receives, for the lifetime of the scope. */
export const recordStates = (zk: Client) =>
  Effect.gen(function* () {
    const seen: Array<ClientState.KazooState> = []
    yield* zk.listen((s) => {
      seen.push(s.state)
    })
    /** Waits until the states seen contain `expected` in order (not necessarily adjacent) from `from` on. */
    const waitForSequence = (expected: ReadonlyArray<ClientState.KazooState>, millis = 15_000, from = 0) =>
      waitUntil(
        Effect.sync(() => {
          let i = 0
          for (const s of seen.slice(from)) if (s === expected[i]) i++
          return i >= expected.length
        }),
        () => `states ${expected.join(" → ")} (seen: ${seen.join(", ")})`,
        millis
      )
    return { seen, waitForSequence }
  })

/** The session id of a client, failing if it has none. */
export const sessionIdOf = (zk: Client) =>
  Effect.flatMap(zk.clientId, (id) =>
    Option.isSome(id) ? Effect.succeed(id.value.sessionId) : Effect.fail(new WaitTimeout("client has no session"))
  )

/** A TCP proxy in front of a cluster member (see @effect-zk/test-cluster's TcpProxy). */
export const tcpProxy = TcpProxy.make

/**
 * A client in a fresh chroot (or the given one) whose session can be expired the kazoo way:
 * `expire` cuts it off (through a proxy), connects a second client with the same session id
 * and password straight to the server, closes that one — which ends the session — and lets the
 * first client back. It then sees LOST and connects with a new session; `expire` waits for both.
 */
export const expirableClient = (options: ExtraOptions = {}, chroot?: string) =>
  Effect.gen(function* () {
    const cluster = yield* TestCluster.TestCluster
    const root = chroot === undefined ? (yield* newChroot()).chroot : chroot
    const proxy = yield* tcpProxy(yield* cluster.clientAddress(1))
    const zk = yield* makeClient({ ...options, hosts: `${proxy.hosts}${root}` })
    const expire = Effect.scoped(
      Effect.gen(function* () {
        const { seen, waitForSequence } = yield* recordStates(zk)
        const id = yield* zk.clientId
        if (Option.isNone(id)) return yield* Effect.fail(new WaitTimeout("the client has no session to expire"))
        yield* proxy.cut
        yield* Effect.scoped(
          Effect.flatMap(makeClient({ hosts: yield* connectString(), clientId: id.value }), (twin) => twin.close)
        ).pipe(Effect.ensuring(proxy.heal))
        yield* waitForSequence(["LOST", "CONNECTED"])
        return seen
      })
    )
    return { zk, expire }
  })

/** Drops the client's connection (`restart`) and waits for SUSPENDED, then CONNECTED. */
export const dropConnection = (zk: Client) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { waitForSequence } = yield* recordStates(zk)
      yield* zk.restart
      yield* waitForSequence(["SUSPENDED", "CONNECTED"])
    })
  )

const isFourLetterWord = (chunks: ReadonlyArray<Uint8Array>): boolean => {
  if (chunks.length !== 1) return false
  const chunk = chunks[0]
  return chunk !== undefined && chunk.length === 4 && chunk.every((b) => b >= 0x61 && b <= 0x7a)
}

/**
 * A Node handler whose four-letter-word connections answer with the given replies, one per
 * connection, in order; once they are used up, the real server answers. The ZooKeeper session
 * connection is untouched. Returns the layer and how many replies were consumed.
 */
export const cannedFourLetterWords = (replies: ReadonlyArray<string>) => {
  const queue = [...replies]
  let consumed = 0
  const real = NodeZooKeeper.handler
  const connector: Handler.SocketConnector = {
    connect: (options, handlers) => {
      let closed = false
      const guarded: Handler.SocketHandlers = {
        onData: (chunk) => {
          if (!closed) handlers.onData(chunk)
        },
        onClose: (error) => {
          if (closed) return
          closed = true
          handlers.onClose(error)
        }
      }
      return Effect.map(
        real.connector.connect(options, guarded),
        (socket): Handler.Socket => ({
          remoteAddress: socket.remoteAddress,
          close: socket.close,
          write: (chunks) => {
            const reply = isFourLetterWord(chunks) ? queue.shift() : undefined
            if (reply === undefined) return socket.write(chunks)
            consumed++
            queueMicrotask(() => {
              guarded.onData(bytes(reply))
              guarded.onClose(undefined)
              socket.close()
            })
          }
        })
      )
    }
  }
  const layer = Layer.succeed(Handler.ZooKeeperHandler, { ...real, name: "node-canned-4lw", connector })
  return { layer, consumed: () => consumed }
}

