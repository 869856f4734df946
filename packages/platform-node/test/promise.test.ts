import { Transaction } from "@effect-zk/core"
import { layer } from "@effect/vitest"
import { connect } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect } from "effect"
import { expect } from "vitest"
import { hosts } from "./helpers.js"

layer(TestCluster.layer({}), { excludeTestServices: true })("promise facade", (it) => {
  it.effect("mirrors the Effect API with async methods and tagged rejections", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      yield* Effect.promise(async () => {
        const zk = await connect({ hosts: cs })
        try {
          const states: Array<string> = []
          zk.addListener((s) => states.push(s.state))
          const base = `/promise-${Date.now()}`
          await zk.ensurePath(base)
          expect(await zk.create(`${base}/a`, { data: "1" })).toBe(`${base}/a`)
          const { data, stat } = await zk.get(`${base}/a`)
          expect(new TextDecoder().decode(data)).toBe("1")
          expect(stat.version).toBe(0)
          expect((await zk.set(`${base}/a`, "2")).version).toBe(1)
          expect(await zk.exists(`${base}/missing`)).toBeUndefined()
          expect(await zk.getChildren(base)).toEqual(["a"])
          const results = await zk.transaction([Transaction.create(`${base}/b`), Transaction.remove(`${base}/a`)])
          expect(results.map((r) => r._tag)).toEqual(["Created", "Deleted"])
          const error = await zk.get(`${base}/a`).catch((e: unknown) => e)
          expect(error).toMatchObject({ _tag: "NoNodeError", op: "get", path: `${base}/a` })
          expect(error).toBeInstanceOf(Error)
          const events: Array<string> = []
          const stop = await zk.watch(base, (e) => events.push(`${e.type} ${e.path}`), { recursive: true })
          await zk.create(`${base}/c`)
          await zk.sync(base)
          await new Promise((r) => setTimeout(r, 200))
          await stop()
          expect(events).toEqual([`CREATED ${base}/c`])
          expect((await zk.clientId())?.password.length).toBe(16)
          await zk.restart()
          await zk.sync(base)
          expect(states).toContain("SUSPENDED")
          await zk.delete(base, { recursive: true })
        } finally {
          await zk.close()
        }
        const closed = await zk.get("/").catch((e: unknown) => e)
        expect(closed).toMatchObject({ _tag: "ClientClosedError" })
      })
    })
  )

  it.effect("connect rejects with ConnectionLoss when no server answers, and with ConfigurationError on bad options", () =>
    Effect.promise(async () => {
      const lost = await connect({ hosts: "127.0.0.1:1", connectTimeout: 200, sessionTimeout: 1000 }).catch(
        (e: unknown) => e
      )
      expect(lost).toMatchObject({ _tag: "ConnectionLossError" })
      const bad = await connect({ hosts: "127.0.0.1:2181", sessionTimeout: -1 }).catch((e: unknown) => e)
      expect(bad).toMatchObject({ _tag: "ConfigurationError", field: "sessionTimeout" })
    })
  )
})
