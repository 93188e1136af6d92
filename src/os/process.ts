import { readFileSync } from "node:fs"

/**
 * Whether `pid` is a running process. An exited process whose parent has not reaped it yet (a
 * zombie) still answers kill(pid, 0); a detached daemon's parent is whatever init the machine has,
 * which may take seconds, so on Linux the state letter in /proc decides.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
  if (process.platform !== "linux") return true
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z"
  } catch {
    return false
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Whether `promise` settles within `ms`; its timer does not outlive the answer (nor keep a stopping process up). */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)))
  try {
    return await Promise.race([promise.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Set by a daemon in its own environment, so that everything it starts carries it: its watchdog
 * (src/harness/process/watchdog.ts) stops whatever still does once the daemon is gone. A daemon
 * the CLI starts must not inherit another's, or it would be stopped along with that one.
 */
export const DAEMON_RUN_ENV = "ITERATE_DAEMON_RUN"

/** Waits for `pid` to exit; true when it did within `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(10)
  }
  return true
}
