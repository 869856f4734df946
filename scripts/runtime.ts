/**
 * Runs a TypeScript file under Bun or Deno with the flags this repository needs, using the
 * binaries the `bun` and `deno` npm packages bring (root devDependencies):
 *
 * ```sh
 * ZK_HOSTS=127.0.0.1:2181 npx tsx scripts/runtime.ts bun examples/bun/tour.ts
 * ZK_HOSTS=127.0.0.1:2181 npx tsx scripts/runtime.ts deno examples/deno/tour.ts
 * ```
 *
 * Their install scripts are not run (`allowScripts` in package.json denies them; npm 11 skips
 * unapproved ones anyway), so the binaries are taken from the platform packages npm installs
 * as optional dependencies (`@oven/bun-linux-x64/bin/bun`, `@deno/linux-x64-glibc/deno`, ...);
 * a binary placed by the install script, or `EFFECT_ZK_BUN` / `EFFECT_ZK_DENO`, works too.
 * Workspace packages resolve to their sources (`--conditions=effect-zk-source`); Deno reads
 * `effect` from node_modules (`--node-modules-dir=manual`, nothing is downloaded) and maps the
 * sources' `.js` imports to `.ts` (`--sloppy-imports`).
 */
import { execFile, spawn, spawnSync } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** A runtime other than Node. */
export type Runtime = "bun" | "deno"

/** The repository's root. */
export const root = fileURLToPath(new URL("../", import.meta.url))

const require = createRequire(join(root, "package.json"))

const packageDir = (name: string): string | undefined => {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    return undefined
  }
}

/** A real executable (not the placeholder script a package ships before its install script runs). */
const isBinary = (path: string): boolean => existsSync(path) && statSync(path).size > 1_000_000

const candidates = (runtime: Runtime): ReadonlyArray<string> => {
  const exe = process.platform === "win32" ? ".exe" : ""
  const os = process.platform
  const arch = process.arch === "arm64" ? (runtime === "bun" ? "aarch64" : "arm64") : process.arch
  const fromEnv = process.env[runtime === "bun" ? "EFFECT_ZK_BUN" : "EFFECT_ZK_DENO"]
  if (fromEnv !== undefined && fromEnv !== "") return [fromEnv]
  const found: Array<string> = []
  if (runtime === "bun") {
    for (const suffix of ["", "-baseline", "-musl", "-musl-baseline"]) {
      const dir = packageDir(`@oven/bun-${os === "win32" ? "windows" : os}-${arch}${suffix}`)
      if (dir !== undefined) found.push(join(dir, "bin", `bun${exe}`))
    }
    const wrapper = packageDir("bun")
    if (wrapper !== undefined) found.push(join(wrapper, "bin", "bun.exe"))
  } else {
    for (const suffix of ["", "-glibc"]) {
      const dir = packageDir(`@deno/${os}-${arch}${suffix}`)
      if (dir !== undefined) found.push(join(dir, `deno${exe}`))
    }
    const wrapper = packageDir("deno")
    if (wrapper !== undefined) found.push(join(wrapper, `deno${exe}`))
  }
  return found
}

const resolved = new Map<Runtime, { readonly path: string; readonly version: string }>()

/**
 * The runtime's binary and its version; throws, saying what to do, when none works.
 */
export const binary = (runtime: Runtime): { readonly path: string; readonly version: string } => {
  const known = resolved.get(runtime)
  if (known !== undefined) return known
  const tried = candidates(runtime)
  for (const path of tried) {
    if (!isBinary(path)) continue
    const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 })
    if (probe.status === 0) {
      const found = { path, version: probe.stdout.split("\n")[0]!.trim() }
      resolved.set(runtime, found)
      return found
    }
  }
  throw new Error(
    `no usable ${runtime} binary (tried: ${tried.join(", ") || "none"}). Run \`npm ci\` at the repository root ` +
      `(the ${runtime} npm package and its platform package are devDependencies), ` +
      `or set ${runtime === "bun" ? "EFFECT_ZK_BUN" : "EFFECT_ZK_DENO"} to a ${runtime} binary.`
  )
}

