// The user's config file, `${XDG_CONFIG_HOME}/iterate/config.json`: JSON with comments (and
// trailing commas), read by the daemon when it starts. Keys iterate does not know are left alone,
// so a newer version's settings or a user's own notes survive an older daemon.
import { readFileSync } from "node:fs"

export interface Config {
  /** a postgres:// URL: keep streams and subscriptions there, shared with other nodes (iterate serve --store) */
  store?: unknown
  harnesses?: {
    opencode?: {
      /** The opencode executable to run instead of `opencode` on PATH. */
      binary?: string
    }
  }
  [key: string]: unknown
}

export class ConfigError extends Error {}

/** The config at `path`; empty when there is no file. Throws ConfigError, naming the file, when it cannot be used. */
export function readConfig(path: string): Config {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {}
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`)
  }
  let value: unknown
  try {
    value = Bun.JSONC.parse(text)
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${path} must hold a JSON object`)
  const binary = (value as Config).harnesses?.opencode?.binary
  if (binary !== undefined && typeof binary !== "string")
    throw new ConfigError(`${path}: harnesses.opencode.binary must be a path (a string)`)
  return value as Config
}
