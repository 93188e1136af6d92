import { Database } from "bun:sqlite"

/**
 * Opens one of the daemon's SQLite files the way all of them must be: WAL so readers never block
 * the writer, synchronous=FULL so a committed write survives power loss (what "acknowledged"
 * promises), foreign keys enforced, and a busy timeout instead of an immediate SQLITE_BUSY.
 */
export function openDatabase(file: string): Database {
  const db = new Database(file, { create: true, strict: true })
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000")
  return db
}
