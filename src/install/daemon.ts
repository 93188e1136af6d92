import { findTrustedDaemon } from "../daemon/health.ts"
import { isAlive } from "../daemon/process.ts"
import { stopDaemon } from "../daemon/stop.ts"
import { resolvePaths } from "../paths/index.ts"

/**
 * Stops the recorded daemon unless it already runs `keepVersion`, saying so on stderr: after an
 * upgrade it still runs the old code. A daemon that does not prove its identity is left alone.
 */
export async function stopOldDaemon(keepVersion?: string): Promise<void> {
  const found = await findTrustedDaemon(resolvePaths().daemonRecord)
  if (!found || found.health.version === keepVersion) return
  const { pid } = found.record
  await stopDaemon(found.record)
  if (isAlive(pid)) process.stderr.write(`iterate: the ${found.health.version} daemon (pid ${pid}) did not stop; stop it with: iterate server stop\n`)
  else process.stderr.write(`stopped the iterate ${found.health.version} daemon (pid ${pid})\n`)
}
