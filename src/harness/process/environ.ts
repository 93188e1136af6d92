// The environment another process started with: how a later daemon tells a harness process it
// started (marked by a variable) from whatever has the same pid by now.
import { readFileSync } from "node:fs"

/** The environment `pid` started with, as NAME=value strings; empty when it cannot be read. */
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
