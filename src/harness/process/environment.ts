// The environment a process started with, as NAME=value strings: how a later daemon knows a
// harness process it finds is one a previous daemon started (each is started with a marker
// variable), even where its command line says nothing (Pi under Node rewrites its title).
import { readFileSync } from "node:fs"

/** The environment `pid` started with; empty when it cannot be read. */
export function startedEnvironment(pid: number): string[] {
  if (process.platform === "linux") {
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")
    } catch {
      return []
    }
  }
  // BSD ps: `e` appends the environment to the command.
  const ps = Bun.spawnSync(["ps", "eww", "-o", "command=", "-p", String(pid)])
  return ps.exitCode === 0 ? ps.stdout.toString().trim().split(/\s+/) : []
}
