/**
 * Errors: one tagged class per ZooKeeper error code, plus the client's own errors.
 *
 * Every error carries the operation (`op`) it came from and, where there is one, the
 * `path`. Server error classes also carry their numeric ZooKeeper `code`.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { YieldableError } from "effect/Cause"

/**
 * What every server-reported error names: the operation and the path it concerned.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorContext {
  /** The client operation, e.g. `"create"`, `"getData"`, `"multi"`. */
  readonly op: string
  /** The znode path the operation concerned, as the caller wrote it (without chroot). */
  readonly path?: string | undefined
}

const describe = (ctx: ErrorContext): string =>
  ctx.path === undefined ? `${ctx.op}` : `${ctx.op} ${JSON.stringify(ctx.path)}`

/**
 * The shape shared by every server error class: a yieldable tagged error with its code.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerErrorShape<Tag extends string, Code extends number> extends YieldableError, ErrorContext {
  readonly _tag: Tag
  readonly code: Code
}

interface ServerErrorConstructor<Tag extends string, Code extends number> {
  readonly code: Code
  new (ctx: ErrorContext): ServerErrorShape<Tag, Code>
}

const ServerError = <Tag extends string, Code extends number>(
  tag: Tag,
  code: Code,
  text: string
): ServerErrorConstructor<Tag, Code> => {
  class Base extends Data.TaggedError(tag)<ErrorContext> {
    /** The ZooKeeper error code of this class. */
    static readonly code: Code = code
    /** The ZooKeeper error code. */
    readonly code: Code = code
    override get message(): string {
      return `${describe(this)}: ${text} (ZooKeeper error ${code})`
    }
  }
  return Base
}

// ---------------------------------------------------------------------------------------------
// System errors (-1 .. -14)
// ---------------------------------------------------------------------------------------------

/** ZooKeeper -1: a system error on the server. @since 0.1.0 @category errors */
export class SystemZooKeeperError extends ServerError("SystemZooKeeperError", -1, "system error") {}
/** ZooKeeper -2: a runtime inconsistency was found. @since 0.1.0 @category errors */
export class RuntimeInconsistencyError extends ServerError("RuntimeInconsistencyError", -2, "runtime inconsistency") {}
/** ZooKeeper -3: a data inconsistency was found. @since 0.1.0 @category errors */
export class DataInconsistencyError extends ServerError("DataInconsistencyError", -3, "data inconsistency") {}
/** ZooKeeper -4: the connection to the server was lost before a reply arrived. @since 0.1.0 @category errors */
export class ConnectionLossError extends ServerError("ConnectionLossError", -4, "connection lost") {}
/** ZooKeeper -5: the server could not marshal or unmarshal a request. @since 0.1.0 @category errors */
export class MarshallingError extends ServerError("MarshallingError", -5, "marshalling error") {}
/** ZooKeeper -6: the server does not implement the operation. @since 0.1.0 @category errors */
export class UnimplementedError extends ServerError("UnimplementedError", -6, "operation is unimplemented") {}
/** ZooKeeper -7: the operation timed out. @since 0.1.0 @category errors */
export class OperationTimeoutError extends ServerError("OperationTimeoutError", -7, "operation timed out") {}
/** ZooKeeper -8: the server rejected the arguments. @since 0.1.0 @category errors */
export class BadArgumentsError extends ServerError("BadArgumentsError", -8, "bad arguments") {}
/** ZooKeeper -12: the session is unknown to the server. @since 0.1.0 @category errors */
export class UnknownSessionError extends ServerError("UnknownSessionError", -12, "unknown session") {}
/** ZooKeeper -13: the new configuration has no quorum. @since 0.1.0 @category errors */
export class NewConfigNoQuorumError extends ServerError("NewConfigNoQuorumError", -13, "new configuration has no quorum") {}
/** ZooKeeper -14: another reconfiguration is in progress. @since 0.1.0 @category errors */
export class ReconfigInProgressError extends ServerError("ReconfigInProgressError", -14, "reconfiguration in progress") {}

// ---------------------------------------------------------------------------------------------
// API errors (-100 .. -127)
// ---------------------------------------------------------------------------------------------

