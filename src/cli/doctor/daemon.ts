// The local daemon, and the harnesses as the daemon sees them. doctor never starts or restarts a
// daemon: with none running, the harnesses are checked here, as a daemon started now would see them.
import { existsSync } from "node:fs"
import { bearer, sdkClient } from "../../client/sdk.ts"
import { findTrustedDaemon } from "../../discovery/health.ts"
import type { DaemonRecord } from "../../discovery/record.ts"
import type { Paths } from "../../paths/index.ts"
import { listHarnesses } from "../../sdk/sdk.gen.ts"
import { VERSION } from "../../version.ts"
import { type Check, info, ok, problem } from "./check.ts"

export async function daemonCheck(paths: Paths): Promise<{ check: Check; record?: DaemonRecord }> {
  const found = await findTrustedDaemon(paths.daemonRecord)
  if (!found) {
    const stale = existsSync(paths.daemonRecord) ? " (its record is left from one that is gone)" : ""
    return { check: info("daemon", `not running${stale}; the next command starts it`, "iterate server start") }
  }
  const { record, health } = found
  if (health.version !== VERSION)
    return { check: problem("daemon", `the daemon at ${record.url} runs iterate ${health.version}, this is ${VERSION}`, "iterate server restart"), record }
  return { check: ok("daemon", `iterate ${health.version} at ${record.url} (pid ${record.pid})`), record }
}

/** A harness as GET /v1/harnesses reports it (a HarnessCheck). */
export interface HarnessReport {
  name: string
  available: boolean
  binary?: string
  version?: string
  problems: { problem: string; fix: string }[]
}

/**
 * One check per harness. A harness that is not installed at all is information (with how to
 * install it), since nobody needs all of them, unless config.json names its binary; having none
 * at all is a problem.
 */
export function harnessChecks(reports: HarnessReport[], where: string, configured: ReadonlySet<string> = new Set()): Check[] {
  const checks = reports.flatMap((h) => {
    const check = `harness ${h.name}`
    const missing = !h.available && h.binary === undefined && !configured.has(h.name)
    if (missing && h.problems[0]) return [info(check, h.problems[0].problem, h.problems[0].fix)]
    if (h.problems.length) return h.problems.map((p) => problem(check, p.problem, p.fix))
    if (!h.available) return [problem(check, `${h.name} is not available`, "iterate harnesses")]
    return [ok(check, `${h.name} ${h.version ?? "(version unknown)"} at ${h.binary} (${where})`)]
  })
  // Nothing available and nothing said so yet (every one merely not installed): that is a problem.
  if (reports.length && checks.every((c) => c.status === "info"))
    checks.push(problem("harnesses", "no harness is installed: agents cannot run", reports[0]!.problems[0]?.fix ?? "npm i -g opencode-ai"))
  return checks
}

// Asking a harness its version can take a few seconds the first time.
const HARNESSES_TIMEOUT_MS = 15_000

export async function harnessesFromDaemon(record: DaemonRecord, configured: ReadonlySet<string>): Promise<Check[]> {
  const result = await listHarnesses({ client: sdkClient(record.url, bearer(record.token)), signal: AbortSignal.timeout(HARNESSES_TIMEOUT_MS) })
  if (!result.data) return [problem("harnesses", `the daemon did not list its harnesses (${result.response?.status ?? String(result.error)})`, "iterate server logs")]
  return harnessChecks(result.data.harnesses as HarnessReport[], "as the daemon sees it", configured)
}
