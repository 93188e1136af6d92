// Landing or undoing an agent's work: `iterate revert` (a turn's changes to its files undone),
// `iterate merge` (a worktree agent's branch into its base, in the checkout it came from) and
// `iterate push` (its branch to a remote, with a pull request if asked).
import type { Command } from "commander"
import { noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { mergeAgent, pushAgent, revertAgent } from "../sdk/sdk.gen.ts"
import { integer } from "./options.ts"

const VERB = { added: "restored", deleted: "removed", modified: "reverted" } as const

async function revert(io: Output, ref: string, options: { turn?: number }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const body = options.turn === undefined ? {} : { turn: options.turn }
  const reverted = unwrap(connection, await revertAgent({ client: connection.client, path: { agent: ref }, body }), { notFound: noAgent(ref) })
  for (const file of reverted.files) io.out(`${VERB[file.status]} ${file.path}`)
  const count = reverted.files.length
  io.note(`${ref}'s files are as they were when turn ${reverted.turn} started (${count} file${count === 1 ? "" : "s"} changed); what they were is kept as ${reverted.backup}`)
}

async function merge(io: Output, ref: string, options: { squash?: boolean; message?: string }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const body = { ...(options.squash && { squash: true }), ...(options.message !== undefined && { message: options.message }) }
  const merged = unwrap(connection, await mergeAgent({ client: connection.client, path: { agent: ref }, body }), { notFound: noAgent(ref) })
  if (merged.files === 0) return io.note(`nothing to merge: ${merged.base} has all of ${merged.branch} already`)
  const how = merged.squash ? "squashed" : merged.fastForward ? "fast-forward" : "merge commit"
  io.note(`merged ${merged.branch} into ${merged.base}: ${merged.files} file${merged.files === 1 ? "" : "s"} (${how})`)
  io.out(merged.commit)
}

async function push(io: Output, ref: string, options: { remote?: string; pr?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const body = { ...(options.remote !== undefined && { remote: options.remote }), ...(options.pr && { pr: true }) }
  const pushed = unwrap(connection, await pushAgent({ client: connection.client, path: { agent: ref }, body }), { notFound: noAgent(ref) })
  io.note(`pushed ${pushed.branch} to ${pushed.remote}`)
  if (pushed.pr) io.out(pushed.pr)
}

export function registerWork(program: Command, io: Output): void {
  program
    .command("revert")
    .argument("<agent>", "agent id or name")
    .description("put the agent's files back as they were when a turn started (default: its last turn)")
    .option("--turn <n>", "the turn to go back to the start of: 1 for the agent's first", integer("--turn", 1))
    .addHelpText(
      "after",
      `
Files the turn changed are written back, files it made are removed, files it deleted come back;
ignored files are left as they are. A worktree agent's branch goes back too, so commits of the
turn are undone. The files as they were before are kept under refs/iterate/<id>/reverts/, and
the revert is recorded on the agent's stream; later turns go on from here. Refused while the
agent is busy. Prints each file it changed.

Examples:
  iterate revert verbose-flag
  iterate revert app --turn 2`,
    )
    .action((ref, options, command) => revert(io, ref, options, command))
  program
    .command("merge")
    .argument("<agent>", "agent id or name")
    .description("commit the worktree's uncommitted work, then merge the agent's branch into its base branch in your checkout")
    .option("--squash", "one commit with the whole change instead of the branch's commits")
    .option("--message <text>", "the commit message (default: the agent's first prompt)")
    .addHelpText(
      "after",
      `
The checkout the agent was made from must be on the base branch; uncommitted changes there are
fine unless they touch files the agent changed. The merge is worked out before the checkout is
touched: a conflict changes nothing (same HEAD, same status), names each conflicting file and
exits 1; the agent's work stays in its worktree, to be resolved there and merged again. A
fast-forward when the base has not moved, else a merge commit. Prints the commit the base is at.

Examples:
  iterate merge verbose-flag
  iterate merge verbose-flag --squash --message "Add a --verbose flag"`,
    )
    .action((ref, options, command) => merge(io, ref, options, command))
  program
    .command("push")
    .argument("<agent>", "agent id or name")
    .description("commit the worktree's uncommitted work and push the agent's branch; --pr opens a pull request")
    .option("--remote <name>", "the git remote (default: the base branch's upstream's remote, else origin)")
    .option("--pr", "open a pull request for it with GitHub's gh (which must be installed where the daemon runs); prints its URL")
    .addHelpText(
      "after",
      `
The branch is pushed under its own name and set as its upstream; the commit message of
uncommitted work is the agent's first prompt.

Examples:
  iterate push verbose-flag
  iterate push verbose-flag --pr
  iterate push verbose-flag --remote fork`,
    )
    .action((ref, options, command) => push(io, ref, options, command))
}
