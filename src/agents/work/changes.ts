// What an agent changed, and undoing a turn of it. A worktree agent's change is everything its
// worktree holds that its base does not (commits, uncommitted edits, new files) against their
// merge-base; an agent working in a checkout of its own choosing changed what differs from the
// snapshot taken when it was made. `last`: what differs from the snapshot of its last turn's start.
import { type DiffTarget, diffPatch, diffStat } from "../../git/diff.ts"
import { git } from "../../git/git.ts"
import { mergeBase } from "../../git/merge.ts"
import type { FileDiff, FileStat } from "../../git/patch.ts"
import type { Checkout } from "../../git/repo.ts"
import { restoreTree } from "../../git/restore.ts"
import { readRef, setRef, snapshotCommit, treeOf, withSnapshotIndex } from "../../git/snapshot.ts"
import type { RevertedPayload } from "../../protocol/agent-events.ts"
import { AgentError } from "../errors.ts"
import type { AgentRecord } from "../store.ts"
import { checkoutAt, revertRef, startRef, type TurnSnapshot, turnSnapshots } from "./snapshots.ts"

type WorkAgent = Pick<AgentRecord, "id" | "name" | "directory" | "worktree">

export interface AgentChanges {
  /** the commit the change is counted from */
  from: string
  /** what that commit is, in words: "the merge-base with main", "the agent's start", "the start of turn 3" */
  since: string
  files: FileStat[] | FileDiff[]
  additions: number
  deletions: number
  /** the unified diff (absent for a stat) */
  patch?: string
}

/** The checkout the agent works in: its worktree, or the one its directory is in. */
export async function workCheckout(agent: WorkAgent): Promise<Checkout> {
  const checkout = await checkoutAt(agent.worktree?.path ?? agent.directory)
  if (!checkout) throw new AgentError("not_a_repository", `agent ${agent.name} does not work in a git repository (${agent.directory})`)
  return checkout
}

/** The agent's change as a patch, or with `stat` only what changed per file. */
export async function agentChanges(agent: WorkAgent, options: { last?: boolean; stat?: boolean } = {}): Promise<AgentChanges> {
  const checkout = await workCheckout(agent)
  // Where the change counts from is worked out while the work tree is read into an index, which
  // the diff then compares with it (no tree is written).
  return withSnapshotIndex(
    checkout,
    () => origin(agent, checkout, options.last),
    (env, { from, since }) => diffFrom(checkout.root, from, since, { index: env }, options.stat),
  )
}

/** The commit the agent's change counts from, and what it is in words. */
async function origin(agent: WorkAgent, checkout: Checkout, last: boolean | undefined): Promise<{ from: string; since: string }> {
  const cwd = checkout.root
  if (last) {
    const turn = (await turnSnapshots(cwd, agent.id)).at(-1)
    if (!turn) throw new AgentError("no_snapshot", `agent ${agent.name} has had no turn yet`)
    return { from: turn.commit, since: `the start of turn ${turn.turn}` }
  }
  if (agent.worktree) {
    const { base, baseCommit } = agent.worktree
    const fork = checkout.head ? await mergeBase(cwd, base, checkout.head) : undefined
    return { from: fork ?? baseCommit, since: `the merge-base with ${base}` }
  }
  const start = (await readRef(cwd, startRef(agent.id))) ?? (await turnSnapshots(cwd, agent.id))[0]?.commit
  if (!start) throw new AgentError("no_snapshot", `agent ${agent.name} has no snapshot of its start: it was made before iterate took them`)
  return { from: start, since: "the agent's start" }
}

async function diffFrom(cwd: string, from: string, since: string, to: DiffTarget, stat: boolean | undefined): Promise<AgentChanges> {
  const counted = (files: FileStat[]) => ({
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  })
  if (stat) {
    const files = await diffStat(cwd, from, to)
    return { from, since, files, ...counted(files) }
  }
  const { patch, files } = await diffPatch(cwd, from, to)
  return { from, since, files, ...counted(files), patch }
}

/**
 * Puts the agent's files back as they were when turn `turn` (default: the last) started. What
 * they were before is kept under refs/iterate/<agent>/reverts/<ms>. A worktree agent's branch
 * goes back to where it was then too, so that commits made since are undone as well.
 */
export async function revertTurn(agent: WorkAgent, turn?: number): Promise<RevertedPayload> {
  const checkout = await workCheckout(agent)
  const cwd = checkout.root
  const turns = await turnSnapshots(cwd, agent.id)
  const target: TurnSnapshot | undefined = turn === undefined ? turns.at(-1) : turns[turn - 1]
  if (!target) {
    const have = turns.length === 0 ? "has had no turn yet" : `has turns 1 to ${turns.length}`
    throw new AgentError("no_snapshot", `agent ${agent.name} ${have}`)
  }
  const backup = revertRef(agent.id, Date.now())
  const before = await snapshotCommit(checkout, `iterate: agent ${agent.id} before reverting to turn ${target.turn}`)
  await setRef(cwd, backup, before.commit)
  if (agent.worktree) {
    const head = (await git(["rev-parse", `${target.commit}^@`], { cwd })).trim()
    if (head && head !== checkout.head) await git(["reset", "--quiet", "--mixed", head], { cwd })
  }
  const files = await restoreTree(checkout, await treeOf(cwd, target.commit), before.tree)
  return { turn: target.turn, prompt: target.prompt, files, backup }
}
