// Which checkout a folder is in: its top-level folder, where its repository keeps its objects and
// refs, and what HEAD is.
import { existsSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { git, NO_GIT, runGit } from "./git.ts"

export interface Checkout {
  /** the top-level folder of the work tree */
  root: string
  /** this work tree's own git folder (for a linked worktree: <common>/worktrees/<name>) */
  gitDir: string
  /** the repository's git folder, shared by all its worktrees */
  commonDir: string
  /** the branch HEAD is on; undefined when HEAD is detached */
  branch?: string
  /** HEAD's commit; undefined on a branch with no commit yet */
  head?: string
  /**
   * untracked files belong to it: false when it hides them (status.showUntrackedFiles=no, as a
   * home folder kept in git does), whose snapshots then hold its tracked files only
   */
  untracked: boolean
}

export type CheckoutProblem = "not-a-repository" | "bare" | "no-git"

const PATHS = ["rev-parse", "--path-format=absolute", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"]

/** The checkout `dir` is in, or why there is none (a folder that does not exist is in no repository). */
export async function checkoutOf(dir: string): Promise<Checkout | CheckoutProblem> {
  if (!existsSync(dir)) return "not-a-repository"
  // Where git is missing that is what to say, repository or not.
  if (!mayBeInRepository(dir)) return Bun.which("git") ? "not-a-repository" : "no-git"
  // One git for the paths, HEAD's commit and its branch; a branch with no commit yet needs two more.
  const [paths, config] = await Promise.all([
    runGit([...PATHS, "HEAD", "--symbolic-full-name", "HEAD"], { cwd: dir }),
    runGit(["config", "--get", "status.showUntrackedFiles"], { cwd: dir }),
  ])
  const untracked = config.stdout.trim() !== "no"
  if (paths.code === NO_GIT) return "no-git"
  if (paths.code === 0) {
    const [root, gitDir, commonDir, head, ref] = paths.stdout.trim().split("\n") as [string, string, string, string, string]
    return { root, gitDir, commonDir, head, ...(ref.startsWith("refs/heads/") && { branch: ref.slice("refs/heads/".length) }), untracked }
  }
  if (/must be run in a work tree/.test(paths.stderr)) return "bare"
  const [unborn, branch] = await Promise.all([runGit(PATHS, { cwd: dir }), runGit(["symbolic-ref", "-q", "--short", "HEAD"], { cwd: dir })])
  if (unborn.code !== 0) return "not-a-repository"
  const [root, gitDir, commonDir] = unborn.stdout.trim().split("\n") as [string, string, string]
  return { root, gitDir, commonDir, ...(branch.code === 0 && { branch: branch.stdout.trim() }), untracked }
}

/**
 * Whether git could find a repository from `dir`, looking as it does: a `.git` (folder or file)
 * in it or a folder above, or one of them a git folder itself (a bare repository). An agent's
 * every turn asks which checkout it is in; outside any repository this answers without starting
 * the two to four gits that would say so. (iterate clears GIT_DIR and the like: only the
 * folders count.)
 */
function mayBeInRepository(dir: string): boolean {
  for (let folder = resolve(dir); ; folder = dirname(folder)) {
    if (existsSync(join(folder, ".git")) || isGitFolder(folder)) return true
    if (dirname(folder) === folder) return false
  }
}

const isGitFolder = (folder: string) =>
  existsSync(join(folder, "HEAD")) && statSync(join(folder, "objects"), { throwIfNoEntry: false })?.isDirectory() === true && existsSync(join(folder, "refs"))

/** The commit `ref` names in the repository of `cwd`, or undefined when it names none. */
export async function resolveCommit(cwd: string, ref: string): Promise<string | undefined> {
  const result = await runGit(["rev-parse", "-q", "--verify", "--end-of-options", `${ref}^{commit}`], { cwd })
  return result.code === 0 ? result.stdout.trim() : undefined
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await runGit(["show-ref", "--verify", "--quiet", `refs/heads/${branch}`], { cwd })).code === 0
}

/** Whether `name` may be a branch's name (git check-ref-format --branch). */
export async function validBranchName(cwd: string, name: string): Promise<boolean> {
  return !name.startsWith("-") && (await runGit(["check-ref-format", "--branch", name], { cwd })).code === 0
}

/** The remote `branch` pushes to and pulls from (branch.<name>.remote), if it has one. */
export async function upstreamRemote(cwd: string, branch: string): Promise<string | undefined> {
  const result = await runGit(["config", "--get", `branch.${branch}.remote`], { cwd })
  const remote = result.stdout.trim()
  return result.code === 0 && remote !== "" && remote !== "." ? remote : undefined
}

export async function remotes(cwd: string): Promise<string[]> {
  return (await git(["remote"], { cwd })).split("\n").filter(Boolean)
}
