// Merging without touching a checkout until the result is known: `git merge-tree --write-tree`
// computes the merged tree (or the conflicts) from commits alone; only a merge that is clean moves
// the checkout, by a fast-forward to a commit made from that tree.
import { fields, git, runGit } from "./git.ts"

export interface MergeResult {
  /** the merged tree (with conflict markers, when there are conflicts) */
  tree: string
  /** the files that conflict, each once; empty for a clean merge */
  conflicts: string[]
}

/** The merge of `theirs` into `ours` (commits), computed in the object store alone. */
export async function mergeTrees(cwd: string, ours: string, theirs: string): Promise<MergeResult> {
  const result = await runGit(["merge-tree", "--write-tree", "--no-messages", "--name-only", "-z", ours, theirs], { cwd })
  // exit 1: conflicts; anything else is git failing.
  if (result.code !== 0 && result.code !== 1) throw new Error(`git merge-tree failed: ${result.stderr.trim()}`)
  const [tree, ...conflicts] = fields(result.stdout)
  return { tree: tree!, conflicts: result.code === 1 ? [...new Set(conflicts)] : [] }
}

/** Whether `ancestor` is `commit` or one of its ancestors. */
export async function isAncestor(cwd: string, ancestor: string, commit: string): Promise<boolean> {
  return (await runGit(["merge-base", "--is-ancestor", ancestor, commit], { cwd })).code === 0
}

export async function mergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const result = await runGit(["merge-base", a, b], { cwd })
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** Moves the checkout's branch forward to `commit`, updating its files; git refuses when that would overwrite local changes. */
export async function fastForward(root: string, commit: string): Promise<void> {
  await git(["merge", "--ff-only", "--no-edit", "--quiet", commit], { cwd: root })
}

/** Paths with uncommitted changes in the checkout: staged, unstaged, and untracked files that are not ignored. */
export async function dirtyPaths(root: string): Promise<string[]> {
  const entries = fields(await git(["status", "--porcelain=v1", "-z", "--untracked-files=all"], { cwd: root }))
  const paths: string[] = []
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    paths.push(entry.slice(3))
    // a rename or copy names its source next
    if (entry[0] === "R" || entry[0] === "C") paths.push(entries[++i]!)
  }
  return paths
}

/** Commits everything in the work tree of `cwd` (git add --all), with `message`; undefined when there was nothing to commit. */
export async function commitAll(cwd: string, message: string, identity: Record<string, string>): Promise<string | undefined> {
  await git(["add", "--all", "--", ":/"], { cwd })
  if ((await runGit(["diff", "--cached", "--quiet"], { cwd })).code === 0) return undefined
  await git(["commit", "--quiet", "-F", "-"], { cwd, env: identity, input: message.endsWith("\n") ? message : `${message}\n` })
  return (await git(["rev-parse", "HEAD"], { cwd })).trim()
}
