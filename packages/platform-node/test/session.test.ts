import { type ClientState, ZooKeeper } from "@effect-zk/core"
import { NodeZooKeeper } from "@effect-zk/platform-node"
import { layer } from "@effect/vitest"
import { TcpProxy, TestCluster } from "@effect-zk/test-cluster"
import { Deferred, Effect, Ref } from "effect"
import { expect } from "vitest"

// The session and state tests (connect, drop, expiry, resume, configuration errors, retry, ...)
// live in the shared suite (packages/testing/test/shared/session.ts), which runs them against the
// real server and in memory. This file keeps what only a real socket can show.
layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("session over a real socket", (it) => {
  it.scoped("close during reconnect attempts halts them", () =>
    Effect.gen(function* () {
      // A listener that accepts and immediately drops connections: the client keeps retrying.
      const attempts = yield* Ref.make(0)
      const server = yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const net = await import("node:net")
          const srv = net.createServer((socket) => {
            Effect.runSync(Ref.update(attempts, (n) => n + 1))
            socket.on("error", () => {})
            socket.destroy()
          })
          await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
          return srv
        }),
        (srv) => Effect.promise(() => new Promise<void>((resolve) => srv.close(() => resolve())))
      )
      const port = (server.address() as { port: number }).port
      const zk = yield* ZooKeeper.make({
        hosts: `127.0.0.1:${port}`,
        waitForConnection: false,
        connectionRetry: { delay: "20 millis", maxDelay: "20 millis" }
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(attempts)).toBeGreaterThan(2)
      yield* zk.close
      // let a connect that was already under way when close ran reach the listener
      yield* Effect.sleep("200 millis")
      const after = yield* Ref.get(attempts)
      yield* Effect.sleep("500 millis")
      expect(yield* Ref.get(attempts)).toBe(after)
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "CLOSED" })
    })
  )

  it.scoped("when connection retries give up, the session's watches end: Effect forms fail, callbacks hear NONE (CLOSED)", () =>
    Effect.gen(function* () {
      const cluster = yield* TestCluster.TestCluster
      const proxy = yield* TcpProxy.make(yield* cluster.clientAddress(1))
      const zk = yield* ZooKeeper.make({
        hosts: proxy.hosts,
        connectionRetry: { maxTries: 1, delay: "20 millis", maxDelay: "20 millis", maxJitter: 0 }
      }).pipe(Effect.provide(NodeZooKeeper.layer))
      const path = `/gave-up-${Date.now().toString(36)}`
      yield* zk.create(path, { ephemeral: true })
      const watched = yield* zk.existsAndWatch(path)
      const told = yield* Deferred.make<ClientState.WatchedEvent>()
      yield* zk.get(path, { watch: (event) => Deferred.succeed(told, event) })
      yield* proxy.cut
      const lost = yield* Effect.flip(watched.event).pipe(Effect.timeout("10 seconds"))
      expect(lost._tag).toBe("ConnectionLossError")
      expect(yield* Deferred.await(told).pipe(Effect.timeout("10 seconds"))).toEqual({ type: "NONE", state: "CLOSED", path })
      expect(yield* zk.state).toEqual({ state: "LOST", keeperState: "CLOSED" })
      expect((yield* Effect.flip(zk.exists(path)))._tag).toBe("ConnectionLossError")
    })
  )
})
