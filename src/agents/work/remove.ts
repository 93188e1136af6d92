// The end of an agent's worktree: what removing it would lose, removing it (archive command, a
// ref that keeps its last state, the worktree and its branch gone), making it again from that ref
// when an archived agent is restored, and pruning worktrees whose agent is gone when the daemon starts.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { changedPaths } from "../../git/diff.ts"
import { mergeBase, mergeTrees } from "../../git/merge.ts"
import { branchExists, resolveCommit } from "../../git/repo.ts"
import { setRef, snapshotCommit } from "../../git/snapshot.ts"
import { addWorktree, commonDirOfWorktree, deleteBranch, pruneWorktrees, removeWorktree } from "../../git/worktree.ts"
import { AGENT_EVENT, type WorktreeRemovedPayload } from "../../protocol/agent-events.ts"
import type { EventInput } from "../../streams/events.ts"
import { AgentError } from "../errors.ts"
import type { AgentRecord, AgentWorktree } from "../store.ts"
import { runWorktreeScript } from "./scripts.ts"
import { checkoutAt, finalRef } from "./snapshots.ts"

type WorktreeAgent = Pick<AgentRecord, "id" | "name"> & { worktree: AgentWorktree }

/**
 * How many files merging the agent's work (its branch and what its worktree holds uncommitted)
 * into its base would change: what removing the worktree and its branch would lose. A branch
 * merged by a squash counts as merged: merging it again changes nothing.
 */
export async function unmergedFiles(worktree: AgentWorktree): Promise<number> {
  const { root } = worktree
  const work = await checkoutAt(worktree.path)
  const tip = work ? (await snapshotCommit(work, "iterate: what removing the worktree would lose")).commit : await resolveCommit(root, `refs/heads/${worktree.branch}`)
  if (!tip) return 0
  const base = (await resolveCommit(root, worktree.base)) ?? worktree.baseCommit
  const merged = await mergeTrees(root, base, tip)
  if (merged.conflicts.length === 0) return (await changedPaths(root, base, merged.tree)).length
  return (await changedPaths(root, (await mergeBase(root, base, tip)) ?? worktree.baseCommit, tip)).length
}

export interface RetireOptions {
  /** remove it even though its branch holds work not merged into its base */
  force?: boolean
  /** stops the agent: called once removing is decided, before the archive command runs */
  stop: () => Promise<void>
  /** puts an event on the agent's stream */
  emit: (event: EventInput) => void
  /** the environment the archive command starts from */
  env?: Record<string, string | undefined>
}

/**
 * Everything `agents rm` does to a worktree agent's work, in order: refuses while its branch holds
 * unmerged work (unless `force`), stops the agent, runs iterate.json's archive command, keeps the
 * worktree's last state under refs/iterate/<agent>/final (so that it could be made again), and
 * removes the worktree and its branch.
 */
export async function retireWorktree(agent: WorktreeAgent, options: RetireOptions): Promise<void> {
  const { worktree } = agent
  const { root, path, branch } = worktree
  const repository = existsSync(root)
  if (!options.force && repository) {
    const lost = await unmergedFiles(worktree)
    if (lost > 0)
      throw new AgentError(
        "unmerged_work",
        `agent ${agent.name}'s branch ${branch} holds work not merged into ${worktree.base}: ${lost} file${lost === 1 ? "" : "s"} would be lost. ` +
          `Merge it (iterate merge ${agent.name}) or remove it anyway with --force`,
      )
  }
  await options.stop()
  if (!repository) {
    rmSync(path, { recursive: true, force: true })
    return
  }
  let final: string | undefined
  if (existsSync(path)) {
    const archived = await runWorktreeScript(agent, "archive", options.emit, options.env)
    if (archived && !archived.ok) console.error(`agent ${agent.id}: ${archived.problem}; removing its worktree anyway`)
    const work = await checkoutAt(path)
    if (work) {
      final = finalRef(agent.id)
      await setRef(root, final, (await snapshotCommit(work, `iterate: agent ${agent.id}'s worktree before it was removed`)).commit)
    }
  }
  options.emit({ type: AGENT_EVENT.worktreeRemoved, payload: { path, branch, ...(final && { final }) } satisfies WorktreeRemovedPayload })
  await removeWorktree(root, path)
  if (await branchExists(root, branch)) await deleteBranch(root, branch)
}

/**
 * Makes an archived agent's worktree again (`agents restore`): its branch at the state `agents rm`
 * kept under refs/iterate/<agent>/final, checked out where it was. Undefined once it is there
 * (or was never removed); otherwise why it cannot be.
 */
export async function reviveWorktree(agent: WorktreeAgent): Promise<string | undefined> {
  const { root, path, branch } = agent.worktree
  if (existsSync(path)) return undefined
  if (!existsSync(root)) return `its worktree was removed, and its repository ${root} is gone`
  const final = await resolveCommit(root, finalRef(agent.id))
  if (!final) return `its worktree was removed, and ${finalRef(agent.id)} (its last state) is not in ${root}`
  if (await branchExists(root, branch)) return `its worktree was removed, and branch ${branch} exists again in ${root}: delete it (git branch -D ${branch}) or rename it`
  mkdirSync(dirname(path), { recursive: true })
  await addWorktree(root, path, branch, final)
  return undefined
}

/** Undoes makeWorktree for an agent that could not be made: the worktree and its branch go, nothing is kept. */
export async function discardWorktree(worktree: AgentWorktree): Promise<void> {
  await removeWorktree(worktree.root, worktree.path)
  if (await branchExists(worktree.root, worktree.branch)) await deleteBranch(worktree.root, worktree.branch)
}

/**
 * Removes the worktrees under `under` (<data>/worktrees/<repo>-<hash>/<agent>) that no agent has,
 * and makes their repositories forget them. Their branches stay: they may hold work.
 */
export async function pruneOrphanWorktrees(under: string, kept: Set<string>): Promise<string[]> {
  const removed: string[] = []
  for (const repository of readdirSafe(under)) {
    const folder = join(under, repository)
    for (const name of readdirSafe(folder)) {
      const path = join(folder, name)
      if (kept.has(path)) continue
      const commonDir = commonDirOfWorktree(path)
      rmSync(path, { recursive: true, force: true })
      if (commonDir && existsSync(commonDir)) await pruneWorktrees(commonDir).catch(() => {})
      removed.push(path)
    }
    try {
      rmdirSync(folder)
    } catch {
      // it still holds worktrees of live agents
    }
  }
  return removed
}

function readdirSafe(folder: string): string[] {
  try {
    return readdirSync(folder)
  } catch {
    return []
  }
}
