import { readFileSync, rmSync } from "node:fs"
import type { Paths } from "../paths/index.ts"
import { type Health, probeHealth } from "./health.ts"
import { isAlive } from "../os/process.ts"
import type { DaemonRecord } from "./record.ts"

/**
 * owner.json, beside the data folder's lock: the daemon that holds the lock, as daemon.json names it
 * but without the token. It lets clients find that daemon when daemon.json is gone, and a refused
 * `iterate serve` say where the running one is. `url` is missing until the daemon listens.
 */
export type Owner = Omit<DaemonRecord, "token" | "url" | "port" | "hostname"> & { url?: string }

export function readOwner(path: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<Owner>
    if (typeof owner.pid !== "number" || typeof owner.instanceId !== "string" || typeof owner.startedAt !== "string") return undefined
    return owner as Owner
  } catch {
    return undefined
  }
}

export function removeOwner(path: string, instanceId: string): void {
  if (readOwner(path)?.instanceId === instanceId) rmSync(path, { force: true })
}

// A daemon that has held the lock this long without listening is stuck, not starting.
const STARTING_MS = 15_000

export type OwnerState =
  | { state: "running"; owner: Owner & { url: string }; health: Health }
  | { state: "starting"; owner: Owner }

/**
 * The daemon that owns the data folder, proven alive: it answers /health at its URL with its own
 * instanceId and pid (only the process holding the lock writes owner.json, and it holds the lock
 * until it dies). One that has locked the folder but does not listen yet is "starting".
 */
export async function findOwner(paths: Paths): Promise<OwnerState | undefined> {
  const owner = readOwner(paths.dataOwner)
  if (!owner) return undefined
  if (owner.url === undefined) {
    const young = Date.now() - Date.parse(owner.startedAt) < STARTING_MS
    return young && owner.pid !== process.pid && isAlive(owner.pid) ? { state: "starting", owner } : undefined
  }
  const health = await probeHealth(owner.url)
  if (health?.instanceId !== owner.instanceId || health.pid !== owner.pid) return undefined
  return { state: "running", owner: owner as Owner & { url: string }, health }
}
