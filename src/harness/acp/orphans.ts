// An ACP agent a killed daemon left behind (an agent that does not exit when its input closes, or
// one busy in a tool call). Every agent process is started with ITERATE_ACP_AGENT naming its
// harness; the next daemon stops a recorded pid only while it still carries that mark.
import { waitForExit } from "../../os/process.ts"
import { startedEnvironment } from "../process/environment.ts"
import { killTree } from "../process/tree.ts"

export const MARKER_ENV = "ITERATE_ACP_AGENT"

export async function stopOrphanedAgent(pid: number, harness: string): Promise<boolean> {
  if (!startedEnvironment(pid).includes(`${MARKER_ENV}=${harness}`)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}
