/**
 * Curator's `SharedValue`: a value every process shares, in one node's data, changed
 * unconditionally (`set`) or only if nobody changed it since it was read (`trySet`, a
 * compare-and-set on the node's version), and followed as a Stream. {@link SharedCount} is the
 * same over a 4-byte integer; both use Curator's znodes, so Java services and these share them.
 *
 * ```ts
 * const flag = yield* SharedValue.make(zk, "/config/mode", "normal")
 * const current = yield* flag.versioned                            // { value, version }
 * const won = yield* flag.trySet(current, new TextEncoder().encode("drain"))
 * yield* flag.changes.pipe(Stream.runForEach((v) => Console.log(new TextDecoder().decode(v))))
 * ```
 *
 * `make` creates the node with the seed value when it does not exist (and its parents); an
 * existing node keeps its value. Its reads go to the server; `changes` is a {@link DataWatch} on
 * the node. `cached` (scoped) reads as Curator does, from a copy its watch keeps for the scope's
 * lifetime: `value` and `versioned` cost no round trip and give the last value seen (a
 * `trySet` on a stale one returns false, as in Curator), and its own writes update the copy.
 *
 * @since 0.1.0
 */
import { parent as parentOf, validate } from "@effect-zk/core/Path"
import type { Bytes } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { InvalidArgumentError, ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as DataWatch from "./DataWatch.js"
import { utf8 } from "./internal/encoding.js"

/**
 * A value with the node version it was read at (Curator's `VersionedValue`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Versioned<A> {
  readonly value: A
  readonly version: number
}

/**
 * A shared value over some type: bytes for {@link SharedValue}, a number for `SharedCount`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Shared<A, E = never> {
  /** The node's path. */
  readonly path: string
  /** The value now (Curator's `getValue` / `getCount`). */
  readonly value: Effect.Effect<A, ZooKeeperError | E>
  /** The value now with its version, for {@link Shared.trySet} (Curator's `getVersionedValue`). */
  readonly versioned: Effect.Effect<Versioned<A>, ZooKeeperError | E>
  /** Sets the value whatever it is (Curator's `setValue` / `setCount`). */
  readonly set: (value: A) => Effect.Effect<void, ZooKeeperError | E>
  /**
   * Sets the value only if the node is still at `previous.version`: true if it was set, false if
   * someone changed it in between (read it again and retry). Curator's `trySetValue` / `trySetCount`.
   */
  readonly trySet: (previous: Versioned<A>, value: A) => Effect.Effect<boolean, ZooKeeperError | E>
  /** The value at once and after every change (a deleted node ends nothing: it is skipped). */
  readonly changes: Stream.Stream<A, ZooKeeperError | E>
}

/**
 * A shared byte value.
 *
 * @since 0.1.0
 * @category models
 */
export type SharedValue = Shared<Uint8Array>

/** How a shared value's type is kept in the node's data. */
export interface Codec<A, E> {
  readonly encode: (value: A) => Effect.Effect<Uint8Array, E>
  readonly decode: (data: Uint8Array) => Effect.Effect<A, E>
}

