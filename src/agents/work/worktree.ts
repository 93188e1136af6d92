// Making an agent's worktree: a new branch (iterate/<agent> unless named) from the checkout's HEAD
// (or --base REF), checked out in a folder under iterate's data folder — never inside the user's
// checkout, whose `git status` stays clean. Each refusal says which problem it is.
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, realpathSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"
import { branchExists, checkoutOf, resolveCommit, validBranchName } from "../../git/repo.ts"
import { addWorktree } from "../../git/worktree.ts"
import { AgentError } from "../errors.ts"
import type { AgentWorktree } from "../store.ts"
import { worktreeScripts } from "./config.ts"

export interface WorktreeRequest {
  /** the folder the user named, in the checkout to branch from */
  directory: string
  /** the agent's name: its folder's, and its branch's unless `branch` is given */
  name: string
  branch?: string
  /** the commit to start from; the checkout's HEAD (its branch is the base) when absent */
  base?: string
  /** where iterate keeps worktrees: <data>/worktrees */
  under: string
}

/** The worktree made, and the agent's directory in it (the same place in the tree as `directory` in the checkout). */
export async function makeWorktree(request: WorktreeRequest): Promise<{ worktree: AgentWorktree; directory: string }> {
  const { directory, name } = request
  const checkout = await checkoutOf(directory)
  if (checkout === "no-git") throw new AgentError("not_a_repository", "git is not installed where the daemon runs (not found on PATH): --worktree needs it")
  if (checkout === "not-a-repository") throw new AgentError("not_a_repository", `${directory} is not in a git repository: --worktree needs one`)
  if (checkout === "bare") throw new AgentError("bare_repository", `${directory} is in a bare repository: --worktree needs a checkout to branch from`)
  const root = checkout.root
  const branch = request.branch ?? `iterate/${name}`
  // The questions for git at once: each is a process of its own.
  const [valid, exists, given] = await Promise.all([
    validBranchName(root, branch),
    branchExists(root, branch),
    request.base === undefined ? undefined : resolveCommit(root, request.base),
  ])
  if (!valid) throw new AgentError("invalid_branch", `${branch} is not a valid branch name`)

  let base: string
  let baseCommit: string
  if (request.base !== undefined) {
    base = request.base
    if (!given) throw new AgentError("unknown_ref", `--base ${base} names no commit in ${root}`)
    baseCommit = given
  } else {
    if (!checkout.branch) throw new AgentError("detached_head", `the checkout at ${root} has a detached HEAD: name the commit to start from with --base REF`)
    if (!checkout.head) throw new AgentError("unknown_ref", `branch ${checkout.branch} of ${root} has no commit yet: commit something first`)
    base = checkout.branch
    baseCommit = checkout.head
  }
  if (exists)
    throw new AgentError("branch_exists", `branch ${branch} exists already in ${root}: name another with --branch, or delete it (git branch -D ${branch})`)

  // Read now, so that a broken iterate.json is refused before anything is made.
  const scripts = worktreeScripts(root)
  const path = join(request.under, `${basename(root)}-${createHash("sha256").update(root).digest("hex").slice(0, 8)}`, name)
  if (existsSync(path)) throw new AgentError("invalid_agent", `${path} exists already: remove it, or name the agent otherwise`)
  mkdirSync(dirname(path), { recursive: true })
  await addWorktree(root, path, branch, baseCommit)
  const worktree: AgentWorktree = { root, path, branch, base, baseCommit, setup: scripts.setup ? "pending" : "done" }
  return { worktree, directory: join(path, relative(root, realpathSync(directory))) }
}
