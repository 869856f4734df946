import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as ContainerConfig from "../src/ContainerConfig.js"
import { demuxDockerLog } from "../src/internal/dockerBackend.js"
import * as TestCluster from "../src/TestCluster.js"

describe("ContainerConfig.make", () => {
  it("configures a three-member ensemble of the official image", () => {
    const config = Either.getOrThrow(ContainerConfig.make({ size: 3, tickTime: 400, minSessionTimeout: 1000 }))
    expect(config.image).toBe("zookeeper:3.9")
    expect(config.members.map((m) => [m.id, m.alias])).toEqual([[1, "zk1"], [2, "zk2"], [3, "zk3"]])
    const servers = "server.1=zk1:2888:3888:participant;0.0.0.0:2181 " +
      "server.2=zk2:2888:3888:participant;0.0.0.0:2181 " +
      "server.3=zk3:2888:3888:participant;0.0.0.0:2181"
    for (const member of config.members) {
      expect(member.exposedPorts).toEqual([2181])
      expect(member.env["ZOO_MY_ID"]).toBe(String(member.id))
      expect(member.env["ZOO_SERVERS"]).toBe(servers)
      expect(member.env["ZOO_TICK_TIME"]).toBe("400")
      expect(member.env["ZOO_4LW_COMMANDS_WHITELIST"]).toBe("*")
      expect(member.env["ZOO_ADMINSERVER_ENABLED"]).toBe("false")
      expect(member.env["ZOO_STANDALONE_ENABLED"]).toBe("true")
      expect(member.env["ZOO_CFG_EXTRA"]?.split(" ")).toEqual(expect.arrayContaining([
        "minSessionTimeout=1000",
        "maxSessionTimeout=60000",
        "reconfigEnabled=false"
      ]))
    }
  })

  it("leaves ZOO_SERVERS out for a standalone server, and passes flags and properties", () => {
    const config = Either.getOrThrow(ContainerConfig.make({
      extendedTypesEnabled: true,
      readOnlyMode: true,
      reconfigEnabled: true,
      fourLetterWords: "ruok,stat",
      jvmFlags: ["-Xmx128m"],
      serverProperties: { "snapCount": "1000" },
      systemProperties: { "zookeeper.skipACL": "yes" },
      image: "zookeeper:3.8.4"
    }))
    const [member] = config.members
    expect(config.members).toHaveLength(1)
    expect(member?.image).toBe("zookeeper:3.8.4")
    expect(member?.env["ZOO_SERVERS"]).toBeUndefined()
    // the harness adds the words it needs
    expect(member?.env["ZOO_4LW_COMMANDS_WHITELIST"]).toBe("ruok,stat,srvr,conf")
    expect(member?.env["ZOO_CFG_EXTRA"]?.split(" ")).toEqual(expect.arrayContaining(["snapCount=1000", "reconfigEnabled=true"]))
    expect(member?.env["JVMFLAGS"]?.split(" ")).toEqual([
      "-Xmx128m",
      "-Dzookeeper.admin.enableServer=false",
      "-Dzookeeper.extendedTypesEnabled=true",
      "-Dreadonlymode.enabled=true",
      "-Dzookeeper.skipACL=yes"
    ])
  })

  it("writes server lines for a single member when standaloneEnabled=false", () => {
    const config = Either.getOrThrow(ContainerConfig.make({ serverProperties: { standaloneEnabled: "false" } }))
    expect(config.members[0]?.env["ZOO_SERVERS"]).toBe("server.1=zk1:2888:3888:participant;0.0.0.0:2181")
    expect(config.members[0]?.env["ZOO_STANDALONE_ENABLED"]).toBe("false")
  })

  it("rejects values the image's environment cannot carry", () => {
    const result = ContainerConfig.make({ serverProperties: { "a.b": "has space" } })
    expect(Either.isLeft(result) && result.left._tag).toBe("InvalidOptionsError")
    expect(Either.isLeft(ContainerConfig.make({ size: 0 }))).toBe(true)
  })

  it("leaves TLS and SASL to the process backend, saying so", () => {
    const tls = ContainerConfig.make({ tls: true })
    expect(Either.isLeft(tls) && tls.left.message).toMatch(/"tls": only the process backend/)
    const sasl = ContainerConfig.make({ sasl: { users: { bob: "x" } } })
    expect(Either.isLeft(sasl) && sasl.left.option).toBe("sasl")
  })
})

