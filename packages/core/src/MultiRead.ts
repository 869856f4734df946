/**
 * multiRead (ZooKeeper 3.6+): several getData and getChildren in one request and one reply.
 * Unlike a transaction it is not all or nothing: each read gets its own result, its data or
 * children, or the error it met (NoNode, NoAuth), and the server answers them together, so
 * they see the tree at one moment on that server. No watch is left.
 *
 * ```ts
 * const [config, members] = yield* zk.multiRead([MultiRead.getData("/app/config"), MultiRead.getChildren("/app/members")])
 * if (config._tag === "Data") use(config.data)
 * ```
 *
 * A server older than 3.6 refuses the whole request (UnimplementedError).
 *
 * @since 0.1.0
 */
import type { ZnodeStat } from "./Stat.js"
import type { ZooKeeperError } from "./ZooKeeperError.js"

/**
 * One read of a multiRead.
 *
 * @since 0.1.0
 * @category models
 */
export type Op = { readonly _tag: "GetData"; readonly path: string } | { readonly _tag: "GetChildren"; readonly path: string }

/**
 * Reads a node's data and stat.
 *
 * @since 0.1.0
 * @category constructors
 */
export const getData = (path: string): Op => ({ _tag: "GetData", path })

/**
 * Reads a node's children (their names).
 *
 * @since 0.1.0
 * @category constructors
 */
export const getChildren = (path: string): Op => ({ _tag: "GetChildren", path })

/**
 * The result of one read, in the order of the reads: its data, its children, or its error.
 *
 * @since 0.1.0
 * @category models
 */
export type Result =
  | { readonly _tag: "Data"; readonly path: string; readonly data: Uint8Array; readonly stat: ZnodeStat }
  | { readonly _tag: "Children"; readonly path: string; readonly children: ReadonlyArray<string> }
  | { readonly _tag: "Failed"; readonly path: string; readonly error: ZooKeeperError }
