// Stops the local daemon through its authenticated shutdown route, following SPEC's auto-daemon
// protocol: the token goes only to a daemon whose /health reports the instanceId in daemon.json.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { iterateDir } from "./xdg.ts"

interface DaemonRecord {
  pid: number
  url: string
  version: string
  instanceId: string
  token: string
}

function readRecord(): DaemonRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(iterateDir("state"), "daemon.json"), "utf8"))
  } catch {
    return undefined
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Stops the recorded daemon unless it already runs `keepVersion`; says so on stderr. A record whose
 * daemon is gone or does not prove its identity is left alone.
 */
export async function stopDaemon(keepVersion?: string): Promise<void> {
  const record = readRecord()
  if (!record || record.version === keepVersion) return
  const health = await fetch(`${record.url}/health`, { signal: AbortSignal.timeout(2000) })
    .then((response) => response.json() as Promise<{ instanceId?: string }>)
    .catch(() => undefined)
  if (health?.instanceId !== record.instanceId) return
  await fetch(`${record.url}/v1/daemon/shutdown`, {
    method: "POST",
    headers: { authorization: `Bearer ${record.token}` },
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined)
  for (let waited = 0; waited < 10_000 && running(record.pid); waited += 100) await Bun.sleep(100)
  if (running(record.pid)) {
    process.stderr.write(`iterate: the ${record.version} daemon (pid ${record.pid}) did not stop; stop it with: iterate server stop\n`)
  } else {
    process.stderr.write(`stopped the iterate ${record.version} daemon (pid ${record.pid})\n`)
  }
}
