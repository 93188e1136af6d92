// The release build (`bun scripts/build.ts --all`) takes about a minute, so the test files share one:
// whichever file needs it first builds it under a lock, the others wait, and later runs reuse it until
// one of its inputs changes.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { runOk } from "./run-process.ts"

export const root = new URL("../..", import.meta.url).pathname
export const dist = join(root, "dist")
export const releaseDir = join(dist, "release")
export const npmDir = join(dist, "npm")
export const homebrewFormula = join(dist, "homebrew/iterate.rb")

const inputs = ["src", "scripts", "npm", "homebrew", "install.sh", "package.json", "bun.lock"]

function newestInput(): number {
  let newest = 0
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false })
    if (!stat) return
    newest = Math.max(newest, stat.mtimeMs)
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name))
  }
  for (const input of inputs) visit(join(root, input))
  return newest
}

function fresh(): boolean {
  const sums = statSync(join(releaseDir, "SHA256SUMS"), { throwIfNoEntry: false })
  return sums !== undefined && sums.mtimeMs >= newestInput() && statSync(homebrewFormula, { throwIfNoEntry: false }) !== undefined
}

function deadOwner(lock: string): boolean {
  try {
    process.kill(Number(readFileSync(join(lock, "pid"), "utf8")), 0)
    return false
  } catch (error) {
    // No pid file yet means the owner is between mkdir and writing it: alive.
    return (error as NodeJS.ErrnoException).code === "ESRCH"
  }
}

// mkdir is atomic: exactly one process creates the lock folder; a lock whose owner died is stale.
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = join(dist, ".release-build.lock")
  mkdirSync(dist, { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, "pid"), String(process.pid))
      break
    } catch {
      if (deadOwner(lock)) rmSync(lock, { recursive: true, force: true })
      else await Bun.sleep(500)
    }
  }
  try {
    return await work()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Makes sure dist/release, dist/npm and dist/homebrew hold a release built from the current tree. */
export async function ensureRelease(): Promise<void> {
  if (fresh()) return
  await withLock(async () => {
    if (!fresh()) await runOk(["bun", "scripts/build.ts", "--all"], { cwd: root })
  })
}

/** Milliseconds to allow for ensureRelease: a cold build downloads 11 Bun runtimes. */
export const releaseBuildTimeout = 600_000
