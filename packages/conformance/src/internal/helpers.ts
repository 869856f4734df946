// Helpers of the conformance cases: clients in fresh chroots, bounded waits, recorders.
import { type ClientState, Handler, ZooKeeper, type ZooKeeperConfig } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { AssertionError } from "../Assert.js"
import type { Env, TlsEndpoint } from "../Suite.js"

export type Event = ClientState.WatchedEvent

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

let counter = 0

/** A fresh number, for unique names. */
export const nextId = (): number => counter++

/** A client rooted in a fresh chroot, closed with the scope. */
export const client = (env: Env, options: Partial<ZooKeeperConfig.Options> = {}) =>
  Effect.gen(function* () {
    const chroot = `/conformance-${env.platform.name}-${Date.now().toString(36)}-${nextId()}`
    yield* Effect.scoped(Effect.flatMap(ZooKeeper.make({ hosts: env.hosts }), (root) => root.ensurePath(chroot)))
    return yield* ZooKeeper.make({ hosts: `${env.hosts}${chroot}`, ...options })
  }).pipe(Effect.provide(env.platform.layer))

/** A client without chroot, closed with the scope. */
export const rootClient = (env: Env, options: Partial<ZooKeeperConfig.Options> = {}) =>
  ZooKeeper.make({ hosts: env.hosts, ...options }).pipe(Effect.provide(env.platform.layer))

/** Waits up to `seconds` for `effect`, dying with `what` when it does not come. */
export const within = <A, E, R>(effect: Effect.Effect<A, E, R>, seconds: number, what: string) =>
  Effect.timeoutFail(effect, {
    duration: `${seconds} seconds`,
    onTimeout: () => new AssertionError(`${what}: nothing within ${seconds} s`)
  })

/** Collects the events a watch callback receives. */
export const recorder = Effect.gen(function* () {
  const queue = yield* Queue.unbounded<Event>()
  return {
    callback: (event: Event) => Queue.offer(queue, event),
    next: within(Queue.take(queue), 10, "watch event"),
    size: Queue.size(queue)
  }
})

/** Collects the application states a client's listener receives. */
export const listenTo = (zk: ZooKeeper.ZooKeeperClient) =>
  Effect.gen(function* () {
    const states = yield* Queue.unbounded<ClientState.KazooState>()
    yield* zk.addListener((s) => Queue.offer(states, s.state))
    return { next: within(Queue.take(states), 15, "state change") }
  })

/** Waits until no more events come in for a little while, then says how many are queued. */
export const quiet = (zk: ZooKeeper.ZooKeeperClient, path: string) =>
  Effect.zipRight(zk.sync(path), Effect.sleep("200 millis"))

/**
 * Waits until the server lists a watch of this session on each path (the `wchp` four-letter
 * word), so that changes made next reach a watch whose stream was forked just before.
 */
export const registration = (zk: ZooKeeper.ZooKeeperClient, paths: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const wanted = paths.map((p) => `${zk.chroot}${p}`)
    for (;;) {
      const listed = new Set((yield* zk.command("wchp")).split("\n").filter((line) => line.startsWith("/")))
      if (wanted.every((p) => listed.has(p))) return
      yield* Effect.sleep("20 millis")
    }
  }).pipe((wait) => within(wait, 10, `the watches on ${paths.join(", ")}`))

/** The platform's layer with every connection made over TLS to the endpoint's CA, with its client certificate. */
export const overTls = (env: Env, endpoint: TlsEndpoint): Layer.Layer<Handler.ZooKeeperHandler> =>
  Layer.effect(
    Handler.ZooKeeperHandler,
    Effect.map(Handler.ZooKeeperHandler, (handler) => ({
      ...handler,
      connector: {
        connect: (options, handlers) =>
          handler.connector.connect(
            { ...options, tls: { ca: endpoint.ca, cert: endpoint.cert, key: endpoint.key } },
            handlers
          )
      }
    }))
  ).pipe(Layer.provide(env.platform.layer))

export const noTls = (env: Env) => (env.tls === undefined ? "no TLS endpoint given (ZK_CONFORMANCE_TLS_HOSTS, ZK_CONFORMANCE_TLS_CA, ...)" : undefined)

export const firstServer = (hosts: string) => {
  const first = hosts.split(",")[0]!.replace(/\/.*$/, "")
  const colon = first.lastIndexOf(":")
  return { host: first.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(first.slice(colon + 1)) }
}
