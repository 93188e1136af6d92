import { resolve } from "node:path"
import type { Command } from "commander"
import type { Connection } from "../daemon/connect.ts"
import { listAgents, promptAgent } from "../sdk/sdk.gen.ts"
import { agentFor, newAgent, noAgent } from "./agents.ts"
import { connectFor, unwrap } from "./connection.ts"
import { CliError, EXIT } from "./errors.ts"
import { format } from "./options.ts"
import { followTurn } from "./turn.ts"

interface RunOptions {
  harness: string
  dir: string
  agent?: string
  model?: string
  format: "text" | "json"
}

async function message(words: string[]): Promise<string> {
  if (words.length) return words.join(" ")
  if (process.stdin.isTTY) throw new CliError("give a message, or pipe one on stdin: iterate run \"fix the build\"", EXIT.usage)
  const text = (await Bun.stdin.text()).trim()
  if (!text) throw new CliError("stdin held no message", EXIT.usage)
  return text
}

/** The agent named by --agent, else the newest agent of this harness in the directory, else a new one. */
async function agentToRun(connection: Connection, options: RunOptions): Promise<string> {
  if (options.agent) return (await agentFor(connection, options.agent)).id
  const directory = resolve(options.dir)
  const { agents } = unwrap(connection, await listAgents({ client: connection.client }))
  const reuse = agents.filter((a) => a.directory === directory && a.harness === options.harness).at(-1)
  return (reuse ?? (await newAgent(connection, { harness: options.harness, dir: directory, model: options.model }))).id
}

async function run(words: string[], options: RunOptions, command: Command) {
  const text = await message(words)
  const connection = await connectFor(command)
  const agent = await agentToRun(connection, options)
  const result = await promptAgent({ client: connection.client, path: { agent }, body: { text, model: options.model } })
  const { event } = unwrap(connection, result, { notFound: noAgent(agent) })
  await followTurn(command, { connection, agent, prompt: event, format: options.format })
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .argument("[message...]", "what to ask; read from stdin when absent")
    .description("one shot: make (or reuse) an agent for the directory, prompt it, print the reply, exit when it is done")
    .option("--harness <name>", "the harness to run", "opencode")
    .option("--dir <path>", "the working directory", ".")
    .option("--agent <agent>", "use this agent (id or name) instead of the directory's")
    .option("--model <provider/model>", "the model for this turn")
    .option("--format <format>", "text (the reply), or json for every event as one line", format, "text")
    .addHelpText(
      "after",
      `
The agent stays: later runs in the same directory continue its session (see: iterate agents).
Ctrl-C aborts the turn (exit 130). A failed turn prints its error and exits 1.

Examples:
  iterate run "why does the build fail?"
  iterate run --dir ~/src/app < task.md
  iterate run --format json "add tests" > events.jsonl`,
    )
    .action(run)
}
