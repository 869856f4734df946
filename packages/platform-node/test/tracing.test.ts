import { layer } from "@effect/vitest"
import { TestCluster } from "@effect-zk/test-cluster"
import { Effect, Option, Tracer } from "effect"
import { expect } from "vitest"
import { client } from "./helpers.js"

/** A tracer that records every span's name and attributes, built on Effect's native tracer. */
const recordingTracer = () => {
  const spans: Array<{ name: string; attributes: ReadonlyMap<string, unknown> }> = []
  const native = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = Effect.runSync(Effect.map(Effect.tracer, (t) => t)).span(
        name,
        parent,
        context,
        links,
        startTime,
        kind,
        options
      )
      spans.push({ name, attributes: span.attributes })
      return span
    },
    context: (f) => f()
  })
  return { tracer: native, spans }
}

layer(TestCluster.layer({}), { excludeTestServices: true })("tracing", (it) => {
  it.scoped("every operation runs in a span zk.<op> carrying the path", () =>
    Effect.gen(function* () {
      const zk = yield* client()
      const { tracer, spans } = recordingTracer()
      yield* Effect.gen(function* () {
        yield* zk.create("/traced", { data: "x" })
        yield* zk.get("/traced")
        yield* zk.set("/traced", "y")
        yield* zk.exists("/nothing")
        yield* zk.getChildren("/")
        yield* zk.delete("/traced")
        yield* zk.addAuth("digest", "user:very-secret-password")
      }).pipe(Effect.withTracer(tracer))
      const byName = (name: string) => spans.find((s) => s.name === name)
      for (const [name, path] of [
        ["zk.create", "/traced"],
        ["zk.get", "/traced"],
        ["zk.set", "/traced"],
        ["zk.exists", "/nothing"],
        ["zk.getChildren", "/"],
        ["zk.delete", "/traced"]
      ] as const) {
        const span = byName(name)
        expect(span, name).toBeDefined()
        expect(span?.attributes.get("zk.path")).toBe(path)
        expect(span?.attributes.get("db.system.name")).toBe("zookeeper")
      }
      const auth = byName("zk.addAuth")
      expect(auth).toBeDefined()
      const everything = JSON.stringify(spans.map((s) => [s.name, [...s.attributes.entries()]]))
      expect(everything).not.toContain("very-secret-password")
      expect(Option.isNone(yield* zk.exists("/traced"))).toBe(true)
    })
  )
})
