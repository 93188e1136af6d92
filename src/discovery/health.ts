import { getHealth } from "../sdk/sdk.gen.ts"
import { createClient } from "../sdk/client/index.ts"
import { readRecord, type DaemonRecord } from "./record.ts"

export interface Health {
  version: string
  instanceId: string
  pid: number
}

// Loopback answers in a millisecond; anything slower is not a daemon worth waiting for.
const HEALTH_TIMEOUT_MS = 1_000

/** GET /health without credentials; undefined when nothing (or nothing sensible) answers. */
export async function probeHealth(url: string): Promise<Health | undefined> {
  const { data } = await getHealth({ client: createClient({ baseUrl: url }), signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) })
  const health = data as Partial<Health> & { healthy?: unknown }
  if (!health || health.healthy !== true || typeof health.instanceId !== "string") return undefined
  return health as Health
}

/**
 * The recorded daemon, if it answers /health with the recorded instanceId. Whatever else holds
 * the port is a stranger and must never be sent the token.
 */
export async function findTrustedDaemon(recordPath: string): Promise<{ record: DaemonRecord; health: Health } | undefined> {
  const record = readRecord(recordPath)
  if (!record) return undefined
  const health = await probeHealth(record.url)
  if (!health || health.instanceId !== record.instanceId) return undefined
  return { record, health }
}
