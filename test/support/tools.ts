// A check whose tool is not on this machine is skipped with the reason printed, never silently.
import { existsSync } from "node:fs"

/** The first of `candidates` (names on PATH or absolute paths) that exists. */
export function findTool(...candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    const found = candidate.startsWith("/") ? (existsSync(candidate) ? candidate : undefined) : Bun.which(candidate)
    if (found) return found
  }
  return undefined
}

/** undefined when everything is there, else why the check cannot run (also printed now). */
export function missing(check: string, needs: Record<string, boolean>): string | undefined {
  const absent = Object.entries(needs).filter(([, present]) => !present).map(([what]) => what)
  if (!absent.length) return undefined
  const reason = `skipped: ${check} needs ${absent.join(", ")} (see scripts/ci-apt-packages.txt)`
  console.warn(reason)
  return reason
}