describe("ContainerConfig.dockerAvailability", () => {
  const none = () => false
  it("trusts a tcp DOCKER_HOST and checks a unix one", () => {
    expect(ContainerConfig.dockerAvailability({ DOCKER_HOST: "tcp://10.0.0.1:2375" }, none, "/home/u"))
      .toEqual({ available: true, via: "tcp://10.0.0.1:2375" })
    const missing = ContainerConfig.dockerAvailability({ DOCKER_HOST: "unix:///run/x.sock" }, none, "/home/u")
    expect(missing.available).toBe(false)
    expect(ContainerConfig.dockerAvailability({ DOCKER_HOST: "unix:///run/x.sock" }, (p) => p === "/run/x.sock", "/h"))
      .toEqual({ available: true, via: "unix:///run/x.sock" })
  })

  it("looks at the usual sockets when DOCKER_HOST is unset", () => {
    expect(ContainerConfig.dockerAvailability({}, (p) => p === "/var/run/docker.sock", "/home/u"))
      .toEqual({ available: true, via: "unix:///var/run/docker.sock" })
    expect(ContainerConfig.dockerAvailability({}, (p) => p === "/home/u/.docker/run/docker.sock", "/home/u"))
      .toEqual({ available: true, via: "unix:///home/u/.docker/run/docker.sock" })
    const absent = ContainerConfig.dockerAvailability({ XDG_RUNTIME_DIR: "/run/user/1000" }, none, "/home/u")
    expect(absent.available).toBe(false)
    if (!absent.available) expect(absent.reason).toContain("/run/user/1000/docker.sock")
  })
})

describe("docker log frames", () => {
  it("joins stdout and stderr frames, and passes unframed text through", () => {
    const frame = (stream: number, text: string) => {
      const payload = new TextEncoder().encode(text)
      const bytes = new Uint8Array(8 + payload.length)
      bytes[0] = stream
      new DataView(bytes.buffer).setUint32(4, payload.length)
      bytes.set(payload, 8)
      return bytes
    }
    const a = frame(1, "hello\n")
    const b = frame(2, "world\n")
    const both = new Uint8Array(a.length + b.length)
    both.set(a)
    both.set(b, a.length)
    expect(demuxDockerLog(both)).toBe("hello\nworld\n")
    expect(demuxDockerLog(new TextEncoder().encode("plain log line\n"))).toBe("plain log line\n")
  })
})

describe("the docker backend", () => {
  it.effect("fails fast with DockerUnavailableError when Docker is not there", () =>
    Effect.gen(function*() {
      const parent = mkdtempSync(join(tmpdir(), "effect-zk-docker-test-"))
      const previous = process.env["TMPDIR"]
      process.env["TMPDIR"] = parent
      // No Java and no ZooKeeper either: the Docker check must come first.
      const env = {
        EFFECT_ZK_TEST_CLUSTER: "docker",
        DOCKER_HOST: "unix:///nonexistent/effect-zk/docker.sock",
        PATH: "/nonexistent"
      }
      const exit = yield* Effect.exit(Effect.scoped(TestCluster.make({ env })))
      if (previous === undefined) delete process.env["TMPDIR"]
      else process.env["TMPDIR"] = previous
      const created = readdirSync(parent)
      rmSync(parent, { recursive: true, force: true })
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) {
        const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
        expect(error?._tag).toBe("DockerUnavailableError")
        expect(error?.message).toContain("needs Docker")
        expect(error?.message).toContain("/nonexistent/effect-zk/docker.sock")
      }
      expect(created).toEqual([])
    }))

  const docker = ContainerConfig.dockerAvailability(process.env, existsSync)
  if (!docker.available) {
    console.log(`[test-cluster] skipping the live Docker test: ${docker.reason}`)
  }

  it.scopedLive.skipIf(!docker.available)("runs a standalone server in a container", () =>
    Effect.gen(function*() {
      const cluster = yield* TestCluster.make({ backend: "docker" })
      expect(cluster.backend).toBe("docker")
      expect(yield* cluster.fourLetterWord(1, "ruok")).toBe("imok")
      expect(yield* cluster.mode(1)).toBe("standalone")
    }), 300_000)
})
