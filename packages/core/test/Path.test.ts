import { describe, expect, it } from "@effect/vitest"
import * as Path from "@effect-zk/core/Path"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"

const ctx = { op: "create" }
const ok = (path: string, sequential = false) => Path.validate(path, { op: "create", sequential })
const reasonOf = (path: string, sequential = false) => ok(path, sequential)?.reason

// Characters ZooKeeper refuses in a path (UTF-16 code units), and some it accepts.
const forbidden = fc.oneof(
  fc.integer({ min: 0x0000, max: 0x001f }),
  fc.integer({ min: 0x007f, max: 0x009f }),
  fc.integer({ min: 0xd800, max: 0xf8ff }),
  fc.integer({ min: 0xfff0, max: 0xffff })
)
const allowedCode = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xf900, max: 0xffef }) }
)
const segment = fc
  .array(allowedCode.filter((c) => c !== 0x2f), { minLength: 1, maxLength: 8 })
  .map((codes) => String.fromCharCode(...codes))
  .filter((s) => s !== "." && s !== "..")
const validPath = fc
  .array(segment, { minLength: 0, maxLength: 6 })
  .map((segments) => (segments.length === 0 ? "/" : "/" + segments.join("/")))

describe("Path.validate", () => {
  it("accepts what ZooKeeper accepts", () => {
    for (const path of [
      "/",
      "/a",
      "/a/b/c",
      "/a.b",
      "/...",
      "/.a",
      "/a.",
      "/..a/b..",
      "/with space",
      "/ünïcödé",
      "/\u00a0",
      "/\ud7ff",
      "/\uf900",
      "/\uffef",
      "/zookeeper/quota"
    ]) {
      expect(ok(path), path).toBeUndefined()
    }
  })

  it("names each broken rule in the reason", () => {
    expect(reasonOf("")).toBe("a path must not be empty")
    expect(reasonOf("a/b")).toBe("a path must start with '/'")
    expect(reasonOf("/a/")).toBe("a path must not end with '/'")
    expect(reasonOf("/a//b")).toBe("empty segment ('//') at index 3")
    expect(reasonOf("/a/./b")).toBe("relative segment '.' at index 3")
    expect(reasonOf("/a/.")).toBe("relative segment '.' at index 3")
    expect(reasonOf("/..")).toBe("relative segment '..' at index 1")
    expect(reasonOf("/a/../b")).toBe("relative segment '..' at index 3")
    expect(reasonOf("/a\u0000")).toBe("null character (U+0000) at index 2")
    expect(reasonOf("/a\u0001")).toBe("character U+0001 is not allowed (index 2)")
    expect(reasonOf("/\u007f")).toBe("character U+007F is not allowed (index 1)")
    expect(reasonOf("/\u009f")).toBe("character U+009F is not allowed (index 1)")
    expect(reasonOf("/\ud800")).toBe("character U+D800 is not allowed (index 1)")
    expect(reasonOf("/\uf8ff")).toBe("character U+F8FF is not allowed (index 1)")
    expect(reasonOf("/\ufff0")).toBe("character U+FFF0 is not allowed (index 1)")
    expect(reasonOf("/\uffff")).toBe("character U+FFFF is not allowed (index 1)")
    // Outside the BMP means surrogates, which ZooKeeper refuses.
    expect(reasonOf("/😀")).toBe("character U+D83D is not allowed (index 1)")
  })

  it("builds an InvalidArgumentError naming the operation, the path and the argument", () => {
    const error = Path.validate("/a/", { op: "delete" })
    expect(error?._tag).toBe("InvalidArgumentError")
    expect(error?.op).toBe("delete")
    expect(error?.path).toBe("/a/")
    expect(error?.argument).toBe("path")
    expect(error?.message).toBe(`delete "/a/": invalid path: a path must not end with '/'`)
    expect(Path.validate("x", { op: "connect", argument: "chroot" })?.argument).toBe("chroot")
  })

  it("checks a sequential prefix as if the counter were appended", () => {
    expect(ok("/", true)).toBeUndefined()
    expect(ok("/queue/", true)).toBeUndefined()
    expect(ok("/queue/entry-", true)).toBeUndefined()
    expect(ok("/a/.", true)).toBeUndefined()
    expect(ok("/a/..", true)).toBeUndefined()
    expect(reasonOf("", true)).toBe("a path must not be empty")
    expect(reasonOf("//", true)).toBe("empty segment ('//') at index 1")
    expect(reasonOf("/a//", true)).toBe("empty segment ('//') at index 3")
    expect(reasonOf("/./a-", true)).toBe("relative segment '.' at index 1")
    expect(reasonOf("/a\u0001", true)).toBe("character U+0001 is not allowed (index 2)")
  })

  // These verdicts were produced by ZooKeeper 3.8's own PathUtils.validatePath(path, sequential)
  // (the JVM, on this machine); a differential run over 200,000 random paths agreed with it.
  it("agrees with ZooKeeper's PathUtils on its corner cases", () => {
    const table: ReadonlyArray<readonly [string, boolean, boolean]> = [
      // path, valid, valid as a sequential prefix
      ["", false, false],
      ["/", true, true],
      ["//", false, false],
      ["/.", false, true],
      ["/..", false, true],
      ["/...", true, true],
      ["/a/.", false, true],
      ["/a/..", false, true],
      ["/a/", false, true],
      ["/./a", false, false],
      ["/../a", false, false],
      ["/a/./b", false, false],
      ["/a/../b", false, false],
      [".", false, false],
      ["a", false, false],
      ["a/b", false, false],
      ["/a./b", true, true],
      ["/.a/b", true, true],
      ["/a\u0000b", false, false],
      ["/ ", true, true],
      ["/~", true, true]
    ]
    for (const [path, valid, validSequential] of table) {
      expect(ok(path) === undefined, JSON.stringify(path)).toBe(valid)
      expect(ok(path, true) === undefined, `${JSON.stringify(path)} sequential`).toBe(validSequential)
    }
  })

  it("accepts every generated valid path", () => {
    fc.assert(
      fc.property(validPath, (path) => {
        expect(Path.validate(path, ctx)).toBeUndefined()
      })
    )
  })

  it("rejects every valid path with a forbidden character injected, naming it", () => {
    fc.assert(
      fc.property(validPath, forbidden, fc.nat(), (path, code, at) => {
        const i = 1 + (at % path.length)
        const bad = path.slice(0, i) + String.fromCharCode(code) + path.slice(i)
        const error = Path.validate(bad, ctx)
        expect(error).toBeDefined()
        const hex = code.toString(16).toUpperCase().padStart(4, "0")
        expect(error?.reason).toContain(`U+${hex}`)
        expect(error?.reason).toContain(`index ${i}`)
      })
    )
  })

  it("rejects every valid path with an empty or relative segment injected", () => {
    fc.assert(
      fc.property(validPath, fc.constantFrom("/", "/.", "/.."), (path, piece) => {
        const base = path === "/" ? "" : path
        const error = Path.validate(base + piece + "/x", ctx)
        expect(error?.reason).toMatch(piece === "/" ? /^empty segment/ : /^relative segment/)
      })
    )
  })

  it.effect("validatePath is the Effect form", () =>
    Effect.gen(function*() {
      expect(yield* Path.validatePath("/a", ctx)).toBe("/a")
      const exit = yield* Effect.exit(Path.validatePath("/a/", ctx))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Path.validatePath("a", ctx))
      expect(error.reason).toBe("a path must start with '/'")
    }))
})

