import { Argument, type Command } from "commander"
import { resolve } from "node:path"
import { importSessions } from "../sdk/sdk.gen.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"

/** The harnesses whose own sessions iterate reads. */
const IMPORTABLE = ["claude", "codex", "opencode"]

async function importAll(io: Output, harness: string, path: string | undefined, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const body = { harness, ...(path !== undefined && { path: resolve(path) }) }
  const report = unwrap(connection, await importSessions({ client: connection.client, body }))
  for (const warning of report.warnings) io.note(`warning: ${warning}`)
  if (options.json) return io.printJson(report)
  io.printTable(
    ["AGENT", "NAME", "HARNESS", "DIRECTORY", "EVENTS", "RESULT"],
    report.sessions.map((s) => [s.agent ?? "-", s.name ?? "-", report.harness, s.directory ?? "-", String(s.events), s.reason ? `${s.outcome} (${s.reason})` : s.outcome]),
  )
  const count = (outcome: string) => report.sessions.filter((s) => s.outcome === outcome).length
  io.note(`${report.sessions.length} sessions in ${report.path}: ${count("new")} new, ${count("updated")} updated, ${count("skipped")} skipped`)
}

export function registerImport(program: Command, io: Output): void {
  program
    .command("import")
    .addArgument(new Argument("<harness>", "whose sessions").choices(IMPORTABLE))
    .argument("[path]", "a session's file or a folder of them, on the daemon's machine (default: where the daemon's harness keeps them)")
    .description("make agents of the sessions you ran in Claude Code, Codex or opencode directly; again, add what they gained since")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Each session becomes an agent named after its directory, its history in its stream (iterate events,
the web page), resumed by the harness on its next prompt. Importing again adds nothing twice: only
what a session gained since. A session iterate itself runs is not imported.

Where the sessions are by default (as the daemon's environment has them):
  claude    $CLAUDE_CONFIG_DIR/projects (~/.claude/projects)
  codex     $CODEX_HOME/sessions (~/.codex/sessions)
  opencode  $XDG_DATA_HOME/opencode (~/.local/share/opencode), its opencode.db

Examples:
  iterate import claude
  iterate import codex ~/.codex/sessions/2026/06
  iterate import claude ~/.claude/projects/-home-me-src-app/0c5e7f1a-….jsonl
  iterate import opencode --json | jq -r '.sessions[] | select(.outcome == "new") | .name'`,
    )
    .action((harness, path, options, command) => importAll(io, harness, path, options, command))
}
