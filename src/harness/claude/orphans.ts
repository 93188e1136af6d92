// A claude process outlives a daemon that was killed outright (it runs in its own process group).
// The agents layer records the pids it was told of; the next daemon stops those that still are a
// claude this harness started: the stream-json flags it is always given, and — where the
// environment of another process can be read (Linux) — the marker variable it is started with.
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { waitForExit } from "../../os/process.ts"
import { killTree } from "../process/tree.ts"
import { AGENT_ENV } from "./session.ts"

export async function stopOrphanedClaude(pid: number): Promise<boolean> {
  if (!isOurClaude(pid)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}

function isOurClaude(pid: number): boolean {
  if (process.platform === "linux") {
    const argv = procFile(pid, "cmdline")
    const env = procFile(pid, "environ")
    return argv !== undefined && env !== undefined && hasOurFlags(argv) && env.some((entry) => entry.startsWith(`${AGENT_ENV}=`))
  }
  const ps = Bun.spawnSync(["ps", "-o", "command=", "-p", String(pid)])
  const argv = ps.exitCode === 0 ? ps.stdout.toString().trim().split(/\s+/) : []
  return basename(argv[0] ?? "").includes("claude") && hasOurFlags(argv)
}

function hasOurFlags(argv: string[]): boolean {
  const joined = argv.join(" ")
  return argv.includes("-p") && joined.includes("--input-format stream-json") && joined.includes("--permission-prompt-tool stdio")
}

function procFile(pid: number, name: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8").split("\0").filter(Boolean)
  } catch {
    return undefined
  }
}
