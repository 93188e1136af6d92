// A pi a killed daemon left behind. Usually there is none: Pi shuts down when its stdin closes,
// which the daemon's death does. One stuck in a tool call may linger; the next daemon stops it,
// but only while that pid still is a pi we started — its command line names our permission
// extension. Node rewrites the command line to "pi" (Pi sets process.title), so there the
// environment, which keeps the path in ITERATE_PI_EXTENSION, says it.
import { readFileSync } from "node:fs"
import { waitForExit } from "../../daemon/process.ts"
import { killTree } from "../opencode/process-tree.ts"

export const MARKER_ENV = "ITERATE_PI_EXTENSION"

export async function stopOrphanedPi(pid: number, extension: string): Promise<boolean> {
  if (!isOurPi(pid, extension)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}

function isOurPi(pid: number, extension: string): boolean {
  const argv = commandLine(pid)
  if (!argv) return false
  if (argv.includes(extension) && argv.includes("rpc")) return true
  if (process.platform !== "linux" || argv[0]?.trim() !== "pi") return false
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`${MARKER_ENV}=${extension}`)
  } catch {
    return false
  }
}

function commandLine(pid: number): string[] | undefined {
  if (process.platform === "linux") {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean)
    } catch {
      return undefined
    }
  }
  const ps = Bun.spawnSync(["ps", "-o", "command=", "-p", String(pid)])
  const line = ps.stdout.toString().trim()
  return ps.exitCode === 0 && line ? line.split(/\s+/) : undefined
}
