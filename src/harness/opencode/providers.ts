// Whether opencode has a model provider it can use outside any one project: credentials from
// `opencode auth login` (auth.json in its data folder), a provider in the user's global config, a
// config given through the environment, or the API key of a well-known provider. A project's own
// opencode.json may still configure one, which only a turn in that directory can tell.
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { dict } from "../../protocol/json.ts"

const API_KEYS = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "OPENROUTER_API_KEY",
  "GEMINI_API_KEY",
  "GOOGLE_GENERATIVE_AI_API_KEY",
  "GROQ_API_KEY",
  "XAI_API_KEY",
  "DEEPSEEK_API_KEY",
  "MISTRAL_API_KEY",
  "OPENCODE_API_KEY",
  "AWS_BEARER_TOKEN_BEDROCK",
]

function readJson(file: string): unknown {
  try {
    return Bun.JSONC.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

const nonEmpty = (value: unknown) => Object.keys(dict(value) ?? {}).length > 0

/** undefined when opencode has a provider; otherwise the problem, with where to set one. */
export function providerProblem(env: Record<string, string | undefined>): { problem: string; fix: string } | undefined {
  if (API_KEYS.some((key) => env[key]) || env.OPENCODE_CONFIG || env.OPENCODE_CONFIG_CONTENT) return undefined
  const home = env.HOME ?? homedir()
  const data = env.XDG_DATA_HOME || join(home, ".local", "share")
  const config = env.XDG_CONFIG_HOME || join(home, ".config")
  if (nonEmpty(readJson(join(data, "opencode", "auth.json")))) return undefined
  for (const name of ["opencode.json", "opencode.jsonc", "config.json"]) {
    const file = join(config, "opencode", name)
    if (existsSync(file) && nonEmpty((readJson(file) as { provider?: unknown } | undefined)?.provider)) return undefined
  }
  return {
    problem: "no model provider is configured for opencode (a project's opencode.json may still set one)",
    fix: "opencode auth login, or set a provider in ~/.config/opencode/opencode.json (https://opencode.ai/docs/providers)",
  }
}
