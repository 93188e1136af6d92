import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs"
import { isAlive } from "../os/process.ts"

// No spawn takes this long; a lock older than this belongs to a process that hung or whose pid
// was reused, and may be broken.
const MAX_LOCK_AGE_MS = 30_000
// Between its atomic create and the pid write a lock file is briefly empty.
const EMPTY_GRACE_MS = 2_000

/** Takes the spawn lock with an atomic exclusive create; false when someone else holds it. */
export function tryLock(path: string): boolean {
  let fd: number
  try {
    fd = openSync(path, "wx", 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false
    throw error
  }
  writeSync(fd, String(process.pid))
  closeSync(fd)
  return true
}

export function unlock(path: string): void {
  try {
    if (readFileSync(path, "utf8") === String(process.pid)) rmSync(path, { force: true })
  } catch {
    // already gone
  }
}

/**
 * Removes the lock if its owner is dead (or it is too old). It is moved aside before deletion so
 * that two processes breaking the same stale lock cannot both delete a fresh one: if what was
 * moved aside is not the stale lock that was inspected, it is put back.
 */
export function breakStaleLock(path: string): void {
  let owner: string
  let age: number
  try {
    owner = readFileSync(path, "utf8")
    age = Date.now() - statSync(path).mtimeMs
  } catch {
    return
  }
  const pid = Number(owner)
  const stale = age > MAX_LOCK_AGE_MS || (owner === "" ? age > EMPTY_GRACE_MS : !(pid > 0 && isAlive(pid)))
  if (!stale) return
  const aside = `${path}.${process.pid}.stale`
  try {
    renameSync(path, aside)
  } catch {
    return
  }
  try {
    if (readFileSync(aside, "utf8") !== owner) linkSync(aside, path)
  } catch {
    // a new lock was taken meanwhile; it stays
  }
  rmSync(aside, { force: true })
}