describe("Path reserved nodes", () => {
  it("knows ZooKeeper's special nodes", () => {
    for (const p of ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]) expect(Path.isSpecialPath(p)).toBe(true)
    for (const p of ["/zookeeperx", "/zookeeper/quota/a", "/zookeeper/configx", "/a"]) expect(Path.isSpecialPath(p)).toBe(false)
  })

  it("knows the system subtree", () => {
    expect(Path.isSystemPath("/zookeeper")).toBe(true)
    expect(Path.isSystemPath("/zookeeper/quota/a/zookeeper_limits")).toBe(true)
    expect(Path.isSystemPath("/zookeeperx")).toBe(false)
    expect(Path.isSystemPath("/")).toBe(false)
  })

  // Measured on ZooKeeper 3.8: deleting a special node fails with BadArguments; creating one
  // fails with NodeExists; writes below /zookeeper and /zookeeper/quota succeed.
  it("refuses only the deletes ZooKeeper refuses", () => {
    expect(Path.isReservedWrite("/zookeeper", "delete")).toBe(true)
    expect(Path.isReservedWrite("/zookeeper/quota", "delete")).toBe(true)
    expect(Path.isReservedWrite("/zookeeper/config", "delete")).toBe(true)
    expect(Path.isReservedWrite("/", "delete")).toBe(true)
    expect(Path.isReservedWrite("/zookeeper/foo", "delete")).toBe(false)
    expect(Path.isReservedWrite("/zookeeper", "create")).toBe(false)
    expect(Path.isReservedWrite("/zookeeper/quota/app", "create")).toBe(false)
    expect(Path.isReservedWrite("/zookeeper/quota", "setData")).toBe(false)
  })

  it("validateWrite names the caller's path", () => {
    const chroot = Path.makeChroot("/app")
    expect(Path.validateWrite(chroot.prefix("/zookeeper"), "delete", { op: "delete", path: "/zookeeper" })).toBeUndefined()
    const error = Path.validateWrite("/zookeeper/quota", "delete", { op: "delete", path: "/zookeeper/quota" })
    expect(error?.path).toBe("/zookeeper/quota")
    expect(error?.reason).toBe(`ZooKeeper never deletes its special node "/zookeeper/quota"`)
  })
})

