import { homedir } from "node:os"
import { join } from "node:path"

type Kind = "state" | "data" | "config" | "cache"

const xdg: Record<Kind, [variable: string, fallback: string]> = {
  state: ["XDG_STATE_HOME", ".local/state"],
  data: ["XDG_DATA_HOME", ".local/share"],
  config: ["XDG_CONFIG_HOME", ".config"],
  cache: ["XDG_CACHE_HOME", ".cache"],
}

/** iterate's folder of each kind, laid out as SPEC's "Files" table says. */
export function iterateDir(kind: Kind): string {
  if (process.platform === "win32") return join(process.env.LOCALAPPDATA ?? join(homedir(), "AppData/Local"), "iterate", kind)
  const [variable, fallback] = xdg[kind]
  return join(process.env[variable] || join(homedir(), fallback), "iterate")
}
