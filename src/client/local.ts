import type { Paths } from "../paths/index.ts"
import { findTrustedDaemon } from "../discovery/health.ts"
import { findOwner } from "../discovery/owner.ts"
import type { DaemonRecord, ServiceManager } from "../discovery/record.ts"
import { stopDaemon, terminate } from "./stop.ts"

/** The daemon that runs for these folders, found by daemon.json or, without it, by owner.json. */
export interface LocalDaemon {
  pid: number
  url: string
  /** what the daemon itself answered on /health */
  version: string
  startedAt: string
  service?: ServiceManager
  /** present when daemon.json names this daemon; without it the daemon can only be signalled */
  record?: DaemonRecord
}

/** The local daemon, proven by /health against daemon.json, else against owner.json beside the data folder's lock. */
export async function findLocalDaemon(paths: Paths): Promise<LocalDaemon | undefined> {
  const found = await findTrustedDaemon(paths.daemonRecord)
  if (found) return { ...found.record, version: found.health.version, record: found.record }
  const owner = await findOwner(paths)
  if (owner?.state === "running") return { ...owner.owner, version: owner.health.version }
  return undefined
}

/** Stops it gracefully: the authenticated route when there is a record, SIGTERM (after a fresh proof of identity) otherwise. */
export async function stopLocalDaemon(daemon: LocalDaemon): Promise<void> {
  if (daemon.record) return stopDaemon(daemon.record)
  // A grace as long as the daemon's own shutdown takes (in-flight requests, then the harnesses).
  await terminate(daemon.pid, 10_000)
}
