/**
 * Service discovery with Curator's layout (`curator-x-discovery`): each instance of a service
 * is a node `<basePath>/<name>/<id>` holding the instance as Curator's JSON, so that Java
 * services registered with Curator and Effect programs find each other.
 *
 * ```ts
 * const discovery = ServiceDiscovery.make(zk, "/services")
 * yield* Effect.scoped(Effect.gen(function* () {
 *   yield* discovery.register({ name: "api", address: "10.0.0.1", port: 8080 })   // until the scope closes
 *   const apis = yield* discovery.instances("api")
 *   yield* discovery.watch("api").pipe(Stream.runForEach((all) => Console.log(all.map((i) => i.address))))
 * }))
 * ```
 *
 * `provider` picks instances as Curator's `ServiceProvider` does (round robin or random, sticky
 * or not, over a cache kept by `watch`; disabled instances are left out, and so are instances
 * with errors noted, for a while).
 *
 * A registration is by default a dynamic instance (Curator's `DYNAMIC`): an ephemeral node kept
 * by a {@link PersistentNode}, so it is made again after a session expiry (Curator re-registers
 * on reconnection) or a deletion, and deleted when the scope closes. `"DYNAMIC_SEQUENTIAL"` makes
 * it an ephemeral sequential node, `"STATIC"` or `"PERMANENT"` a persistent node (see
 * {@link InstanceSpec}). The JSON has Curator's fields, in its order (`name`, `id`, `address`,
 * `port`, `sslPort`, `payload`, `registrationTimeUTC`, `serviceType`, `uriSpec`, then `enabled`
 * only for a disabled instance, as Curator's default, compatible serialization leaves it out);
 * the payload is any JSON value (a Java side that reads a typed payload expects Curator's
 * `"@class"` member in it). An instance that is not Curator's JSON is left out of queries and
 * logged.
 *
 * @since 0.1.0
 */
import type { Retry } from "@effect-zk/core"
import { join as joinPath, validate } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { uuid } from "./internal/contender.js"
import { fromUtf8, utf8 } from "./internal/encoding.js"
import { checkNodeName } from "./internal/names.js"
import { watchedReads } from "./internal/watchersPersistent.js"
import * as PersistentNode from "./PersistentNode.js"
import { removeNode } from "./internal/session.js"
import { MalformedDataError } from "./RecipeError.js"

/**
 * One part of a URI template (Curator's `UriSpec.Part`): literal text, or a `{variable}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface UriSpecPart {
  readonly value: string
  readonly variable: boolean
}

/**
 * An instance of a service, as Curator stores it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceInstance {
  readonly name: string
  readonly id: string
  readonly address: string | null
  readonly port: number | null
  readonly sslPort: number | null
  /** Any JSON value (Curator's typed payloads carry an `"@class"` member). */
  readonly payload: unknown
  /** When it was registered, in ms since the epoch. */
  readonly registrationTimeUTC: number
  /** `DYNAMIC`, `DYNAMIC_SEQUENTIAL`, `STATIC` or `PERMANENT`. */
  readonly serviceType: string
  readonly uriSpec: { readonly parts: ReadonlyArray<UriSpecPart> } | null
  /** False for an instance taken out of rotation (Curator 4+'s `enabled`; true when the JSON has none). */
  readonly enabled: boolean
}

/**
 * What `register` needs: the service's name and the instance's details; the id defaults to a
 * random UUID, as Curator's.
 *
 * @since 0.1.0
 * @category models
 */
