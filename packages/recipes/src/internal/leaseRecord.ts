/**
 * kazoo's lease record: `{"version": 1, "holder": "<identifier>", "end": "YYYY-MM-DDTHH:MM:SS"}`
 * as Python's `json.dumps` writes it, the end in UTC to the second.
 */
import * as Effect from "effect/Effect"
import { MalformedDataError } from "../RecipeError.js"
import { fromUtf8, pythonJsonString, utf8 } from "./encoding.js"

/** The version of kazoo's record format. */
export const VERSION = 1

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `%Y-%m-%dT%H:%M:%S` in UTC, as kazoo writes it (sub-seconds dropped). */
export const formatEnd = (millis: number): string => {
  const d = new Date(millis)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes()
  )}:${pad(d.getUTCSeconds())}`
}

const END = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})$/

/** Parses kazoo's `end` (naive UTC); undefined if it is not in that format. */
export const parseEnd = (text: string): number | undefined => {
  const m = END.exec(text)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const millis = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(millis)
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? millis : undefined
}

/** kazoo's record as Python's `json.dumps` writes it. */
export const encodeRecord = (holder: string, endMillis: number): Uint8Array =>
  utf8(`{"version": ${VERSION}, "holder": ${pythonJsonString(holder)}, "end": ${pythonJsonString(formatEnd(endMillis))}}`)

export interface LeaseRecord {
  readonly version: unknown
  readonly holder: string | undefined
  readonly end: number | undefined
}

/** Reads a record; a record of another version gives only its version. */
export const decodeRecord = (path: string, raw: Uint8Array): Effect.Effect<LeaseRecord, MalformedDataError> =>
  Effect.suspend((): Effect.Effect<LeaseRecord, MalformedDataError> => {
    let parsed: unknown
    try {
      parsed = JSON.parse(fromUtf8(raw))
    } catch {
      return Effect.fail(new MalformedDataError({ path, reason: "the lease record is not JSON" }))
    }
    if (typeof parsed !== "object" || parsed === null || !("version" in parsed)) {
      return Effect.fail(new MalformedDataError({ path, reason: "the lease record has no version" }))
    }
    const record = parsed as { readonly version: unknown; readonly holder?: unknown; readonly end?: unknown }
    if (record.version !== VERSION) return Effect.succeed({ version: record.version, holder: undefined, end: undefined })
    const end = typeof record.end === "string" ? parseEnd(record.end) : undefined
    if (typeof record.holder !== "string" || end === undefined) {
      return Effect.fail(new MalformedDataError({ path, reason: "the lease record lacks a holder or a valid end" }))
    }
    return Effect.succeed({ version: record.version, holder: record.holder, end })
  })