/** ZooKeeper -100: a generic API error. @since 0.1.0 @category errors */
export class ApiError extends ServerError("ApiError", -100, "API error") {}
/** ZooKeeper -101: the node does not exist. @since 0.1.0 @category errors */
export class NoNodeError extends ServerError("NoNodeError", -101, "node does not exist") {}
/** ZooKeeper -102: not authorised for this operation. @since 0.1.0 @category errors */
export class NoAuthError extends ServerError("NoAuthError", -102, "not authorised") {}
/** ZooKeeper -103: the expected version does not match the node's. @since 0.1.0 @category errors */
export class BadVersionError extends ServerError("BadVersionError", -103, "version conflict") {}
/** ZooKeeper -108: ephemeral nodes cannot have children. @since 0.1.0 @category errors */
export class NoChildrenForEphemeralsError extends ServerError(
  "NoChildrenForEphemeralsError",
  -108,
  "ephemeral nodes may not have children"
) {}
/** ZooKeeper -110: the node already exists. @since 0.1.0 @category errors */
export class NodeExistsError extends ServerError("NodeExistsError", -110, "node already exists") {}
/** ZooKeeper -111: the node has children. @since 0.1.0 @category errors */
export class NotEmptyError extends ServerError("NotEmptyError", -111, "node has children") {}
/** ZooKeeper -112: the session has expired. @since 0.1.0 @category errors */
export class SessionExpiredError extends ServerError("SessionExpiredError", -112, "session expired") {}
/** ZooKeeper -113: invalid callback. @since 0.1.0 @category errors */
export class InvalidCallbackError extends ServerError("InvalidCallbackError", -113, "invalid callback") {}
/** ZooKeeper -114: the ACL is invalid. @since 0.1.0 @category errors */
export class InvalidACLError extends ServerError("InvalidACLError", -114, "invalid ACL") {}
/** ZooKeeper -115: client authentication failed. @since 0.1.0 @category errors */
export class AuthFailedError extends ServerError("AuthFailedError", -115, "authentication failed") {}
/** ZooKeeper -118: the session moved to another server. @since 0.1.0 @category errors */
export class SessionMovedError extends ServerError("SessionMovedError", -118, "session moved to another server") {}
/** ZooKeeper -119: a write was sent to a read-only server. @since 0.1.0 @category errors */
export class NotReadOnlyCallError extends ServerError(
  "NotReadOnlyCallError",
  -119,
  "state-changing request sent to a read-only server"
) {}
/** ZooKeeper -120: ephemeral nodes need a global session. @since 0.1.0 @category errors */
export class EphemeralOnLocalSessionError extends ServerError(
  "EphemeralOnLocalSessionError",
  -120,
  "ephemeral node on a local session"
) {}
/** ZooKeeper -121: no such watcher to remove. @since 0.1.0 @category errors */
export class NoWatcherError extends ServerError("NoWatcherError", -121, "no such watcher") {}
/** ZooKeeper -122: the request timed out on the server. @since 0.1.0 @category errors */
export class RequestTimeoutError extends ServerError("RequestTimeoutError", -122, "request timed out") {}
/** ZooKeeper -123: dynamic reconfiguration is disabled. @since 0.1.0 @category errors */
export class ReconfigDisabledError extends ServerError("ReconfigDisabledError", -123, "reconfiguration is disabled") {}
/** ZooKeeper -124: the session was closed because SASL authentication is required. @since 0.1.0 @category errors */
export class SessionClosedRequireSaslAuthError extends ServerError(
  "SessionClosedRequireSaslAuthError",
  -124,
  "session closed: SASL authentication required"
) {}
/** ZooKeeper -125: a quota was exceeded. @since 0.1.0 @category errors */
export class QuotaExceededError extends ServerError("QuotaExceededError", -125, "quota exceeded") {}
/** ZooKeeper -127: the server throttled the operation. @since 0.1.0 @category errors */
export class ThrottledOpError extends ServerError("ThrottledOpError", -127, "operation throttled by the server") {}

/**
 * A code the server sent that this client does not know.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownErrorCodeError extends Data.TaggedError("UnknownErrorCodeError")<
  ErrorContext & { readonly code: number }
> {
  override get message(): string {
    return `${describe(this)}: unknown ZooKeeper error code ${this.code}`
  }
}

/**
 * Every error the server can report, one class per code.
 *
 * @since 0.1.0
 * @category errors
 */
