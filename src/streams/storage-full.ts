/**
 * A write the store could not make for want of room: its disk is full, or a file reached the size
 * limit the daemon runs under. Nothing of it was committed, and nothing committed before is harmed;
 * the same write succeeds once there is room again. The HTTP layer answers it with 507.
 */
export class StorageFullError extends Error {
  override readonly name = "StorageFullError"
}

/**
 * SQLite's "no room" errors as a StorageFullError, anything else as it is. SQLITE_FULL is ENOSPC;
 * a file-size limit (EFBIG) surfaces as SQLITE_IOERR_WRITE, which is also what a failing disk gives:
 * either way the write could not be stored.
 */
export function classifyWriteError(error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code
  if (code === "SQLITE_FULL") return new StorageFullError("the disk that holds the data folder is full", { cause: error })
  if (code === "SQLITE_IOERR_WRITE")
    return new StorageFullError("the data folder could not be written to (a file-size limit, or a failing disk)", { cause: error })
  return error
}
