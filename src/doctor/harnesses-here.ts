// The harnesses as a daemon started from this shell would find them: the daemon's own discovery,
// run in this process. It loads harness code, so doctor imports it only when no daemon runs.
import { Harnesses } from "../agents/harnesses.ts"
import { readConfig } from "../config/index.ts"
import type { Paths } from "../paths/index.ts"
import type { Check } from "./check.ts"
import { harnessChecks } from "./daemon.ts"

export async function harnessesHere(paths: Paths): Promise<Check[]> {
  let settings: ConstructorParameters<typeof Harnesses>[0]
  try {
    settings = { opencodeBinary: readConfig(paths.configFile).harnesses?.opencode?.binary }
  } catch (error) {
    settings = { configProblem: (error as Error).message }
  }
  return harnessChecks(await new Harnesses(settings).list(), "found from this shell")
}
