import { MultiRead, PromiseClient, Transaction } from "@effect-zk/core"
import { layer } from "@effect/vitest"
import { connect, NodeZooKeeper } from "@effect-zk/platform-node"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Fiber } from "effect"
import { expect } from "vitest"
import { hosts, serverAddress, tcpProxy } from "./helpers.js"

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
          const reads = await zk.multiRead([MultiRead.getChildren(base), MultiRead.getData(`${base}/a`)])
          expect(reads.map((r) => r._tag)).toEqual(["Children", "Failed"])
          expect(reads[1]).toMatchObject({ error: { _tag: "NoNodeError", path: `${base}/a` } })
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

  it.effect("the hot calls (get, exists, set, delete) sent without a fiber: results, typed rejections, watches, and the path taken while disconnected", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      yield* Effect.promise(async () => {
        const zk = await connect({ hosts: cs, whileDisconnected: "wait" })
        try {
          const base = `/promise-direct-${Date.now()}`
          await zk.ensurePath(base)
          await zk.create(`${base}/n`, { data: "x" })
          // results, many in flight at once, in order
          const settled: Array<number> = []
          const many = await Promise.all(
            Array.from({ length: 200 }, (_, i) => zk.get(`${base}/n`).then((r) => {
              settled.push(i)
              return r
            }))
          )
          expect(many.every((r) => new TextDecoder().decode(r.data) === "x" && r.stat.version === 0)).toBe(true)
          expect(settled).toEqual(Array.from({ length: 200 }, (_, i) => i))
          expect((await zk.exists(`${base}/n`))?.dataLength).toBe(1)
          expect(await zk.exists(`${base}/none`)).toBeUndefined()
          const stat = await zk.set(`${base}/n`, new Uint8Array([1, 2, 3]), { version: 0 })
          expect([stat.version, stat.dataLength]).toEqual([1, 3])
          // typed rejections, naming the call
          const rejected = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
          expect(await rejected(zk.set(`${base}/n`, "y", { version: 7 }))).toMatchObject({ _tag: "BadVersionError", op: "set", path: `${base}/n` })
          expect(await rejected(zk.get(`${base}/none`))).toMatchObject({ _tag: "NoNodeError", op: "get" })
          expect(await rejected(zk.delete(base))).toMatchObject({ _tag: "NotEmptyError", op: "delete", path: base })
          expect(await rejected(zk.get("no-slash"))).toMatchObject({ _tag: "InvalidArgumentError", op: "get" })
          expect(await rejected(zk.exists(`${base}/`))).toMatchObject({ _tag: "InvalidArgumentError", op: "exists" })
          expect(await rejected(zk.delete("/zookeeper"))).toMatchObject({ _tag: "InvalidArgumentError", op: "delete" })
          expect(await rejected(zk.set(`${base}/n`, "y", { version: -2 }))).toMatchObject({ _tag: "InvalidArgumentError", op: "set" })
          // a watch set through get and exists with the same callback is one watcher: one call
          const seen: Array<string> = []
          const onEvent = (e: { readonly type: string; readonly path: string }) => {
            seen.push(`${e.type} ${e.path}`)
          }
          await zk.get(`${base}/n`, { watch: onEvent })
          await zk.exists(`${base}/n`, { watch: onEvent })
          await zk.set(`${base}/n`, "z")
          await zk.sync(base)
          for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
          await new Promise((r) => setTimeout(r, 100))
          expect(seen).toEqual([`CHANGED ${base}/n`])
          // an exists watch on a missing node fires on its creation
          const created: Array<string> = []
          expect(await zk.exists(`${base}/later`, { watch: (e) => void created.push(e.type) })).toBeUndefined()
          await zk.create(`${base}/later`)
          for (let i = 0; i < 100 && created.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
          expect(created).toEqual(["CREATED"])
          // while disconnected the calls take the Effect path: they wait for the connection
          await zk.restart()
          const waited = await Promise.all([zk.get(`${base}/n`), zk.exists(`${base}/later`), zk.delete(`${base}/later`)])
          expect(new TextDecoder().decode(waited[0].data)).toBe("z")
          expect(waited[1]?.version).toBe(0)
          expect(await zk.exists(`${base}/later`)).toBeUndefined()
          await zk.delete(base, { recursive: true })
        } finally {
          await zk.close()
        }
        for (const call of [zk.get("/"), zk.exists("/"), zk.set("/x", "1"), zk.delete("/x")]) {
          expect(await call.catch((e: unknown) => e)).toMatchObject({ _tag: "ClientClosedError" })
        }
      })
    })
  )

  it.effect("removeWatches with a callback removes that callback's watch only; the server's stays while another callback, or a read setting one, still needs it", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      yield* Effect.promise(async () => {
        const zk = await connect({ hosts: cs })
        try {
          const base = `/promise-remove-one-${Date.now()}`
          const path = `${base}/n`
          await zk.ensurePath(path)
          const seen: Array<string> = []
          const a = (e: { readonly type: string }) => void seen.push(`a ${e.type}`)
          const b = (e: { readonly type: string }) => void seen.push(`b ${e.type}`)
          const until = async (n: number) => {
            for (let i = 0; i < 250 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 20))
            await zk.sync(path)
            await new Promise((r) => setTimeout(r, 100))
            return seen.splice(0)
          }
          const rejected = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
          // the same functions given to get and exists name the watchers
          await zk.get(path, { watch: a })
          await zk.exists(path, { watch: b })
          await zk.removeWatches(path, "data", { watch: a })
          expect(await until(1)).toEqual(["a DATA_WATCH_REMOVED"])
          await zk.set(path, "1")
          expect(await until(1)).toEqual(["b CHANGED"])
          expect(await rejected(zk.removeWatches(path, "data", { watch: a }))).toMatchObject({ _tag: "NoWatcherError", path })
          // b's read is in flight when a's watch is removed: the server's watch is b's now and stays
          await zk.get(path, { watch: a })
          const reading = zk.get(path, { watch: b })
          await zk.removeWatches(path, "data", { watch: a })
          await reading
          expect(await until(1)).toEqual(["a DATA_WATCH_REMOVED"])
          await zk.set(path, "2")
          expect(await until(1)).toEqual(["b CHANGED"])
          // the last one: the server's watch goes too
          await zk.get(path, { watch: b })
          await zk.removeWatches(path, "data", { watch: b })
          expect(await until(1)).toEqual(["b DATA_WATCH_REMOVED"])
          expect(await rejected(zk.removeWatches(path, "data"))).toMatchObject({ _tag: "NoWatcherError" })
          await zk.delete(base, { recursive: true })
        } finally {
          await zk.close()
        }
      })
    })
  )

  it.scoped("without a fiber while cut off: 'fail' rejects at once, 'wait' rejects after requestTimeout or succeeds once back; plain creates too", () =>
    Effect.gen(function* () {
      const proxy = yield* tcpProxy(yield* serverAddress)
      const zkFail = yield* Effect.promise(() => connect({ hosts: proxy.hosts, whileDisconnected: "fail", sessionTimeout: 30_000 }))
      const zkWait = yield* Effect.promise(() =>
        connect({ hosts: proxy.hosts, whileDisconnected: "wait", requestTimeout: 400, sessionTimeout: 30_000 })
      )
      const zkLong = yield* Effect.promise(() =>
        connect({ hosts: proxy.hosts, whileDisconnected: "wait", requestTimeout: 30_000, sessionTimeout: 30_000 })
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([zkFail.close(), zkWait.close(), zkLong.close()])))
      const base = `/promise-cut-${Date.now()}`
      yield* Effect.promise(async () => {
        await zkWait.ensurePath(base)
        // plain creates take the fiber-less path; makepath and sequential names work as before
        expect(await zkWait.create(`${base}/p`, { data: "1" })).toBe(`${base}/p`)
        expect(await zkWait.create(`${base}/q-`, { sequence: true })).toMatch(/\/q-\d{10}$/)
        expect(await zkWait.create(`${base}/deep/er`, { makepath: true })).toBe(`${base}/deep/er`)
        const exists = await zkWait.create(`${base}/p`).catch((e: unknown) => e)
        expect(exists).toMatchObject({ _tag: "NodeExistsError", op: "create", path: `${base}/p` })
        expect(await zkWait.create("relative").catch((e: unknown) => e)).toMatchObject({ _tag: "InvalidArgumentError", op: "create" })
        const tooBig = await zkWait.create(`${base}/big`, { data: new Uint8Array(2 * 1024 * 1024) }).catch((e: unknown) => e)
        expect(tooBig).toMatchObject({ op: "create", path: `${base}/big` })
        expect(await zkWait.exists(`${base}/big`)).toBeUndefined()
      })
      const waitUntil = (check: () => Promise<boolean>) =>
        Effect.promise(async () => {
          for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20))
        })
      const stateOf = (zk: typeof zkWait) => zk.state().then((s) => s.state)
      yield* proxy.cut
      yield* waitUntil(async () =>
        (await Promise.all([zkFail, zkWait, zkLong].map(stateOf))).every((state) => state === "SUSPENDED")
      )
      yield* Effect.promise(async () => {
        const rejected = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
        for (const call of [zkFail.get(`${base}/p`), zkFail.exists(`${base}/p`), zkFail.set(`${base}/p`, "x"), zkFail.create(`${base}/r`)]) {
          expect(await rejected(call)).toMatchObject({ _tag: "ConnectionLossError" })
        }
        const started = Date.now()
        expect(await rejected(zkWait.get(`${base}/p`))).toMatchObject({ _tag: "ConnectionLossError", op: "get" })
        expect(Date.now() - started).toBeGreaterThanOrEqual(350)
      })
      // queued while cut off, sent once back: they succeed
      const waiting = Effect.promise(() => Promise.all([zkLong.get(`${base}/p`), zkLong.set(`${base}/p`, "2"), zkLong.exists(`${base}/p`)]))
      const fiber = yield* Effect.fork(waiting)
      yield* Effect.sleep("100 millis")
      yield* proxy.heal
      const [got, stat, exists] = yield* Fiber.join(fiber)
      expect(new TextDecoder().decode(got.data)).toBe("1")
      expect(stat.version).toBe(1)
      expect(exists?.version).toBe(1)
      yield* Effect.promise(() => zkLong.delete(base, { recursive: true }))
    })
  )

  it.effect("PromiseClient.connect takes the platform's handler or a layer providing it", () =>
    Effect.gen(function* () {
      const cs = yield* hosts
      yield* Effect.promise(async () => {
        for (const platform of [NodeZooKeeper.handler, NodeZooKeeper.layer]) {
          const zk = await PromiseClient.connect({ hosts: cs }, platform)
          try {
            expect(await zk.exists("/")).toBeDefined()
          } finally {
            await zk.close()
          }
        }
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