export interface InstanceSpec {
  readonly name: string
  readonly id?: string | undefined
  readonly address?: string | undefined
  readonly port?: number | undefined
  readonly sslPort?: number | undefined
  readonly payload?: unknown
  /** A URI template such as `"{scheme}://{address}:{port}"` (Curator's `UriSpec`). */
  readonly uriSpec?: string | undefined
  /**
   * Curator's service type. `"DYNAMIC"` (default): an ephemeral node named by the id, made
   * again after a session expiry. `"DYNAMIC_SEQUENTIAL"`: the same, but an ephemeral sequential
   * node (`_c_<random>-<id><sequence>`, a {@link PersistentNode} with `sequential`), so that
   * instances may share an id; as with Curator, `instance(name, id)` does not find it (its node
   * is not named by the id) while `instances` and `watch` do. `"STATIC"` or `"PERMANENT"`: a
   * persistent node, which outlives the session (and the process, if it ends without closing
   * the scope); an existing node with the same id is replaced, as Curator does. Every kind is
   * deleted when the scope closes (Curator's unregister / close); Curator tells STATIC from
   * PERMANENT only in its discovery server.
   */
  readonly serviceType?: "DYNAMIC" | "DYNAMIC_SEQUENTIAL" | "STATIC" | "PERMANENT" | undefined
  /**
   * False registers the instance out of rotation: providers (ours and Curator's) skip it, queries
   * still list it. Default true; `Registration.update` changes it.
   */
  readonly enabled?: boolean | undefined
}

/**
 * A registration, kept until its scope closes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registration {
  /** The instance as registered. */
  readonly instance: ServiceInstance
  /** Its node's path (for a `DYNAMIC_SEQUENTIAL` instance, the parent and prefix; see `node`). */
  readonly path: string
  /** The node's path while it exists (a sequential node's full name), none while it is being (re)made. */
  readonly node: Effect.Effect<Option.Option<string>>
  /** Waits until the node exists. */
  readonly awaitPresent: Effect.Effect<void>
  /**
   * Why the node could not be made the last time, none once it exists: e.g. NodeExists while
   * another session holds an instance with the same id (it is waited on), NoAuth.
   */
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError>>
  /**
   * Changes the instance's details (Curator's `updateService`): written to its node now, and
   * used if the node is made again. The name, id and service type stay; `enabled: false` takes it out of rotation.
   */
  readonly update: (
    changes: Omit<InstanceSpec, "name" | "id" | "serviceType">
  ) => Effect.Effect<ServiceInstance, Retry.RetriedError<ZooKeeperError>>
  /** The instance as last registered or updated. */
  readonly current: Effect.Effect<ServiceInstance>
}

/**
 * A discovery handle on a base path.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceDiscovery {
  /** The base path. */
  readonly basePath: string
  /** Registers an instance (dynamic unless `serviceType` says otherwise) for the scope's lifetime. */
  readonly register: (spec: InstanceSpec) => Effect.Effect<Registration, InvalidArgumentError, Scope.Scope>
  /** The names of the services with a node under the base path. */
  readonly names: Effect.Effect<ReadonlyArray<string>, ZooKeeperError>
  /** The instances of a service now (none when it has no node). */
  readonly instances: (name: string) => Effect.Effect<ReadonlyArray<ServiceInstance>, ZooKeeperError | InvalidArgumentError>
  /** One instance, if it exists. */
  readonly instance: (name: string, id: string) => Effect.Effect<Option.Option<ServiceInstance>, ZooKeeperError | InvalidArgumentError>
  /**
   * The instances of a service: at once, then after every change (an instance added, removed
   * or updated), read again after a session loss; Curator's `ServiceCache`.
   */
  readonly watch: (name: string) => Stream.Stream<ReadonlyArray<ServiceInstance>, ZooKeeperError | InvalidArgumentError>
  /**
   * Picks instances of a service for the scope's lifetime (Curator's `ServiceProvider`), from a
   * live cache kept by `watch`; see {@link ProviderOptions}.
   */
  readonly provider: (name: string, options?: ProviderOptions) => Effect.Effect<Provider, InvalidArgumentError, Scope.Scope>
}

/**
 * Options of a provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProviderOptions {
  /** How `instance` picks: `"roundRobin"` (default, over the instances in id order) or `"random"`. */
  readonly strategy?: "roundRobin" | "random" | undefined
  /**
   * Curator's `StickyStrategy`: keep returning the instance picked first while it is still
   * offered (registered, enabled, not down, passing `filter`); then pick another with
   * `strategy`. Default false.
   */
  readonly sticky?: boolean | undefined
  /** Offers only the instances it accepts (Curator's `additionalFilter`); disabled ones are never offered. */
  readonly filter?: ((instance: ServiceInstance) => boolean) | undefined
  /** Errors noted against an instance within `downFor` that make it down (Curator's default, 2). */
  readonly errorThreshold?: number | undefined
  /** How long errors count, and how long an instance stays down (Curator's default, 30 seconds). */
  readonly downFor?: Duration.DurationInput | undefined
}

