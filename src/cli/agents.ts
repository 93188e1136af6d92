import type { Command } from "commander"
import { deleteAgent, listAgents, restoreAgent, updateAgent } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import { agentFor, newAgent, type NewAgentOptions, noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { CliError, EXIT } from "../errors.ts"
import { askKey } from "./ask.ts"
import { formatUsd } from "../protocol/usage.ts"
import { budgetUsd, checkWorktreeOptions, policy, worktreeOptions } from "./options.ts"
import type { Output } from "../client/output.ts"

async function list(io: Output, options: { json?: boolean; all?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { agents } = unwrap(connection, await listAgents({ client: connection.client, query: { all: options.all ? "true" : undefined } }))
  printAgents(io, agents, options)
}

/** What an agent spent, and of which budget: `$0.42`, `$0.42/$5.00`. */
export const spend = (agent: Pick<Agent, "spentUsd" | "budgetUsd">): string =>
  agent.budgetUsd === undefined ? formatUsd(agent.spentUsd) : `${formatUsd(agent.spentUsd)}/${formatUsd(agent.budgetUsd)}`

/** The agents as a table (or JSON); the node column only when it tells them apart, the spend once there is one. */
export function printAgents(io: Output, agents: Agent[], options: { json?: boolean }): void {
  if (options.json) return io.printJson(agents)
  if (agents.length === 0) return io.note("no agents yet (create one with: iterate agents new, or just: iterate run MESSAGE)")
  // The node matters once there is more than one, or none runs an agent; the branch once an agent has a worktree.
  const nodes = new Set(agents.map((a) => a.node)).size > 1 || agents.some((a) => a.status === "orphaned")
  // Harnesses on free or local models report no cost: a column of $0.00 would say nothing.
  const spent = agents.some((a) => a.spentUsd > 0 || a.budgetUsd !== undefined)
  // The branch once an agent has a worktree of its own.
  const branches = agents.some((a) => a.worktree)
  io.printTable(
    ["ID", "NAME", "HARNESS", "STATUS", ...(spent ? ["SPENT"] : []), "MODEL", ...(branches ? ["BRANCH"] : []), "DIRECTORY", ...(nodes ? ["NODE"] : [])],
    agents.map((a) => [
      a.id,
      a.name,
      a.harness,
      a.status,
      ...(spent ? [spend(a)] : []),
      a.model ?? "-",
      ...(branches ? [a.worktree ? `${a.worktree.branch} (from ${a.worktree.base})` : "-"] : []),
      a.directory,
      ...(nodes ? [a.node] : []),
    ]),
  )
}

async function create(io: Output, options: NewAgentOptions, command: Command): Promise<void> {
  checkWorktreeOptions(options)
  const agent = await newAgent(await connectFor(io, command), options)
  io.note(`created agent ${agent.name} (${agent.harness} in ${agent.directory}${agent.worktree ? `, on branch ${agent.worktree.branch} from ${agent.worktree.base}` : ""})`)
  io.out(agent.id)
}

/** Whether the person at the terminal agrees to delete the agent for good; without a terminal, --yes must say so. */
async function purgeAgreed(io: Output, ref: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true
  if (!process.stdin.isTTY) throw new CliError(`agents rm --purge deletes ${ref}'s transcript for good: pass --yes to do it without a terminal`, EXIT.usage)
  return (await askKey(io, `delete agent ${ref}, its stream and its transcript for good? [y/N] `, ["y", "n", "\r"]).answer) === "y"
}

async function set(io: Output, ref: string, options: { budgetUsd?: number | null; permissions?: Agent["permissions"]; json?: boolean }, command: Command): Promise<void> {
  if (options.budgetUsd === undefined && options.permissions === undefined) throw new CliError("nothing to change: give --budget-usd or --permissions", EXIT.usage)
  const connection = await connectFor(io, command)
  const body = { budgetUsd: options.budgetUsd, permissions: options.permissions }
  const agent = unwrap(connection, await updateAgent({ client: connection.client, path: { agent: ref }, body }), { notFound: noAgent(ref) })
  if (options.json) return io.printJson(agent)
  const budget = agent.budgetUsd === undefined ? "no budget" : `budget ${formatUsd(agent.budgetUsd)}`
  io.note(`${agent.name}: ${budget}, spent ${formatUsd(agent.spentUsd)}; permissions ${agent.permissions}`)
}

async function remove(io: Output, ref: string, options: { purge?: boolean; yes?: boolean; force?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  // The name is checked before asking: no question about an agent that is not there.
  if (options.purge) {
    await agentFor(connection, ref)
    if (!(await purgeAgreed(io, ref, options.yes))) throw new CliError(`kept agent ${ref}`)
  }
  const query = { purge: options.purge ? ("true" as const) : undefined, force: options.force ? ("true" as const) : undefined }
  unwrap(connection, await deleteAgent({ client: connection.client, path: { agent: ref }, query }), { notFound: noAgent(ref) })
  io.note(options.purge ? `deleted agent ${ref} for good` : `archived agent ${ref} (iterate agents --all lists it; bring it back with: iterate agents restore ${ref})`)
}

async function restore(io: Output, ref: string, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const agent = unwrap(connection, await restoreAgent({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
  io.note(`restored agent ${agent.name} (${agent.harness} in ${agent.directory})`)
}

export function registerAgents(program: Command, io: Output): void {
  const agents = program
    .command("agents")
    .description("coding agents: each a harness (opencode, claude, pi, codex, an ACP agent) working in a directory, with its own event stream")
    .addHelpText(
      "after",
      `
Examples:
  iterate agents
  iterate agents new --dir ~/src/app --name app
  iterate prompt app "add a --verbose flag"
  iterate agents rm app
  iterate agents --all
  iterate agents restore app`,
    )

  agents
    .command("list", { isDefault: true })
    .description("list agents with their status (idle, busy, waiting for a permission, error; archived with --all)")
    .option("--json", "print JSON")
    .option("--all", "archived agents too (agents rm archives)")
    .addHelpText("after", "\nExamples:\n  iterate agents\n  iterate agents --all\n  iterate agents list --json | jq -r '.[] | select(.status == \"busy\") | .name'")
    .action((options, command) => list(io, options, command))
  worktreeOptions(agents.command("new"))
    .description("create an agent; prints its id")
    .option("--harness <name>", "the harness that runs it", "opencode")
    .option("--dir <path>", "its working directory", ".")
    .option("--name <name>", "a unique name to use instead of the id (default: the directory's name)")
    .option("--model <provider/model>", "the model it uses (default: the harness's own default)")
    .option("--permissions <policy>", "how its harness's permission requests are answered: ask (default), allow-edits, allow-all, deny", policy)
    .option("--node <id|url>", "run it on this node of the fleet (see: iterate nodes); default: the node you talk to")
    .option("--budget-usd <dollars>", "dollars it may spend before its prompts are refused (default: config.json's agents.budgetUsd, if set); none: no budget", budgetUsd)
    .addHelpText(
      "after",
      `
ask asks a person for every request; allow-edits allows file edits and asks for the rest;
allow-all allows everything; deny refuses everything. An "always" answer allows that tool
for the agent from then on, whatever the policy.

With --worktree the agent gets a git worktree of its own under iterate's data folder, on a new
branch (iterate/<name>) from the checkout's HEAD: its changes stay out of the checkout until you
merge them (see: iterate diff, iterate merge). The repository's iterate.json may name a setup
command that runs in the new worktree before the first prompt (see docs/worktrees.md).

Examples:
  iterate agents new
  iterate agents new --dir ~/src/app --name app --model anthropic/claude-sonnet-4-5 --permissions allow-edits
  iterate agents new --dir ~/src/app --name flag --worktree
  iterate agents new --dir ~/src/app --worktree --branch fix/login --base origin/main
  iterate agents new --dir ~/src/app --budget-usd 5
  iterate agents new --dir /srv/src/app --node build-2-k3x9`,
    )
    .action((options, command) => create(io, options, command))
  agents
    .command("set")
    .argument("<agent>", "agent id or name")
    .description("change an agent's budget or permission policy")
    .option("--budget-usd <dollars>", "dollars it may spend in all, what it spent included; none: no budget", budgetUsd)
    .option("--permissions <policy>", "how its harness's permission requests are answered: ask, allow-edits, allow-all, deny", policy)
    .option("--json", "print the agent as it is now")
    .addHelpText(
      "after",
      `
An agent that has spent its budget takes no prompt (exit 1) until the budget is raised; a turn
already running is not cut off. See what it spent with: iterate usage AGENT.

Examples:
  iterate agents set app --budget-usd 10
  iterate agents set app --budget-usd none
  iterate agents set app --permissions allow-edits`,
    )
    .action((ref, options, command) => set(io, ref, options, command))
  agents
    .command("rm")
    .argument("<agent>", "agent id or name")
    .description("stop the agent and archive it: gone from the list, its transcript kept (events, export, search); --purge deletes it for good")
    .option("--purge", "delete the agent, its event stream and its transcript for good (asks on a terminal)")
    .option("--yes", "with --purge: do not ask")
    .option("--force", "with --purge: delete a worktree agent even though its branch holds work not merged into its base")
    .addHelpText(
      "after",
      `
An archived agent keeps its name: bring it back with iterate agents restore, or free the name
with iterate agents rm --purge. A worktree agent's worktree and branch go either way: the
repository's archive command (iterate.json) runs, the worktree's last state is kept under
refs/iterate/<id>/final (restore makes the worktree again from there), and the worktree and its
branch are removed. --purge is refused while the branch holds work not merged into its base (it
says how many files would be lost), unless --force.

Examples:
  iterate agents rm app
  iterate agents rm --purge app
  iterate agents rm --purge --yes --force verbose-flag`,
    )
    .action((ref, options, command) => remove(io, ref, options, command))
  agents
    .command("restore")
    .argument("<agent>", "an archived agent's id or name")
    .description("bring an archived agent back: it runs again (in its worktree, made again), and its next prompt resumes its harness session")
    .addHelpText("after", "\nExamples:\n  iterate agents restore app")
    .action((ref, _, command) => restore(io, ref, command))
}
