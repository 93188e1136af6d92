// The daemon owns its data folder: an OS lock held for its whole life, so that whatever happens to
// daemon.json no second daemon ever opens the same databases, and a record it keeps rewriting, so
// that clients find it again when daemon.json is deleted, emptied or overwritten.
import { mkdirSync, readFileSync } from "node:fs"
import { type Owner, readOwner, removeOwner } from "../discovery/owner.ts"
import { type DaemonRecord, ensurePrivateDir, recordText, removeRecord, writePrivateFile } from "../discovery/record.ts"
import type { Paths } from "../paths/index.ts"
import { lockFile } from "../storage/folder-lock.ts"

// How often the daemon checks daemon.json and owner.json; a client that finds no record waits this long at most.
export const RECORD_CHECK_MS = 1_000

export interface Ownership {
  /** writes daemon.json and owner.json for the listening daemon, and from now on keeps them */
  announce(record: DaemonRecord): void
  /** stops keeping the record and removes it: clients stop finding this daemon */
  withdraw(): void
  /** removes owner.json and releases the lock, once the databases are closed */
  release(): void
}

// How long a refused daemon waits for the owner to (re)write owner.json, to name it: the owner
// checks that file as often as daemon.json, and the client that spawned the refused daemon looks
// for the owner there once it exits.
const OWNER_WAIT_MS = 3 * RECORD_CHECK_MS

async function refusal(paths: Paths): Promise<string> {
  const deadline = Date.now() + OWNER_WAIT_MS
  let owner = readOwner(paths.dataOwner)
  while (!owner?.url && Date.now() < deadline) {
    await Bun.sleep(20)
    owner = readOwner(paths.dataOwner)
  }
  const stop = "stop it with: iterate server stop"
  if (!owner) return `another process holds the lock on the data folder ${paths.data} (${paths.dataLock}); ${stop}`
  if (!owner.url) return `a daemon (pid ${owner.pid}) is starting for the data folder ${paths.data}; ${stop}`
  return `a daemon is already running at ${owner.url} (pid ${owner.pid}) for the data folder ${paths.data}; ${stop}`
}

/** Rewrites `path` with `text` unless it holds exactly that; says whether it had to. */
function keep(path: string, text: string): boolean {
  try {
    if (readFileSync(path, "utf8") === text) return false
  } catch {
    // missing or unreadable: rewritten below
  }
  writePrivateFile(path, text)
  return true
}

/** Locks the data folder, or throws the one-line refusal that names the daemon holding it. */
export async function claimDataFolder(paths: Paths, owner: Owner): Promise<Ownership> {
  ensurePrivateDir(paths.state)
  mkdirSync(paths.data, { recursive: true, mode: 0o700 })
  const lock = await lockFile(paths.dataLock)
  if (!lock) throw new Error(await refusal(paths))
  writePrivateFile(paths.dataOwner, recordText(owner))

  let timer: ReturnType<typeof setInterval> | undefined
  let failing = false
  return {
    announce(record) {
      const { pid, url, version, instanceId, startedAt, service } = record
      const files: [string, string][] = [
        [paths.daemonRecord, recordText(record)],
        [paths.dataOwner, recordText({ pid, url, version, instanceId, startedAt, service } satisfies Owner)],
      ]
      const check = (startup: boolean) => {
        try {
          for (const [path, text] of files)
            if (keep(path, text) && !startup) console.log(`rewrote ${path}: it was missing, unreadable or named another daemon`)
          if (failing) console.log("the daemon's records are written again")
          failing = false
        } catch (error) {
          // A full disk must not stop the daemon; the next check tries again.
          if (startup) throw error
          if (!failing) console.error(`cannot rewrite the daemon's records: ${(error as Error).message}`)
          failing = true
        }
      }
      check(true)
      timer = setInterval(() => check(false), RECORD_CHECK_MS)
    },
    withdraw() {
      clearInterval(timer)
      removeRecord(paths.daemonRecord, owner.instanceId)
    },
    release() {
      clearInterval(timer)
      removeOwner(paths.dataOwner, owner.instanceId)
      lock.release()
    },
  }
}
