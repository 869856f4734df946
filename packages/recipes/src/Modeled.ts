/**
 * Typed znodes (Curator x-async's `ModeledFramework`, with an Effect `Schema` as the model): a
 * node's data is a value of the schema's type, written through the schema's encoding and read
 * through its decoding, JSON in UTF-8 by default. A collection is a parent node whose children
 * are all models of one schema.
 *
 * ```ts
 * const User = Schema.Struct({ name: Schema.NonEmptyString, age: Schema.Int })
 * const Users = Modeled.make(zk, { path: "/users", schema: User })
 * const alice = Users.at("alice")                                    // the node /users/alice
 * yield* alice.create({ name: "Alice", age: 30 }, { makepath: true })
 * const { value, version } = yield* alice.versioned
 * yield* alice.update({ ...value, age: 31 }, { version })            // compare-and-set
 * yield* alice.modify((user) => ({ ...user, age: user.age + 1 }))     // read-modify-write, retried on conflict
 * const everyone = yield* Users.list                                 // every child, decoded
 * yield* alice.changes.pipe(Stream.runForEach((user) => Effect.log(user)))  // Option<User>
 * const config = Modeled.node(zk, { path: "/config/app", schema: AppConfig })
 * ```
 *
 * Errors: data the schema cannot decode (not JSON, or JSON of another shape) fails with
 * `RecipeError`'s {@link MalformedDataError} naming the path, its `reason` the parse message of
 * the step that failed (JSON's or the schema's); a value the schema refuses to encode fails with
 * `InvalidArgumentError` (`argument: "value"`) and nothing is written. An invalid path, or a
 * child name that is not one path segment, fails every operation of that model with
 * `InvalidArgumentError` before anything is sent. The rest are the client's errors
 * (`NoNodeError`, `NodeExistsError`, `BadVersionError`, ...).
 *
 * `changes` fails with `MalformedDataError` when the node's data does not decode, rather than
 * skip the write (which would hide it) or end quietly. To wait for good data instead, retry it
 * (`Stream.retry(Schedule.spaced("1 second"))`): it starts again from the node's current value.
 *
 * @since 0.1.0
 */
import { join, validate } from "@effect-zk/core/Path"
import type { ZnodeStat } from "@effect-zk/core/Stat"
import type { CreateOptions as ClientCreateOptions, ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import type * as Scope from "effect/Scope"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as DataWatch from "./DataWatch.js"
import { fromUtf8, utf8 } from "./internal/encoding.js"
import { MalformedDataError } from "./RecipeError.js"
import * as TreeCache from "./TreeCache.js"

/**
 * What a model is: where it lives, its schema, and how the schema's encoded form is kept in the
 * node's data.
 *
 * @since 0.1.0
 * @category models
 */
export interface ModelSpec<A, I> {
  /** The node's path (for a collection, the parent of its models). */
  readonly path: string
  /** The model's schema (no context requirements). */
  readonly schema: Schema.Schema<A, I>
  /**
   * How the schema's encoded form `I` is kept as bytes: `"json"` (the default), JSON text in
   * UTF-8 (`Schema.parseJson(schema)`); or a schema from bytes to `I`, e.g.
   * `Schema.Uint8ArrayFromSelf` for a schema that already encodes to bytes.
   */
  readonly codec?: "json" | Schema.Schema<I, Uint8Array> | undefined
}

/**
 * A decoded value with the node's stat and version (pass `version` to `update` or `delete` for
 * a compare-and-set), as Curator's `ZNode`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Versioned<A> {
  /** The node's path. */
  readonly path: string
  /** The decoded value. */
  readonly value: A
  /** The node's data version (`stat.version`). */
  readonly version: number
  /** The node's stat. */
  readonly stat: ZnodeStat
}

/**
 * Options of `create`: the client's, without `data` (the value is the data).
 *
 * @since 0.1.0
 * @category models
 */
export type CreateOptions = Omit<ClientCreateOptions, "data">

/**
 * The version a write expects the node at: any when absent or -1.
 *
 * @since 0.1.0
 * @category models
 */
export interface VersionOptions {
  readonly version?: number | undefined
}

/**
 * One typed node.
 *
 * @since 0.1.0
 * @category models
 */
