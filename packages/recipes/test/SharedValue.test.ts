import { SharedCount, SharedValue } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { expect } from "vitest"
import { client, clients, tagOf, text, waitUntil } from "./helpers.js"

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("SharedValue and SharedCount", (it) => {
  it.scoped("SharedValue: seeded once; set; trySet wins only at the version read; changes follow", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const va = yield* SharedValue.make(a, "/shared/mode", "normal")
      // a second handle does not overwrite the value with its own seed
      const vb = yield* SharedValue.make(b, "/shared/mode", "other")
      expect(text(yield* vb.value)).toBe("normal")
      const seen: Array<string> = []
      yield* vb.changes.pipe(
        Stream.runForEach((v) => Effect.sync(() => seen.push(text(v)))),
        Effect.forkScoped
      )
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "normal"), "the first value")
      const before = yield* va.versioned
      expect(before.version).toBe(0)
      // b writes in between: a's compare-and-set loses, then wins at the new version
      yield* vb.set(new TextEncoder().encode("drain"))
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "drain"), `the new value (${seen.join(" | ")})`)
      expect(yield* va.trySet(before, new TextEncoder().encode("stop"))).toBe(false)
      const now = yield* va.versioned
      expect(text(now.value)).toBe("drain")
      expect(yield* va.trySet(now, new TextEncoder().encode("stop"))).toBe(true)
      expect(text(yield* vb.value)).toBe("stop")
      yield* waitUntil(Effect.sync(() => seen.at(-1) === "stop"), `the last value (${seen.join(" | ")})`)
    })
  )

  it.scoped("SharedCount: Curator's 4-byte big-endian int; compare-and-set increments never lose one", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const ca = yield* SharedCount.make(a, "/shared/count", 7)
      expect([...(yield* a.get("/shared/count")).data]).toEqual([0, 0, 0, 7])
      const cb = yield* SharedCount.make(b, "/shared/count", 100)
      expect(yield* cb.value).toBe(7)
      // 2 × 10 increments racing through trySet
      const increment = (c: SharedCount.SharedCount) =>
        Effect.gen(function* () {
          for (;;) {
            const v = yield* c.versioned
            if (yield* c.trySet(v, v.value + 1)) return
          }
        })
      yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? ca : cb)),
        { concurrency: "unbounded" }
      )
      expect(yield* ca.value).toBe(27)
      yield* cb.set(-1)
      expect([...(yield* a.get("/shared/count")).data]).toEqual([255, 255, 255, 255])
      expect(yield* ca.value).toBe(-1)
      const first = yield* Stream.runHead(ca.changes)
      expect(first._tag === "Some" && first.value).toBe(-1)
    })
  )

  it.scoped("cached: reads from the copy its watch keeps (stale until the watch brings news, as Curator's); own writes update it", () =>
    Effect.gen(function* () {
      const [a, b] = yield* clients(2)
      const cached = yield* SharedCount.cached(a, "/shared/cached", 7)
      const direct = yield* SharedCount.make(b, "/shared/cached", 0)
      expect(yield* cached.versioned).toEqual({ value: 7, version: 0 })
      const seen: Array<number> = []
      yield* cached.changes.pipe(
        Stream.runForEach((v) => Effect.sync(() => seen.push(v))),
        Effect.forkScoped
      )
      // another client's write reaches the copy through the watch
      yield* direct.set(8)
      yield* waitUntil(Effect.map(cached.value, (v) => v === 8), "the copy at 8")
      expect(yield* cached.versioned).toEqual({ value: 8, version: 1 })
      // its own write is in the copy at once, with the new version
      yield* cached.set(9)
      expect(yield* cached.versioned).toEqual({ value: 9, version: 2 })
      expect(yield* cached.trySet({ value: 9, version: 2 }, 10)).toBe(true)
      expect(yield* cached.versioned).toEqual({ value: 10, version: 3 })
      // a stale copy's compare-and-set loses, as Curator's does
      const stale = yield* cached.versioned
      yield* direct.set(11)
      expect(yield* cached.trySet(stale, 12)).toBe(false)
      yield* waitUntil(Effect.map(cached.value, (v) => v === 11), "the copy at 11")
      yield* waitUntil(Effect.sync(() => seen.at(-1) === 11), `the changes (${seen.join(", ")})`)
      expect(seen[0]).toBe(7)
      // every version at most once, in order
      expect([...seen].sort((x, y) => x - y)).toEqual(seen)
      // a value the codec cannot read is skipped: the copy keeps the last good one
      yield* b.set("/shared/cached", new Uint8Array([1, 2, 3]))
      yield* direct.set(13).pipe(Effect.delay("300 millis"))
      yield* waitUntil(Effect.map(cached.value, (v) => v === 13), "the copy at 13 after the bad value")
      // SharedValue's cached form: bytes, seeded once
      const mode = yield* SharedValue.cached(a, "/shared/mode-cached", "on")
      expect(text(yield* mode.value)).toBe("on")
    })
  )

  it.scoped("SharedCount: values that are not 32-bit integers and data that is not 4 bytes are refused", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const count = yield* SharedCount.make(zk, "/c", 1)
      for (const bad of [1.5, 2 ** 31, -(2 ** 31) - 1, Number.NaN]) {
        expect(tagOf(yield* Effect.exit(count.set(bad)))).toBe("InvalidArgumentError")
      }
      expect(yield* count.value).toBe(1)
      expect(tagOf(yield* Effect.exit(SharedCount.make(zk, "/d", 0.5)))).toBe("InvalidArgumentError")
      yield* zk.set("/c", "not four")
      expect(tagOf(yield* Effect.exit(count.value))).toBe("MalformedDataError")
      expect(tagOf(yield* Effect.exit(SharedValue.make(zk, "relative", "x")))).toBe("InvalidArgumentError")
    })
  )
})