/**
 * A service provider; see {@link ServiceDiscovery.provider}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Provider {
  /**
   * An instance that is enabled, not down and accepted by the filter, by the strategy; none when
   * there is none (after the first read).
   */
  readonly instance: Effect.Effect<Option.Option<ServiceInstance>>
  /** Every instance the cache holds now, down, disabled or filtered out or not (after the first read). */
  readonly all: Effect.Effect<ReadonlyArray<ServiceInstance>>
  /** Notes a failed call to an instance (Curator's `noteError`): enough of them make it down for a while. */
  readonly noteError: (instance: ServiceInstance) => Effect.Effect<void>
}

/** Curator's UriSpec parsing: `{name}` parts are variables, the rest literal text. */
const parseUriSpec = (template: string): ReadonlyArray<UriSpecPart> => {
  const parts: Array<UriSpecPart> = []
  const re = /\{([^}]*)\}/g
  let last = 0
  for (const m of template.matchAll(re)) {
    if (m.index > last) parts.push({ value: template.slice(last, m.index), variable: false })
    parts.push({ value: m[1]!, variable: true })
    last = m.index + m[0].length
  }
  if (last < template.length) parts.push({ value: template.slice(last), variable: false })
  return parts
}

/**
 * The JSON Curator writes, fields in its order. `enabled` only when false: Curator's default
 * (compatible) serialization leaves it out, and readers older than Curator 4 refuse it.
 */
const toJson = (i: ServiceInstance): string =>
  JSON.stringify({
    name: i.name,
    id: i.id,
    address: i.address,
    port: i.port,
    sslPort: i.sslPort,
    payload: i.payload,
    registrationTimeUTC: i.registrationTimeUTC,
    serviceType: i.serviceType,
    uriSpec: i.uriSpec,
    ...(i.enabled ? {} : { enabled: false })
  })

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)
const optionalInt = (x: unknown): x is number | null | undefined => x === undefined || x === null || Number.isInteger(x)

/**
 * Reads an instance node's data (Curator's JSON); a MalformedDataError says what is wrong.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseInstance = (path: string, data: Uint8Array): ServiceInstance | MalformedDataError => {
  let json: unknown
  try {
    json = JSON.parse(fromUtf8(data))
  } catch {
    return new MalformedDataError({ path, reason: "not JSON" })
  }
  if (!isRecord(json)) return new MalformedDataError({ path, reason: "not a JSON object" })
  const { name, id, address, port, sslPort, payload, registrationTimeUTC, serviceType, uriSpec, enabled } = json
  if (typeof name !== "string" || typeof id !== "string") return new MalformedDataError({ path, reason: "no name or id" })
  if (address !== undefined && address !== null && typeof address !== "string") {
    return new MalformedDataError({ path, reason: "address is not a string" })
  }
  if (!optionalInt(port) || !optionalInt(sslPort)) return new MalformedDataError({ path, reason: "a port is not an integer" })
  if (registrationTimeUTC !== undefined && typeof registrationTimeUTC !== "number") {
    return new MalformedDataError({ path, reason: "registrationTimeUTC is not a number" })
  }
  if (enabled !== undefined && enabled !== null && typeof enabled !== "boolean") {
    return new MalformedDataError({ path, reason: "enabled is not a boolean" })
  }
  let spec: ServiceInstance["uriSpec"] = null
  if (uriSpec !== undefined && uriSpec !== null) {
    const parts = isRecord(uriSpec) ? uriSpec["parts"] : undefined
    if (!Array.isArray(parts) || !parts.every((p) => isRecord(p) && typeof p["value"] === "string" && typeof p["variable"] === "boolean")) {
      return new MalformedDataError({ path, reason: "uriSpec is not Curator's" })
    }
    spec = { parts: parts.map((p) => ({ value: p["value"] as string, variable: p["variable"] as boolean })) }
  }
  return {
    name,
    id,
    address: address ?? null,
    port: port ?? null,
    sslPort: sslPort ?? null,
    payload: payload ?? null,
    registrationTimeUTC: registrationTimeUTC ?? 0,
    serviceType: typeof serviceType === "string" ? serviceType : "DYNAMIC",
    uriSpec: spec,
    enabled: enabled ?? true
  }
}

/**
 * Builds the URI an instance's `uriSpec` describes, as Curator's `UriSpec.build`: `scheme`
 * (`https` when it has an SSL port), `name`, `id`, `address`, `port`, `ssl-port`, and the
 * payload's members when it is an object; an unknown variable is left as `{name}`.
 *
 * @since 0.1.0
 * @category utils
 */
