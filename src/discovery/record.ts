import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

/** daemon.json: how clients find and trust the local daemon (SPEC "Files"). */
export interface DaemonRecord {
  pid: number
  port: number
  hostname: string
  url: string
  version: string
  instanceId: string
  token: string
  startedAt: string
  /** set when `iterate service` runs the daemon: stop and restart it through that manager */
  service?: ServiceManager
}

export type ServiceManager = "systemd" | "launchd"

export function readRecord(path: string): DaemonRecord | undefined {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch {
    return undefined
  }
  try {
    const record = JSON.parse(text) as Partial<DaemonRecord>
    const valid =
      typeof record.url === "string" &&
      typeof record.token === "string" &&
      typeof record.instanceId === "string" &&
      typeof record.pid === "number"
    return valid ? (record as DaemonRecord) : undefined
  } catch {
    // A torn or hand-edited record is as good as none: the caller starts a fresh daemon.
    return undefined
  }
}

/** Private folder (0700) for the state files; chmod too, in case it existed with looser bits. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (process.platform !== "win32") chmodSync(dir, 0o700)
}

export const recordText = (value: unknown) => JSON.stringify(value, null, 2) + "\n"

/** Written to a temporary file with mode 0600 and renamed, so readers never see half a record. */
export function writePrivateFile(path: string, text: string): void {
  ensurePrivateDir(dirname(path))
  const temporary = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, text, { mode: 0o600 })
    renameSync(temporary, path)
  } catch (error) {
    // A full disk leaves no half-written temporary file behind.
    rmSync(temporary, { force: true })
    throw error
  }
}

export function writeRecord(path: string, record: DaemonRecord): void {
  writePrivateFile(path, recordText(record))
}

/** Removes the record only while it still describes this daemon instance. */
export function removeRecord(path: string, instanceId: string): void {
  if (readRecord(path)?.instanceId === instanceId) rmSync(path, { force: true })
}
