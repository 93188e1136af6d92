import { Database } from "bun:sqlite"

/**
 * An exclusive OS lock on a file, held until `release` or the death of the process, whatever kills
 * it: the kernel drops it with the process. It is a SQLite database held in an open exclusive
 * transaction (locking_mode=EXCLUSIVE), so SQLite's own locking does the work on every platform the
 * binary ships for — a POSIX fcntl lock on Linux and macOS, LockFileEx on Windows — with no FFI and
 * no per-libc symbol lookups. fcntl locks, unlike flock, are not inherited by child processes, so a
 * harness that outlives the daemon never holds the folder.
 *
 * One rule keeps it sound: nothing else in this process may open the lock file, because closing any
 * descriptor of a file drops this process's fcntl locks on it.
 */
export interface FolderLock {
  release(): void
}

// Held here as well as by the caller: a Database that nothing references may be closed by the
// garbage collector, which would drop the lock.
const held = new Set<Database>()

// Two processes starting at the same moment can each hold SQLite's shared step of the lock ladder
// and so both fail; a few quick retries with jitter let one of them win.
const ATTEMPTS = 8

function attempt(file: string): Database | undefined {
  const db = new Database(file, { create: true })
  try {
    db.exec("PRAGMA busy_timeout = 0")
    // Nothing is ever written to it, so no journal file is made to be left behind by a kill -9.
    db.exec("PRAGMA journal_mode = MEMORY")
    db.exec("PRAGMA locking_mode = EXCLUSIVE")
    db.exec("BEGIN EXCLUSIVE")
    return db
  } catch (error) {
    db.close()
    if ((error as { code?: string }).code === "SQLITE_BUSY") return undefined
    throw error
  }
}

/** Takes the lock, or answers undefined when another process holds it. */
export async function lockFile(file: string): Promise<FolderLock | undefined> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const db = attempt(file)
    if (db) {
      held.add(db)
      return {
        release() {
          if (held.delete(db)) db.close()
        },
      }
    }
    await Bun.sleep(10 + Math.random() * 40)
  }
  return undefined
}
