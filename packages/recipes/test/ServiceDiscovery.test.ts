import { ServiceDiscovery } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Option, Scope, Stream } from "effect"
import { expect } from "vitest"
import { client, clients, expirableClient, newChroot, text, waitUntil } from "./helpers.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("ServiceDiscovery", (it) => {
  it.scoped("registers instances as Curator's JSON nodes, lists names and instances, leaves them when the scope closes", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const discovery = ServiceDiscovery.make(a, "/services")
      const finder = ServiceDiscovery.make(b, "/services")
      const scope = yield* Scope.make()
      const api1 = yield* discovery
        .register({ name: "api", id: "api-1", address: "10.0.0.1", port: 8080, uriSpec: "{scheme}://{address}:{port}/v1", payload: { zone: "a" } })
        .pipe(Scope.extend(scope))
      yield* api1.awaitPresent
      const api2 = yield* discovery.register({ name: "api", address: "10.0.0.2", sslPort: 8443 })
      yield* api2.awaitPresent
      const db = yield* discovery.register({ name: "db", id: "db-1", address: "10.0.1.1", port: 5432 })
      yield* db.awaitPresent
      expect(api2.instance.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect([...(yield* finder.names)].sort()).toEqual(["api", "db"])

      const apis = yield* finder.instances("api")
      expect(apis.map((i) => i.id).sort()).toEqual(["api-1", api2.instance.id].sort())
      const first = Option.getOrThrow(yield* finder.instance("api", "api-1"))
      expect(first).toEqual({
        name: "api",
        id: "api-1",
        address: "10.0.0.1",
        port: 8080,
        sslPort: null,
        payload: { zone: "a" },
        registrationTimeUTC: api1.instance.registrationTimeUTC,
        serviceType: "DYNAMIC",
        uriSpec: {
          parts: [
            { value: "scheme", variable: true },
            { value: "://", variable: false },
            { value: "address", variable: true },
            { value: ":", variable: false },
            { value: "port", variable: true },
            { value: "/v1", variable: false }
          ]
        },
        enabled: true
      })
      expect(ServiceDiscovery.buildUri(first)).toBe("http://10.0.0.1:8080/v1")
      // Curator's fields, in its order, in an ephemeral node
      const node = yield* b.get("/services/api/api-1")
      expect(Object.keys(JSON.parse(text(node.data)))).toEqual([
        "name",
        "id",
        "address",
        "port",
        "sslPort",
        "payload",
        "registrationTimeUTC",
        "serviceType",
        "uriSpec"
      ])
      expect(node.stat.ephemeralOwner).not.toBe(0n)
      expect(yield* finder.instance("api", "nobody")).toEqual(Option.none())
      expect(yield* finder.instances("nothing-here")).toEqual([])

      // updated by its owner (Curator's updateService): the node's data, the rest kept
      const moved = yield* api1.update({ port: 9090, payload: { zone: "b" } })
      expect(moved).toMatchObject({ id: "api-1", address: "10.0.0.1", port: 9090, payload: { zone: "b" } })
      expect(yield* api1.current).toEqual(moved)
      expect(yield* finder.instance("api", "api-1")).toEqual(Option.some(moved))

      // the scope closes: that instance goes
      yield* Scope.close(scope, Exit.void)
      expect((yield* finder.instances("api")).map((i) => i.id)).toEqual([api2.instance.id])
    })
  )

  it.scoped("watch: the instances at once, then after each registration, departure and update; a malformed node is left out", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const discovery = ServiceDiscovery.make(a, "/svc")
      const seen: Array<ReadonlyArray<string>> = []
      yield* Stream.runForEach(ServiceDiscovery.make(b, "/svc").watch("api"), (all) =>
        Effect.sync(() => seen.push(all.map((i) => `${i.id}@${i.address}`)))
      ).pipe(Effect.forkScoped)
      yield* waitUntil(Effect.sync(() => seen.length === 1), "the first list")
      expect(seen[0]).toEqual([])

      const scope = yield* Scope.make()
      const one = yield* discovery.register({ name: "api", id: "one", address: "10.0.0.1", port: 80 }).pipe(Scope.extend(scope))
      yield* one.awaitPresent
      yield* waitUntil(Effect.sync(() => seen.at(-1)?.join() === "one@10.0.0.1"), "one registered")
      yield* discovery.register({ name: "api", id: "two", address: "10.0.0.2", port: 80 })
      yield* waitUntil(Effect.sync(() => seen.at(-1)?.join() === "one@10.0.0.1,two@10.0.0.2"), "two registered")
      // an update by someone else (Curator's updateService writes the node's data)
      const updated = { ...one.instance, address: "10.0.0.9" }
      yield* b.set("/svc/api/one", JSON.stringify(updated))
      yield* waitUntil(Effect.sync(() => seen.at(-1)?.join() === "one@10.0.0.9,two@10.0.0.2"), "one updated")
      // a node that is not Curator's JSON is left out of the list
      yield* b.create("/svc/api/junk", { data: "not json", ephemeral: true })
      yield* Effect.sleep("300 millis")
      expect(seen.at(-1)).toEqual(["one@10.0.0.9", "two@10.0.0.2"])
      expect((yield* ServiceDiscovery.make(b, "/svc").instances("api")).map((i) => i.id)).toEqual(["one", "two"])
      // a departure
      yield* Scope.close(scope, Exit.void)
      yield* waitUntil(Effect.sync(() => seen.at(-1)?.join() === "two@10.0.0.2"), "one gone")
    })
  )

  it.scoped("an id already registered by another session is waited on, with NodeExists in lastError", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const scope = yield* Scope.make()
      const first = yield* ServiceDiscovery.make(a, "/dup").register({ name: "api", id: "same", address: "10.0.0.1" }).pipe(Scope.extend(scope))
      yield* first.awaitPresent
      const second = yield* ServiceDiscovery.make(b, "/dup").register({ name: "api", id: "same", address: "10.0.0.2" })
      yield* waitUntil(Effect.map(second.lastError, Option.isSome), "the second registration's error")
      expect(Option.map(yield* second.lastError, (e) => e._tag)).toEqual(Option.some("NodeExistsError"))
      yield* Scope.close(scope, Exit.void)
      yield* second.awaitPresent.pipe(Effect.timeout("10 seconds"))
      expect(Option.map(yield* ServiceDiscovery.make(a, "/dup").instance("api", "same"), (i) => i.address)).toEqual(Option.some("10.0.0.2"))
    })
  )

  it.scoped("provider: round robin over the live instances, random among them, an instance with errors left out for a while", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const discovery = ServiceDiscovery.make(a, "/prov")
      const empty = yield* ServiceDiscovery.make(b, "/prov").provider("api")
      expect(yield* empty.instance).toEqual(Option.none())
      const scope = yield* Scope.make()
      for (const id of ["i1", "i2"]) yield* (yield* discovery.register({ name: "api", id, address: id })).awaitPresent
      const i3 = yield* discovery.register({ name: "api", id: "i3", address: "i3" }).pipe(Scope.extend(scope))
      yield* i3.awaitPresent
      const provider = yield* ServiceDiscovery.make(b, "/prov").provider("api", { downFor: "1 second" })
      yield* waitUntil(Effect.map(provider.all, (all) => all.length === 3), "three instances in the cache")
      const pick = Effect.map(provider.instance, (o) => Option.getOrThrow(o).id)
      const round = yield* Effect.all([pick, pick, pick, pick, pick, pick])
      expect(round).toEqual(["i1", "i2", "i3", "i1", "i2", "i3"])
      // two errors make an instance down until downFor has passed
      const second = (yield* provider.all).find((i) => i.id === "i2")!
      yield* provider.noteError(second)
      expect(new Set(yield* Effect.all([pick, pick, pick]))).toEqual(new Set(["i1", "i2", "i3"]))
      yield* provider.noteError(second)
      const withoutDown = yield* Effect.all([pick, pick, pick, pick])
      expect(withoutDown).not.toContain("i2")
      yield* Effect.sleep("1100 millis")
      expect(new Set(yield* Effect.all([pick, pick, pick]))).toEqual(new Set(["i1", "i2", "i3"]))
      // an instance that leaves is no longer picked; random picks among those left
      yield* Scope.close(scope, Exit.void)
      yield* waitUntil(Effect.map(provider.all, (all) => all.length === 2), "i3 gone from the cache")
      const random = yield* ServiceDiscovery.make(b, "/prov").provider("api", { strategy: "random" })
      const picks = new Set<string>()
      for (let n = 0; n < 40; n++) picks.add(Option.getOrThrow(yield* random.instance).id)
      expect([...picks].sort()).toEqual(["i1", "i2"])
    })
  )

  it.scoped("STATIC and PERMANENT: a persistent node that outlives the session, replaces an old one, goes with the scope", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const observer = yield* client({ chroot })
      // a node left at that id (a crashed process's STATIC instance) is replaced
      yield* observer.create("/svc/db/db-1", { data: "stale", makepath: true })
      const stale = Option.getOrThrow(yield* observer.exists("/svc/db/db-1"))
      const discovery = ServiceDiscovery.make(zk, "/svc")
      const scope = yield* Scope.make()
      const db = yield* discovery
        .register({ name: "db", id: "db-1", address: "10.0.1.1", port: 5432, serviceType: "STATIC" })
        .pipe(Scope.extend(scope))
      yield* db.awaitPresent
      const node = yield* observer.get("/svc/db/db-1")
      expect(node.stat.ephemeralOwner).toBe(0n)
      expect(node.stat.czxid > stale.czxid).toBe(true)
      expect(JSON.parse(text(node.data))).toMatchObject({ id: "db-1", serviceType: "STATIC", port: 5432 })
      const perm = yield* discovery
        .register({ name: "db", id: "db-2", address: "10.0.1.2", serviceType: "PERMANENT" })
        .pipe(Scope.extend(scope))
      yield* perm.awaitPresent
      // the session goes; the instances stay
      yield* expire
      const finder = ServiceDiscovery.make(observer, "/svc")
      expect((yield* finder.instances("db")).map((i) => `${i.id}:${i.serviceType}`)).toEqual(["db-1:STATIC", "db-2:PERMANENT"])
      // update writes the node
      yield* db.update({ port: 5433 })
      expect(Option.getOrThrow(yield* finder.instance("db", "db-1")).port).toBe(5433)
      yield* Scope.close(scope, Exit.void)
      expect(yield* finder.instances("db")).toEqual([])
    })
  )

  it.scoped("DYNAMIC_SEQUENTIAL: ephemeral sequential nodes that may share an id, made again after an expiry, gone with the scope", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "2 seconds" })
      const observer = yield* client({ chroot })
      const discovery = ServiceDiscovery.make(zk, "/seq")
      const finder = ServiceDiscovery.make(observer, "/seq")
      const scope = yield* Scope.make()
      const one = yield* discovery
        .register({ name: "worker", id: "w", address: "10.0.2.1", serviceType: "DYNAMIC_SEQUENTIAL" })
        .pipe(Scope.extend(scope))
      const two = yield* discovery
        .register({ name: "worker", id: "w", address: "10.0.2.2", serviceType: "DYNAMIC_SEQUENTIAL" })
        .pipe(Scope.extend(scope))
      yield* one.awaitPresent
      yield* two.awaitPresent
      const names = [...(yield* observer.getChildren("/seq/worker"))].sort()
      expect(names).toHaveLength(2)
      for (const name of names) expect(name).toMatch(/^_c_[0-9a-f]{32}-w\d{10}$/)
      const first = Option.getOrThrow(yield* one.node)
      expect(names.map((n) => `/seq/worker/${n}`)).toContain(first)
      const node = yield* observer.get(first)
      expect(node.stat.ephemeralOwner).not.toBe(0n)
      expect(JSON.parse(text(node.data))).toMatchObject({ id: "w", serviceType: "DYNAMIC_SEQUENTIAL", address: "10.0.2.1" })
      expect((yield* finder.instances("worker")).map((i) => i.address).sort()).toEqual(["10.0.2.1", "10.0.2.2"])
      // as with Curator: its node is not named by the id
      expect(yield* finder.instance("worker", "w")).toEqual(Option.none())
      // the session expires: both are made again, under new sequence numbers
      yield* expire
      yield* waitUntil(
        Effect.map(Effect.all([one.node, two.node]), (nodes) => nodes.every(Option.isSome) && !nodes.some((n) => Option.getOrThrow(n) === first)),
        "both instances made again"
      )
      yield* waitUntil(
        Effect.map(finder.instances("worker"), (all) => all.length === 2),
        "the observer sees two instances (the expired ones gone)"
      )
      // an update goes to the current node
      yield* one.update({ port: 7000 })
      expect((yield* finder.instances("worker")).map((i) => `${i.address}:${i.port}`).sort()).toEqual([
        "10.0.2.1:7000",
        "10.0.2.2:null"
      ])
      yield* Scope.close(scope, Exit.void)
      expect(yield* observer.getChildren("/seq/worker")).toEqual([])
    })
  )

  it.scoped("provider: disabled instances are not offered, a filter narrows, sticky keeps its pick while it is offered", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const discovery = ServiceDiscovery.make(a, "/rot")
      const finder = ServiceDiscovery.make(b, "/rot")
      const regs = new Map<string, ServiceDiscovery.Registration>()
      for (const [id, zone] of [["r1", "a"], ["r2", "b"], ["r3", "a"]] as const) {
        const reg = yield* discovery.register({ name: "api", id, address: id, payload: { zone } })
        yield* reg.awaitPresent
        regs.set(id, reg)
      }
      // registered out of rotation: listed, never offered
      const off = yield* discovery.register({ name: "api", id: "r0", address: "r0", enabled: false })
      yield* off.awaitPresent
      expect(JSON.parse(text((yield* b.get("/rot/api/r0")).data))["enabled"]).toBe(false)
      expect(Object.keys(JSON.parse(text((yield* b.get("/rot/api/r1")).data)))).not.toContain("enabled")
      expect(Option.getOrThrow(yield* finder.instance("api", "r0")).enabled).toBe(false)
      const provider = yield* finder.provider("api")
      yield* waitUntil(Effect.map(provider.all, (all) => all.length === 4), "four instances in the cache")
      const pick = (p: ServiceDiscovery.Provider) => Effect.map(p.instance, (o) => Option.getOrThrow(o).id)
      expect(yield* Effect.all([pick(provider), pick(provider), pick(provider), pick(provider)])).toEqual(["r1", "r2", "r3", "r1"])
      // taken out of rotation by an update, and put back
      yield* regs.get("r2")!.update({ enabled: false })
      yield* waitUntil(
        Effect.map(provider.all, (all) => all.find((i) => i.id === "r2")?.enabled === false),
        "r2 disabled in the cache"
      )
      const without = yield* Effect.all([pick(provider), pick(provider), pick(provider), pick(provider)])
      expect(new Set(without)).toEqual(new Set(["r1", "r3"]))
      yield* regs.get("r2")!.update({ enabled: true })
      yield* waitUntil(
        Effect.map(provider.all, (all) => all.find((i) => i.id === "r2")?.enabled === true),
        "r2 enabled again"
      )
      // a filter (Curator's additionalFilter)
      const zoneA = yield* finder.provider("api", {
        filter: (i) => (i.payload as { readonly zone?: string } | null)?.zone === "a"
      })
      const inZone = new Set<string>()
      for (let n = 0; n < 6; n++) inZone.add(yield* pick(zoneA))
      expect([...inZone].sort()).toEqual(["r1", "r3"])
      // sticky: the same instance until it is no longer offered, then another one, kept in turn
      const sticky = yield* finder.provider("api", { sticky: true, strategy: "random", downFor: "30 seconds" })
      const held = yield* pick(sticky)
      for (let n = 0; n < 10; n++) expect(yield* pick(sticky)).toBe(held)
      const heldInstance = (yield* sticky.all).find((i) => i.id === held)!
      yield* sticky.noteError(heldInstance)
      yield* sticky.noteError(heldInstance)
      const next = yield* pick(sticky)
      expect(next).not.toBe(held)
      expect(["r1", "r2", "r3"]).toContain(next)
      for (let n = 0; n < 10; n++) expect(yield* pick(sticky)).toBe(next)
    })
  )

  it.scoped("names and ids that are not node names are refused", () =>
    Effect.gen(function* () {
      const [a] = yield* clients(1)
      const discovery = ServiceDiscovery.make(a, "/services")
      expect((yield* Effect.flip(discovery.instances("a/b")))._tag).toBe("InvalidArgumentError")
      expect((yield* Effect.flip(discovery.register({ name: "api", id: "" })))._tag).toBe("InvalidArgumentError")
      expect((yield* Effect.flip(ServiceDiscovery.make(a, "services").names))._tag).toBe("InvalidArgumentError")
      // a service type or enabled that is not one (from JavaScript)
      const kind = yield* Effect.flip(discovery.register({ name: "api", serviceType: "EPHEMERAL" as "DYNAMIC" }))
      expect(kind).toMatchObject({ _tag: "InvalidArgumentError", argument: "serviceType" })
      const enabled = yield* Effect.flip(discovery.register({ name: "api", enabled: "yes" as unknown as boolean }))
      expect(enabled).toMatchObject({ _tag: "InvalidArgumentError", argument: "enabled" })
      expect(yield* a.exists("/services/api")).toEqual(Option.none())
      // parsing: enabled is a boolean when present, true when absent
      const bytes = (json: string) => new TextEncoder().encode(json)
      expect(ServiceDiscovery.parseInstance("/x", bytes('{"name":"a","id":"b","enabled":"no"}'))).toMatchObject({
        _tag: "MalformedDataError",
        reason: "enabled is not a boolean"
      })
      expect(ServiceDiscovery.parseInstance("/x", bytes('{"name":"a","id":"b"}'))).toMatchObject({ enabled: true })
      expect(ServiceDiscovery.parseInstance("/x", bytes('{"name":"a","id":"b","enabled":false}'))).toMatchObject({ enabled: false })
    })
  )
})
