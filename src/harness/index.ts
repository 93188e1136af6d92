// Every harness iterate can drive, by name. A harness is a folder src/harness/<name>/ and one
// line here; src/agents knows harnesses only through this map and ./harness.ts. ACP agents are
// harnesses too: the built-in ones (gemini, qwen) in this map, and any config.json names with a
// `harnesses.<name>.acp` command, added by createHarnesses.
import { join } from "node:path"
import { dict } from "../protocol/json.ts"
import type { Harness, HarnessFactory } from "./harness.ts"
import { ACP_HARNESSES, configuredAgents } from "./acp/index.ts"
import { createClaudeHarness } from "./claude/index.ts"
import { createCodexHarness } from "./codex/index.ts"
import { opencodeHarness } from "./opencode/index.ts"
import { createPiHarness } from "./pi/index.ts"

export const HARNESSES: Record<string, HarnessFactory> = {
  opencode: opencodeHarness,
  claude: createClaudeHarness,
  pi: createPiHarness,
  codex: createCodexHarness,
  ...ACP_HARNESSES,
}

export interface HarnessSetup {
  logDir: string
  /** each harness gets its own folder below this one */
  dataDir: string
  /** config.json's `harnesses` section: each harness gets its own part, unchecked */
  config?: Record<string, unknown>
  env: Record<string, string | undefined>
}

/**
 * Every harness of `factories` and every ACP agent the config names, each made with its own part
 * of the config and its own folder.
 */
export function createHarnesses(setup: HarnessSetup, factories: Record<string, HarnessFactory> = HARNESSES): Map<string, Harness> {
  const harnesses = new Map<string, Harness>()
  for (const [name, factory] of Object.entries({ ...factories, ...configuredAgents(setup.config, { ...HARNESSES, ...factories }) })) {
    const config = setup.config?.[name]
    harnesses.set(
      name,
      factory({
        logDir: setup.logDir,
        dataDir: join(setup.dataDir, name),
        config: dict(config) ?? {},
        env: withoutDebugger(setup.env),
      }),
    )
  }
  return harnesses
}

// A daemon run under Bun's debugger (BUN_INSPECT) must not pass its address on: every harness is a
// Bun program too (opencode, claude, pi on iterate's Bun), and one that cannot listen there exits.
function withoutDebugger(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("BUN_INSPECT")))
}
