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

  const rotate = () => {
    closeSync(fd)
    for (let i = KEEP - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`)
    renameSync(path, `${path}.1`)
    fd = openSync(path, "a", 0o600)
    size = 0
  }

  const write = (level: string) => (...args: unknown[]) => {
    const line = `${new Date().toISOString()} ${level} ${format(...args)}\n`
    if (size + line.length > MAX_BYTES) rotate()
    size += writeSync(fd, line)
  }
  console.log = console.info = write("info")
  console.warn = write("warn")
  console.error = write("error")
}
