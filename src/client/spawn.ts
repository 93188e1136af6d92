import { closeSync, openSync, readFileSync } from "node:fs"
import type { Paths } from "../paths/index.ts"
import { probeHealth } from "../discovery/health.ts"
import { findOwner } from "../discovery/owner.ts"
import { DAEMON_RUN_ENV, sleep } from "../os/process.ts"
import { ensurePrivateDir, readRecord, type DaemonRecord } from "../discovery/record.ts"

const START_TIMEOUT_MS = 15_000

/** How to run this same program again: the compiled binary alone, or bun plus the entry script. */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || /^[A-Z]:\\~BUN\\/i.test(Bun.main)
  return compiled ? [process.execPath] : [process.execPath, Bun.main]
}

function lastLogLine(log: string): string {
  try {
    const lines = readFileSync(log, "utf8").trimEnd().split("\n")
    return lines[lines.length - 1] ?? ""
  } catch {
    return ""
  }
}

/**
 * Starts `iterate serve --port 0` detached from this terminal, its output appended to the
 * daemon log, and waits until the record it writes answers /health with its own instanceId.
 * Undefined when it was refused because another daemon owns the data folder.
 */
export async function spawnDaemon(paths: Paths): Promise<DaemonRecord | undefined> {
  ensurePrivateDir(paths.state)
  ensurePrivateDir(paths.logDir)
  const log = openSync(paths.daemonLog, "a", 0o600)
  const child = Bun.spawn({
    cmd: [...selfCommand(), "serve", "--port", "0", "--log-file", paths.daemonLog],
    stdio: ["ignore", log, log],
    detached: true,
    cwd: paths.state,
    // Started from an agent's shell command, it is no part of that agent's daemon.
    env: { ...process.env, [DAEMON_RUN_ENV]: undefined },
  })
  closeSync(log)
  child.unref()

  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const record = readRecord(paths.daemonRecord)
    if (record?.pid === child.pid) {
      const health = await probeHealth(record.url)
      if (health?.instanceId === record.instanceId) return record
    }
    if (child.exitCode !== null) {
      if (await findOwner(paths)) return undefined
      const last = lastLogLine(paths.daemonLog)
      throw new Error(`the daemon exited while starting${last ? `: ${last}` : ""} (log: ${paths.daemonLog})`)
    }
    if (Date.now() > deadline) throw new Error(`the daemon did not start within ${START_TIMEOUT_MS / 1000}s (log: ${paths.daemonLog})`)
    await sleep(5)
  }
}