describe("Path chroot", () => {
  it("is the identity without a chroot", () => {
    for (const root of [undefined, "", "/"]) {
      const c = Path.makeChroot(root)
      expect(c.chroot).toBeUndefined()
      expect(c.prefix("/a")).toBe("/a")
      expect(c.prefix("/")).toBe("/")
      expect(c.strip("/a")).toBe("/a")
    }
  })

  it("prefixes on the way out", () => {
    const c = Path.makeChroot("/app/env")
    expect(c.chroot).toBe("/app/env")
    expect(c.prefix("/")).toBe("/app/env")
    expect(c.prefix("/a/b")).toBe("/app/env/a/b")
    expect(c.prefix("/", true)).toBe("/app/env/")
    expect(c.prefix("/q/", true)).toBe("/app/env/q/")
    expect(c.prefix("/q/n-", true)).toBe("/app/env/q/n-")
  })

  it("strips on the way back", () => {
    const c = Path.makeChroot("/app")
    expect(c.strip("/app")).toBe("/")
    expect(c.strip("/app/a")).toBe("/a")
    expect(c.strip("/app/0000000001")).toBe("/0000000001")
    // Not below the chroot (kazoo would mangle "/application" into "lication").
    expect(c.strip("/application")).toBe("/application")
    expect(c.strip("/other")).toBe("/other")
  })

  it("drops a trailing slash of the chroot", () => {
    const c = Path.makeChroot("/app/")
    expect(c.prefix("/a")).toBe("/app/a")
    expect(c.strip("/app")).toBe("/")
  })

  it("strip(prefix(p)) = p and prefix(strip(s)) = s", () => {
    fc.assert(
      fc.property(validPath.filter((p) => p !== "/"), validPath, (root, path) => {
        const c = Path.makeChroot(root)
        expect(c.strip(c.prefix(path))).toBe(path)
        const server = c.prefix(path)
        expect(c.prefix(c.strip(server))).toBe(server)
      })
    )
  })
})

