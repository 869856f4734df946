/** Argument checks shared by the recipes that take node names (ids, service names). */
import { InvalidArgumentError } from "@effect-zk/core/ZooKeeperError"

/** An error when `name` cannot be one node's name (empty, `.`, `..`, or containing `/`). */
export const checkNodeName = (name: string, argument: string, op: string): InvalidArgumentError | undefined =>
  name === "" || name.includes("/") || name === "." || name === ".."
    ? new InvalidArgumentError({ op, argument, reason: `${JSON.stringify(name)} is not a node name` })
    : undefined
