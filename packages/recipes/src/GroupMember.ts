/**
 * Curator's `GroupMember`: membership of a group for a scope's lifetime, with Curator's layout,
 * so Java services using GroupMember and Effect programs are members of the same groups. Each
 * member is an ephemeral node `<path>/<id>` holding its data (Curator's payload), kept by a
 * {@link PersistentNode}: made again after a session expiry or a deletion, deleted when the
 * scope closes.
 *
 * ```ts
 * const member = yield* GroupMember.make(zk, "/groups/workers", "worker-1", { data: "10.0.0.1" })
 * yield* member.awaitPresent
 * const everyone = yield* member.members                 // ReadonlyMap id → data, ourselves included
 * yield* member.changes.pipe(Stream.runForEach((m) => Console.log([...m.keys()])))
 * ```
 *
 * `members` and `changes` are Curator's `getCurrentMembers` (which lists the member itself even
 * while its node is being made again); `GroupMember.members` and `GroupMember.watch` give the
 * same for a process that only looks. `changes` follows joins, departures and data changes
 * through a recursive persistent watch (ZooKeeper 3.6+), read again after every reconnection.
 *
 * @since 0.1.0
 */
import { join as joinPath, validate } from "@effect-zk/core/Path"
import type * as Retry from "@effect-zk/core/Retry"
import type { Bytes } from "@effect-zk/core/Transaction"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { InvalidArgumentError, ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { checkNodeName } from "./internal/names.js"
import { watchedReads } from "./internal/watchersPersistent.js"
import * as PersistentNode from "./PersistentNode.js"

/**
 * The members of a group: each member's id and data, ordered by id.
 *
 * @since 0.1.0
 * @category models
 */
export type Members = ReadonlyMap<string, Uint8Array>

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The member's data (Curator's payload); empty by default. */
  readonly data?: Bytes | undefined
}

/**
 * A membership, held until its scope closes.
 *
 * @since 0.1.0
 * @category models
 */
export interface GroupMember {
  /** The group's path. */
  readonly path: string
  /** This member's id: its node's name. */
  readonly id: string
  /** Waits until this member's node exists. */
  readonly awaitPresent: Effect.Effect<void>
  /** Changes this member's data (Curator's `setThisData`): written now, and kept for re-creations. */
  readonly setData: (data: Bytes) => Effect.Effect<void, Retry.RetriedError<ZooKeeperError>>
  /** The last error making this member's node ended with; none once it exists. */
  readonly lastError: Effect.Effect<Option.Option<ZooKeeperError>>
  /** The members now, this one included (Curator's `getCurrentMembers`). */
  readonly members: Effect.Effect<Members, ZooKeeperError>
  /** The members at once and after every change, this one included. */
  readonly changes: Stream.Stream<Members, ZooKeeperError>
}

const readMembers = (client: ZooKeeperClient, path: string): Effect.Effect<Members, ZooKeeperError> =>
  Effect.gen(function* () {
    const ids = yield* Effect.catchTag(client.getChildren(path), "NoNodeError", () =>
      Effect.succeed([] as ReadonlyArray<string>)
    )
    const readOne = (id: string): Effect.Effect<ReadonlyArray<readonly [string, Uint8Array]>, ZooKeeperError> =>
      Effect.catchTag(
        Effect.map(client.get(joinPath(path, id)), ({ data }) => [[id, data] as const]),
        "NoNodeError",
        () => Effect.succeed([])
      )
    const read = yield* Effect.forEach([...ids].sort(), readOne, { concurrency: 16 })
    return new Map(read.flat()) as Members
  })

const keyOf = (members: Members): string => {
  let key = ""
  for (const [id, data] of members) key += `${id}\u0000${data.join(",")}\u0000`
  return key
}

const withMember = (members: Members, id: string, data: Uint8Array): Members => {
  if (members.has(id)) return members
  return new Map([...members, [id, data] as const].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

const checkGroup = (path: string, op: string): InvalidArgumentError | undefined => validate(path, { op })

/**
 * The members of the group at `path` now (none when it does not exist), for a process that is
 * not a member.
 *
 * @since 0.1.0
 * @category queries
 */
export const members = (client: ZooKeeperClient, path: string): Effect.Effect<Members, ZooKeeperError | InvalidArgumentError> => {
  const bad = checkGroup(path, "GroupMember.members")
  return bad !== undefined ? Effect.fail(bad) : readMembers(client, path)
}

/**
 * The members of the group at `path`, at once and after every join, departure and data change.
 *
 * @since 0.1.0
 * @category queries
 */
export const watch = (client: ZooKeeperClient, path: string): Stream.Stream<Members, ZooKeeperError | InvalidArgumentError> => {
  const bad = checkGroup(path, "GroupMember.watch")
  return bad !== undefined ? Stream.fail(bad) : watchedReads(client, path, readMembers(client, path), keyOf)
}

/**
 * Joins the group at `path` as `id` until the scope closes (Curator's `new GroupMember(client,
 * path, id, payload)` and `start`). Fails only with InvalidArgumentError: a bad path, an id that
 * is not a node name, data over ZooKeeper's default size limit.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  client: ZooKeeperClient,
  path: string,
  id: string,
  options: Options = {}
): Effect.Effect<GroupMember, InvalidArgumentError, Scope.Scope> =>
  Effect.gen(function* () {
    const bad = checkGroup(path, "GroupMember") ?? checkNodeName(id, "id", "GroupMember")
    if (bad !== undefined) return yield* Effect.fail(bad)
    const node = yield* PersistentNode.make(client, joinPath(path, id), { data: options.data })
    const ours = (all: Members) => Effect.map(node.data, (data) => withMember(all, id, data))
    const member: GroupMember = {
      path,
      id,
      awaitPresent: Effect.asVoid(node.awaitPresent),
      setData: node.setData,
      lastError: node.lastError,
      members: Effect.flatMap(readMembers(client, path), ours),
      changes: watchedReads(client, path, readMembers(client, path), keyOf).pipe(
        Stream.mapEffect(ours),
        Stream.changesWith((a, b) => keyOf(a) === keyOf(b))
      )
    }
    return member
  })
