/**
 * kazoo's `Party` and `ShallowParty`: a set of processes that join and leave a group, and
 * anyone can list who is in it. Each member is an ephemeral znode under the party's path, so a
 * member whose session ends leaves by itself — after `join`, as in kazoo, for good; after
 * `joinScoped`, until its node is made again under the new session.
 *
 * ```ts
 * const party = yield* Party.make(zk, "/services/api", "host-1:8080")
 * yield* party.joinScoped             // joined until the scope closes
 * yield* party.members                // ["host-1:8080", ...]
 * yield* party.changes.pipe(Stream.runForEach((members) => Effect.log(members)))
 * ```
 *
 * The znodes are kazoo's, so a kazoo process and this one see each other:
 * - `Party`: `<path>/<32 hex digits>__party__`, holding the identifier as UTF-8; listing reads
 *   every member's node (nodes without `__party__` in their name are ignored);
 * - `ShallowParty`: `<path>/<32 hex digits>-<identifier>`, empty; listing is one getChildren
 *   (the identifier must then be valid in a znode name).
 *
 * As in kazoo, join, leave and the listings go through the client's retry policy, and the
 * party's path is created when first needed.
 *
 * @since 0.1.0
 */
import type { Retry } from "@effect-zk/core"
import { join as joinPath } from "@effect-zk/core/Path"
import type { ZooKeeperClient } from "@effect-zk/core/ZooKeeper"
import type { ZooKeeperError } from "@effect-zk/core/ZooKeeperError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as ChildrenWatch from "./ChildrenWatch.js"
import { fromUtf8, randomHex } from "./internal/encoding.js"
import * as PersistentNode from "./PersistentNode.js"

/**
 * What a party's operations can fail with: a client error that is not retried, or the retry
 * giving up.
 *
 * @since 0.1.0
 * @category models
 */
export type PartyError = Retry.RetriedError<ZooKeeperError>

/**
 * A party member handle (one per process taking part).
 *
 * @since 0.1.0
 * @category models
 */
export interface Party {
  /** The party's path. */
  readonly path: string
  /** This member's identifier. */
  readonly identifier: string
  /** The name of this member's znode under the path. */
  readonly node: string
  /** Joins the party (kazoo's `join`); joining again while in it does nothing. */
  readonly join: Effect.Effect<void, PartyError>
  /**
   * Joins for the scope's lifetime (waiting until the member's node exists), and stays joined:
   * the node is made again if it goes — a session expiry, someone deleting it (see
   * {@link PersistentNode}). Leaves when the scope closes or on `leave`. (kazoo's `join` does
   * not rejoin; `join` here does as kazoo does.)
   */
  readonly joinScoped: Effect.Effect<void, PartyError, Scope.Scope>
  /** Leaves the party (kazoo's `leave`); false if this member was not in it. */
  readonly leave: Effect.Effect<boolean, PartyError>
  /** Whether this handle has joined and not left (kazoo's `participating`). */
  readonly participating: Effect.Effect<boolean>
  /** The members' identifiers (kazoo's `list(party)`), in the server's order. */
  readonly members: Effect.Effect<ReadonlyArray<string>, PartyError>
  /** The number of members (kazoo's `len(party)`). */
  readonly count: Effect.Effect<number, PartyError>
  /** The members at once, then after every change (a ChildrenWatch on the party's path). */
  readonly changes: Stream.Stream<ReadonlyArray<string>, PartyError | ZooKeeperError>
}

const PARTY_NODE = "__party__"

