import { resolve } from "node:path"
import type { Command } from "commander"
import type { Connection } from "../client/connect.ts"
import { listAgents, promptAgent, updateAgent } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import { agentFor, newAgent, noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { CliError, EXIT } from "../errors.ts"
import { budgetUsd, checkWorktreeOptions, format, onPermission, policy, type WorktreeOptions, worktreeOptions } from "./options.ts"
import type { Output } from "../client/output.ts"
import { followTurn } from "./turn.ts"
import type { OnPermission } from "./turn-permissions.ts"

interface RunOptions extends WorktreeOptions {
  harness: string
  dir: string
  agent?: string
  model?: string
  permissions?: string
  budgetUsd?: number | null
  onPermission?: OnPermission
  format: "text" | "json"
}

async function message(words: string[]): Promise<string> {
  if (words.length) return words.join(" ")
  if (process.stdin.isTTY) throw new CliError("give a message, or pipe one on stdin: iterate run \"fix the build\"", EXIT.usage)
  const text = (await Bun.stdin.text()).trim()
  if (!text) throw new CliError("stdin held no message", EXIT.usage)
  return text
}

/**
 * With --worktree a new agent in a worktree of its own, named after the message; else the agent
 * named by --agent, else the newest agent of this harness in the directory, else a new one.
 */
async function agentToRun(io: Output, connection: Connection, options: RunOptions, text: string): Promise<Agent> {
  const directory = resolve(options.dir)
  if (options.worktree) {
    const { harness, model, permissions, budgetUsd, branch, base } = options
    const agent = await newAgent(connection, { harness, dir: directory, model, permissions, budgetUsd, worktree: true, branch, base, nameFrom: text })
    io.note(`agent ${agent.name} works on branch ${agent.worktree!.branch} in ${agent.worktree!.path}`)
    return agent
  }
  let agent: Agent | undefined
  if (options.agent) agent = await agentFor(connection, options.agent)
  else {
    const { agents } = unwrap(connection, await listAgents({ client: connection.client }))
    agent = agents.filter((a) => a.directory === directory && a.harness === options.harness).at(-1)
  }
  const { permissions, budgetUsd } = options
  if (!agent) return newAgent(connection, { harness: options.harness, dir: directory, model: options.model, permissions, budgetUsd })
  const newPolicy = permissions !== undefined && permissions !== agent.permissions
  const newBudget = budgetUsd !== undefined && budgetUsd !== (agent.budgetUsd ?? null)
  if (!newPolicy && !newBudget) return agent
  // --permissions or --budget-usd on an agent that exists: its policy or budget from now on.
  const body = { ...(newPolicy && { permissions: permissions as Agent["permissions"] }), ...(newBudget && { budgetUsd }) }
  return unwrap(connection, await updateAgent({ client: connection.client, path: { agent: agent.id }, body }), { notFound: noAgent(agent.id) })
}

async function run(io: Output, words: string[], options: RunOptions, command: Command) {
  checkWorktreeOptions(options)
  if (options.worktree && options.agent) throw new CliError("--worktree makes a new agent; --agent names one that exists", EXIT.usage)
  const text = await message(words)
  const connection = await connectFor(io, command)
  const agent = await agentToRun(io, connection, options, text)
  const result = await promptAgent({ client: connection.client, path: { agent: agent.id }, body: { text, model: options.model } })
  const { event } = unwrap(connection, result, { notFound: noAgent(agent.id) })
  await followTurn(io, command, {
    connection,
    agent: agent.id,
    harness: agent.harness,
    directory: agent.directory,
    prompt: event,
    format: options.format,
    onPermission: options.onPermission,
    // A new worktree's setup runs before the turn: its output is part of what the run shows.
    ...(options.worktree && { since: "-1" }),
  })
  if (options.worktree) io.note(`see its change: iterate diff ${agent.name}; land it: iterate merge ${agent.name}`)
}

export function registerRun(program: Command, io: Output): void {
  worktreeOptions(program.command("run"))
    .argument("[message...]", "what to ask; read from stdin when absent")
    .description("one shot: make (or reuse) an agent for the directory, prompt it, print the reply, exit when it is done")
    .option("--harness <name>", "the harness to run: opencode, claude, pi, codex, gemini, qwen or an ACP agent configured as harnesses.<name>.acp (see: iterate harnesses)", "opencode")
    .option("--dir <path>", "the working directory", ".")
    .option("--agent <agent>", "use this agent (id or name) instead of the directory's")
    .option("--model <provider/model>", "the model for this turn")
    .option("--permissions <policy>", "the agent's permission policy: ask, allow-edits, allow-all or deny (new agents: ask)", policy)
    .option("--budget-usd <dollars>", "the agent's budget: dollars it may spend in all before its prompts are refused; none: no budget", budgetUsd)
    .option("--on-permission <what>", "answer requests the policy leaves open yourself: deny, or fail (abort the turn, exit 1)", onPermission)
    .option("--format <format>", "text (the reply), or json for every event as one line", format, "text")
    .addHelpText(
      "after",
      `
The agent stays: later runs in the same directory continue its session (see: iterate agents).
With --worktree it is a new agent, named after the message, in a git worktree of its own on a
new branch: the checkout stays as it is until you merge (see: iterate diff, iterate merge).
An agent that has spent its budget takes no prompt: the run exits 1 and says how to raise it.
Ctrl-C aborts the turn (exit 130). A failed turn prints its error and exits 1.
When the harness asks for permission, a terminal asks you (y once, a always, n no); otherwise
the command that answers it is printed and the run waits (see: iterate permit).

Examples:
  iterate run "why does the build fail?"
  iterate run --dir ~/src/app < task.md
  iterate run --permissions allow-edits "fix the failing test"
  iterate run --harness codex --model gpt-5.5 "fix the flaky test"
  iterate run --worktree --permissions allow-edits "add a --verbose flag"
  iterate run --budget-usd 2 "refactor the parser"
  iterate run --on-permission fail "add tests" --format json > events.jsonl`,
    )
    .action((words, options, command) => run(io, words, options, command))
}
