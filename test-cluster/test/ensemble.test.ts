// One three-member ensemble, shared by the fault tests of this file; each test leaves all three
// members serving again for the next. The backend is the environment's choice (process unless
// EFFECT_ZK_TEST_CLUSTER=docker); process ids and folders are checked on the process backend.
import { expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import * as TestCluster from "../src/TestCluster.js"
import { isAlive } from "./helpers.js"

const followerOf = (cluster: TestCluster.TestCluster) =>
  Effect.gen(function*() {
    const leader = yield* cluster.leader()
    const follower = cluster.ids.find((id) => id !== leader)!
    expect(yield* cluster.mode(follower)).toBe("follower")
    return follower
  })

layer(TestCluster.layerEnsemble(), { excludeTestServices: true })("a three-member ensemble", (it) => {
  it.effect("reaches quorum with exactly one leader", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.TestCluster
      expect(cluster.size).toBe(3)
      expect(cluster.ids).toEqual([1, 2, 3])
      const modes = yield* Effect.forEach(cluster.ids, (id) => cluster.mode(id))
      expect(modes.filter((mode) => mode === "leader")).toHaveLength(1)
      expect(modes.filter((mode) => mode === "follower")).toHaveLength(2)
      expect(yield* cluster.mode(yield* cluster.leader())).toBe("leader")

      const ports = yield* Effect.forEach(cluster.ids, (id) => cluster.clientPort(id))
      expect(yield* cluster.connectString()).toBe(ports.map((port) => `127.0.0.1:${port}`).join(","))
      expect(yield* cluster.connectString([1, 3])).toBe(`127.0.0.1:${ports[0]},127.0.0.1:${ports[2]}`)
      const missing = yield* Effect.flip(cluster.connectString([1, 4]))
      expect(missing._tag).toBe("MemberNotFoundError")
      expect(missing.message).toContain("members are 1, 2, 3")
    }))

  it.effect("elects a new leader among the others when the leader is killed", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.TestCluster
      const old = yield* cluster.leader()
      const pid = (yield* cluster.member(old)).pid
      yield* cluster.kill(old)
      expect(yield* cluster.state(old)).toBe("stopped")
      expect(Option.exists(pid, isAlive)).toBe(false)

      const next = yield* cluster.leader()
      expect(next).not.toBe(old)
      expect(yield* cluster.mode(next)).toBe("leader")

      // The killed member comes back, with its data, as a follower of the new leader.
      yield* cluster.start(old)
      expect(yield* cluster.mode(old)).toBe("follower")
      yield* cluster.awaitReady()
    }))

  it.effect("a paused member stops answering, and answers again after resume", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.TestCluster
      const follower = yield* followerOf(cluster)
      yield* cluster.pause(follower)
      expect(yield* cluster.state(follower)).toBe("paused")
      const silent = yield* Effect.flip(cluster.fourLetterWord(follower, "ruok", { timeout: "1 second" }))
      expect(silent).toMatchObject({ _tag: "FourLetterWordError", reason: "timeout" })
      // The others keep serving.
      for (const id of cluster.ids.filter((id) => id !== follower)) {
        expect(yield* cluster.fourLetterWord(id, "ruok")).toBe("imok")
      }

      yield* cluster.resume(follower)
      expect(yield* cluster.state(follower)).toBe("running")
      expect(yield* cluster.fourLetterWord(follower, "ruok")).toBe("imok")
      yield* cluster.awaitReady()
    }))

  it.effect("a stopped member restarts with its data folder and rejoins", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.TestCluster
      const follower = yield* followerOf(cluster)
      const before = yield* cluster.member(follower)

      yield* cluster.stop(follower)
      expect(yield* cluster.state(follower)).toBe("stopped")
      expect(Option.exists(before.pid, isAlive)).toBe(false)
      const refused = yield* Effect.flip(cluster.fourLetterWord(follower, "ruok"))
      expect(refused).toMatchObject({ _tag: "FourLetterWordError", reason: "refused" })
      const cannotPause = yield* Effect.flip(cluster.pause(follower))
      expect(cannotPause._tag).toBe("MemberStateError")
      if (cluster.backend === "process") {
        // The data folder stays, snapshots and all.
        expect(before.dir !== undefined && existsSync(join(before.dir, "data", "myid"))).toBe(true)
        expect(readdirSync(join(before.dir!, "data", "version-2")).length).toBeGreaterThan(0)
      }

      yield* cluster.start(follower)
      const after = yield* cluster.member(follower)
      expect(after.state).toBe("running")
      expect(yield* cluster.fourLetterWord(follower, "ruok")).toBe("imok")
      expect(["follower", "leader"]).toContain(yield* cluster.mode(follower))
      if (cluster.backend === "process") {
        expect(Option.getOrThrow(after.pid)).not.toBe(Option.getOrThrow(before.pid))
        expect(after.clientPort).toBe(before.clientPort)
        expect(yield* cluster.logs(follower, 10_000)).toMatch(/starting member \d[\s\S]*starting member \d/)
      }
      yield* cluster.awaitReady()
    }))

  it.effect("restart of the leader keeps the ensemble serving", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.TestCluster
      const leader = yield* cluster.leader()
      yield* cluster.restart(leader)
      yield* cluster.awaitReady()
      expect(["follower", "leader"]).toContain(yield* cluster.mode(leader))
      if (cluster.backend === "process") {
        const pids = yield* cluster.processIds
        // three first runs + the restarts of the tests above
        expect(pids.length).toBeGreaterThanOrEqual(6)
        expect(pids.filter(isAlive)).toHaveLength(3)
      }
    }))
})
