// The harness waits on real servers, so its timers run on the live clock even inside a test
// that provides a TestClock (as @effect/vitest's `it.effect` and `it.scoped` do).
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
const liveClock = Clock.make()

export const live = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => Effect.withClock(self, liveClock)
