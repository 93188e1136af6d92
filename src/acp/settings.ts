// What the sessions of `iterate acp` make: each flag, else config.json's `acp` section (an editor
// starts the command with fixed args, so a user changes it there), else the defaults.
import { CliError } from "../errors.ts"
import { ConfigError, readConfig } from "../config/index.ts"

export interface AcpFlags {
  harness?: string
  model?: string
  permissions?: string
}

export interface AcpSettings extends AcpFlags {
  harness: string
}

export function acpSettings(flags: AcpFlags, configFile: string): AcpSettings {
  let config
  try {
    config = readConfig(configFile).acp ?? {}
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message)
    throw error
  }
  return { harness: flags.harness ?? config.harness ?? "opencode", model: flags.model ?? config.model, permissions: flags.permissions ?? config.permissions }
}