export type ServerErrorType =
  | SystemZooKeeperError
  | RuntimeInconsistencyError
  | DataInconsistencyError
  | ConnectionLossError
  | MarshallingError
  | UnimplementedError
  | OperationTimeoutError
  | BadArgumentsError
  | UnknownSessionError
  | NewConfigNoQuorumError
  | ReconfigInProgressError
  | ApiError
  | NoNodeError
  | NoAuthError
  | BadVersionError
  | NoChildrenForEphemeralsError
  | NodeExistsError
  | NotEmptyError
  | SessionExpiredError
  | InvalidCallbackError
  | InvalidACLError
  | AuthFailedError
  | SessionMovedError
  | NotReadOnlyCallError
  | EphemeralOnLocalSessionError
  | NoWatcherError
  | RequestTimeoutError
  | ReconfigDisabledError
  | SessionClosedRequireSaslAuthError
  | QuotaExceededError
  | ThrottledOpError
  | UnknownErrorCodeError

type ServerErrorClass = { readonly code: number; new (ctx: ErrorContext): ServerErrorType }

const serverErrorClasses: ReadonlyArray<ServerErrorClass> = [
  SystemZooKeeperError,
  RuntimeInconsistencyError,
  DataInconsistencyError,
  ConnectionLossError,
  MarshallingError,
  UnimplementedError,
  OperationTimeoutError,
  BadArgumentsError,
  UnknownSessionError,
  NewConfigNoQuorumError,
  ReconfigInProgressError,
  ApiError,
  NoNodeError,
  NoAuthError,
  BadVersionError,
  NoChildrenForEphemeralsError,
  NodeExistsError,
  NotEmptyError,
  SessionExpiredError,
  InvalidCallbackError,
  InvalidACLError,
  AuthFailedError,
  SessionMovedError,
  NotReadOnlyCallError,
  EphemeralOnLocalSessionError,
  NoWatcherError,
  RequestTimeoutError,
  ReconfigDisabledError,
  SessionClosedRequireSaslAuthError,
  QuotaExceededError,
  ThrottledOpError
]

const byCode = new Map<number, ServerErrorClass>(serverErrorClasses.map((c) => [c.code, c]))

/**
 * Every error code ZooKeeper 3.8 defines (except 0, OK), in ascending order of magnitude.
 *
 * @since 0.1.0
 * @category constants
 */
export const knownErrorCodes: ReadonlyArray<number> = serverErrorClasses.map((c) => c.code)

/**
 * Builds the tagged error for a ZooKeeper error code; unknown codes give
 * {@link UnknownErrorCodeError}, never a crash.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCode = (code: number, ctx: ErrorContext): ServerErrorType => {
  const Class = byCode.get(code)
  return Class === undefined ? new UnknownErrorCodeError({ ...ctx, code }) : new Class(ctx)
}

// ---------------------------------------------------------------------------------------------
// The client's own errors
// ---------------------------------------------------------------------------------------------

/**
 * A configuration value is invalid; `field` names it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigurationError extends Data.TaggedError("ConfigurationError")<{
  readonly field: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid configuration "${this.field}": ${this.reason}`
  }
}

/**
 * An argument given to an operation is invalid (a bad path, oversized data, a version below
 * -1, ...). Nothing was sent to the server.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgumentError extends Data.TaggedError("InvalidArgumentError")<
  ErrorContext & { readonly argument: string; readonly reason: string }
> {
  override get message(): string {
    return `${describe(this)}: invalid ${this.argument}: ${this.reason}`
  }
}

/**
 * The bytes from the server broke the protocol (a malformed record, a frame length out of
 * bounds, a reply to an unknown request). The connection that produced them is dropped.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly reason: string
  readonly op?: string | undefined
}> {
  override get message(): string {
    return this.op === undefined ? `protocol error: ${this.reason}` : `protocol error in ${this.op}: ${this.reason}`
  }
}

/**
 * The client was closed (or is closing); no further operation is accepted.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientClosedError extends Data.TaggedError("ClientClosedError")<ErrorContext> {
  override get message(): string {
    return `${describe(this)}: the client is closed`
  }
}

/**
 * A recipe could not acquire what it waited for within its timeout; nothing was left behind.
 *
 * @since 0.1.0
 * @category errors
 */
export class LockTimeoutError extends Data.TaggedError("LockTimeoutError")<{
  readonly path: string
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `could not acquire ${JSON.stringify(this.path)} within ${this.timeoutMillis} ms`
  }
}

/**
 * A recipe's wait was cancelled by its owner.
 *
 * @since 0.1.0
 * @category errors
 */
export class CancelledError extends Data.TaggedError("CancelledError")<{ readonly path: string }> {
  override get message(): string {
    return `waiting on ${JSON.stringify(this.path)} was cancelled`
  }
}

/**
 * Every error an operation of the client can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ZooKeeperError = ServerErrorType | InvalidArgumentError | ProtocolError | ClientClosedError
