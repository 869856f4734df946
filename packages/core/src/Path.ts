/**
 * Znode paths: validation by ZooKeeper's own rules (its `PathUtils.validatePath`), the reserved
 * system nodes, chroot prefixing and stripping, small path helpers for recipes, sequence
 * suffixes, and the client-side checks of data size and versions.
 *
 * Everything here is synchronous and allocation-light: it runs for every request. The
 * validators return the error (or `undefined`) instead of failing an Effect, so the request
 * path can check without building an Effect; {@link validatePath} is the Effect form.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { InvalidArgumentError } from "./ZooKeeperError.js"

/**
 * Where a check runs: the operation (and optionally which argument is checked) so that the
 * error names them.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckContext {
  /** The client operation, e.g. `"create"`. */
  readonly op: string
  /** The argument being checked; defaults to `"path"` for paths. */
  readonly argument?: string | undefined
  /** The path the operation concerns, for errors about something else (data, version). */
  readonly path?: string | undefined
}

/**
 * The context of a path check: as {@link CheckContext}, plus whether the path is the prefix of
 * a sequential create (ZooKeeper appends a counter, so it may end in `/` or in `.`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PathContext extends CheckContext {
  /** The path is given to a sequential create; the server appends a 10-digit counter. */
  readonly sequential?: boolean | undefined
}

const SLASH = 0x2f
const DOT = 0x2e

const invalid = (path: string, ctx: CheckContext, reason: string): InvalidArgumentError =>
  new InvalidArgumentError({ op: ctx.op, path, argument: ctx.argument ?? "path", reason })

const hex4 = (code: number): string => code.toString(16).toUpperCase().padStart(4, "0")

/**
 * Whether ZooKeeper refuses this UTF-16 code unit in a path: U+0001–U+001F, U+007F–U+009F,
 * U+D800–U+F8FF (surrogates, so every character outside the BMP, and the private use area)
 * and U+FFF0–U+FFFF. U+0000 is refused separately.
 */
