// Whether Pi has a model provider to talk to: a provider in models.json, credentials saved by
// `/login` (auth.json), or one of the API keys Pi reads from the environment. Pi's folder is
// PI_CODING_AGENT_DIR, else ~/.pi/agent.
import { readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { dict } from "../../protocol/json.ts"
import type { HarnessProblem } from "../harness.ts"

/** The keys Pi 0.73 looks for (pi-ai's env-api-keys), the common ones first. */
const API_KEYS = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_OAUTH_TOKEN",
  "OPENAI_API_KEY",
  "GEMINI_API_KEY",
  "OPENROUTER_API_KEY",
  "AZURE_OPENAI_API_KEY",
  "DEEPSEEK_API_KEY",
  "GOOGLE_CLOUD_API_KEY",
  "GROQ_API_KEY",
  "CEREBRAS_API_KEY",
  "XAI_API_KEY",
  "AI_GATEWAY_API_KEY",
  "ZAI_API_KEY",
  "MISTRAL_API_KEY",
  "MINIMAX_API_KEY",
  "MOONSHOT_API_KEY",
  "HF_TOKEN",
  "FIREWORKS_API_KEY",
  "OPENCODE_API_KEY",
  "KIMI_API_KEY",
  "CLOUDFLARE_API_KEY",
  "XIAOMI_API_KEY",
  "COPILOT_GITHUB_TOKEN",
  "AWS_BEARER_TOKEN_BEDROCK",
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
]

export function piAgentDir(env: Record<string, string | undefined>): string {
  const dir = env.PI_CODING_AGENT_DIR
  const home = env.HOME || homedir()
  if (!dir) return join(home, ".pi", "agent")
  return dir === "~" ? home : dir.startsWith("~/") ? join(home, dir.slice(2)) : dir
}

/**
 * What is missing for Pi to reach a model, or undefined when something is configured. The fix is
 * Pi's own TUI (`pi`, the command that starts it), whose /login saves a provider's credentials.
 */
export function providerProblem(env: Record<string, string | undefined>, pi: string): HarnessProblem | undefined {
  const dir = piAgentDir(env)
  const models = readJson(join(dir, "models.json")) as { providers?: Record<string, unknown> } | undefined
  if (models?.providers && Object.keys(models.providers).length > 0) return undefined
  const auth = readJson(join(dir, "auth.json"))
  if (auth && Object.keys(auth).length > 0) return undefined
  if (API_KEYS.some((key) => env[key])) return undefined
  return {
    problem: `pi has no model provider configured: no login, no provider in ${join(dir, "models.json")}, and no API key (such as ANTHROPIC_API_KEY or OPENAI_API_KEY) where the daemon started`,
    fix: `${pi}   # then type /login`,
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return dict(JSON.parse(readFileSync(file, "utf8")))
  } catch {
    return undefined
  }
}
