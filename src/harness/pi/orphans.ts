// A pi a killed daemon left behind. Usually there is none: Pi shuts down when its stdin closes,
// which the daemon's death does, and our extension makes it stop its bash tool's commands then
// (assets.ts). One stuck (in an extension's code, say) may linger; the next daemon stops it, but
// only while that pid still is a pi we started. The command line cannot say so (under Node,
// Pi sets process.title, which rewrites it to "pi"); the environment it started with can: every
// rpc process gets ITERATE_PI_EXTENSION, the path of our permission extension.
import { waitForExit } from "../../os/process.ts"
import { startedEnvironment } from "../process/environment.ts"
import { killTree } from "../process/tree.ts"

export const MARKER_ENV = "ITERATE_PI_EXTENSION"

export async function stopOrphanedPi(pid: number, extension: string): Promise<boolean> {
  if (!startedEnvironment(pid).includes(`${MARKER_ENV}=${extension}`)) return false
  await killTree(pid, waitForExit(pid, 10_000))
  return true
}

