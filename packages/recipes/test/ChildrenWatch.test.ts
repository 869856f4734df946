import { ChildrenWatch } from "@effect-zk/recipes"
import { TestCluster } from "@effect-zk/test-cluster"
import { layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Queue, Stream } from "effect"
import { expect } from "vitest"
import { client, clients, expirableClient, newChroot, waitUntil } from "./helpers.js"
import { awaitNoServerWatch, takeWithin } from "./recipesII.js"

interface Call {
  readonly children: ReadonlyArray<string>
  readonly event: string | null
}

const toCall = (children: ReadonlyArray<string>, event: Option.Option<{ readonly type: string }>): Call => ({
  children: [...children].sort(),
  event: Option.isSome(event) ? event.value.type : null
})

layer(TestCluster.layer({ tickTime: 500 }), { excludeTestServices: true })("ChildrenWatch", (it) => {
  it.scoped("called at once, then on every change (sendEvent gives the event), until it returns false; then the watch is gone", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      yield* other.create("/p/a", { makepath: true })
      const calls = yield* Queue.unbounded<Call>()
      const watch = yield* ChildrenWatch.make(
        zk,
        "/p",
        (children, event) => {
          Queue.unsafeOffer(calls, toCall(children, event))
          return !children.includes("stop")
        },
        { sendEvent: true }
      )
      expect(yield* Queue.take(calls)).toEqual({ children: ["a"], event: null })
      yield* other.create("/p/b")
      expect(yield* takeWithin(calls, "b")).toEqual({ children: ["a", "b"], event: "CHILD" })
      // a data change is not a children change
      yield* other.set("/p", "x")
      yield* other.delete("/p/a")
      expect(yield* takeWithin(calls, "a gone")).toEqual({ children: ["b"], event: "CHILD" })
      yield* other.create("/p/stop")
      expect(yield* takeWithin(calls, "stop")).toEqual({ children: ["b", "stop"], event: "CHILD" })
      yield* watch.await.pipe(Effect.timeout("5 seconds"))
      yield* other.create("/p/c")
      yield* Effect.sleep("300 millis")
      expect(yield* Queue.size(calls)).toBe(0)
      yield* awaitNoServerWatch(zk, "/p", "the watch's removal")
    })
  )

  it.scoped("without sendEvent the event is none; a missing node stops at once; deleting the node stops it", () =>
    Effect.gen(function* () {
      const [zk, other] = yield* clients(2)
      let called = 0
      const missing = yield* ChildrenWatch.make(zk, "/missing", () => {
        called++
      })
      expect(yield* missing.stopped).toBe(true)
      expect(called).toBe(0)
      yield* other.create("/q")
      const calls = yield* Queue.unbounded<Call>()
      const watch = yield* ChildrenWatch.make(zk, "/q", (children, event) => {
        Queue.unsafeOffer(calls, toCall(children, event))
      })
      expect(yield* Queue.take(calls)).toEqual({ children: [], event: null })
      yield* other.create("/q/x")
      expect(yield* takeWithin(calls, "x")).toEqual({ children: ["x"], event: null })
      yield* other.delete("/q", { recursive: true })
      yield* watch.await.pipe(Effect.timeout("5 seconds"))
      expect(yield* watch.stopped).toBe(true)
      // the stream form ends the same way
      const ended = yield* ChildrenWatch.stream(zk, "/q").pipe(Stream.runCollect, Effect.timeout("5 seconds"))
      expect(ended.length).toBe(0)
    })
  )

  it.scoped("after a reconnection: called only if the children changed meanwhile", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, proxy } = yield* expirableClient(chroot, { sessionTimeout: "6 seconds" })
      const other = yield* client({ chroot })
      yield* other.create("/r")
      const calls = yield* Queue.unbounded<Call>()
      yield* Effect.forkScoped(
        ChildrenWatch.stream(zk, "/r").pipe(Stream.runForEach((c) => Queue.offer(calls, toCall(c.children, c.event))))
      )
      expect((yield* takeWithin(calls, "first call")).children).toEqual([])
      // cut off and back, nothing changed: no call
      yield* proxy.cut
      yield* Effect.sleep("300 millis")
      yield* proxy.heal
      yield* waitUntil(zk.connected, "reconnection", 15_000)
      yield* Effect.sleep("500 millis")
      expect(yield* Queue.size(calls)).toBe(0)
      // cut off while a child comes: called once back
      yield* proxy.cut
      yield* other.create("/r/new")
      yield* proxy.heal
      expect(yield* takeWithin(calls, "the child made while cut off", 15_000)).toEqual({ children: ["new"], event: null })
    })
  )

  it.scoped("a session expiry: allowSessionLost (default) keeps watching; without it the watch ends", () =>
    Effect.gen(function* () {
      const chroot = yield* newChroot
      const { zk, expire } = yield* expirableClient(chroot, { sessionTimeout: "4 seconds" })
      const other = yield* client({ chroot })
      yield* other.create("/e")
      const kept = yield* Queue.unbounded<Call>()
      yield* Effect.forkScoped(
        ChildrenWatch.stream(zk, "/e").pipe(Stream.runForEach((c) => Queue.offer(kept, toCall(c.children, c.event))))
      )
      const strictCalls = yield* Queue.unbounded<Call>()
      const strict = yield* Effect.fork(
        ChildrenWatch.stream(zk, "/e", { allowSessionLost: false }).pipe(
          Stream.runForEach((c) => Queue.offer(strictCalls, toCall(c.children, c.event)))
        )
      )
      expect((yield* takeWithin(kept, "first call")).children).toEqual([])
      expect((yield* takeWithin(strictCalls, "the strict watch's first call")).children).toEqual([])
      yield* expire
      const ended = yield* Fiber.await(strict).pipe(Effect.timeout("10 seconds"))
      expect(Exit.isSuccess(ended)).toBe(true)
      expect(yield* Queue.size(strictCalls)).toBe(0)
      yield* other.create("/e/after")
      expect((yield* takeWithin(kept, "a child after the expiry", 15_000)).children).toEqual(["after"])
    })
  )
})
