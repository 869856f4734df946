import { Counter } from "@effect-zk/recipes"
import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import { client, clients, tagOf, text } from "./helpers.js"

layer(TestCluster.layer({}), { excludeTestServices: true })("Counter", (it) => {
  it.scoped("int: default, add, subtract, pre/post values, kazoo's text", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const counter = yield* Counter.make(zk, "/counters/int")
      expect(yield* counter.value).toBe(0)
      expect(yield* counter.preValue).toEqual(Option.none())
      expect(yield* counter.add(2)).toEqual({ preValue: 0, postValue: 2 })
      expect(yield* counter.subtract(5)).toEqual({ preValue: 2, postValue: -3 })
      expect(yield* counter.preValue).toEqual(Option.some(2))
      expect(yield* counter.postValue).toEqual(Option.some(-3))
      expect(text((yield* zk.get("/counters/int")).data)).toBe("-3")
      const withDefault = yield* Counter.make(zk, "/counters/ten", { default: 10 })
      expect(yield* withDefault.add(1)).toEqual({ preValue: 10, postValue: 11 })
    })
  )

  it.scoped("float: Python's repr on the wire", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const counter = yield* Counter.make(zk, "/float", { kind: "float", default: 1 })
      yield* counter.add(2)
      expect(text((yield* zk.get("/float")).data)).toBe("3.0")
      yield* counter.add(0.5)
      expect(text((yield* zk.get("/float")).data)).toBe("3.5")
      yield* counter.subtract(3.5 + 1e-5)
      expect(text((yield* zk.get("/float")).data)).toBe("-1.0000000000065512e-05")
      expect(yield* counter.value).toBe(3.5 - (3.5 + 1e-5))
    })
  )

  it.scoped("concurrent changes from several clients are all applied (compare-and-set with retry)", () =>
    Effect.gen(function* () {
      const zks = yield* clients(3)
      const counters = yield* Effect.forEach(zks, (zk) => Counter.make(zk, "/shared"))
      yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        (i) => counters[i % 3]!.add(1),
        { concurrency: "unbounded" }
      )
      expect(yield* counters[0]!.value).toBe(30)
    })
  )

  it.scoped("Curator's encoding: a 4-byte big-endian int", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const counter = yield* Counter.make(zk, "/curator", { curator: true })
      yield* counter.add(-2)
      expect([...(yield* zk.get("/curator")).data]).toEqual([255, 255, 255, 254])
      expect(tagOf(yield* Effect.exit(counter.add(2 ** 31)))).toBe("InvalidArgumentError")
      expect(tagOf(yield* Effect.exit(Counter.make(zk, "/x", { curator: true, kind: "float" })))).toBe(
        "InvalidArgumentError"
      )
    })
  )

  it.scoped("Curator's DistributedAtomicLong encoding: an 8-byte big-endian long, within safe integers", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const counter = yield* Counter.make(zk, "/long", { curator: "long" })
      expect(yield* counter.value).toBe(0)
      expect(yield* counter.add(2 ** 40)).toEqual({ preValue: 0, postValue: 2 ** 40 })
      expect([...(yield* zk.get("/long")).data]).toEqual([0, 0, 1, 0, 0, 0, 0, 0])
      yield* counter.subtract(2 ** 40 + 3)
      expect([...(yield* zk.get("/long")).data]).toEqual([255, 255, 255, 255, 255, 255, 255, 253])
      expect(yield* counter.value).toBe(-3)
      expect(tagOf(yield* Effect.exit(counter.add(2 ** 53)))).toBe("InvalidArgumentError")
      yield* counter.add(Number.MAX_SAFE_INTEGER)
      expect(tagOf(yield* Effect.exit(counter.add(4)))).toBe("InvalidArgumentError")
      // a long beyond 2^53 - 1, written by someone else, cannot be read as a number
      yield* zk.set("/long", new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
      expect(tagOf(yield* Effect.exit(counter.value))).toBe("MalformedDataError")
      yield* zk.set("/long", new Uint8Array([0, 0, 0, 1]))
      expect(tagOf(yield* Effect.exit(counter.value))).toBe("MalformedDataError")
      const int = yield* Counter.make(zk, "/int", { curator: "int" })
      yield* int.add(5)
      expect([...(yield* zk.get("/int")).data]).toEqual([0, 0, 0, 5])
    })
  )

  it.scoped("a float into an int counter and unreadable data are typed errors", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const counter = yield* Counter.make(zk, "/typed")
      expect(tagOf(yield* Effect.exit(counter.add(0.5)))).toBe("InvalidArgumentError")
      expect(yield* counter.value).toBe(0)
      yield* zk.set("/typed", "3.0")
      expect(tagOf(yield* Effect.exit(counter.value))).toBe("MalformedDataError")
      yield* zk.set("/typed", " 4_2 ")
      expect(yield* counter.value).toBe(42)
      yield* zk.set("/typed", new Uint8Array([0xc3, 0xa9]))
      expect(tagOf(yield* Effect.exit(counter.add(1)))).toBe("MalformedDataError")
      expect(tagOf(yield* Effect.exit(Counter.make(zk, "/y", { default: 1.5 })))).toBe("InvalidArgumentError")
    })
  )
})
