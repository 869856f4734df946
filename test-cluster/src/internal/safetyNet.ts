// Last line of defence: when the Node process goes away while servers are still running
// (a crashed test runner, process.exit, Ctrl-C), kill every JVM we started and remove our
// temporary folders. Scopes normally do this; the net only catches what they could not.
import { rmSync } from "node:fs"

const pids = new Set<number>()
const dirs = new Set<string>()
const signals: ReadonlyArray<NodeJS.Signals> = ["SIGINT", "SIGTERM", "SIGHUP"]
let installed = false

const sweep = () => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
  pids.clear()
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // best effort at exit
    }
  }
  dirs.clear()
}

const onSignal = (signal: NodeJS.Signals) => {
  sweep()
  uninstall()
  // Nobody else handles this signal: let its default action (terminate) happen.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

const install = () => {
  if (installed) return
  installed = true
  process.on("exit", sweep)
  for (const signal of signals) process.on(signal, onSignal)
}

const uninstall = () => {
  if (!installed) return
  installed = false
  process.removeListener("exit", sweep)
  for (const signal of signals) process.removeListener(signal, onSignal)
}

const settle = () => {
  if (pids.size === 0 && dirs.size === 0) uninstall()
  else install()
}

export const trackPid = (pid: number) => {
  pids.add(pid)
  settle()
}

export const untrackPid = (pid: number) => {
  pids.delete(pid)
  settle()
}

export const trackDir = (dir: string) => {
  dirs.add(dir)
  settle()
}

export const untrackDir = (dir: string) => {
  dirs.delete(dir)
  settle()
}
