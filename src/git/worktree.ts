// Linked worktrees: made on a new branch, removed with the branch, pruned when their folder is gone.
import { readFileSync } from "node:fs"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { git, runGit } from "./git.ts"

/** A new worktree at `path` on the new branch `branch`, starting at `start`; the branch tracks nothing. */
export async function addWorktree(root: string, path: string, branch: string, start: string): Promise<void> {
  await git(["worktree", "add", "--no-track", "-b", branch, path, start], { cwd: root })
}

/** Removes the worktree at `path` (with whatever it holds) and forgets it; a folder that is gone already is only forgotten. */
export async function removeWorktree(root: string, path: string): Promise<void> {
  const removed = await runGit(["worktree", "remove", "--force", "--force", path], { cwd: root })
  if (removed.code !== 0) await git(["worktree", "prune"], { cwd: root })
}

export async function deleteBranch(root: string, branch: string): Promise<void> {
  await git(["branch", "-D", "--end-of-options", branch], { cwd: root })
}

/** The worktrees git knows in the repository of `cwd`: each folder, with its branch. */
export async function listWorktrees(cwd: string): Promise<Array<{ path: string; branch?: string }>> {
  const out = await git(["worktree", "list", "--porcelain", "-z"], { cwd })
  const list: Array<{ path: string; branch?: string }> = []
  for (const field of out.split("\0")) {
    if (field.startsWith("worktree ")) list.push({ path: field.slice(9) })
    else if (field.startsWith("branch ") && list.length) list[list.length - 1]!.branch = field.slice(7).replace(/^refs\/heads\//, "")
  }
  return list
}

/**
 * The repository's git folder a linked worktree belongs to, read from its `.git` file
 * (`gitdir: <common>/worktrees/<name>`); undefined when it holds none.
 */
export function commonDirOfWorktree(path: string): string | undefined {
  try {
    const line = readFileSync(join(path, ".git"), "utf8").trim()
    if (!line.startsWith("gitdir: ")) return undefined
    const gitDir = line.slice(8)
    return dirname(dirname(isAbsolute(gitDir) ? gitDir : resolve(path, gitDir)))
  } catch {
    return undefined
  }
}

/** Forgets the worktrees of the repository at `commonDir` whose folders are gone. */
export async function pruneWorktrees(commonDir: string): Promise<void> {
  await git(["--git-dir", commonDir, "worktree", "prune"], { cwd: commonDir })
}
