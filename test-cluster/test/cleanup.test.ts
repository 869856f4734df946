// Whatever way a test ends — success, failure, defect, interruption, even mid-start — no JVM
// we started and no folder we created is left behind. Each test points TMPDIR at a private
// folder, so "nothing left" is checked exactly, even with other test files running.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import { existsSync } from "node:fs"
import * as TestCluster from "../src/TestCluster.js"
import { isAlive, javaChildren, withPrivateTmp } from "./helpers.js"

// These tests are about JVMs and folders: they always use the process backend.
const local = { backend: "process" } as const

interface Seen {
  pids: ReadonlyArray<number>
  dirs: ReadonlyArray<string>
}

const record = (cluster: TestCluster.TestCluster, seen: Seen) =>
  Effect.map(cluster.processIds, (pids) => {
    seen.pids = pids
    seen.dirs = cluster.directories
  })

const expectAllGone = (seen: Seen, leftovers: ReadonlyArray<string>) => {
  expect(seen.pids.length).toBeGreaterThan(0)
  expect(seen.pids.filter(isAlive)).toEqual([])
  expect(seen.dirs.filter((dir) => existsSync(dir))).toEqual([])
  expect(leftovers).toEqual([])
  expect(javaChildren()).toEqual([])
}

describe("clean-up", () => {
  it.live("after a test body that fails", () =>
    Effect.gen(function*() {
      const seen: Seen = { pids: [], dirs: [] }
      const { value: exit, leftovers } = yield* withPrivateTmp(Effect.exit(Effect.scoped(Effect.gen(function*() {
        const cluster = yield* TestCluster.ensemble(local)
        yield* record(cluster, seen)
        expect(seen.pids).toHaveLength(3)
        return yield* Effect.fail("the test body failed")
      }))))
      expect(Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined).toBe("the test body failed")
      expectAllGone(seen, leftovers)
    }))

  it.live("after a test body that throws (a failed expect is a defect)", () =>
    Effect.gen(function*() {
      const seen: Seen = { pids: [], dirs: [] }
      const { value: exit, leftovers } = yield* withPrivateTmp(Effect.exit(Effect.scoped(Effect.gen(function*() {
        const cluster = yield* TestCluster.make(local)
        yield* record(cluster, seen)
        yield* Effect.sync(() => expect(1).toBe(2))
      }))))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expectAllGone(seen, leftovers)
    }))

  it.live("after an interrupted test", () =>
    Effect.gen(function*() {
      const seen: Seen = { pids: [], dirs: [] }
      const { leftovers } = yield* withPrivateTmp(Effect.gen(function*() {
        const ready = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
          const cluster = yield* TestCluster.ensemble(local)
          yield* record(cluster, seen)
          yield* Deferred.succeed(ready, undefined)
          return yield* Effect.never
        })))
        yield* Deferred.await(ready)
        expect(seen.pids.filter(isAlive)).toHaveLength(3)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit)).toBe(true)
      }))
      expectAllGone(seen, leftovers)
    }))

  it.live("after an interruption while the ensemble is still starting", () =>
    Effect.gen(function*() {
      const { leftovers } = yield* withPrivateTmp(Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.scoped(TestCluster.ensemble(local)))
        // long enough for the JVMs to be running, too short for a quorum on two cores
        yield* Effect.sleep("300 millis")
        expect(javaChildren().length).toBeGreaterThan(0)
        yield* Fiber.interrupt(fiber)
      }))
      expect(leftovers).toEqual([])
      expect(javaChildren()).toEqual([])
    }))
})

describe("two clusters side by side", () => {
  it.scoped("share no port and no folder, and both serve", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([TestCluster.ensemble(local), TestCluster.make(local)], { concurrency: "unbounded" })
      const members = [...(yield* a.members), ...(yield* b.members)]
      const ports = members.flatMap((m) => [m.clientPort, m.quorumPort, m.electionPort])
      expect(new Set(ports).size).toBe(ports.length)
      const dirs = [...a.directories, ...b.directories]
      expect(new Set(dirs).size).toBe(4)
      expect(yield* a.mode(yield* a.leader())).toBe("leader")
      expect(yield* b.fourLetterWord(1, "ruok")).toBe("imok")
      expect(yield* a.connectString()).not.toContain(yield* b.connectString())
    }))
})
