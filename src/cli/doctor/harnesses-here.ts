// The harnesses as a daemon started from this shell would find them: each registered harness's own
// check, run in this process. It loads harness code, so doctor imports it only when no daemon runs.
import { readConfig } from "../../config/index.ts"
import { createHarnesses, HARNESSES } from "../../harness/index.ts"
import type { Paths } from "../../paths/index.ts"
import type { Check } from "./check.ts"
import { harnessChecks } from "./daemon.ts"

export async function harnessesHere(paths: Paths, configured: ReadonlySet<string>): Promise<Check[]> {
  let config: Record<string, unknown>
  try {
    config = readConfig(paths.configFile).harnesses ?? {}
  } catch (error) {
    const problems = [{ problem: (error as Error).message, fix: "iterate config edit" }]
    return harnessChecks(Object.keys(HARNESSES).map((name) => ({ name, available: false, problems })), "found from this shell", configured)
  }
  const harnesses = createHarnesses({ logDir: paths.logDir, dataDir: paths.data, config, env: process.env })
  return harnessChecks(await Promise.all([...harnesses.values()].map((h) => h.check())), "found from this shell", configured)
}