/**
 * A shared value over `codec`, its node made with `seed` if missing (the engine under SharedValue
 * and SharedCount).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = <A, E>(
  client: ZooKeeperClient,
  path: string,
  seed: A,
  codec: Codec<A, E>,
  op: string
): Effect.Effect<Shared<A, E>, InvalidArgumentError | ZooKeeperError | E> =>
  Effect.gen(function* () {
    const bad = validate(path, { op })
    if (bad !== undefined) return yield* Effect.fail(bad)
    // Curator's start: create the node with the seed value unless it exists
    if (Option.isNone(yield* client.exists(path))) {
      const parent = parentOf(path)
      if (parent !== "/") yield* client.ensurePath(parent)
      yield* Effect.catchTag(client.create(path, { data: yield* codec.encode(seed) }), "NodeExistsError", () => Effect.void)
    }
    const versioned = Effect.flatMap(client.get(path), ({ data, stat }) =>
      Effect.map(codec.decode(data), (value): Versioned<A> => ({ value, version: stat.version }))
    )
    const shared: Shared<A, E> = {
      path,
      value: Effect.map(versioned, (v) => v.value),
      versioned,
      set: (value) => Effect.flatMap(codec.encode(value), (data) => Effect.asVoid(client.set(path, data))),
      trySet: (previous, value) =>
        Effect.flatMap(codec.encode(value), (data) =>
          client.set(path, data, { version: previous.version }).pipe(
            Effect.as(true),
            Effect.catchTag("BadVersionError", () => Effect.succeed(false))
          )
        ),
      changes: DataWatch.stream(client, path).pipe(
        Stream.filterMap((change) => Option.map(change.node, (node) => node.data)),
        Stream.mapEffect(codec.decode)
      )
    }
    return shared
  })

/**
 * `makeWith`, its reads served from a copy kept by a watch for the scope's lifetime (Curator's
 * reads): made once the first value is in. A value the codec cannot read is logged and skipped
 * (the copy keeps the last good one); the watch is started again if it fails.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cachedWith = <A, E>(
  client: ZooKeeperClient,
  path: string,
  seed: A,
  codec: Codec<A, E>,
  op: string
): Effect.Effect<Shared<A, E>, InvalidArgumentError | ZooKeeperError | E, Scope.Scope> =>
  Effect.gen(function* () {
    const direct = yield* makeWith(client, path, seed, codec, op)
    const copy = yield* SubscriptionRef.make(Option.none<Versioned<A>>())
    // a newer version replaces the copy; an older one (a watch's read overtaken by our write) does not
    const offer = (next: Versioned<A>) =>
      SubscriptionRef.update(copy, (current) =>
        Option.isSome(current) && current.value.version >= next.version ? current : Option.some(next)
      )
    yield* DataWatch.stream(client, path).pipe(
      Stream.runForEach((change) =>
        Option.match(change.node, {
          onNone: () => Effect.void,
          onSome: (node) =>
            codec.decode(node.data).pipe(
              Effect.flatMap((value) => offer({ value, version: node.stat.version })),
              Effect.catchAll((error) => Effect.logWarning(`effect-zk ${op} ${path}: a value it cannot read is skipped`, error))
            )
        })
      ),
      Effect.catchAllCause((cause) => Effect.logWarning(`effect-zk ${op} ${path}: watch failed; starting it again`, cause)),
      Effect.zipRight(Effect.sleep("1 second")),
      Effect.forever,
      Effect.forkScoped
    )
    // the first value, read directly when the watch has not brought it yet: the copy is never
    // empty once the handle is made
    if (Option.isNone(yield* SubscriptionRef.get(copy))) yield* Effect.flatMap(direct.versioned, offer)
    const latest = Effect.map(SubscriptionRef.get(copy), Option.getOrThrow)
    const shared: Shared<A, E> = {
      path,
      value: Effect.map(latest, (v) => v.value),
      versioned: latest,
      set: (value) =>
        Effect.flatMap(codec.encode(value), (data) =>
          Effect.flatMap(client.set(path, data), (stat) => offer({ value, version: stat.version }))
        ),
      trySet: (previous, value) =>
        Effect.flatMap(codec.encode(value), (data) =>
          client.set(path, data, { version: previous.version }).pipe(
            Effect.flatMap((stat) => Effect.as(offer({ value, version: stat.version }), true)),
            Effect.catchTag("BadVersionError", () => Effect.succeed(false))
          )
        ),
      changes: copy.changes.pipe(
        Stream.filterMap((o) => o),
        Stream.changesWith((a, b) => a.version === b.version),
        Stream.map((v) => v.value)
      )
    }
    return shared
  })

const bytes: Codec<Uint8Array, never> = { encode: Effect.succeed, decode: Effect.succeed }

/**
 * A shared byte value at `path` (Curator's `new SharedValue(client, path, seedValue)` and
 * `start`): the node is made with `seed` (UTF-8 for a string) if it does not exist.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  seed: Bytes
): Effect.Effect<SharedValue, InvalidArgumentError | ZooKeeperError> =>
  makeWith(client, path, typeof seed === "string" ? utf8(seed) : seed, bytes, "SharedValue")

/**
 * A shared byte value at `path` read from a copy its watch keeps for the scope's lifetime
 * (Curator's `SharedValue` reads); see the module documentation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = (
  client: ZooKeeperClient,
  path: string,
  seed: Bytes
): Effect.Effect<SharedValue, InvalidArgumentError | ZooKeeperError, Scope.Scope> =>
  cachedWith(client, path, typeof seed === "string" ? utf8(seed) : seed, bytes, "SharedValue")