interface Layout {
  readonly node: (identifier: string) => string
  readonly isMember: (child: string) => boolean
  readonly identifiers: (
    client: ZooKeeperClient,
    path: string,
    children: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<string>, PartyError>
}

const deep: Layout = {
  node: () => `${randomHex()}${PARTY_NODE}`,
  isMember: (child) => child.includes(PARTY_NODE),
  identifiers: (client, path, children) =>
    Effect.map(
      Effect.forEach(
        children,
        (child) =>
          client.retry(
            client.get(joinPath(path, child)).pipe(
              Effect.map((node) => Option.some(fromUtf8(node.data))),
              Effect.catchTag("NoNodeError", () => Effect.succeed(Option.none<string>()))
            )
          ),
        { concurrency: 32 }
      ),
      (found) => found.flatMap((o) => (Option.isSome(o) ? [o.value] : []))
    )
}

const shallow: Layout = {
  node: (identifier) => `${randomHex()}-${identifier}`,
  isMember: () => true,
  identifiers: (_client, _path, children) => Effect.succeed(children.map((c) => c.slice(c.indexOf("-") + 1)))
}

const makeWith = (layout: Layout, client: ZooKeeperClient, path: string, identifier: string): Effect.Effect<Party> =>
  Effect.sync(() => {
    const node = layout.node(identifier)
    const createPath = joinPath(path, node)
    const data = identifier
    let ensured = false
    let participating = false
    const ensureParent = Effect.suspend(() =>
      ensured ? Effect.void : Effect.tap(client.ensurePath(path), () => Effect.sync(() => (ensured = true)))
    )
    const join = client.retry(
      Effect.gen(function* () {
        yield* ensureParent
        yield* client
          // makepath: the party's node may have been deleted since it was ensured
          .create(createPath, { data, ephemeral: true, makepath: true })
          .pipe(Effect.catchTag("NodeExistsError", () => Effect.void)) // a retried create that did happen
        participating = true
      })
    )
    // A joinScoped membership: the scope of its PersistentNode, which keeps the member's node
    // (made again after a session loss) until the scope or `leave` ends it.
    let kept: Scope.CloseableScope | undefined
    const joinScoped: Effect.Effect<void, PartyError, Scope.Scope> = Effect.gen(function* () {
      yield* client.retry(ensureParent)
      const inner = yield* Scope.make()
      yield* Effect.addFinalizer(() =>
        Effect.suspend(() => {
          if (kept === inner) {
            kept = undefined
            participating = false
          }
          return Scope.close(inner, Exit.void)
        })
      )
      const member = yield* Scope.extend(PersistentNode.make(client, createPath, { data, parents: "persistent" }), inner)
      kept = inner
      participating = true
      yield* member.awaitPresent
    })
    const leave = Effect.suspend(() => {
      participating = false
      const membership = kept
      kept = undefined
      // a joinScoped membership: its PersistentNode deletes the node as it stops
      if (membership !== undefined) return Effect.as(Scope.close(membership, Exit.void), true)
      return client.retry(
        client.delete(createPath).pipe(
          Effect.as(true),
          Effect.catchTag("NoNodeError", () => Effect.succeed(false))
        )
      )
    })
    const memberNodes = Effect.zipRight(
      client.retry(ensureParent),
      Effect.map(
        // a party whose node was deleted since has no members
        Effect.catchTag(client.retry(client.getChildren(path)), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>)),
        (children) => children.filter(layout.isMember)
      )
    )
    const changes: Stream.Stream<ReadonlyArray<string>, PartyError | ZooKeeperError> = Stream.unwrap(
      Effect.as(client.retry(ensureParent), ChildrenWatch.stream(client, path))
    ).pipe(
      Stream.mapEffect((change) => layout.identifiers(client, path, change.children.filter(layout.isMember)))
    )
    return {
      path,
      identifier,
      node,
      join,
      joinScoped,
      leave,
      participating: Effect.sync(() => participating),
      members: Effect.flatMap(memberNodes, (children) => layout.identifiers(client, path, children)),
      count: Effect.map(memberNodes, (children) => children.length),
      changes
    }
  })

/**
 * A `Party` member handle: the identifier is stored in the member's znode (default "").
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: ZooKeeperClient, path: string, identifier = ""): Effect.Effect<Party> =>
  makeWith(deep, client, path, identifier)

/**
 * A `ShallowParty` member handle: the identifier is part of the member's znode name (default
 * ""), so listing needs no reads.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeShallow = (client: ZooKeeperClient, path: string, identifier = ""): Effect.Effect<Party> =>
  makeWith(shallow, client, path, identifier)
