/**
 * PersistentNode (@effect-zk/recipes) where only the in-memory server can put it: a create that
 * the server applies but whose reply is lost with the connection. The recipe's shared tests
 * (packages/recipes/test/PersistentNode.test.ts) run on both servers.
 */
import { ZooKeeperError } from "@effect-zk/core"
import { PersistentNode } from "@effect-zk/recipes"
import { ZooKeeperTest } from "@effect-zk/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"

describe("PersistentNode: a create whose reply is lost", () => {
  it.live("protected sequential: the node the lost create made is found by its prefix, not doubled", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        yield* zk.ensurePath("/workers")
        yield* server.failNext(
          { op: "create", path: (p) => p.startsWith("/workers/_c_") },
          (call) => new ZooKeeperError.ConnectionLossError(call),
          { afterApply: true, dropConnection: true }
        )
        const node = yield* PersistentNode.make(zk, "/workers/w-", { sequential: true })
        const path = yield* node.awaitPresent.pipe(Effect.timeout("5 seconds"))
        // the first create's node (sequence 0), adopted: no second one
        expect(path).toMatch(/^\/workers\/_c_[0-9a-f]{32}-w-0000000000$/)
        expect(yield* zk.getChildren("/workers")).toEqual([path.slice("/workers/".length)])
        expect(yield* node.lastError).toEqual(Option.none())
      })
    )
  )

  it.live("fixed path: the node the lost create made is ours (same session), not someone else's to wait for", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* ZooKeeperTest.makeServer()
        const zk = yield* server.client()
        yield* server.failNext({ op: "create", path: "/member" }, (call) => new ZooKeeperError.ConnectionLossError(call), {
          afterApply: true,
          dropConnection: true
        })
        const node = yield* PersistentNode.make(zk, "/member", { data: "m" })
        expect(yield* node.awaitPresent.pipe(Effect.timeout("5 seconds"))).toBe("/member")
        const stat = yield* zk.exists("/member")
        const session = yield* zk.clientId
        expect(Option.map(stat, (s) => s.ephemeralOwner)).toEqual(Option.map(session, (id) => id.sessionId))
        expect(yield* node.lastError).toEqual(Option.none())
      })
    )
  )
})
