// An ACP agent's section of config.json (`harnesses.<name>`), checked by the harness itself:
//   acp             its command line: a string split as a shell would, or an array of words
//   env             variables added to its environment
//   idleTimeoutMs   how long an idle agent process stays up (default 10 minutes)
//   startTimeoutMs  how long it may take to answer initialize (default 30 s)
import { splitCommandLine } from "../../config/command-line.ts"
import { HarnessProblemError } from "../problem.ts"

export interface AcpSettings {
  argv: string[]
  env: Record<string, string>
  idleTimeoutMs: number
  startTimeoutMs: number
}

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000
const DEFAULT_START_TIMEOUT_MS = 30_000

/** `byDefault`: a built-in agent's command line. Throws HarnessProblemError naming the setting at fault. */
export function acpSettings(name: string, config: Record<string, unknown>, byDefault?: string): AcpSettings {
  const { acp = byDefault, env = {}, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, startTimeoutMs = DEFAULT_START_TIMEOUT_MS } = config
  const bad = (key: string, what: string) =>
    new HarnessProblemError(`harnesses.${name}.${key} in config.json must be ${what}`, key === "acp" && !byDefault ? `iterate config set harnesses.${name}.acp "<the agent's ACP command line>"` : `iterate config unset harnesses.${name}.${key}`)
  let argv: string[]
  if (typeof acp === "string") {
    try {
      argv = splitCommandLine(acp)
    } catch (error) {
      throw bad("acp", `a command line (${(error as Error).message})`)
    }
  } else if (Array.isArray(acp) && acp.length > 0 && acp.every((word) => typeof word === "string" && word !== "")) argv = acp
  else throw bad("acp", "a command line or an array of its words")
  if (typeof env !== "object" || env === null || Array.isArray(env) || Object.values(env).some((v) => typeof v !== "string")) throw bad("env", "an object of strings")
  if (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0)) throw bad("idleTimeoutMs", "a number of milliseconds")
  if (typeof startTimeoutMs !== "number" || !(startTimeoutMs > 0)) throw bad("startTimeoutMs", "a number of milliseconds")
  return { argv, env: env as Record<string, string>, idleTimeoutMs, startTimeoutMs }
}