const isForbiddenCode = (c: number): boolean =>
  (c > 0x0000 && c <= 0x001f) || (c >= 0x007f && c <= 0x009f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0

/**
 * Checks a znode path by ZooKeeper's rules (those of the server's and the Java client's
 * `PathUtils.validatePath`): not empty; starts with `/`; no trailing `/` except for the root;
 * no empty segment (`//`); no `.` or `..` segment; no U+0000; none of the characters
 * U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF (so nothing outside the BMP).
 *
 * With `sequential: true` the path is checked as ZooKeeper checks the prefix of a sequential
 * create, i.e. as if the counter were already appended: `/queue/` and `/a/.` are then valid.
 *
 * Returns `undefined` when the path is valid, else the error, whose `reason` names the rule and
 * the index of the offending character. Synchronous and regex-free: it runs for every request.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = (path: string, ctx: PathContext): InvalidArgumentError | undefined => {
  const len = path.length
  if (len === 0) return invalid(path, ctx, "a path must not be empty")
  if (path.charCodeAt(0) !== SLASH) return invalid(path, ctx, "a path must start with '/'")
  const sequential = ctx.sequential === true
  if (len === 1) return undefined
  if (!sequential && path.charCodeAt(len - 1) === SLASH) {
    return invalid(path, ctx, "a path must not end with '/'")
  }
  // `prev` and `prev2` are the two code units before `i`; a segment boundary is a `/`.
  let prev2 = -1
  let prev = SLASH
  for (let i = 1; i < len; i++) {
    const c = path.charCodeAt(i)
    // In a sequential create a counter follows the last character, so nothing ends there.
    const next = i + 1 < len ? path.charCodeAt(i + 1) : sequential ? -1 : SLASH
    if (c === 0) return invalid(path, ctx, `null character (U+0000) at index ${i}`)
    if (c === SLASH) {
      if (prev === SLASH) return invalid(path, ctx, `empty segment ('//') at index ${i}`)
    } else if (c === DOT) {
      if (next === SLASH) {
        if (prev === SLASH) return invalid(path, ctx, `relative segment '.' at index ${i}`)
        if (prev === DOT && prev2 === SLASH) return invalid(path, ctx, `relative segment '..' at index ${i - 1}`)
      }
    } else if (isForbiddenCode(c)) {
      return invalid(path, ctx, `character U+${hex4(c)} is not allowed (index ${i})`)
    }
    prev2 = prev
    prev = c
  }
  return undefined
}

/**
 * {@link validate} as an Effect: succeeds with the path, or fails with the
 * {@link InvalidArgumentError} naming the broken rule.
 *
 * @since 0.1.0
 * @category validation
 */
export const validatePath = (path: string, ctx: PathContext): Effect.Effect<string, InvalidArgumentError> => {
  const error = validate(path, ctx)
  return error === undefined ? Effect.succeed(path) : Effect.fail(error)
}

// ---------------------------------------------------------------------------------------------
// The reserved system nodes
// ---------------------------------------------------------------------------------------------

/**
 * The root of ZooKeeper's system subtree (`/zookeeper`).
 *
 * @since 0.1.0
 * @category constants
 */
export const systemRoot = "/zookeeper"

/**
 * Where ZooKeeper keeps quotas (`/zookeeper/quota`).
 *
 * @since 0.1.0
 * @category constants
 */
export const quotaRoot = "/zookeeper/quota"

/**
 * Where ZooKeeper 3.5+ publishes the ensemble configuration (`/zookeeper/config`).
 *
 * @since 0.1.0
 * @category constants
 */
export const configNode = "/zookeeper/config"

/**
 * Whether a *server* path (after the chroot is added) is one of ZooKeeper's special nodes:
 * `/`, `/zookeeper`, `/zookeeper/quota`, `/zookeeper/config` (the server's
 * `DataTree.isSpecialPath`). They always exist, so creating one fails with NodeExists, and the
 * server refuses to delete one with BadArguments.
 *
 * @since 0.1.0
 * @category reserved
 */
export const isSpecialPath = (serverPath: string): boolean =>
  serverPath === "/" || serverPath === systemRoot || serverPath === quotaRoot || serverPath === configNode

/**
 * Whether a *server* path lies in ZooKeeper's system subtree (`/zookeeper` or below). Reading
 * it is fine; recipes that walk a tree (recursive delete, tree caches) skip it.
 *
 * @since 0.1.0
 * @category reserved
 */
export const isSystemPath = (serverPath: string): boolean =>
  serverPath.startsWith(systemRoot) &&
  (serverPath.length === systemRoot.length || serverPath.charCodeAt(systemRoot.length) === SLASH)

/**
 * The writes that {@link isReservedWrite} judges.
 *
 * @since 0.1.0
 * @category reserved
 */
export type WriteOp = "create" | "delete" | "setData" | "setACL"

/**
 * Whether ZooKeeper 3.8 refuses this write to a *server* path whatever the ACLs say: deleting
 * one of the special nodes ({@link isSpecialPath}: `/`, `/zookeeper`, `/zookeeper/quota`,
 * `/zookeeper/config`) fails with BadArguments on the server.
 *
 * Everything else is the server's or the ACL's business and is deliberately *not* refused
 * here, as measured on a ZooKeeper 3.8 server: creating a special node fails with NodeExists
 * (which `ensurePath` relies on); creating children of `/zookeeper` and `/zookeeper/quota` and
 * setting their data succeeds (that is how quotas are written); `/zookeeper/config` is
 * protected by its ACL (`world:anyone` read-only), so writes there fail with NoAuth unless the
 * session is a superuser.
 *
 * @since 0.1.0
 * @category reserved
 */
export const isReservedWrite = (serverPath: string, op: WriteOp): boolean => op === "delete" && isSpecialPath(serverPath)

/**
 * {@link isReservedWrite} as a check: the {@link InvalidArgumentError} to fail with, or
 * `undefined`. `ctx.path` (the caller's path, without chroot) is what the error names.
 *
 * @since 0.1.0
 * @category reserved
 */
export const validateWrite = (
  serverPath: string,
  op: WriteOp,
  ctx: CheckContext
): InvalidArgumentError | undefined =>
  isReservedWrite(serverPath, op)
    ? new InvalidArgumentError({
      op: ctx.op,
      path: ctx.path ?? serverPath,
      argument: ctx.argument ?? "path",
      reason: `ZooKeeper never deletes its special node ${JSON.stringify(serverPath)}`
    })
    : undefined

// ---------------------------------------------------------------------------------------------
// Chroot
// ---------------------------------------------------------------------------------------------

/**
 * Adds and removes a chroot. Made by {@link makeChroot}.
 *
 * @since 0.1.0
 * @category chroot
 */
export interface Chroot {
  /** The chroot, or `undefined` when there is none. */
  readonly chroot: string | undefined
  /**
   * The server path for a client path: `/` maps to the chroot itself, `/a` to `<chroot>/a`.
   * For the prefix of a sequential create pass `sequential`, so that `/` maps to `<chroot>/`
   * and the counter lands in a child of the chroot.
   */
  readonly prefix: (path: string, sequential?: boolean) => string
  /**
   * The client path for a server path (results, created names, event paths): the chroot maps
   * to `/`, `<chroot>/a` to `/a`. A path outside the chroot is returned unchanged.
   */
  readonly strip: (serverPath: string) => string
}

const identity = (path: string): string => path

const noChroot: Chroot = { chroot: undefined, prefix: identity, strip: identity }

/**
 * Builds the chroot helpers. `undefined`, `""` and `"/"` mean no chroot (the helpers are then
 * the identity). The chroot must be a valid path, as {@link validate} and
 * `ConnectString.parse` ensure; a trailing `/` is tolerated and dropped.
 *
 * @since 0.1.0
 * @category chroot
 */
export const makeChroot = (chroot: string | undefined): Chroot => {
  if (chroot === undefined || chroot === "" || chroot === "/") return noChroot
  const root = chroot.charCodeAt(chroot.length - 1) === SLASH ? chroot.slice(0, -1) : chroot
  const rootLength = root.length
  return {
    chroot: root,
    prefix: (path, sequential) => (path === "/" && sequential !== true ? root : root + path),
    strip: (serverPath) => {
      if (!serverPath.startsWith(root)) return serverPath
      if (serverPath.length === rootLength) return "/"
      return serverPath.charCodeAt(rootLength) === SLASH ? serverPath.slice(rootLength) : serverPath
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for recipes
// ---------------------------------------------------------------------------------------------

/**
 * Joins path pieces with single slashes: `join("/a", "b", "c")` is `/a/b/c`,
 * `join("/a/", "/b")` is `/a/b`. Empty pieces are skipped and the result never ends in `/`
 * unless it is the root. Unlike POSIX `join`, an absolute later piece does not discard what
 * came before: every piece is appended. No `.`/`..` processing (ZooKeeper has none).
 *
 * @since 0.1.0
 * @category helpers
 */
export const join = (first: string, ...rest: ReadonlyArray<string>): string => {
  let out = first
  for (const piece of rest) {
    let start = 0
    while (start < piece.length && piece.charCodeAt(start) === SLASH) start++
    if (start === piece.length) continue
    out = out.length > 0 && out.charCodeAt(out.length - 1) === SLASH ? out + piece.slice(start) : out + "/" + piece.slice(start)
  }
  let end = out.length
  while (end > 1 && out.charCodeAt(end - 1) === SLASH) end--
  return end === out.length ? out : out.slice(0, end)
}

/**
 * The parent of a path: `/a/b` → `/a`, `/a` → `/`, and `/` → `/` (the root is its own parent).
 *
 * @since 0.1.0
 * @category helpers
 */
export const parent = (path: string): string => {
  const i = path.lastIndexOf("/")
  return i <= 0 ? "/" : path.slice(0, i)
}

/**
 * The last segment of a path: `/a/b` → `b`; the root's is `""`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

// ---------------------------------------------------------------------------------------------
// Sequence suffixes
// ---------------------------------------------------------------------------------------------

/**
 * How many characters ZooKeeper appends to a sequential node's name: the parent's child
 * version, formatted `%010d`.
 *
 * @since 0.1.0
 * @category sequence
 */
export const sequenceLength = 10

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

/**
 * The counter ZooKeeper appended to a sequential node's name (or path), or `undefined` when the
 * name does not end in one: `lock-0000000042` → `42`. The counter is a signed 32-bit value
 * formatted `%010d`, so after 2^31 sequential children of one parent ZooKeeper writes negative
 * counters; the 10-character ones (`-000000001` … `-999999999`) are read as negative numbers.
 * Only the last 10 characters are read, so prefixes ending in `-` (Curator's `lock-`) are fine.
 *
 * @since 0.1.0
 * @category sequence
 */
export const sequenceOf = (name: string): number | undefined => {
  const len = name.length
  if (len < sequenceLength) return undefined
  const start = len - sequenceLength
  const negative = name.charCodeAt(start) === 0x2d
  let value = 0
  for (let i = negative ? start + 1 : start; i < len; i++) {
    const c = name.charCodeAt(i)
    if (!isDigit(c)) return undefined
    value = value * 10 + (c - 0x30)
  }
  return negative ? -value : value
}

/**
 * Formats a counter as ZooKeeper does (`%010d`): `42` → `0000000042`, `-1` → `-000000001`.
 *
 * @since 0.1.0
 * @category sequence
 */
export const formatSequence = (n: number): string =>
  n < 0 ? "-" + String(-n).padStart(sequenceLength - 1, "0") : String(n).padStart(sequenceLength, "0")

// ---------------------------------------------------------------------------------------------
// Data and versions
// ---------------------------------------------------------------------------------------------

/**
 * The default largest znode payload: 1,048,575 bytes (0xfffff), ZooKeeper's default
 * `jute.maxbuffer`. A server refuses larger packets by dropping the connection, which a client
 * sees as ConnectionLoss, so the client refuses them first. The whole request (path, ACLs and
 * framing included) must fit the server's limit too; the payload check catches the common case.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxDataBytes = 1_048_575

/**
 * Checks a payload's size: `null` (no data) and anything up to `maxBytes` bytes pass; larger
 * data gives an {@link InvalidArgumentError} naming `"data"` (or `ctx.argument`).
 *
 * @since 0.1.0
 * @category validation
 */
export const validateData = (
  data: Uint8Array | null,
  maxBytes: number,
  ctx: CheckContext
): InvalidArgumentError | undefined =>
  data !== null && data.byteLength > maxBytes
    ? new InvalidArgumentError({
      op: ctx.op,
      path: ctx.path,
      argument: ctx.argument ?? "data",
      reason: `${data.byteLength} bytes exceed the limit of ${maxBytes} bytes (jute.maxbuffer)`
    })
    : undefined

/**
 * The largest version ZooKeeper accepts (versions are signed 32-bit integers).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxVersion = 2_147_483_647

/**
 * Checks an expected version: an integer from -1 ("any version") to 2^31-1. Anything else gives
 * an {@link InvalidArgumentError} naming `"version"` (or `ctx.argument`).
 *
 * @since 0.1.0
 * @category validation
 */
export const validateVersion = (version: number, ctx: CheckContext): InvalidArgumentError | undefined => {
  if (Number.isInteger(version) && version >= -1 && version <= maxVersion) return undefined
  return new InvalidArgumentError({
    op: ctx.op,
    path: ctx.path,
    argument: ctx.argument ?? "version",
    reason: Number.isInteger(version)
      ? `${version} is out of range: a version is -1 (any) or from 0 to ${maxVersion}`
      : `${String(version)} is not an integer`
  })
}
