// A codex app-server a killed daemon left behind. Usually there is none: codex exits when its
// stdin closes, which the daemon's death does, and stops the commands it runs. One that lingers is
// stopped by the next daemon, but only while that pid still is an app-server a daemon of the same
// data folder started: each gets SERVER_ENV, naming the folder it runs in, in its environment.
import { waitForExit } from "../../os/process.ts"
import { startedEnvironment } from "../process/environment.ts"
import { killTree } from "../process/tree.ts"
import { SERVER_ENV } from "./server.ts"

export async function stopOrphanedCodex(pid: number, folder: string): Promise<boolean> {
  if (!startedEnvironment(pid).includes(`${SERVER_ENV}=${folder}`)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}
