import { homedir } from "node:os"
import { isAbsolute } from "node:path"
import type { Config } from "../../config/index.ts"
import type { WebSessions } from "./sessions.ts"

/** What the web UI's routes need from the daemon. */
export interface WebState {
  sessions: WebSessions
  /** ITERATE_SERVER_PASSWORD, for the login page; without it only login codes work */
  password?: string
  /** --public-url: an https one makes the cookie Secure */
  publicUrl?: string
  /** the folders "New agent" may browse: config.json `web.roots`, or the user's home */
  roots: string[]
  home: string
}

/** config.json's `web.roots` (absolute paths), or the home folder; a bad value is reported and ignored. */
export function webRoots(config: Config, home = process.env.HOME || homedir()): string[] {
  const roots = (config.web as { roots?: unknown } | undefined)?.roots
  if (roots === undefined) return [home]
  if (Array.isArray(roots) && roots.length > 0 && roots.every((r) => typeof r === "string" && isAbsolute(r))) return roots as string[]
  console.error("config.json: web.roots must be a list of absolute paths; the web UI browses the home folder instead")
  return [home]
}
