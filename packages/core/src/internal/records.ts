/**
 * ZooKeeper's records on the wire: whole request frames, reply decoding, the handshake, and
 * the server's side of each for fake servers and tests. The record codecs (`codecs.ts`) and
 * the protocol's types and constants (`protocol.ts`) are re-exported, so this module is the
 * one to import.
 *
 * Decoders return a `ProtocolError` on malformed input, never throw.
 *
 * @since 0.1.0
 */
import { ProtocolError } from "../ZooKeeperError.js"
import { operations, opNameOf, records } from "./codecs.js"
import { JuteDecodeError, JuteReader, JuteWriter } from "./jute.js"
import type * as P from "./protocol.js"
import { REPLY_HEADER_LENGTH, Xid } from "./protocol.js"

export * from "./codecs.js"
export * from "./protocol.js"

const { ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader, WatcherEvent } = records

// ---------------------------------------------------------------------------------------------
// Frames: what the client sends and receives
// ---------------------------------------------------------------------------------------------

const SCRATCH_CAPACITY = 4096
const SCRATCH_KEEP = 256 * 1024
let scratch = new JuteWriter(SCRATCH_CAPACITY)

// Hands out a copy of the scratch writer's frame; a scratch grown by a huge frame is dropped.
const takeFrame = (w: JuteWriter): Uint8Array => {
  const out = w.bytes().slice()
  if (w.capacity > SCRATCH_KEEP) scratch = new JuteWriter(SCRATCH_CAPACITY)
  return out
}

/**
 * Appends one whole request frame (4-byte length, RequestHeader {xid, type}, body) to `w`, so
 * many requests can be coalesced into one write without copies.
 *
 * @since 0.1.0
 * @category encoding
 */
export const writeRequest = <K extends P.OpName>(w: JuteWriter, op: K, xid: number, body: P.Requests[K]): void => {
  const operation = operations[op]
  const start = w.length
  w.int(0).int(xid).int(operation.code)
  operation.request.encode(w, body)
  w.patchInt(start, w.length - start - 4)
}

/**
 * One whole request frame: 4-byte big-endian length, RequestHeader {xid, type}, body.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRequest = <K extends P.OpName>(op: K, xid: number, body: P.Requests[K]): Uint8Array => {
  const w = scratch.reset()
  writeRequest(w, op, xid, body)
  return takeFrame(w)
}

/**
 * The handshake frame: 4-byte length, ConnectRequest, readOnly flag (no RequestHeader).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeConnectRequest = (req: P.ConnectRequest): Uint8Array => {
  const w = scratch.reset().int(0)
  ConnectRequest.encode(w, req)
  w.patchInt(0, w.length - 4)
  return takeFrame(w)
}

const toProtocolError = (e: unknown, op: string | undefined): ProtocolError =>
  new ProtocolError({
    reason: e instanceof JuteDecodeError ? e.message : `unexpected decoder failure: ${String(e)}`,
    op
  })

/**
 * Decodes the server's handshake reply (a frame without its length prefix).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeConnectResponse = (frame: Uint8Array): P.ConnectResponse | ProtocolError => {
  try {
    const r = new JuteReader(frame, 0)
    const v = ConnectResponse.decode(r)
    r.expectEnd("ConnectResponse")
    return v
  } catch (e) {
    return toProtocolError(e, "connect")
  }
}

/**
 * Decodes the ReplyHeader that starts every reply frame (without its length prefix); the
 * body, if any, starts at {@link REPLY_HEADER_LENGTH}.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeReplyHeader = (frame: Uint8Array): P.ReplyHeader | ProtocolError =>
  frame.length < REPLY_HEADER_LENGTH
    ? new ProtocolError({ reason: `reply of ${frame.length} bytes is shorter than a ReplyHeader (16)` })
    : ReplyHeader.decode(new JuteReader(frame, 0))

/**
 * Decodes the reply body of `op` from `frame[offset..]`. Truncation, trailing bytes and
 * malformed fields give a ProtocolError. Buffers in the result are views of `frame`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeResponse = <K extends P.OpName>(
  op: K,
  frame: Uint8Array,
  offset: number
): P.Responses[K] | ProtocolError => {
  try {
    const r = new JuteReader(frame, offset)
    const v = operations[op].response.decode(r)
    r.expectEnd(`the ${op} reply`)
    return v
  } catch (e) {
    return toProtocolError(e, op)
  }
}

/**
 * Decodes a watch notification's WatcherEvent from `frame[offset..]` (after the ReplyHeader
 * with xid -1).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeWatcherEvent = (frame: Uint8Array, offset: number): P.WatcherEvent | ProtocolError => {
  try {
    const r = new JuteReader(frame, offset)
    const v = WatcherEvent.decode(r)
    r.expectEnd("WatcherEvent")
    return v
  } catch (e) {
    return toProtocolError(e, "notification")
  }
}

// ---------------------------------------------------------------------------------------------
// The server's side, for fake servers and tests
// ---------------------------------------------------------------------------------------------

/**
 * A request as a server reads it.
 *
 * @since 0.1.0
 * @category models
 */
export type DecodedRequest = {
  readonly [K in P.OpName]: { readonly xid: number; readonly op: K; readonly body: P.Requests[K] }
}[P.OpName]

/**
 * Decodes a request frame (without its length prefix): RequestHeader and body.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeRequest = (frame: Uint8Array): DecodedRequest | ProtocolError => {
  try {
    const r = new JuteReader(frame, 0)
    const header = RequestHeader.decode(r)
    const op = opNameOf(header.type)
    if (op === undefined) return new ProtocolError({ reason: `unknown request opcode ${header.type}` })
    const body = operations[op].request.decode(r)
    r.expectEnd(`the ${op} request`)
    return { xid: header.xid, op, body } as DecodedRequest
  } catch (e) {
    return toProtocolError(e, undefined)
  }
}

/**
 * Decodes a handshake frame (without its length prefix); a missing readOnly flag is false.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeConnectRequest = (frame: Uint8Array): P.ConnectRequest | ProtocolError => {
  try {
    const r = new JuteReader(frame, 0)
    const v = ConnectRequest.decode(r)
    r.expectEnd("ConnectRequest")
    return v
  } catch (e) {
    return toProtocolError(e, "connect")
  }
}

/**
 * The server's handshake frame: 4-byte length, ConnectResponse, readOnly flag.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeConnectResponse = (resp: P.ConnectResponse): Uint8Array => {
  const w = scratch.reset().int(0)
  ConnectResponse.encode(w, resp)
  w.patchInt(0, w.length - 4)
  return takeFrame(w)
}

/**
 * A whole reply frame: 4-byte length, ReplyHeader, and the body of `op` when given (servers
 * send none when `header.err` is not 0).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeReply = <K extends P.OpName>(op: K, header: P.ReplyHeader, body?: P.Responses[K]): Uint8Array => {
  const w = scratch.reset().int(0)
  ReplyHeader.encode(w, header)
  if (body !== undefined) operations[op].response.encode(w, body)
  w.patchInt(0, w.length - 4)
  return takeFrame(w)
}

/**
 * A whole watch notification frame: 4-byte length, ReplyHeader {xid: -1, zxid, err: 0},
 * WatcherEvent.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeNotification = (event: P.WatcherEvent, zxid = -1n): Uint8Array => {
  const w = scratch.reset().int(0)
  ReplyHeader.encode(w, { xid: Xid.notification, zxid, err: 0 })
  WatcherEvent.encode(w, event)
  w.patchInt(0, w.length - 4)
  return takeFrame(w)
}
