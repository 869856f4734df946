// The Promise helpers, used the way a plain-vitest user would.
import { afterAll, describe, expect, it } from "vitest"
import { startTestCluster, useTestCluster } from "../src/vitest.js"
import { isAlive } from "./helpers.js"

describe("useTestCluster", () => {
  const zk = useTestCluster()

  it("gives each test the running server", async () => {
    const cluster = zk.cluster
    expect(cluster.size).toBe(1)
    expect(cluster.connectString()).toBe(`127.0.0.1:${cluster.clientPort(1)}`)
    expect(await cluster.fourLetterWord(1, "ruok")).toBe("imok")
    expect(await cluster.mode(1)).toBe("standalone")
    expect(cluster.state(1)).toBe("running")
  })

  it("rejects with the tagged error", async () => {
    await expect(zk.cluster.pause(9)).rejects.toMatchObject({ _tag: "MemberNotFoundError", id: 9 })
    expect(() => zk.cluster.connectString([2])).toThrow("No cluster member with id 2")
  })

  it("pauses, resumes, stops and starts the member", async () => {
    const cluster = zk.cluster
    await cluster.pause(1)
    expect(cluster.state(1)).toBe("paused")
    await expect(cluster.fourLetterWord(1, "ruok", { timeout: "500 millis" })).rejects.toMatchObject({
      reason: "timeout"
    })
    await cluster.resume(1)
    await cluster.stop(1)
    expect(cluster.state(1)).toBe("stopped")
    await cluster.start(1)
    expect(await cluster.fourLetterWord(1, "ruok")).toBe("imok")
    expect(await cluster.logTails(5)).toContain("==== member 1")
  })
})

describe("startTestCluster", () => {
  let pids: ReadonlyArray<number> = []
  afterAll(() => {
    expect(pids.length).toBeGreaterThan(0)
    expect(pids.filter(isAlive)).toEqual([])
  })

  it("starts a cluster and close() stops it", async () => {
    const cluster = await startTestCluster({ backend: "process" })
    try {
      expect(await cluster.leader()).toBe(1)
      pids = cluster.processIds()
    } finally {
      await cluster.close()
    }
    expect(pids.filter(isAlive)).toEqual([])
  })
})
