// Snapshots of a work tree as it is on disk — tracked files with their edits, new files that are
// not ignored — made with a temporary index, so the checkout's own index, HEAD and files stay
// exactly as they are. The temporary index starts as a copy of the real one: git then hashes only
// the files whose stat data changed, which keeps a snapshot of a large checkout fast.
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fields, git, ITERATE_IDENTITY, runGit } from "./git.ts"
import type { Checkout } from "./repo.ts"

/** Runs `work` with GIT_INDEX_FILE pointing at a throwaway index (a copy of `from`, when given). */
export async function withTemporaryIndex<T>(from: string | undefined, work: (env: { GIT_INDEX_FILE: string }) => Promise<T>): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), "iterate-index-"))
  const index = join(folder, "index")
  try {
    if (from !== undefined) {
      try {
        copyFileSync(from, index)
      } catch {
        // a repository without commits has no index yet: start from an empty one
      }
    }
    return await work({ GIT_INDEX_FILE: index })
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/**
 * Runs `work` with GIT_INDEX_FILE pointing at a throwaway index that holds the work tree of
 * `checkout` as it is now (its tracked files only, when it hides untracked ones). `alongside`
 * runs while the index is made.
 */
export async function withSnapshotIndex<T, A>(
  checkout: Pick<Checkout, "root" | "gitDir" | "untracked">,
  alongside: () => Promise<A>,
  work: (env: { GIT_INDEX_FILE: string }, also: A) => Promise<T>,
): Promise<T> {
  return withTemporaryIndex(join(checkout.gitDir, "index"), async (env) => {
    const [, also] = await Promise.all([git(["add", checkout.untracked ? "--all" : "--update", "--", ":/"], { cwd: checkout.root, env }), alongside()])
    return work(env, also)
  })
}

/** The tree of the work tree of `checkout` as it is now. */
export async function snapshotTree(checkout: Pick<Checkout, "root" | "gitDir" | "untracked">): Promise<string> {
  return withSnapshotIndex(
    checkout,
    async () => undefined,
    async (env) => (await git(["write-tree"], { cwd: checkout.root, env })).trim(),
  )
}

export interface Snapshot {
  /** a commit of the tree, whose parent is HEAD at the time (none on an unborn branch) */
  commit: string
  tree: string
}

/** A snapshot kept as a commit (by iterate's identity) with `message`, so that a ref can hold it. */
export async function snapshotCommit(checkout: Pick<Checkout, "root" | "gitDir" | "head" | "untracked">, message: string): Promise<Snapshot> {
  const tree = await snapshotTree(checkout)
  return { commit: await commitTree(checkout.root, tree, checkout.head ? [checkout.head] : [], message, ITERATE_IDENTITY), tree }
}

/** A commit of `tree` with `parents`, made without touching any branch, index or file. */
export async function commitTree(cwd: string, tree: string, parents: string[], message: string, identity: Record<string, string>): Promise<string> {
  const args = ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"]
  return (await git(args, { cwd, env: identity, input: message.endsWith("\n") ? message : `${message}\n` })).trim()
}

/** The tree of a commit (or tree). */
export async function treeOf(cwd: string, commit: string): Promise<string> {
  return (await git(["rev-parse", "--verify", "--end-of-options", `${commit}^{tree}`], { cwd })).trim()
}

export async function setRef(cwd: string, ref: string, object: string): Promise<void> {
  await git(["update-ref", ref, object], { cwd })
}

/** The refs under `prefix` (e.g. refs/iterate/k3x9qa/) with the objects they point to, sorted by name. */
export async function refsUnder(cwd: string, prefix: string): Promise<Array<{ ref: string; object: string }>> {
  const out = await git(["for-each-ref", "--format=%(refname)%00%(objectname)%00", prefix], { cwd })
  const list = fields(out.replace(/\n/g, ""))
  const refs: Array<{ ref: string; object: string }> = []
  for (let i = 0; i + 1 < list.length; i += 2) refs.push({ ref: list[i]!, object: list[i + 1]! })
  return refs.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/** The object `ref` points to, or undefined when there is no such ref. */
export async function readRef(cwd: string, ref: string): Promise<string | undefined> {
  const result = await runGit(["rev-parse", "-q", "--verify", ref], { cwd })
  return result.code === 0 ? result.stdout.trim() : undefined
}
