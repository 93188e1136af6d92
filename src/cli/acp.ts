import type { Command } from "commander"
import type { AcpFlags } from "../acp/settings.ts"
import { resolvePaths } from "../paths/index.ts"
import { EXIT } from "../errors.ts"
import { policy } from "./options.ts"
import type { Output } from "../client/output.ts"

async function acp(io: Output, flags: AcpFlags, command: Command): Promise<void> {
  // The protocol library and config.json's schema (zod, both) load only for this command.
  const { acpSettings } = await import("../acp/settings.ts")
  const options = acpSettings(flags, resolvePaths().configFile)
  if (process.stdin.isTTY) io.note("iterate acp speaks the Agent Client Protocol on stdin and stdout, for an editor to start (see: iterate acp --help); Ctrl-D ends it")
  const { serveAcp } = await import("../acp/server.ts")
  await serveAcp(io, command, options)
  // The editor closed the connection; live reads of its sessions end with the process.
  process.exit(EXIT.ok)
}

export function registerAcp(program: Command, io: Output): void {
  program
    .command("acp")
    .description("an Agent Client Protocol server on stdio, so an editor (Zed, …) drives iterate agents of any harness")
    .option("--harness <name>", "the harness of the agents new sessions make: opencode (default), claude, pi, codex, gemini, qwen or a configured ACP agent")
    .option("--model <provider/model>", "the model of the agents new sessions make (default: the harness's own)")
    .option("--permissions <policy>", "their permission policy: ask (default: the editor is asked), allow-edits, allow-all or deny", policy)
    .addHelpText(
      "after",
      `
An editor starts this command and speaks ACP to it on stdin and stdout. A new session is a new
iterate agent in the session's directory; its id is the agent's, so the session lives on in the
daemon: load it again later (or see it with iterate agents, iterate events, the web UI).
Permission requests of a turn the editor started are asked in the editor. Without the flags, the
acp section of config.json says what new sessions make (iterate config set acp.harness claude).

Zed (settings.json):
  "agent_servers": { "iterate": { "type": "custom", "command": "iterate", "args": ["acp"] } }

Examples:
  iterate acp
  iterate acp --harness claude --permissions allow-edits`,
    )
    .action((flags, command) => acp(io, flags, command))
}
