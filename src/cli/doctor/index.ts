// `iterate doctor`: everything it looks at, in the order it is printed.
import { resolvePaths } from "../../paths/index.ts"
import type { Check } from "./check.ts"
import { daemonCheck, harnessesFromDaemon } from "./daemon.ts"
import { configCheck, configuredHarnesses, diskCheck, folderChecks, installCheck } from "./local.ts"
import { remoteChecks } from "./remotes.ts"

export type { Check }

export async function diagnose(): Promise<Check[]> {
  const paths = resolvePaths()
  const remotes = remoteChecks(paths)
  const daemon = await daemonCheck(paths)
  const configured = await configuredHarnesses(paths)
  const harnesses = daemon.record
    ? harnessesFromDaemon(daemon.record, configured)
    : import("./harnesses-here.ts").then(({ harnessesHere }) => harnessesHere(paths, configured))
  return [
    installCheck(),
    daemon.check,
    ...folderChecks(paths),
    diskCheck(paths),
    await configCheck(paths),
    ...(await harnesses),
    ...(await remotes),
  ]
}
