import { describe, expect, it } from "@effect/vitest"
import * as ZkError from "@effect-zk/core/ZooKeeperError"

describe("ZooKeeperError", () => {
  it("maps every ZooKeeper 3.8 code to its own tagged class", () => {
    const expected: Record<number, string> = {
      [-1]: "SystemZooKeeperError", [-2]: "RuntimeInconsistencyError", [-3]: "DataInconsistencyError",
      [-4]: "ConnectionLossError", [-5]: "MarshallingError", [-6]: "UnimplementedError",
      [-7]: "OperationTimeoutError", [-8]: "BadArgumentsError", [-12]: "UnknownSessionError",
      [-13]: "NewConfigNoQuorumError", [-14]: "ReconfigInProgressError", [-100]: "ApiError",
      [-101]: "NoNodeError", [-102]: "NoAuthError", [-103]: "BadVersionError",
      [-108]: "NoChildrenForEphemeralsError", [-110]: "NodeExistsError", [-111]: "NotEmptyError",
      [-112]: "SessionExpiredError", [-113]: "InvalidCallbackError", [-114]: "InvalidACLError",
      [-115]: "AuthFailedError", [-118]: "SessionMovedError", [-119]: "NotReadOnlyCallError",
      [-120]: "EphemeralOnLocalSessionError", [-121]: "NoWatcherError", [-122]: "RequestTimeoutError",
      [-123]: "ReconfigDisabledError", [-124]: "SessionClosedRequireSaslAuthError",
      [-125]: "QuotaExceededError", [-127]: "ThrottledOpError"
    }
    expect([...ZkError.knownErrorCodes].sort((a, b) => a - b)).toEqual(
      Object.keys(expected).map(Number).sort((a, b) => a - b)
    )
    for (const [code, tag] of Object.entries(expected)) {
      const e = ZkError.fromCode(Number(code), { op: "getData", path: "/a" })
      expect(e._tag).toBe(tag)
      expect(e.code).toBe(Number(code))
      expect(e.path).toBe("/a")
      expect(e.message).toContain('getData "/a"')
    }
  })

  it("maps an unknown code to UnknownErrorCodeError instead of crashing", () => {
    const e = ZkError.fromCode(-126, { op: "create", path: "/x" })
    expect(e._tag).toBe("UnknownErrorCodeError")
    expect(e.code).toBe(-126)
    expect(e.message).toContain("unknown ZooKeeper error code -126")
  })

  it("names the field of a configuration error", () => {
    const e = new ZkError.ConfigurationError({ field: "sessionTimeout", reason: "must be positive" })
    expect(e.message).toBe('invalid configuration "sessionTimeout": must be positive')
  })
})
