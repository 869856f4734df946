import { describe, expect, it } from "@effect/vitest"
import * as Acl from "@effect-zk/core/Acl"
import { Effect, Redacted } from "effect"
import * as fc from "fast-check"

describe("Acl", () => {
  it("has ZooKeeper's permission bits", () => {
    expect(Acl.Perms).toEqual({ READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 })
  })

  it("has the well-known ids and ACLs", () => {
    expect(Acl.ANYONE_ID_UNSAFE).toEqual({ scheme: "world", id: "anyone" })
    expect(Acl.AUTH_IDS).toEqual({ scheme: "auth", id: "" })
    expect(Acl.OPEN_ACL_UNSAFE).toEqual([{ perms: 31, id: { scheme: "world", id: "anyone" } }])
    expect(Acl.CREATOR_ALL_ACL).toEqual([{ perms: 31, id: { scheme: "auth", id: "" } }])
    expect(Acl.READ_ACL_UNSAFE).toEqual([{ perms: 1, id: { scheme: "world", id: "anyone" } }])
    expect(Object.isFrozen(Acl.OPEN_ACL_UNSAFE)).toBe(true)
    expect(Object.isFrozen(Acl.OPEN_ACL_UNSAFE[0])).toBe(true)
  })

  it("makeAcl combines the flags like kazoo's make_acl", () => {
    expect(Acl.makeAcl("ip", "10.0.0.0/8")).toEqual({ perms: 0, id: { scheme: "ip", id: "10.0.0.0/8" } })
    expect(Acl.makeAcl("ip", "10.0.0.1", { read: true, write: true }).perms).toBe(3)
    expect(Acl.makeAcl("ip", "10.0.0.1", { create: true, delete: true, admin: true }).perms).toBe(28)
    expect(Acl.makeAcl("ip", "10.0.0.1", { all: true, read: false }).perms).toBe(31)
    expect(Acl.permsOf({ read: true, write: true, create: true, delete: true, admin: true })).toBe(Acl.Perms.ALL)
  })

  // Each expected value is what ZooKeeper 3.8's own digest computes, produced on this machine by
  //   java -cp /usr/share/java/zookeeper.jar -Dfile.encoding=UTF-8 \
  //     org.apache.zookeeper.server.auth.DigestAuthenticationProvider user:password
  // (kazoo's make_digest_acl_credential gives the same strings).
  it.effect("makeDigestAclCredential matches ZooKeeper's DigestAuthenticationProvider", () =>
    Effect.gen(function*() {
      expect(yield* Acl.makeDigestAclCredential("user", "password")).toBe("user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=")
      expect(yield* Acl.makeDigestAclCredential("super", "secret")).toBe("super:lK75jTNcA+U9vtVEw5vB51mj/w4=")
      expect(yield* Acl.makeDigestAclCredential("bob", "p:ss:word")).toBe("bob:DHERVQY6QnU7VAaS6w7HlG1SDQU=")
      expect(yield* Acl.makeDigestAclCredential("alice", "")).toBe("alice:VvKt9/iw7kxS1milYay2cPWBnRo=")
      expect(yield* Acl.makeDigestAclCredential("ünï", "pässwörd")).toBe("ünï:L5pOwU2xJnfnGApvQUuv2R+aCzs=")
    }))

  it.effect("makeDigestAcl builds a digest ACL entry", () =>
    Effect.gen(function*() {
      const acl = yield* Acl.makeDigestAcl("user", "password", { read: true, admin: true })
      expect(acl).toEqual({ perms: 17, id: { scheme: "digest", id: "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=" } })
      const redacted = yield* Acl.makeDigestAcl("user", Redacted.make("password"), { all: true })
      expect(redacted.id.id).toBe("user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=")
    }))

  it.effect("refuses a user name with ':'", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Acl.makeDigestAclCredential("us:er", "pw"))
      expect(error._tag).toBe("InvalidArgumentError")
      expect(error.argument).toBe("username")
      expect(error.reason).toBe("a digest user name may not contain ':'")
      const error2 = yield* Effect.flip(Acl.makeDigestAcl("a:b", "pw", { all: true }))
      expect(error2.op).toBe("makeDigestAclCredential")
      expect(Acl.validateUsername("ok")).toBeUndefined()
    }))

  it.effect("digest credentials have the shape user:base64(20 bytes)", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.string().filter((u) => !u.includes(":")), fc.string(), async (user, password) => {
          const credential = await Effect.runPromise(Acl.makeDigestAclCredential(user, password))
          expect(credential.startsWith(`${user}:`)).toBe(true)
          expect(credential.slice(user.length + 1)).toMatch(/^[A-Za-z0-9+/]{27}=$/)
        }),
        { numRuns: 50 }
      )
    ))

  it("permsToString and permsFromString", () => {
    expect(Acl.permsToString(Acl.Perms.ALL)).toBe("rwcda")
    expect(Acl.permsToString(Acl.Perms.READ | Acl.Perms.WRITE)).toBe("rw")
    expect(Acl.permsToString(Acl.Perms.CREATE | Acl.Perms.ADMIN)).toBe("ca")
    expect(Acl.permsToString(0)).toBe("")
    expect(Acl.permsFromString("cdrwa")).toBe(31)
    expect(Acl.permsFromString("")).toBe(0)
    expect(Acl.permsFromString("wr")).toBe(3)
    const error = Acl.permsFromString("rx")
    expect(typeof error === "object" && error.reason).toBe(`unknown permission "x" in "rx" (use r, w, c, d, a)`)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), (perms) => {
        expect(Acl.permsFromString(Acl.permsToString(perms))).toBe(perms)
      })
    )
  })

  it("permNames are kazoo's acl_list", () => {
    expect(Acl.permNames(31)).toEqual(["ALL"])
    expect(Acl.permNames(1 | 8)).toEqual(["READ", "DELETE"])
    expect(Acl.permNames(0)).toEqual([])
    expect(Acl.aclToString(Acl.OPEN_ACL_UNSAFE[0]!)).toBe("world:anyone:rwcda")
  })
})
