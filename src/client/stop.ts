import { shutdownDaemon } from "../sdk/sdk.gen.ts"
import { bearer, sdkClient } from "./sdk.ts"
import { waitForExit } from "../os/process.ts"
import type { DaemonRecord } from "../discovery/record.ts"

const GRACE_MS = 10_000

/**
 * Stops a trusted local daemon: the authenticated shutdown route first (in-flight appends finish,
 * the daemon removes its own record), signals only if it does not exit in time.
 */
export async function stopDaemon(record: DaemonRecord): Promise<void> {
  await shutdownDaemon({ client: sdkClient(record.url, bearer(record.token)), signal: AbortSignal.timeout(GRACE_MS) })
  if (await waitForExit(record.pid, GRACE_MS)) return
  await terminate(record.pid)
}

/** SIGTERM (the daemon stops as gracefully as through the route), SIGKILL if it does not exit in time. */
export async function terminate(pid: number, graceMs = 3_000): Promise<void> {
  process.kill(pid, "SIGTERM")
  if (await waitForExit(pid, graceMs)) return
  process.kill(pid, "SIGKILL")
  await waitForExit(pid, 3_000)
}
