// A folder to put on PATH with one command in it, for tests of how a harness's binary is found.
import { mkdirSync, symlinkSync } from "node:fs"
import { join } from "node:path"

/** `root/name`, holding `command` as a link to `target`. */
export function folderWith(root: string, name: string, command: string, target: string): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  symlinkSync(target, join(dir, command))
  return dir
}
