// Stopping and restarting a daemon that `iterate service` runs goes through its service manager:
// stopped behind the manager's back it would look crashed (and be restarted) or simply gone, and
// restarted by the CLI it would run outside the service.
import { CliError } from "../../errors.ts"
import type { Output } from "../../client/output.ts"
import { findTrustedDaemon } from "../../discovery/health.ts"
import { type LocalDaemon, stopLocalDaemon } from "../../client/local.ts"
import { sleep, waitForExit } from "../../os/process.ts"
import type { DaemonRecord, ServiceManager } from "../../discovery/record.ts"
import type { Paths } from "../../paths/index.ts"
import { attempt, launchdService } from "./manager.ts"
import { SYSTEMD_UNIT } from "./render.ts"

// systemd waits out TimeoutStopSec (90 s by default) before it kills; the daemon stops in seconds.
const STOP_WAIT_MS = 20_000
const START_WAIT_MS = 20_000

const names: Record<ServiceManager, string> = { systemd: `the systemd service ${SYSTEMD_UNIT}`, launchd: "the launchd agent" }

/**
 * The manager's commands. launchd has no "stop" that keeps the job loaded: SIGTERM through it makes
 * the daemon exit cleanly, which its KeepAlive (SuccessfulExit: false) leaves stopped.
 */
export function serviceCommand(manager: ServiceManager, action: "stop" | "start" | "restart"): string[] {
  if (manager === "systemd") return ["systemctl", "--user", action, SYSTEMD_UNIT]
  if (action === "stop") return ["launchctl", "kill", "SIGTERM", launchdService()]
  return ["launchctl", "kickstart", ...(action === "restart" ? ["-k"] : []), launchdService()]
}

/**
 * Stops a service's daemon through its manager. When the manager cannot be reached from here (no
 * user session on this shell, say) the daemon is stopped directly: it exits cleanly, which neither
 * manager restarts, and the way to start it again is printed.
 */
export async function stopService(io: Output, daemon: LocalDaemon & { service: ServiceManager }): Promise<void> {
  const command = serviceCommand(daemon.service, "stop")
  const why = await attempt(command)
  if (!why && (await waitForExit(daemon.pid, STOP_WAIT_MS))) {
    io.note(`stopped ${names[daemon.service]} (pid ${daemon.pid})`)
    return
  }
  io.note(`iterate: could not stop ${names[daemon.service]} (${why ?? "it did not stop"}); stopping the daemon directly`)
  await stopLocalDaemon(daemon)
  io.note(`stopped the daemon (pid ${daemon.pid}); start the service again with: ${serviceCommand(daemon.service, "start").join(" ")}`)
}

/** Restarts a service's daemon through its manager and waits for the new one's record; throws a CliError when that fails. */
export async function restartService(paths: Paths, daemon: LocalDaemon & { service: ServiceManager }): Promise<DaemonRecord> {
  const command = serviceCommand(daemon.service, "restart")
  const why = await attempt(command)
  if (why) throw new CliError(`could not restart ${names[daemon.service]} (${why})`)
  const deadline = Date.now() + START_WAIT_MS
  for (;;) {
    const found = await findTrustedDaemon(paths.daemonRecord)
    if (found && found.record.pid !== daemon.pid) return found.record
    if (Date.now() > deadline) throw new CliError(`${names[daemon.service]} did not come back within ${START_WAIT_MS / 1000}s; see: iterate server logs`)
    await sleep(50)
  }
}

export const isService = (daemon: LocalDaemon): daemon is LocalDaemon & { service: ServiceManager } => daemon.service !== undefined
