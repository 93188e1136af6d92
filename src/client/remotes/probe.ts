// Whether an iterate server answers and takes a password: for `remote add` and `iterate doctor`.
import { bearer, sdkClient } from "../sdk.ts"
import { getDaemon, getHealth } from "../../sdk/sdk.gen.ts"

// Long enough for a TLS handshake across the world, short enough not to hang a command.
const PROBE_TIMEOUT_MS = 5_000

export type Probe =
  | { reachable: false; reason: string }
  | { reachable: true; version: string; authorized: boolean }

const reasonOf = (error: unknown) =>
  error instanceof Error ? (error.name === "TimeoutError" ? `no answer within ${PROBE_TIMEOUT_MS / 1000}s` : error.message) : String(error)

/** GET /health, then an authenticated GET /v1/daemon with `password`. */
export async function probeServer(url: string, password: string | undefined): Promise<Probe> {
  const health = await getHealth({ client: sdkClient(url), signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
  const version = (health.data as { healthy?: unknown; version?: unknown } | undefined)?.version
  if (!health.response) return { reachable: false, reason: reasonOf(health.error) }
  if (!health.response.ok || typeof version !== "string")
    return { reachable: false, reason: `${url}/health answered ${health.response.status}, not as an iterate server` }
  const client = sdkClient(url, password ? bearer(password) : undefined)
  const daemon = await getDaemon({ client, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
  if (!daemon.response) return { reachable: false, reason: reasonOf(daemon.error) }
  return { reachable: true, version, authorized: daemon.response.ok }
}
