import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from "node:fs"
import { format } from "node:util"

const MAX_BYTES = 5 * 1024 * 1024
const KEEP = 3

/**
 * Sends console output to a size-bounded log file: at MAX_BYTES the file moves to .1 (then .2 …)
 * and a new one starts, keeping KEEP old files. The daemon routes console.* here so that stray
 * output and stack traces are rotated with everything else.
 */
export function logToFile(path: string): void {
  let fd = openSync(path, "a", 0o600)
  let size = fstatSync(fd).size

  // Also reached again after a rotation whose new file could not be created (a full disk): then
  // the old files stay where they are and only the new file is tried again.
  const rotate = () => {
    if (existsSync(path)) {
      for (let i = KEEP - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
      renameSync(path, `${path}.1`)
    }
    if (fd >= 0) closeSync(fd)
    fd = -1
    fd = openSync(path, "a", 0o600)
    size = 0
  }

  routeConsole((line) => {
    // A line that cannot be written (full disk, file-size limit) is dropped: logging must never be
    // what makes a request or the daemon fail.
    try {
      if (size + line.length > MAX_BYTES) rotate()
      size += writeSync(fd, line)
    } catch {
      // dropped
    }
  })
}

/** Sends console output to the terminal with the same time and level prefix the log file has. */
export function logToTerminal(): void {
  routeConsole((line, level) => writeSync(level === "info" ? 1 : 2, line))
}

function routeConsole(write: (line: string, level: string) => void): void {
  const writer = (level: string) => (...args: unknown[]) => write(`${new Date().toISOString()} ${level} ${format(...args)}\n`, level)
  console.log = console.info = writer("info")
  console.warn = writer("warn")
  console.error = writer("error")
}
