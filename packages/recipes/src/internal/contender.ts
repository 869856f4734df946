/**
 * The contender engine behind Lock, ReadLock, WriteLock, Election, Semaphore (its lock) and the
 * leases (their lock), after Curator's `LockInternals`: one algorithm, parameterised by a
 * {@link Driver} that says what our node is called and which other nodes keep us waiting.
 *
 * The znodes are kazoo's: under the lock path, each contender creates an ephemeral sequential
 * node `<32 hex digits><node name><10-digit sequence>` (`…__lock__0000000007` for locks and
 * write locks, `…__rlock__0000000007` for read locks) holding its identifier in UTF-8.
 * Contenders are the children whose name matches `(?:<names>)(-?\d{10})$` anywhere, ordered
 * by that sequence text (as kazoo sorts it). A contender holds when no node that blocks it comes
 * before it; otherwise it watches the last such node with getData (never exists, which would
 * leave a watch behind on a node that is already gone) and checks again when it fires; a wait
 * that ends first (a timeout, an interruption) removes its watch.
 *
 * The create is protected (kazoo's `create_tried`, Curator's protection): after a lost reply we
 * look for a child with our random prefix before creating again, so a retried create never
 * leaves a second node.
 */
import { Path, Retry, type ZooKeeper, type ZooKeeperError } from "@effect-zk/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { escapeRegExp, fromUtf8, randomHex } from "./encoding.js"
import type { Won } from "./hold.js"
import { withWatch } from "./oneShot.js"
import { retryForever } from "./retry.js"
import { currentSession, removeNode } from "./session.js"

/**
 * What distinguishes the lock kinds (Curator's `LockInternalsDriver`).
 */
export interface Driver {
  /** The name between our prefix and the sequence: `__lock__` or `__rlock__`. */
  readonly nodeName: string
  /** The names of nodes that keep us waiting when they come before ours. */
  readonly blockers: ReadonlyArray<string>
  /** The random part before the node name: kazoo's 32 hex digits by default. */
  readonly protection?: () => string
  /**
   * Whether the lock path and its missing parents are made containers (Curator's
   * `creatingParentContainersIfNeeded`: the server deletes them once empty) rather than
   * persistent nodes (kazoo's).
   */
  readonly containers?: boolean
}

/** kazoo's Lock: exclusive among `__lock__` nodes (and any extra patterns, e.g. Curator's). */
export const exclusiveDriver = (extraPatterns: ReadonlyArray<string> = []): Driver => ({
  nodeName: "__lock__",
  blockers: ["__lock__", ...extraPatterns]
})