/** The flags that let a runtime run this repository's TypeScript sources. */
export const runFlags = (runtime: Runtime): ReadonlyArray<string> =>
  runtime === "bun"
    ? ["--conditions=effect-zk-source"]
    : [
        "run",
        "--node-modules-dir=manual",
        "--sloppy-imports",
        "--conditions=effect-zk-source",
        "--allow-net",
        "--allow-env"
      ]

/** The command line running `file` (relative to the root) under `runtime`. */
export const command = (
  runtime: Runtime,
  file: string,
  args: ReadonlyArray<string> = []
): { readonly command: string; readonly args: ReadonlyArray<string> } => ({
  command: binary(runtime).path,
  args: [...runFlags(runtime), file, ...args]
})

/**
 * The command line running a JavaScript `file` under `runtime` against the built packages
 * (each package's `dist`, what npm installs: no source condition), as a user's script runs.
 */
export const builtCommand = (
  runtime: Runtime | "node",
  file: string,
  args: ReadonlyArray<string> = []
): { readonly command: string; readonly args: ReadonlyArray<string> } =>
  runtime === "node"
    ? { command: process.execPath, args: [file, ...args] }
    : runtime === "bun"
      ? { command: binary("bun").path, args: [file, ...args] }
      : {
          command: binary("deno").path,
          args: ["run", "--node-modules-dir=manual", "--allow-net", "--allow-env", "--allow-read", file, ...args]
        }

/** A TypeScript file run under Node through the repository's tsx, with the workspace packages' sources. */
export const tsx = (
  file: string,
  args: ReadonlyArray<string> = []
): { readonly command: string; readonly args: ReadonlyArray<string> } => ({
  command: join(root, "node_modules", ".bin", "tsx"),
  args: ["--conditions=effect-zk-source", file, ...args]
})

/** The environment for a runtime's child process: no update checks or prompts. */
export const childEnv = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({
  ...process.env,
  DENO_NO_UPDATE_CHECK: "1",
  DENO_NO_PROMPT: "1",
  ...extra
})

/** What a finished child process left. */
export interface Finished {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `command` from the root; resolves with its exit code and output (also on a non-zero
 * exit). Killed after `timeoutMillis`; `signal` aborts (kills) it.
 */
export const execute = (
  cmd: { readonly command: string; readonly args: ReadonlyArray<string> },
  options: { readonly env?: Record<string, string>; readonly timeoutMillis: number; readonly signal?: AbortSignal }
): Promise<Finished> =>
  new Promise((resolve, reject) => {
    execFile(
      cmd.command,
      cmd.args,
      {
        cwd: root,
        env: childEnv({ NO_COLOR: "1", ...options.env }),
        timeout: options.timeoutMillis,
        killSignal: "SIGKILL",
        maxBuffer: 16 * 1024 * 1024,
        ...(options.signal === undefined ? {} : { signal: options.signal })
      },
      (error, stdout, stderr) => {
        if (error === null) resolve({ code: 0, stdout, stderr })
        else if (typeof error.code === "number") resolve({ code: error.code, stdout, stderr })
        else if (error.killed === true) resolve({ code: 137, stdout, stderr: `${stderr}\n(killed: ${error.message})` })
        else reject(error)
      }
    )
  })

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const [runtime, file, ...rest] = process.argv.slice(2)
  if ((runtime !== "bun" && runtime !== "deno") || file === undefined) {
    console.error("usage: tsx scripts/runtime.ts <bun|deno> <file.ts> [args...]")
    process.exit(2)
  }
  const { command: cmd, args } = command(runtime, file, rest)
  const child = spawn(cmd, args, { cwd: root, stdio: "inherit", env: childEnv() })
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal))
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
}
