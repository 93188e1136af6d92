// Every harness iterate can drive, by name. A harness is a folder src/harness/<name>/ and one
// line here; src/agents knows harnesses only through this map and ./harness.ts. ACP agents are
// harnesses too: the built-in ones (gemini, qwen) in this map, and any config.json names with a
// `harnesses.<name>.acp` command, added by createHarnesses.
import { basename, delimiter, join } from "node:path"
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
        env: harnessEnvironment(setup.env),
      }),
    )
  }
  return harnesses
}

/** The environment harness processes start from: the daemon's, less what the Bun it runs on put there. */
export function harnessEnvironment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return withNodeForNode(withoutDebugger(env))
}

// A daemon run under Bun's debugger (BUN_INSPECT) must not pass its address on: every harness is a
// Bun program too (opencode, claude, pi on iterate's Bun), and one that cannot listen there exits.
function withoutDebugger(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("BUN_INSPECT")))
}

// A daemon started from under `bun --bun` (a package script, a test run) inherits the folder Bun
// puts first on PATH to make `node` run Bun (bun-node-*). An agent that is a Node program (Gemini
// CLI, Qwen Code, claude-agent-acp: `#!/usr/bin/env node`), and the commands it runs, would run on
// Bun then, which not all of them survive: Gemini CLI runs each shell command in a pseudo-terminal
// (node-pty), whose master Bun closes the first time a read finds no output waiting, and the
// command, its terminal hung up, dies of SIGHUP, often before it did anything. A machine's own
// Node is what `node` stays; Bun's stands in only where there is none.
function withNodeForNode(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const folders = env.PATH?.split(delimiter) ?? []
  const path = folders.filter((folder) => !/^bun-node(-|$)/.test(basename(folder))).join(delimiter)
  if (path === env.PATH || !Bun.which("node", { PATH: path })) return env
  return { ...env, PATH: path }
}
