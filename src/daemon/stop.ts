import { shutdownDaemon } from "../sdk/sdk.gen.ts"
import { bearer, sdkClient } from "./client.ts"
import { waitForExit } from "./process.ts"
import type { DaemonRecord } from "./record.ts"

const GRACE_MS = 10_000

/**
 * Stops a trusted local daemon: the authenticated shutdown route first (in-flight appends finish,
 * the daemon removes its own record), signals only if it does not exit in time.
 */
export async function stopDaemon(record: DaemonRecord): Promise<void> {
  await shutdownDaemon({ client: sdkClient(record.url, bearer(record.token)), signal: AbortSignal.timeout(GRACE_MS) })
  if (await waitForExit(record.pid, GRACE_MS)) return
  process.kill(record.pid, "SIGTERM")
  if (await waitForExit(record.pid, 3_000)) return
  process.kill(record.pid, "SIGKILL")
  await waitForExit(record.pid, 3_000)
}