export interface Model<A> {
  /** The node's path. */
  readonly path: string
  /** Creates the node holding `value`; returns its real path (with the sequence suffix, if any). */
  readonly create: (value: A, options?: CreateOptions) => Effect.Effect<string, ZooKeeperError>
  /** The node's value, decoded. */
  readonly read: Effect.Effect<A, ZooKeeperError | MalformedDataError>
  /** The node's value, decoded, with its stat and version (for a compare-and-set). */
  readonly versioned: Effect.Effect<Versioned<A>, ZooKeeperError | MalformedDataError>
  /** Sets the node's value, at `version` when given (else `BadVersionError`); returns the new stat. */
  readonly update: (value: A, options?: VersionOptions) => Effect.Effect<ZnodeStat, ZooKeeperError>
  /**
   * Read-modify-write: reads the value, writes `f` of it at the version read, and starts again
   * from a fresh read when another write came between (a `BadVersionError`), so no update is
   * lost; returns the value written.
   */
  readonly modify: (f: (value: A) => A) => Effect.Effect<A, ZooKeeperError | MalformedDataError>
  /** Deletes the node, at `version` when given (else `BadVersionError`). */
  readonly delete: (options?: VersionOptions) => Effect.Effect<void, ZooKeeperError>
  /**
   * The node's value at once and after every change (changes close together may be seen as
   * one), none while the node does not exist; built on {@link DataWatch.stream}. Fails with
   * `MalformedDataError` when the data does not decode.
   */
  readonly changes: Stream.Stream<Option.Option<A>, ZooKeeperError | MalformedDataError>
}

/**
 * A parent node whose children are all models of one schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface Collection<A> {
  /** The parent's path. */
  readonly path: string
  /** The child `name` (one path segment: no `/`, not empty, `.` or `..`). */
  readonly at: (name: string) => Model<A>
  /** The children's names, in the server's order. */
  readonly children: Effect.Effect<ReadonlyArray<string>, ZooKeeperError>
  /**
   * Every child, decoded, in the server's order; the reads are sent together. A child deleted
   * meanwhile is left out; one that does not decode fails the list with `MalformedDataError`.
   */
  readonly list: Effect.Effect<ReadonlyArray<Versioned<A>>, ZooKeeperError | MalformedDataError>
  /**
   * A live copy of the collection for the scope's lifetime (Curator's `CachedModeledFramework`):
   * kept by a {@link TreeCache} on the collection's path, so reads cost no round trip. Ready
   * (loaded once) when it succeeds.
   */
  readonly cached: Effect.Effect<CachedCollection<A>, ZooKeeperError, Scope.Scope>
}

/**
 * What a cached collection holds at one moment: the children that decode, by name, and those
 * that do not, with why (a cache keeps going past a bad node, and says so).
 *
 * @since 0.1.0
 * @category models
 */
export interface CachedView<A> {
  readonly models: ReadonlyMap<string, Versioned<A>>
  readonly malformed: ReadonlyMap<string, MalformedDataError>
}

/**
 * A collection's live copy; see {@link Collection.cached}.
 *
 * @since 0.1.0
 * @category models
 */
export interface CachedCollection<A> {
  /** The collection's path. */
  readonly path: string
  /** A child from the copy: none when it is not there; MalformedDataError when it does not decode. */
  readonly get: (name: string) => Effect.Effect<Option.Option<Versioned<A>>, MalformedDataError | InvalidArgumentError>
  /** The whole copy now. */
  readonly current: Effect.Effect<CachedView<A>>
  /** The copy now, then after every change to a child (added, updated, removed), while the scope lasts. */
  readonly changes: Stream.Stream<CachedView<A>>
}

const parseOptions = { errors: "all" } as const

// JSON text, `Schema.parseJson()`: JSON.parse and JSON.stringify with their errors as parse issues
const Json = Schema.parseJson()
const parseJson = Schema.decode(Json)
const stringifyJson = Schema.encode(Json)

interface Codec<A> {
  readonly encode: (value: A) => Effect.Effect<Uint8Array, ParseResult.ParseError>
  readonly decode: (data: Uint8Array) => Effect.Effect<A, ParseResult.ParseError>
}

