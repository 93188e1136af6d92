// A pi a killed daemon left behind. Usually there is none: Pi shuts down when its stdin closes,
// which the daemon's death does, and our extension makes it stop its bash tool's commands then
// (assets.ts). One stuck (in an extension's code, say) may linger; the next daemon stops it, but
// only while that pid still is a pi we started. The command line cannot say so (under Node,
// Pi sets process.title, which rewrites it to "pi"); the environment it started with can: every
// rpc process gets ITERATE_PI_EXTENSION, the path of our permission extension.
import { readFileSync } from "node:fs"
import { waitForExit } from "../../os/process.ts"
import { killTree } from "../process/tree.ts"

export const MARKER_ENV = "ITERATE_PI_EXTENSION"

export async function stopOrphanedPi(pid: number, extension: string): Promise<boolean> {
  if (!startedEnvironment(pid).includes(`${MARKER_ENV}=${extension}`)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}

/** The environment `pid` started with, as NAME=value strings; empty when it cannot be read. */
function startedEnvironment(pid: number): string[] {
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
