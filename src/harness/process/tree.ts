// Stopping a process together with everything it started. opencode runs each bash tool command in
// a new session (setsid), so killing opencode's process group is not enough: those commands
// would live on as orphans. The tree is read from the parent links before anything is killed.
import { readdirSync, readFileSync } from "node:fs"
import { isAlive } from "../../os/process.ts"

interface ProcessEntry {
  pid: number
  ppid: number
  pgid: number
}

/** Every process below `root` (children, grandchildren, …), found through parent links. */
export function descendants(root: number): ProcessEntry[] {
  const table = processTable()
  const found: ProcessEntry[] = []
  const parents = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const entry of table) {
      if (parents.has(entry.ppid) && !parents.has(entry.pid)) {
        parents.add(entry.pid)
        found.push(entry)
        grew = true
      }
    }
  }
  return found
}

// Long enough for a harness to end politely (opencode, claude and pi exit within tens of
// milliseconds of SIGTERM, ~300 ms at the slowest seen); short enough that one which ignores
// SIGTERM holds up a daemon's stop by no more than this.
const POLITE_MS = 500

/**
 * SIGTERM to `root` and its descendants, SIGKILL to whatever is left once `root` has not exited
 * within `graceMs`, and SIGKILL to the descendants still there when `root` is gone and the grace
 * is over.
 */
export async function killTree(root: number, exited: Promise<unknown>, graceMs = POLITE_MS): Promise<void> {
  if (process.platform === "win32") {
    Bun.spawnSync(["taskkill", "/pid", String(root), "/T", "/F"], { stdout: "ignore", stderr: "ignore" })
    await exited
    return
  }
  const tree = [{ pid: root, ppid: 0, pgid: root }, ...descendants(root)]
  const deadline = Date.now() + graceMs
  signalAll(tree, "SIGTERM")
  const timer = setTimeout(() => signalAll(tree, "SIGKILL"), graceMs)
  await exited
  clearTimeout(timer)
  // What it started had the same SIGTERM and may be finishing politely (Claude Code under
  // claude-agent-acp writes the turn that just ended to its session file): the rest of the grace.
  const rest = tree.slice(1)
  while (Date.now() < deadline && rest.some((entry) => isAlive(entry.pid))) await Bun.sleep(10)
  signalAll(rest, "SIGKILL")
}

function signalAll(tree: ProcessEntry[], signal: NodeJS.Signals): void {
  for (const { pid, pgid } of tree) {
    try {
      // A group leader takes its whole group along, which catches processes started since.
      process.kill(pid === pgid ? -pid : pid, signal)
    } catch {
      // already gone
    }
  }
}

function processTable(): ProcessEntry[] {
  if (process.platform === "linux") return procTable()
  const out = Bun.spawnSync(["ps", "-A", "-o", "pid=,ppid=,pgid="]).stdout.toString()
  return out
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid! }))
}

// /proc rather than `ps`: slim Linux images ship without procps.
function procTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = []
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8")
      // "pid (comm) state ppid pgrp …" — comm may hold spaces and parentheses.
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      entries.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid) })
    } catch {
      // exited while we looked
    }
  }
  return entries
}