export const buildUri = (instance: ServiceInstance): string | undefined => {
  if (instance.uriSpec === null) return undefined
  const values: Record<string, unknown> = {
    ...(isRecord(instance.payload) ? instance.payload : {}),
    scheme: instance.sslPort !== null ? "https" : "http",
    name: instance.name,
    id: instance.id,
    address: instance.address,
    port: instance.port,
    "ssl-port": instance.sslPort
  }
  return instance.uriSpec.parts
    .map((p) => (p.variable ? (values[p.value] === undefined || values[p.value] === null ? `{${p.value}}` : String(values[p.value])) : p.value))
    .join("")
}

const SERVICE_TYPES: ReadonlyArray<unknown> = ["DYNAMIC", "DYNAMIC_SEQUENTIAL", "STATIC", "PERMANENT"]

/** A service type or `enabled` that is not one (from JavaScript, or parsed configuration). */
const checkKind = (spec: Pick<InstanceSpec, "serviceType" | "enabled">): InvalidArgumentError | undefined =>
  spec.serviceType !== undefined && !SERVICE_TYPES.includes(spec.serviceType)
    ? new InvalidArgumentError({
        op: "register",
        argument: "serviceType",
        reason: `${JSON.stringify(spec.serviceType)} is not one of ${SERVICE_TYPES.join(", ")}`
      })
    : spec.enabled !== undefined && typeof spec.enabled !== "boolean"
      ? new InvalidArgumentError({ op: "register", argument: "enabled", reason: "not a boolean" })
      : undefined

/** What a registration keeps its node with: a PersistentNode, or `keepPersistent`. */
interface KeptNode {
  readonly current: Effect.Effect<Option.Option<string>>
  readonly awaitPresent: Effect.Effect<unknown>
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError>>
  readonly setData: (data: string) => Effect.Effect<void, Retry.RetriedError<ZooKeeperError>>
}

/**
 * A STATIC or PERMANENT instance's persistent node, made as Curator's `internalRegisterService`
 * does (an existing node is deleted first, so that watchers see the new one), in the background
 * and retried; deleted when the scope closes.
 */
const keepPersistent = (client: ZooKeeperClient, path: string, initial: Uint8Array) =>
  Effect.gen(function* () {
    let data = initial
    let created = false
    const present = yield* Deferred.make<void>()
    const lastError = yield* Ref.make(Option.none<ZooKeeperError>())
    const put = Effect.gen(function* () {
      const sent = data
      // container parents, as Curator's creatingParentContainersIfNeeded
      const first = yield* Effect.either(client.create(path, { data: sent, makepath: "containers" }))
      if (first._tag === "Left") {
        if (first.left._tag !== "NodeExistsError") return yield* Effect.fail(first.left)
        yield* Effect.catchTag(client.delete(path), "NoNodeError", () => Effect.void)
        yield* client.create(path, { data: sent, makepath: "containers" })
      }
      created = true
      // an update made while the create was on its way
      if (data !== sent) yield* client.set(path, data)
    })
    const keeper = yield* put.pipe(
      Effect.tapError((e) => Ref.set(lastError, Option.some(e))),
      Effect.retry(Schedule.exponential("250 millis").pipe(Schedule.union(Schedule.spaced("30 seconds")))),
      Effect.zipRight(Effect.zipRight(Ref.set(lastError, Option.none()), Deferred.succeed(present, undefined))),
      Effect.fork
    )
    // Closing: stop making it, then delete it (a create still on its way may have made it).
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Fiber.interrupt(keeper), removeNode(client, Effect.succeed(path), false))
    )
    const kept: KeptNode = {
      current: Effect.map(Deferred.isDone(present), (made) => (made ? Option.some(path) : Option.none())),
      awaitPresent: Deferred.await(present),
      lastError: Ref.get(lastError),
      setData: (json) =>
        Effect.suspend(() => {
          data = utf8(json)
          // before the creation, the creation writes it
          return created ? Effect.asVoid(client.retry(client.set(path, data))) : Effect.void
        })
    }
    return kept
  })

