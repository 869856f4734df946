/**
 * ZooKeeper's four-letter words (`ruok`, `srvr`, `stat`, `mntr`, ...) over a raw TCP socket.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { connect } from "node:net"
import { FourLetterWordError } from "./TestClusterError.js"

/**
 * Options of a four-letter-word exchange.
 *
 * @since 0.1.0
 * @category models
 */
export interface SendOptions {
  /** Bound on connect + answer. Default 2 seconds. */
  readonly timeout?: Duration.DurationInput
}

/**
 * Sends a four-letter word and returns the server's whole answer as text.
 *
 * The timer is a plain runtime timer, so the exchange behaves the same under a TestClock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const send = (
  host: string,
  port: number,
  word: string,
  options: SendOptions = {}
): Effect.Effect<string, FourLetterWordError> =>
  Effect.async<string, FourLetterWordError>((resume) => {
    const millis = Duration.toMillis(Duration.decode(options.timeout ?? "2 seconds"))
    const chunks: Array<Uint8Array> = []
    let settled = false
    const socket = connect({ host, port })
    const finish = (outcome: Effect.Effect<string, FourLetterWordError>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resume(outcome)
    }
    const fail = (reason: "timeout" | "refused" | "error", cause?: unknown) =>
      finish(Effect.fail(new FourLetterWordError({ host, port, word, reason, cause })))
    const timer = setTimeout(() => fail("timeout"), millis)
    socket.on("connect", () => socket.write(word))
    socket.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    socket.on("end", () => finish(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" && chunks.length > 0) {
        finish(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
      } else {
        fail(error.code === "ECONNREFUSED" ? "refused" : "error", error)
      }
    })
    return Effect.sync(() => {
      settled = true
      clearTimeout(timer)
      socket.destroy()
    })
  })

/**
 * The role a server reports in `srvr`/`stat`.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "leader" | "follower" | "observer" | "standalone" | "read-only"

/**
 * What `srvr` says about a server; `mode` is undefined while it does not serve requests.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerStatus {
  readonly mode: Mode | undefined
  readonly version: string | undefined
  readonly zxid: bigint | undefined
  readonly raw: string
}

const modes: ReadonlyArray<Mode> = ["leader", "follower", "observer", "standalone", "read-only"]

/**
 * Parses the answer to `srvr` (or `stat`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const parseStatus = (raw: string): ServerStatus => {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s*(.*)$`, "m").exec(raw)
    return match?.[1]?.trim()
  }
  const modeText = field("Mode")
  const mode = modes.find((m) => m === modeText)
  const zxidText = field("Zxid")
  return {
    mode,
    version: field("Zookeeper version"),
    zxid: zxidText !== undefined && /^0x[0-9a-f]+$/i.test(zxidText) ? BigInt(zxidText) : undefined,
    raw
  }
}

/**
 * Sends `srvr` and parses the answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const status = (
  host: string,
  port: number,
  options: SendOptions = {}
): Effect.Effect<ServerStatus, FourLetterWordError> => Effect.map(send(host, port, "srvr", options), parseStatus)

/**
 * Sends `ruok`; succeeds with true when the server answers `imok`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const ruok = (
  host: string,
  port: number,
  options: SendOptions = {}
): Effect.Effect<boolean, FourLetterWordError> =>
  Effect.map(send(host, port, "ruok", options), (answer) => answer.trim() === "imok")
