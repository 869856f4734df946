// The last lines of a log file, reading at most the file's last 256 KiB.
import { closeSync, fstatSync, openSync, readSync } from "node:fs"

const window = 256 * 1024

export const lastLines = (text: string, lines: number): string => {
  const all = text.split("\n")
  if (all.length > 0 && all[all.length - 1] === "") all.pop()
  return all.slice(Math.max(0, all.length - lines)).join("\n")
}

export const tailFile = (path: string, lines: number): string => {
  let fd: number | undefined
  try {
    fd = openSync(path, "r")
    const size = fstatSync(fd).size
    const length = Math.min(size, window)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    return lastLines(buffer.toString("utf8"), lines)
  } catch {
    return ""
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
