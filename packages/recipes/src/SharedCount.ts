/**
 * Curator's `SharedCount`: a shared 32-bit integer in one node (4 bytes, big-endian, as Curator
 * writes it; the same encoding as `Counter` with `curator: true`), changed unconditionally or
 * by compare-and-set, and followed as a Stream. See {@link SharedValue}.
 *
 * ```ts
 * const epoch = yield* SharedCount.make(zk, "/config/epoch", 0)
 * const current = yield* epoch.versioned
 * if (yield* epoch.trySet(current, current.value + 1)) yield* Console.log("moved to the next epoch")
 * ```
 *
 * A value that is not an integer from -2³¹ to 2³¹−1 is refused with InvalidArgumentError (and
 * nothing is written); data that is not 4 bytes fails with MalformedDataError.
 *
 * @since 0.1.0
 */
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import { InvalidArgumentError, type ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import { MalformedDataError } from "./RecipeError.js"
import type * as Scope from "effect/Scope"
import { cachedWith, type Codec, makeWith, type Shared } from "./SharedValue.js"

/**
 * A shared count.
 *
 * @since 0.1.0
 * @category models
 */
export type SharedCount = Shared<number, InvalidArgumentError | MalformedDataError>

/** Curator's 4 bytes, big-endian. */
const int32 = (path: string): Codec<number, InvalidArgumentError | MalformedDataError> => ({
  encode: (n) => {
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
      return Effect.fail(
        new InvalidArgumentError({ op: "SharedCount", path, argument: "value", reason: `${n} is not a 32-bit integer` })
      )
    }
    const out = new Uint8Array(4)
    new DataView(out.buffer).setInt32(0, n)
    return Effect.succeed(out)
  },
  decode: (data) =>
    data.length === 4
      ? Effect.succeed(new DataView(data.buffer, data.byteOffset, 4).getInt32(0))
      : Effect.fail(new MalformedDataError({ path, reason: `${data.length} bytes, not a 4-byte int` }))
})

/**
 * A shared count at `path` (Curator's `new SharedCount(client, path, seedValue)` and `start`):
 * the node is made with `seed` if it does not exist.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  seed: number
): Effect.Effect<SharedCount, InvalidArgumentError | MalformedDataError | ZooKeeperError> =>
  makeWith<number, InvalidArgumentError | MalformedDataError>(client, path, seed, int32(path), "SharedCount")

/**
 * A shared count at `path` read from a copy its watch keeps for the scope's lifetime (Curator's
 * `getCount` reads); see `SharedValue.cached`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = (
  client: ZooKeeperClient,
  path: string,
  seed: number
): Effect.Effect<SharedCount, InvalidArgumentError | MalformedDataError | ZooKeeperError, Scope.Scope> =>
  cachedWith<number, InvalidArgumentError | MalformedDataError>(client, path, seed, int32(path), "SharedCount")