/**
 * A discovery handle on `basePath` (Curator's `ServiceDiscoveryBuilder...basePath(...)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeperClient, basePath: string): ServiceDiscovery => {
  const servicePath = (name: string) => joinPath(basePath, name)
  const badBase = validate(basePath, { op: "ServiceDiscovery" })

  const readOne = (name: string, id: string): Effect.Effect<Option.Option<ServiceInstance>, ZooKeeperError> => {
    const path = joinPath(servicePath(name), id)
    return Effect.flatMap(
      Effect.catchTag(
        Effect.map(client.get(path), Option.some),
        "NoNodeError",
        () => Effect.succeed(Option.none())
      ),
      (node) => {
        if (Option.isNone(node)) return Effect.succeed(Option.none())
        const parsed = parseInstance(path, node.value.data)
        return parsed instanceof MalformedDataError
          ? Effect.as(Effect.logWarning(`effect-zk ServiceDiscovery: ${parsed.message}; left out`), Option.none())
          : Effect.succeed(Option.some(parsed))
      }
    )
  }

  const readAll = (name: string): Effect.Effect<ReadonlyArray<ServiceInstance>, ZooKeeperError> =>
    Effect.gen(function* () {
      const ids = yield* Effect.catchTag(client.getChildren(servicePath(name)), "NoNodeError", () =>
        Effect.succeed([] as ReadonlyArray<string>)
      )
      const found = yield* Effect.forEach([...ids].sort(), (id) => readOne(name, id), { concurrency: 16 })
      return found.flatMap((o) => (Option.isSome(o) ? [o.value] : []))
    })

  const guard = (name: string, op: string): InvalidArgumentError | undefined => badBase ?? checkNodeName(name, "name", op)

  const watch = (name: string): Stream.Stream<ReadonlyArray<ServiceInstance>, ZooKeeperError | InvalidArgumentError> => {
    const bad = guard(name, "watch")
    if (bad !== undefined) return Stream.fail(bad)
    return watchedReads(client, servicePath(name), readAll(name), (all) => all.map(toJson).join("\n"))
  }

  const provider = (name: string, options: ProviderOptions = {}): Effect.Effect<Provider, InvalidArgumentError, Scope.Scope> =>
    Effect.gen(function* () {
      const bad = guard(name, "provider")
      if (bad !== undefined) return yield* Effect.fail(bad)
      const threshold = options.errorThreshold ?? 2
      const downMillis = Duration.toMillis(Duration.decode(options.downFor ?? "30 seconds"))
      const cache = yield* SubscriptionRef.make<Option.Option<ReadonlyArray<ServiceInstance>>>(Option.none())
      // The cache, kept for the scope's lifetime; a failed watch is started again.
      yield* watch(name).pipe(
        Stream.runForEach((all) => SubscriptionRef.set(cache, Option.some(all))),
        Effect.catchAll((error) => Effect.logWarning(`effect-zk ServiceDiscovery provider ${name}: ${error.message}`)),
        Effect.zipRight(Effect.sleep("1 second")),
        Effect.forever,
        Effect.forkScoped
      )
      const loaded = Effect.map(
        Stream.runHead(Stream.filterMap(cache.changes, (o) => o)),
        (o) => Option.getOrElse(o, () => [] as ReadonlyArray<ServiceInstance>)
      )
      const errors = new Map<string, Array<number>>()
      const isDown = (id: string, now: number): boolean => {
        const times = (errors.get(id) ?? []).filter((t) => now - t < downMillis)
        if (times.length === 0) errors.delete(id)
        else errors.set(id, times)
        return times.length >= threshold
      }
      let next = 0
      const filter = options.filter
      // the sticky strategy's instance
      let stuck: ServiceInstance | undefined
      return {
        all: loaded,
        instance: Effect.flatMap(loaded, (all) => {
          const now = Date.now()
          const up = all.filter((i) => i.enabled && !isDown(i.id, now) && (filter === undefined || filter(i)))
          if (up.length === 0) return Effect.succeed(Option.none())
          if (stuck !== undefined) {
            const still = up.find((i) => i.id === stuck!.id && i.name === stuck!.name)
            if (still !== undefined) return Effect.succeed(Option.some(still))
            stuck = undefined
          }
          const pick: Effect.Effect<ServiceInstance> =
            options.strategy === "random"
              ? Effect.map(Random.nextIntBetween(0, up.length), (i) => up[i]!)
              : Effect.sync(() => {
                  const chosen = up[next % up.length]!
                  next = (next + 1) % Number.MAX_SAFE_INTEGER
                  return chosen
                })
          return Effect.map(pick, (chosen) => {
            if (options.sticky === true) stuck = chosen
            return Option.some(chosen)
          })
        }),
        noteError: (instance) =>
          Effect.sync(() => {
            const times = errors.get(instance.id) ?? []
            times.push(Date.now())
            errors.set(instance.id, times)
          })
      }
    })

  return {
    basePath,
    register: (spec) =>
      Effect.gen(function* () {
        const id = spec.id ?? uuid()
        const bad = guard(spec.name, "register") ?? checkNodeName(id, "id", "register") ?? checkKind(spec)
        if (bad !== undefined) return yield* Effect.fail(bad)
        const instance: ServiceInstance = {
          name: spec.name,
          id,
          address: spec.address ?? null,
          port: spec.port ?? null,
          sslPort: spec.sslPort ?? null,
          payload: spec.payload ?? null,
          registrationTimeUTC: Date.now(),
          serviceType: spec.serviceType ?? "DYNAMIC",
          uriSpec: spec.uriSpec === undefined ? null : { parts: parseUriSpec(spec.uriSpec) },
          enabled: spec.enabled ?? true
        }
        const path = joinPath(servicePath(spec.name), id)
        const node: KeptNode =
          instance.serviceType === "DYNAMIC" || instance.serviceType === "DYNAMIC_SEQUENTIAL"
            ? yield* PersistentNode.make(client, path, {
                data: toJson(instance),
                sequential: instance.serviceType === "DYNAMIC_SEQUENTIAL"
              })
            : yield* keepPersistent(client, path, utf8(toJson(instance)))
        const current = yield* Ref.make(instance)
        const update = (changes: Omit<InstanceSpec, "name" | "id" | "serviceType">) =>
          Effect.gen(function* () {
            const before = yield* Ref.get(current)
            const next: ServiceInstance = {
              ...before,
              ...(changes.address === undefined ? {} : { address: changes.address }),
              ...(changes.port === undefined ? {} : { port: changes.port }),
              ...(changes.sslPort === undefined ? {} : { sslPort: changes.sslPort }),
              ...(changes.payload === undefined ? {} : { payload: changes.payload }),
              ...(changes.uriSpec === undefined ? {} : { uriSpec: { parts: parseUriSpec(changes.uriSpec) } }),
              ...(changes.enabled === undefined ? {} : { enabled: changes.enabled })
            }
            yield* node.setData(toJson(next))
            yield* Ref.set(current, next)
            return next
          })
        return {
          instance,
          path,
          node: node.current,
          awaitPresent: Effect.asVoid(node.awaitPresent),
          lastError: node.lastError,
          update,
          current: Ref.get(current)
        }
      }),
    names: badBase !== undefined
      ? Effect.fail(badBase)
      : Effect.catchTag(client.getChildren(basePath), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>)),
    instances: (name) => {
      const bad = guard(name, "instances")
      return bad !== undefined ? Effect.fail(bad) : readAll(name)
    },
    instance: (name, id) => {
      const bad = guard(name, "instance") ?? checkNodeName(id, "id", "instance")
      return bad !== undefined ? Effect.fail(bad) : readOne(name, id)
    },
    watch,
    provider
  }
}
