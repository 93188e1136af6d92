// Throwaway folders for one test file, deleted when the file's tests are done: installs hold 100 MB
// binaries, so a run would otherwise leave gigabytes in /tmp.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const made: string[] = []

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `iterate-${name}-`))
  made.push(dir)
  return dir
}
