// Agent Client Protocol agents as harnesses, for the registry (../index.ts): the built-in ones and
// any configured as `harnesses.<name>.acp`. Daemon code only: renderers import transcript.ts.
//
//   harness.ts      the Harness: the command line, check (does it answer initialize?), open, orphans
//   session.ts      one agent's ACP session: start, restore, prompts, cancel, permissions, files
//   connection.ts   the ACP library's client over the agent's stdio, its updates read off the wire
//   permissions.ts  session/request_permission as iterate's asks, answers as the agent's options
//   files.ts        fs/read_text_file and fs/write_text_file, inside the agent's directory
//   config.ts       the config section; transcript.ts folds the updates into the transcript
import type { HarnessFactory } from "../harness.ts"
import { acpHarness, type BuiltInAgent } from "./harness.ts"

/** The ACP agents iterate knows by name: `--harness gemini` works without any config. */
export const BUILT_IN_AGENTS: Record<string, BuiltInAgent> = {
  gemini: { title: "Gemini CLI", command: "gemini --acp", install: "npm i -g @google/gemini-cli" },
  qwen: { title: "Qwen Code", command: "qwen --acp", install: "npm i -g @qwen-code/qwen-code" },
}

export const ACP_HARNESSES: Record<string, HarnessFactory> = Object.fromEntries(Object.entries(BUILT_IN_AGENTS).map(([name, agent]) => [name, acpHarness(name, agent)]))

/**
 * The harnesses of the agents config.json's `harnesses` section configures with an `acp` command
 * under a name of their own (names of `known` harnesses are theirs; the config schema refuses
 * `acp` under them).
 */
export function configuredAgents(config: Record<string, unknown> | undefined, known: Record<string, unknown>): Record<string, HarnessFactory> {
  const configured = Object.entries(config ?? {}).filter(([name, section]) => !(name in known) && (section as { acp?: unknown } | null)?.acp !== undefined)
  return Object.fromEntries(configured.map(([name]) => [name, acpHarness(name)]))
}
