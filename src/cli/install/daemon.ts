import { CliError } from "../../errors.ts"
import type { Output } from "../../client/output.ts"
import { findLocalDaemon, type LocalDaemon, stopLocalDaemon } from "../../client/local.ts"
import { isAlive } from "../../os/process.ts"
import type { DaemonRecord, ServiceManager } from "../../discovery/record.ts"
import { type Paths, resolvePaths } from "../../paths/index.ts"
import { isService, restartService, serviceCommand, stopService } from "../service/control.ts"

/**
 * Stops the local daemon unless it already runs `keepVersion`, saying so on stderr: after an
 * upgrade it still runs the old code. A daemon that does not prove its identity is left alone.
 * After an upgrade (`keepVersion` given) a daemon that `iterate service` runs is restarted through
 * its manager instead, on the new binary.
 */
export async function stopOldDaemon(io: Output, keepVersion?: string): Promise<void> {
  const paths = resolvePaths()
  const daemon = await findLocalDaemon(paths)
  if (!daemon || daemon.version === keepVersion) return
  if (isService(daemon)) return keepVersion === undefined ? stopService(io, daemon) : restartOn(io, paths, daemon, keepVersion)
  const { pid, version } = daemon
  await stopLocalDaemon(daemon)
  if (isAlive(pid)) io.note(`iterate: the ${version} daemon (pid ${pid}) did not stop; stop it with: iterate server stop`)
  else io.note(`stopped the iterate ${version} daemon (pid ${pid})`)
}

/** Restarts the service on `version`; when the manager fails the old daemon is stopped all the same, and the error says how to start it. */
async function restartOn(io: Output, paths: Paths, daemon: LocalDaemon & { service: ServiceManager }, version: string): Promise<void> {
  let record: DaemonRecord
  try {
    record = await restartService(paths, daemon)
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    // Nothing may keep running the old code; it exits cleanly, which the manager leaves stopped.
    if (isAlive(daemon.pid)) await stopLocalDaemon(daemon)
    throw new CliError(`${error.message}; stopped the old daemon; start the service on the new binary with: ${serviceCommand(daemon.service, "start").join(" ")}`)
  }
  if (record.version !== version)
    throw new CliError(`the service came back running ${record.version}, not ${version}: its unit starts another binary; write it again with: iterate service install`)
  io.note(`restarted the iterate service on ${version} (pid ${record.pid})`)
}
