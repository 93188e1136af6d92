// Landing a worktree agent's work: into its base branch in the user's checkout (merge), or on a
// remote, with a pull request if asked (push). Both first commit what the worktree holds
// uncommitted. A merge is worked out in the object store (git merge-tree) before the checkout is
// touched: a refusal or a conflict leaves it exactly as it was.
import { changedPaths } from "../../git/diff.ts"
import { firstLine, runGit, userIdentity } from "../../git/git.ts"
import { commitAll, dirtyPaths, fastForward, isAncestor, mergeBase, mergeTrees } from "../../git/merge.ts"
import { branchExists, checkoutOf, remotes, upstreamRemote } from "../../git/repo.ts"
import { commitTree, snapshotCommit, treeOf } from "../../git/snapshot.ts"
import type { MergedPayload, PushedPayload } from "../../protocol/agent-events.ts"
import { AgentError } from "../errors.ts"
import type { AgentRecord, AgentWorktree } from "../store.ts"
import { workCheckout } from "./changes.ts"

type WorktreeAgent = Pick<AgentRecord, "id" | "name" | "directory"> & { worktree: AgentWorktree }

const list = (paths: string[]) => (paths.length > 10 ? `${paths.slice(0, 10).join(", ")} and ${paths.length - 10} more` : paths.join(", "))

/**
 * Commits the worktree's uncommitted work with `message`, then merges the agent's branch into its
 * base in the checkout: a fast-forward when the base has not moved, else a merge commit; with
 * `squash`, one commit holding the whole change. Refused, with nothing changed, when the checkout
 * is not on the base branch, has uncommitted changes to files the agent changed, or the merge
 * conflicts.
 */
export async function mergeWork(agent: WorktreeAgent, options: { squash?: boolean; message: string }): Promise<MergedPayload> {
  const { root, base, branch } = agent.worktree
  const checkout = await checkoutOf(root)
  if (typeof checkout === "string") throw new AgentError("not_a_repository", `the checkout ${root} the agent was made from is no longer a git work tree`)
  if (!(await branchExists(root, base)))
    throw new AgentError("checkout_not_on_base", `${base} is not a branch of ${root}: there is nothing to merge into (push the agent's work instead: iterate push ${agent.name})`)
  if (checkout.branch !== base)
    throw new AgentError(
      "checkout_not_on_base",
      `the checkout ${root} is on ${checkout.branch ? `branch ${checkout.branch}` : "a detached HEAD"}, not ${base}: switch to it first (git -C ${root} switch ${base})`,
    )
  const head = checkout.head!
  const work = await workCheckout(agent)
  // What the branch will hold once its uncommitted work is committed, worked out before committing it.
  const planned = await snapshotCommit(work, options.message)
  const fork = (await mergeBase(root, head, planned.commit)) ?? agent.worktree.baseCommit
  const changed = new Set((await changedPaths(root, fork, planned.commit)).map((c) => c.path))
  const dirty = (await dirtyPaths(root)).filter((path) => changed.has(path))
  if (dirty.length > 0)
    throw new AgentError("checkout_dirty", `the checkout ${root} has uncommitted changes to ${list(dirty)}, which the agent changed too: commit or stash them first`)
  await refuseConflicts(root, head, planned.commit, agent)

  const identity = await userIdentity(root)
  const tip = (await commitAll(work.root, options.message, identity)) ?? work.head!
  // A commit hook may have changed what was committed: the merge is worked out again from it.
  const { tree } = await refuseConflicts(root, head, tip, agent)
  const upToDate = { branch, base, commit: head, squash: options.squash === true, fastForward: false, files: 0 }
  if ((await isAncestor(root, tip, head)) || tree === (await treeOf(root, head))) return upToDate
  let commit: string
  let fastForwarded = false
  if (options.squash) commit = await commitTree(root, tree, [head], options.message, identity)
  else if (await isAncestor(root, head, tip)) (commit = tip), (fastForwarded = true)
  else commit = await commitTree(root, tree, [head, tip], `Merge branch '${branch}' into ${base}`, identity)
  const files = (await changedPaths(root, head, commit)).length
  await fastForward(root, commit)
  return { branch, base, commit, squash: options.squash === true, fastForward: fastForwarded, files }
}

async function refuseConflicts(root: string, head: string, tip: string, agent: WorktreeAgent): Promise<{ tree: string }> {
  const merged = await mergeTrees(root, head, tip)
  if (merged.conflicts.length > 0)
    throw new AgentError(
      "merge_conflict",
      `merging ${agent.worktree.branch} into ${agent.worktree.base} conflicts in ${list(merged.conflicts)}; nothing was changed. ` +
        `Resolve it in the agent's worktree (e.g. iterate prompt ${agent.name} "merge ${agent.worktree.base} and resolve the conflicts") and merge again`,
    )
  return merged
}

/**
 * Commits the worktree's uncommitted work with `message` and pushes the agent's branch to
 * `remote` (default: the remote of the base branch's upstream, else origin), setting it as the
 * branch's upstream; with `pr`, opens a pull request for it with GitHub's `gh`.
 */
export async function pushWork(
  agent: WorktreeAgent,
  options: { remote?: string; pr?: boolean; message: string },
  env: Record<string, string | undefined> = process.env,
): Promise<PushedPayload> {
  const { root, base, branch } = agent.worktree
  const gh = options.pr ? Bun.which("gh", { PATH: env.PATH ?? "" }) : undefined
  if (options.pr && !gh) throw new AgentError("gh_missing", "gh (GitHub's CLI) is not installed where the daemon runs: install it (https://cli.github.com) to open a pull request, or push without --pr")
  const remote = options.remote ?? (await upstreamRemote(root, base)) ?? "origin"
  if (!(await remotes(root)).includes(remote))
    throw new AgentError("no_remote", `${root} has no remote named ${remote}: add one (git remote add ${remote} URL) or name another with --remote`)
  const work = await workCheckout(agent)
  await commitAll(work.root, options.message, await userIdentity(root))
  const pushed = await runGit(["push", "--set-upstream", "--end-of-options", remote, `refs/heads/${branch}:refs/heads/${branch}`], { cwd: work.root })
  if (pushed.code !== 0) throw new AgentError("push_failed", `git push to ${remote} failed: ${firstLine(pushed.stderr)}`)
  if (!gh) return { branch, remote }
  const title = firstLine(options.message).slice(0, 200)
  const body = `Work of the iterate agent ${agent.name} on branch ${branch}.\n\n${options.message}`
  const child = Bun.spawn([gh, "pr", "create", "--head", branch, "--base", base, "--title", title, "--body", body], {
    cwd: work.root,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new AgentError("push_failed", `the branch was pushed, but gh pr create failed: ${firstLine(stderr) || `exit code ${code}`}`)
  return { branch, remote, pr: stdout.trim().split("\n").at(-1) }
}
