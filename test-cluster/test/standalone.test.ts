// A standalone server, through @effect/vitest's `it.effect` — which provides a TestClock: the
// harness keeps real time on its own, so nothing here needs `it.live`.
import { describe, expect, it, vi } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { existsSync, readFileSync } from "node:fs"
import * as FourLetterWord from "../src/FourLetterWord.js"
import * as TestCluster from "../src/TestCluster.js"
import { isAlive, javaChildren, withPrivateTmp } from "./helpers.js"

describe("a standalone server", () => {
  it.effect("starts, serves four-letter words on a raw socket, and stops with its scope", () =>
    Effect.gen(function*() {
      const { value, leftovers } = yield* withPrivateTmp(Effect.scoped(Effect.gen(function*() {
        const cluster = yield* TestCluster.make({ backend: "process" })
        expect(cluster.size).toBe(1)
        expect(cluster.backend).toBe("process")
        const { host, port } = yield* cluster.clientAddress(1)
        expect(host).toBe("127.0.0.1")
        expect(yield* cluster.connectString()).toBe(`127.0.0.1:${port}`)

        const stat = yield* FourLetterWord.send(host, port, "stat")
        expect(stat).toContain("Mode: standalone")
        expect(yield* cluster.fourLetterWord(1, "ruok")).toBe("imok")
        expect(yield* cluster.mode(1)).toBe("standalone")
        expect(yield* cluster.leader()).toBe(1)

        const member = yield* cluster.member(1)
        expect(member.state).toBe("running")
        expect(Option.isSome(member.pid)).toBe(true)
        expect(member.dir !== undefined && existsSync(member.dir)).toBe(true)
        expect(member.dir).toMatch(/effect-zk-cluster-/)
        // The server logs through a real binding, into the member's own log file.
        expect(member.logFile !== undefined && readFileSync(member.logFile, "utf8")).toContain("binding to port")
        expect(yield* cluster.logs(1, 5)).not.toBe("")
        return { pids: yield* cluster.processIds, dirs: cluster.directories, port }
      })))
      expect(value.pids).toHaveLength(1)
      expect(value.pids.filter(isAlive)).toEqual([])
      expect(value.dirs.filter((dir) => existsSync(dir))).toEqual([])
      expect(leftovers).toEqual([])
      expect(javaChildren()).toEqual([])
      const after = yield* Effect.flip(FourLetterWord.send("127.0.0.1", value.port, "ruok"))
      expect(after.reason).toBe("refused")
    }))

  it.scoped("applies the server options: zoo.cfg entries, system properties, JVM flags", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.make({
        backend: "process",
        tickTime: 300,
        minSessionTimeout: 900,
        maxSessionTimeout: 9_000,
        extendedTypesEnabled: true,
        readOnlyMode: true,
        fourLetterWords: "ruok,srvr,conf",
        serverProperties: { globalOutstandingLimit: "1234" },
        systemProperties: { "zookeeper.skipACL": "yes" },
        jvmFlags: ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
      })
      const conf = yield* cluster.fourLetterWord(1, "conf")
      expect(conf).toContain("tickTime=300")
      expect(conf).toContain("minSessionTimeout=900")
      expect(conf).toContain("maxSessionTimeout=9000")
      // Words outside the whitelist are refused.
      expect(yield* cluster.fourLetterWord(1, "envi")).toContain("not in the whitelist")

      const member = yield* cluster.member(1)
      const pid = Option.getOrThrow(member.pid)
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      expect(cmdline).toEqual(expect.arrayContaining([
        "-Xmx128m",
        "-Dzookeeper.extendedTypesEnabled=true",
        "-Dreadonlymode.enabled=true",
        "-Dzookeeper.skipACL=yes",
        "-Dzookeeper.admin.enableServer=false"
      ]))
      const zooCfg = readFileSync(`${member.dir}/zoo.cfg`, "utf8")
      expect(zooCfg).toContain("globalOutstandingLimit=1234")
      expect(zooCfg).toContain("admin.enableServer=false")
    }))

  it.effect("rejects bad options before starting anything", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(TestCluster.make({ size: 0 })))
      expect(error._tag).toBe("InvalidOptionsError")
      const backend = yield* Effect.flip(
        Effect.scoped(TestCluster.make({ env: { EFFECT_ZK_TEST_CLUSTER: "kubernetes" } }))
      )
      expect(backend.message).toContain("EFFECT_ZK_TEST_CLUSTER")
    }))

  it.effect("reports a missing ZooKeeper with what to install", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(TestCluster.make({
        env: { ZOOKEEPER_PATH: "/nonexistent/zookeeper", PATH: process.env["PATH"] ?? "" }
      })))
      expect(error._tag).toBe("ZooKeeperNotFoundError")
      expect(error.message).toContain("ZOOKEEPER_PATH is /nonexistent/zookeeper")
      expect(error.message).toContain("apt-get install zookeeper")
    }))

  it.effect("bounded waits fail with what was seen and the server's log tail", () =>
    Effect.gen(function*() {
      const tooSoon = yield* Effect.flip(Effect.scoped(TestCluster.make({ backend: "process", startTimeout: "1 millis" })))
      expect(tooSoon._tag).toBe("ClusterStartError")
      expect(tooSoon.message).toContain("failed to start (timeout)")
      expect(tooSoon.message).toContain("--- server log tail ---")
      expect(tooSoon.message).toContain("starting member 1")

      yield* Effect.scoped(Effect.gen(function*() {
        const cluster = yield* TestCluster.make({ backend: "process" })
        yield* cluster.pause(1)
        const error = yield* Effect.flip(cluster.awaitReady({ timeout: "300 millis" }))
        expect(error._tag).toBe("ClusterTimeoutError")
        expect(error.message).toContain("Timed out after 300 ms waiting for the cluster to serve")
        expect(error.message).toContain("member 1 paused")
        expect(error.message).toContain("==== member 1 (127.0.0.1:")
        const noLeader = yield* Effect.flip(cluster.leader({ timeout: "300 millis" }))
        expect(noLeader.message).toContain("0 standalone(s)")
        yield* cluster.resume(1)
        expect(yield* cluster.leader()).toBe(1)
      }))
    }))

  it.scoped("prints every member's log tail when a test body fails", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.make()
      const printed: Array<string> = []
      const spy = vi.spyOn(console, "error").mockImplementation((text: unknown) => void printed.push(String(text)))
      const exit = yield* Effect.exit(
        TestCluster.withLogsOnFailure(Effect.fail("the assertion failed")).pipe(
          Effect.provideService(TestCluster.TestCluster, cluster)
        )
      )
      spy.mockRestore()
      expect(Exit.isFailure(exit)).toBe(true)
      expect(printed.join("\n")).toContain("==== member 1 (127.0.0.1:")
      expect(printed.join("\n")).toContain("binding to port")
    }))
})
