// The user's config file, `${XDG_CONFIG_HOME}/iterate/config.json`: JSON with comments (and
// trailing commas), read by the daemon when it starts. Keys iterate does not know are left alone,
// so a newer version's settings or a user's own notes survive an older daemon.
import { readFileSync } from "node:fs"
import { type Config, configProblems } from "./schema.ts"

export type { Config }

export class ConfigError extends Error {}

function parseConfig(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {}
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`)
  }
  try {
    return Bun.JSONC.parse(text)
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`)
  }
}

/** The config at `path`; empty when there is no file. Throws ConfigError, naming the file, when it cannot be used. */
export function readConfig(path: string): Config {
  const value = parseConfig(path)
  const [problem] = configProblems(value)
  if (problem) throw new ConfigError(`${path}: ${problem.message} (fix it with: iterate config edit)`)
  return value as Config
}

/**
 * `store` as a config that readConfig refused still names it, unchecked; undefined when the file
 * names none or is no JSON at all.
 */
export function storeOf(path: string): unknown {
  try {
    return (parseConfig(path) as { store?: unknown } | null)?.store
  } catch {
    return undefined
  }
}
