// An `opencode serve` outlives a daemon that was killed outright (it runs in its own process
// group, so the daemon's death takes nothing along). The daemon records the servers it starts;
// the next daemon stops those still running before it starts its own.
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { waitForExit } from "../../os/process.ts"
import { killTree } from "../process/tree.ts"

/** Stops the server a previous daemon started as `pid`, with whatever it started; false when that pid is no opencode server (any more). */
export async function stopOrphanedServer(pid: number): Promise<boolean> {
  const argv = commandLine(pid)
  // The pid may have been reused by something else since: only an opencode server is stopped.
  if (!argv || !basename(argv[0] ?? "").startsWith("opencode") || argv[1] !== "serve") return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
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