// In two steps (bytes <-> I, then I <-> A) rather than one composed schema, so that a parse
// message is the failing step's own, not wrapped in the composition's.
const codecOf = <A, I>(spec: ModelSpec<A, I>): Codec<A> => {
  const decodeModel = Schema.decodeUnknown(spec.schema, parseOptions)
  const encodeModel = Schema.encode(spec.schema, parseOptions)
  const codec = spec.codec
  if (codec === undefined || codec === "json") {
    return {
      encode: (value) => Effect.map(Effect.flatMap(encodeModel(value), (i) => stringifyJson(i)), utf8),
      decode: (data) => Effect.flatMap(parseJson(fromUtf8(data)), (json) => decodeModel(json))
    }
  }
  const decodeBytes = Schema.decode(codec, parseOptions)
  const encodeBytes = Schema.encode(codec, parseOptions)
  return {
    encode: (value) => Effect.flatMap(encodeModel(value), (i) => encodeBytes(i)),
    decode: (data) => Effect.flatMap(decodeBytes(data), (i) => decodeModel(i))
  }
}

const model = <A>(
  client: ZooKeeperClient,
  path: string,
  codec: Codec<A>,
  bad: InvalidArgumentError | undefined
): Model<A> => {
  const guard = <B, E>(effect: Effect.Effect<B, E>): Effect.Effect<B, E | InvalidArgumentError> =>
    bad === undefined ? effect : Effect.fail(bad)
  const encode = (value: A, op: string) =>
    Effect.mapError(
      codec.encode(value),
      (error) => new InvalidArgumentError({ op, path, argument: "value", reason: error.message })
    )
  const decode = (data: Uint8Array) =>
    Effect.mapError(codec.decode(data), (error) => new MalformedDataError({ path, reason: error.message }))
  const versioned = guard(
    Effect.flatMap(client.get(path), ({ data, stat }) =>
      Effect.map(decode(data), (value): Versioned<A> => ({ path, value, version: stat.version, stat }))
    )
  )
  const update = (value: A, options: VersionOptions = {}) =>
    guard(Effect.flatMap(encode(value, "Modeled.update"), (data) => client.set(path, data, options)))
  const modify = (f: (value: A) => A): Effect.Effect<A, ZooKeeperError | MalformedDataError> =>
    Effect.flatMap(versioned, (current) => {
      const next = f(current.value)
      return update(next, { version: current.version }).pipe(
        Effect.as(next),
        Effect.catchTag("BadVersionError", () => modify(f))
      )
    })
  return {
    path,
    create: (value, options = {}) =>
      guard(Effect.flatMap(encode(value, "Modeled.create"), (data) => client.create(path, { ...options, data }))),
    read: Effect.map(versioned, (v) => v.value),
    versioned,
    update,
    modify,
    delete: (options = {}) => guard(client.delete(path, options)),
    changes:
      bad === undefined
        ? Stream.mapEffect(DataWatch.stream(client, path), (change) =>
            Option.match(change.node, {
              onNone: () => Effect.succeed(Option.none<A>()),
              onSome: (node) => Effect.asSome(decode(node.data))
            })
          )
        : Stream.fail(bad)
  }
}

/**
 * The single typed node at `spec.path` (Curator's `ModeledFramework` over one node).
 *
 * @since 0.1.0
 * @category constructors
 */
export const node = <A, I>(client: ZooKeeperClient, spec: ModelSpec<A, I>): Model<A> =>
  model(client, spec.path, codecOf(spec), validate(spec.path, { op: "Modeled.node" }))

const nameError = (path: string, name: string): InvalidArgumentError | undefined => {
  const reason =
    name.length === 0
      ? "a child name must not be empty"
      : name.includes("/")
        ? `a child name must be one path segment, without '/' (${JSON.stringify(name)})`
        : undefined
  return reason === undefined
    ? validate(join(path, name), { op: "Modeled.at", argument: "name" })
    : new InvalidArgumentError({ op: "Modeled.at", path, argument: "name", reason })
}