/** A random UUID (version 4), as Curator's protection uses. */
export const uuid = (): string => {
  const h = randomHex()
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Curator's protection: the random part of a protected node's name. */
const curatorProtection = (): string => `_c_${uuid()}`

/**
 * Curator's InterProcessMutex: protected nodes `_c_<uuid>-lock-<sequence>`, exclusive among
 * every `lock-` node (and any extra patterns, e.g. kazoo's `__lock__`).
 */
export const curatorExclusiveDriver = (extraPatterns: ReadonlyArray<string> = []): Driver => ({
  nodeName: "-lock-",
  blockers: ["-lock-", ...extraPatterns],
  protection: curatorProtection,
  containers: true
})

/** kazoo's WriteLock: blocked by any earlier read or write lock. */
export const writeDriver: Driver = { nodeName: "__lock__", blockers: ["__lock__", "__rlock__"] }

/**
 * kazoo's ReadLock: blocked by earlier write locks only. (kazoo 2.8 also waited for write locks
 * created *after* the reader, which can deadlock — kazoo issue #649, fixed in kazoo 2.9; here
 * only earlier ones count, as in ZooKeeper's shared-lock recipe.)
 */
export const readDriver: Driver = { nodeName: "__rlock__", blockers: ["__lock__"] }

/**
 * Curator's InterProcessReadWriteLock, write side: `_c_<uuid>-__WRIT__<sequence>`, blocked by any
 * earlier read or write node.
 */
export const curatorWriteDriver: Driver = {
  nodeName: "-__WRIT__",
  blockers: ["__WRIT__", "__READ__"],
  protection: curatorProtection,
  containers: true
}

/**
 * Curator's InterProcessReadWriteLock, read side: `_c_<uuid>-__READ__<sequence>`, blocked by
 * earlier write nodes only.
 */
export const curatorReadDriver: Driver = {
  nodeName: "-__READ__",
  blockers: ["__WRIT__"],
  protection: curatorProtection,
  containers: true
}

/** Curator's InterProcessSemaphoreV2's lease nodes: `_c_<uuid>-lease-<sequence>`. */
export const curatorLeaseDriver: Driver = {
  nodeName: "-lease-",
  blockers: ["-lease-"],
  protection: curatorProtection,
  containers: true
}

const matcher = (names: ReadonlyArray<string>): RegExp =>
  new RegExp(`(?:${[...new Set(names)].map(escapeRegExp).join("|")})(-?\\d{10})$`)

const MISSING = Symbol("missing")

/** One contention's node: its name once known, and whether a create was sent (kazoo's `create_tried`). */
export interface Attempt {
  name: string | undefined
  createTried: boolean
}

/** A contention that has placed nothing yet. */
export const newAttempt = (): Attempt => ({ name: undefined, createTried: false })

/** One contender: a client, a lock path, its identifier (node data) and a driver. */
export class Contender {
  /** Our random prefix followed by the node name (kazoo's `self.prefix`). */
  readonly prefix: string
  /** Where our sequential node is created (kazoo's `create_path`). */
  readonly createPath: string
  private readonly all: RegExp
  private readonly blocking: RegExp
  private assuredPath = false

  constructor(
    readonly client: ZooKeeper.ZooKeeperClient,
    readonly path: string,
    readonly data: Uint8Array,
    readonly driver: Driver
  ) {
    this.prefix = (driver.protection?.() ?? randomHex()) + driver.nodeName
    this.createPath = Path.join(path, this.prefix)
    this.all = matcher([...driver.blockers, driver.nodeName])
    this.blocking = matcher(driver.blockers)
  }

  /**
   * The lock path exists (created once per contender, as kazoo's `assured_path`). Should it be
   * deleted later (by someone else, or by the server as an empty container), our create makes
   * it again (`makepath`), and a vanished path reads as no children.
   */
  readonly ensurePath: Effect.Effect<void, ZooKeeperError.ZooKeeperError> = Effect.suspend(() =>
    this.assuredPath
      ? Effect.void
      : Effect.tap(this.client.ensurePath(this.path, { container: this.driver.containers === true }), () => {
          this.assuredPath = true
        })
  )

  /** The lock path's children; none when the path itself is gone. */
  readonly children: Effect.Effect<ReadonlyArray<string>, ZooKeeperError.ZooKeeperError> = Effect.suspend(() =>
    Effect.catchTag(this.client.getChildren(this.path), "NoNodeError", () => Effect.succeed([] as ReadonlyArray<string>))
  )

  /** The contenders among `children`, ordered by their sequence text. */
  sorted(children: ReadonlyArray<string>): ReadonlyArray<string> {
    const matches: Array<{ readonly name: string; readonly seq: string }> = []
    for (const name of children) {
      const m = this.all.exec(name)
      if (m !== null) matches.push({ name, seq: m[1]! })
    }
    matches.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
    return matches.map((m) => m.name)
  }

  /** The node we wait for, undefined when we hold, MISSING when our node is not there. */
  predecessor(children: ReadonlyArray<string>, ours: string): string | undefined | typeof MISSING {
    if (!children.includes(ours)) return MISSING
    let previous: string | undefined
    for (const name of this.sorted(children)) {
      if (name === ours) return previous
      if (this.blocking.test(name)) previous = name
    }
    return MISSING
  }

  /** The name of our node, found by our prefix (kazoo's `_find_node`). */
  readonly findNode: Effect.Effect<string | undefined, ZooKeeperError.ZooKeeperError> = Effect.suspend(() =>
    Effect.map(this.children, (children) => children.find((c) => c.startsWith(this.prefix)))
  )

  /** The identifiers of the contenders, in order (kazoo's `contenders()`). */
  readonly contenders: Effect.Effect<ReadonlyArray<string>, ZooKeeperError.ZooKeeperError> = Effect.gen(
    this,
    function* () {
      yield* this.ensurePath
      const ordered = this.sorted(yield* this.children)
      const out: Array<string> = []
      for (const name of ordered) {
        const read = yield* Effect.either(this.client.get(Path.join(this.path, name)))
        if (Either.isRight(read)) out.push(fromUtf8(read.right.data))
        else if (read.left._tag !== "NoNodeError") return yield* Effect.fail(read.left)
      }
      return out
    }
  )

  /**
   * Places our node: creates it, or — after a create whose reply was lost — finds it by our
   * prefix first, so a retried create never leaves a second node. Fails with ForceRetryError
   * when the node vanished or the session ended as it was created (start again).
   */
  place(attempt: Attempt, ephemeral: boolean): Effect.Effect<Won, ZooKeeperError.ZooKeeperError | Retry.ForceRetryError> {
    return Effect.gen(this, function* () {
      yield* this.ensurePath
      const client = this.client
      let name: string | undefined
      let owner = 0n
      if (attempt.createTried) {
        name = yield* this.findNode
        if (name !== undefined && ephemeral) {
          const stat = yield* client.exists(Path.join(this.path, name))
          if (Option.isNone(stat)) return yield* new Retry.ForceRetryError({ reason: "our node vanished" })
          owner = stat.value.ephemeralOwner
        }
      } else {
        attempt.createTried = true
      }
      if (name === undefined) {
        // A plain create (create2 needs ZooKeeper 3.5): the reply came in the current session, so
        // that is the node's owner — unless it has just expired, and then the node is gone.
        name = Path.basename(
          yield* client.create(this.createPath, {
            data: this.data,
            ephemeral,
            sequence: true,
            makepath: this.driver.containers === true ? "containers" : true
          })
        )
        if (ephemeral) {
          owner = yield* currentSession(client)
          if (owner === 0n) return yield* new Retry.ForceRetryError({ reason: "the session ended as we created our node" })
        }
      }
      attempt.name = name
      return { node: Path.join(this.path, name), owner }
    })
  }

  /** Removes the node an attempt placed, if any (found by our prefix when its name is unknown). */
  removeAttempt(attempt: Attempt, ephemeral: boolean): Effect.Effect<void> {
    return removeNode(
      this.client,
      Effect.suspend(() =>
        attempt.name !== undefined
          ? Effect.succeed<string | undefined>(Path.join(this.path, attempt.name))
          : attempt.createTried
            ? Effect.map(this.findNode, (found) => (found === undefined ? undefined : Path.join(this.path, found)))
            : Effect.succeed(undefined)
      ),
      ephemeral
    )
  }

  /**
   * Contends once: places our node (protected), then waits until nothing blocks it
   * (`blocking`) or looks once (not `blocking`). Connection loss, session expiry and a vanished
   * node are retried from the top. Succeeds with the node once it holds, or none; on failure,
   * interruption or none, our node has been removed.
   */
  contend(blocking: boolean, ephemeral: boolean): Effect.Effect<Option.Option<Won>, ZooKeeperError.ZooKeeperError> {
    return Effect.suspend(() => {
      const attempt = newAttempt()
      const client = this.client
      const pass = Effect.gen(this, function* () {
        const won = yield* this.place(attempt, ephemeral)
        const name = attempt.name!
        while (true) {
          const predecessor = this.predecessor(yield* this.children, name)
          if (predecessor === MISSING) {
            // Our node is gone (the session that owned it expired): start again.
            attempt.name = undefined
            return yield* new Retry.ForceRetryError({ reason: "our lock node is gone" })
          }
          if (predecessor === undefined) return Option.some<Won>(won)
          if (!blocking) return Option.none<Won>()
          // Until the predecessor changes; a wait that ends first (a timeout, an interruption)
          // removes its watch. A predecessor already gone: look again.
          yield* withWatch(client.getAndWatch(Path.join(this.path, predecessor)), (watched) => watched.event).pipe(
            Effect.catchTag("NoNodeError", () => Effect.void)
          )
        }
      })
      return retryForever(pass).pipe(
        Effect.onExit((exit) =>
          exit._tag === "Success" && Option.isSome(exit.value) ? Effect.void : this.removeAttempt(attempt, ephemeral)
        )
      )
    })
  }

  /** Removes the node of a hold (release). */
  remove(won: Won): Effect.Effect<void> {
    return removeNode(this.client, Effect.succeed(won.node), won.owner !== 0n)
  }
}
