// Putting a work tree's files back as a snapshot tree has them: files changed since are written
// back, files deleted since are restored, files created since are removed. Ignored files are in no
// snapshot and stay as they are. Files are written from a temporary index read from the tree;
// the checkout's own index then takes the restored paths as HEAD has them (a snapshot keeps no
// staging), so that `git status` shows the files as changes against HEAD, never a staged deletion
// of a file that is back.
import { readdirSync, rmdirSync, rmSync } from "node:fs"
import { dirname, join } from "node:path"
import { changedPaths, type PathChange } from "./diff.ts"
import { git } from "./git.ts"
import { snapshotTree, withTemporaryIndex } from "./snapshot.ts"
import type { Checkout } from "./repo.ts"

/**
 * Makes the work tree of `checkout` hold what `tree` holds; returns what changed on disk (as a
 * change from now to `tree`). `now`: the tree of the work tree as it is, when the caller has it.
 */
export async function restoreTree(checkout: Pick<Checkout, "root" | "gitDir" | "head" | "untracked">, tree: string, now?: string): Promise<PathChange[]> {
  const cwd = checkout.root
  now ??= await snapshotTree(checkout)
  const changes = await changedPaths(cwd, now, tree)
  const write = changes.filter((c) => c.status !== "deleted").map((c) => c.path)
  if (write.length > 0)
    await withTemporaryIndex(undefined, async (env) => {
      await git(["read-tree", tree], { cwd, env })
      await git(["checkout-index", "--force", "-z", "--stdin"], { cwd, env, input: write.join("\0") })
    })
  for (const change of changes.filter((c) => c.status === "deleted")) {
    rmSync(join(cwd, change.path), { force: true })
    removeEmptyFolders(cwd, dirname(change.path))
  }
  if (changes.length > 0 && checkout.head)
    await git(["reset", "--quiet", "--pathspec-from-file=-", "--pathspec-file-nul"], { cwd, input: changes.map((c) => `:(literal)${c.path}`).join("\0") })
  return changes
}

/** Removes `folder` (relative to `root`) and its parents while they are empty. */
function removeEmptyFolders(root: string, folder: string): void {
  for (let at = folder; at !== "." && at !== "/" && at !== ""; at = dirname(at)) {
    const path = join(root, at)
    try {
      if (readdirSync(path).length > 0) return
      rmdirSync(path)
    } catch {
      return
    }
  }
}