describe("Path helpers", () => {
  it("join", () => {
    expect(Path.join("/a", "b", "c")).toBe("/a/b/c")
    expect(Path.join("/", "a")).toBe("/a")
    expect(Path.join("/a/", "/b")).toBe("/a/b")
    expect(Path.join("/a", "", "b/")).toBe("/a/b")
    expect(Path.join("/a")).toBe("/a")
    expect(Path.join("/", "/")).toBe("/")
    expect(Path.join("/lock", "_c_uuid-lock-")).toBe("/lock/_c_uuid-lock-")
  })

  it("parent and basename", () => {
    expect(Path.parent("/a/b/c")).toBe("/a/b")
    expect(Path.parent("/a")).toBe("/")
    expect(Path.parent("/")).toBe("/")
    expect(Path.basename("/a/b/c")).toBe("c")
    expect(Path.basename("/a")).toBe("a")
    expect(Path.basename("/")).toBe("")
  })

  it("join(parent(p), basename(p)) = p for every path below the root", () => {
    fc.assert(
      fc.property(validPath.filter((p) => p !== "/"), (path) => {
        expect(Path.join(Path.parent(path), Path.basename(path))).toBe(path)
      })
    )
  })
})

describe("Path sequence suffixes", () => {
  it("reads the counter ZooKeeper appends", () => {
    expect(Path.sequenceOf("lock-0000000042")).toBe(42)
    expect(Path.sequenceOf("/q/entry-0000000000")).toBe(0)
    expect(Path.sequenceOf("_c_2b1d-lock-2147483647")).toBe(2147483647)
    expect(Path.sequenceOf("__lock__-000000001")).toBe(-1)
    expect(Path.sequenceOf("lock-00000042")).toBeUndefined()
    expect(Path.sequenceOf("lock-00000000x1")).toBeUndefined()
    expect(Path.sequenceOf("short")).toBeUndefined()
  })

  it("formats as %010d", () => {
    expect(Path.formatSequence(42)).toBe("0000000042")
    expect(Path.formatSequence(0)).toBe("0000000000")
    expect(Path.formatSequence(-1)).toBe("-000000001")
    expect(Path.formatSequence(2147483647)).toBe("2147483647")
  })

  it("sequenceOf(prefix + formatSequence(n)) = n", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.integer({ min: -999_999_999, max: 2_147_483_647 }), (prefix, n) => {
        expect(Path.sequenceOf(prefix + Path.formatSequence(n))).toBe(n)
      })
    )
  })
})

describe("Path data and version checks", () => {
  it("limits data to jute.maxbuffer by default", () => {
    expect(Path.defaultMaxDataBytes).toBe(0xfffff)
    expect(Path.validateData(null, Path.defaultMaxDataBytes, ctx)).toBeUndefined()
    expect(Path.validateData(new Uint8Array(Path.defaultMaxDataBytes), Path.defaultMaxDataBytes, ctx)).toBeUndefined()
    const error = Path.validateData(new Uint8Array(Path.defaultMaxDataBytes + 1), Path.defaultMaxDataBytes, {
      op: "set",
      path: "/a"
    })
    expect(error?.argument).toBe("data")
    expect(error?.path).toBe("/a")
    expect(error?.reason).toBe("1048576 bytes exceed the limit of 1048575 bytes (jute.maxbuffer)")
    expect(Path.validateData(new Uint8Array(11), 10, ctx)?.reason).toContain("11 bytes")
  })

  it("accepts versions from -1 to 2^31-1", () => {
    for (const v of [-1, 0, 1, 2_147_483_647]) expect(Path.validateVersion(v, ctx)).toBeUndefined()
    for (const v of [-2, 2_147_483_648, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = Path.validateVersion(v, { op: "set", path: "/a" })
      expect(error?.argument, String(v)).toBe("version")
      expect(error?.path).toBe("/a")
    }
    expect(Path.validateVersion(-2, ctx)?.reason).toBe(
      "-2 is out of range: a version is -1 (any) or from 0 to 2147483647"
    )
    expect(Path.validateVersion(1.5, ctx)?.reason).toBe("1.5 is not an integer")
  })
})