/**
 * The collection under `spec.path`: each child is a model of `spec.schema` (Curator's
 * `ModeledFramework` with a parameterised path, `resolved(child)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, I>(client: ZooKeeperClient, spec: ModelSpec<A, I>): Collection<A> => {
  const path = spec.path
  const codec = codecOf(spec)
  const bad = validate(path, { op: "Modeled.make" })
  const guard = <B, E>(effect: Effect.Effect<B, E>): Effect.Effect<B, E | InvalidArgumentError> =>
    bad === undefined ? effect : Effect.fail(bad)
  const children = guard(client.getChildren(path))
  // a child deleted between getChildren and its read is left out
  const readChild = (child: string) =>
    Effect.catchTag(Effect.asSome(model(client, child, codec, undefined).versioned), "NoNodeError", () =>
      Effect.succeedNone
    )
  const cached = Effect.gen(function* () {
    if (bad !== undefined) return yield* Effect.fail(bad)
    // a fresh cache: never "already started" or "already closed"
    const cache = yield* Effect.catchTag(TreeCache.loaded(client, path), "TreeCacheStateError", (e) => Effect.die(e))
    // decoded once per version of a node (its mzxid)
    const decoded = new Map<string, { readonly mzxid: bigint; readonly result: Either.Either<A, MalformedDataError> }>()
    const decodeNode = (node: TreeCache.NodeData): Effect.Effect<Either.Either<A, MalformedDataError>> => {
      const known = decoded.get(node.path)
      if (known !== undefined && known.mzxid === node.stat.mzxid) return Effect.succeed(known.result)
      return Effect.map(
        Effect.either(Effect.mapError(codec.decode(node.data), (e) => new MalformedDataError({ path: node.path, reason: e.message }))),
        (result) => {
          decoded.set(node.path, { mzxid: node.stat.mzxid, result })
          return result
        }
      )
    }
    const versionedOf = (node: TreeCache.NodeData, value: A): Versioned<A> => ({
      path: node.path,
      value,
      version: node.stat.version,
      stat: node.stat
    })
    const isChild = (p: string) => p.length > path.length && p.lastIndexOf("/") === (path === "/" ? 0 : path.length)
    const current: Effect.Effect<CachedView<A>> = Effect.gen(function* () {
      const models = new Map<string, Versioned<A>>()
      const malformed = new Map<string, MalformedDataError>()
      const seen = new Set<string>()
      for (const [p, node] of HashMap.toEntries(yield* cache.snapshot)) {
        if (!isChild(p)) continue
        seen.add(p)
        const name = p.slice(p.lastIndexOf("/") + 1)
        const result = yield* decodeNode(node)
        if (Either.isRight(result)) models.set(name, versionedOf(node, result.right))
        else malformed.set(name, result.left)
      }
      for (const p of decoded.keys()) if (!seen.has(p)) decoded.delete(p)
      return { models, malformed }
    })
    const get = (name: string) =>
      Effect.gen(function* () {
        const badName = bad ?? nameError(path, name)
        if (badName !== undefined) return yield* Effect.fail(badName)
        const node = yield* cache.getData(join(path, name))
        if (Option.isNone(node)) return Option.none<Versioned<A>>()
        const result = yield* decodeNode(node.value)
        if (Either.isLeft(result)) return yield* Effect.fail(result.left)
        return Option.some(versionedOf(node.value, result.right))
      })
    const changes: Stream.Stream<CachedView<A>> = Stream.unwrapScoped(
      Effect.map(cache.events, (events) =>
        Stream.concat(
          Stream.fromEffect(current),
          events.pipe(
            Stream.filter(
              (e) => e.type === "INITIALIZED" || ("node" in e && isChild(e.node.path))
            ),
            Stream.mapEffect(() => current)
          )
        )
      )
    )
    return { path, get, current, changes } satisfies CachedCollection<A>
  })
  return {
    path,
    at: (name) => model(client, join(path, name), codec, bad ?? nameError(path, name)),
    cached,
    children,
    list: Effect.flatMap(children, (names) =>
      Effect.map(
        // names from the server need no check; all the reads are in flight at once
        Effect.forEach(names, (name) => readChild(join(path, name)), { concurrency: "unbounded" }),
        (found) => found.flatMap((v) => (Option.isSome(v) ? [v.value] : []))
      )
    )
  }
}
