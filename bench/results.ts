// Rewrites one script's part of bench/RESULTS.md (between its two markers), keeping the rest.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const file = join(fileURLToPath(new URL(".", import.meta.url)), "RESULTS.md")

/** Replaces what stands between `start` and `end` in bench/RESULTS.md; appends both markers if missing. */
export const writeResultsPart = (start: string, end: string, generated: string): void => {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n"
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  const next =
    a === -1 || b === -1 || b < a
      ? `${text.trimEnd()}\n\n${start}\n${generated}\n${end}\n`
      : `${text.slice(0, a + start.length)}\n${generated}\n${text.slice(b)}`
  writeFileSync(file, next)
}
