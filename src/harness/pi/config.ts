// `harnesses.pi` of config.json:
//   binary         the pi to run instead of `pi` on PATH: its CLI script (dist/cli.js) or a
//                  standalone pi executable
//   runtime        what runs a CLI script: "bun", "node" or a path; by default iterate's own Bun
//   idleTimeoutMs  how long an agent's pi process may sit idle before it is stopped (default 10
//                  minutes); the next prompt starts it again on the same session
import { HarnessProblemError } from "../problem.ts"

export interface PiConfig {
  binary?: string
  runtime?: string
  idleTimeoutMs: number
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000

/** A setting of harnesses.pi that cannot be used; the fix unsets it (each has its default). */
export class PiConfigError extends HarnessProblemError {
  constructor(key: string, must: string) {
    super(`harnesses.pi.${key} must be ${must}`, `iterate config unset harnesses.pi.${key}`)
  }
}

export function parsePiConfig(section: Record<string, unknown>): PiConfig {
  const text = (key: string) => {
    const value = section[key]
    if (value !== undefined && (typeof value !== "string" || value === "")) throw new PiConfigError(key, "a non-empty string")
    return value as string | undefined
  }
  const idle = section.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  if (typeof idle !== "number" || !Number.isFinite(idle) || idle <= 0) throw new PiConfigError("idleTimeoutMs", "a positive number of milliseconds")
  return { binary: text("binary"), runtime: text("runtime"), idleTimeoutMs: idle }
}
