/**
 * The shared suite: the client's integration tests and ZooKeeper's fine print, registered
 * against a harness, so that the real server and the in-memory one answer the same assertions.
 */
import { fidelity } from "./fidelity.js"
import type { Harness, It } from "./harness.js"
import { operations } from "./operations.js"
import { session } from "./session.js"
import { watches } from "./watches.js"

/** What a harness provides and the vitest methods the suite registers with. */
export type { Controlled, Harness, It } from "./harness.js"

/** Registers every case of the suite, in `describe` blocks per part. */
export const sharedSuite = <R>(it: It<R>, h: Harness<R>): void => {
  // Fidelity first: its zxid case wants no session of an earlier case expiring meanwhile.
  fidelity(it, h)
  operations(it, h)
  watches(it, h)
  session(it, h)
}
