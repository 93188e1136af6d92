// The user's config file, `${XDG_CONFIG_HOME}/iterate/config.json`: JSON with comments (and
// trailing commas), read by the daemon when it starts. Keys iterate does not know are left alone,
// so a newer version's settings or a user's own notes survive an older daemon.
import { readFileSync } from "node:fs"

export interface Config {
  /** one section per harness, by name, each checked by its harness (e.g. `opencode.binary`: the executable to run) */
  harnesses?: Record<string, unknown>
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
  const harnesses = (value as Config).harnesses
  if (harnesses !== undefined && (typeof harnesses !== "object" || harnesses === null || Array.isArray(harnesses)))
    throw new ConfigError(`${path}: harnesses must be an object with a section per harness`)
  return value as Config
}
