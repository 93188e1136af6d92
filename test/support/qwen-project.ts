// Qwen Code (the pinned devDependency) as the built-in ACP agent `qwen`, with the LLM stub as its
// OpenAI-compatible model: what a user of an OpenAI-compatible endpoint sets up, in the sandbox's
// HOME (~/.qwen/settings.json) and environment.
import { mkdirSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"

/** Qwen Code from its devDependency: the script its `qwen` bin runs on Node. */
export const testQwenCli = () => createRequire(import.meta.url).resolve("@qwen-code/qwen-code/cli-entry.js")

export const QWEN_STUB_MODEL = "stub-model"

/** The stub as Qwen Code's OpenAI provider, through the environment variables it reads. */
export const qwenEnv = (stubUrl: string) => ({ OPENAI_BASE_URL: stubUrl, OPENAI_API_KEY: "sk-stub", OPENAI_MODEL: QWEN_STUB_MODEL })

/**
 * ~/.qwen/settings.json: OpenAI-compatible auth; no usage statistics, telemetry or update checks
 * (nothing leaves loopback); and neither memory extraction nor a suggested next prompt after each
 * turn: model requests of its own that the stub's script would have to answer.
 */
export function writeQwenSettings(home: string): void {
  mkdirSync(join(home, ".qwen"), { recursive: true })
  const settings = {
    security: { auth: { selectedType: "openai" } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    memory: { enableManagedAutoMemory: false },
    ui: { enableFollowupSuggestions: false },
  }
  writeFileSync(join(home, ".qwen", "settings.json"), JSON.stringify(settings))
}
