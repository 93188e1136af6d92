// Diffs between two trees (or commits) of one repository, as git prints them, whatever the user's
// diff settings say (colour, prefixes, external diff tools, textconv): the patch text parsed into
// files and hunks, or only what changed per file (a stat), which skips making the patch.
import { fields, git } from "./git.ts"
import { type FileDiff, type FileStat, type FileStatus, parsePatch } from "./patch.ts"

// Given before the command, so that the user's config does not change what is parsed.
const DIFF = ["-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative", "-M"]

/** What a diff goes to: a tree-ish, or the index that `env` (GIT_INDEX_FILE) names. */
export type DiffTarget = string | { index: Record<string, string> }

const sides = (from: string, to: DiffTarget) => (typeof to === "string" ? [from, to] : ["--cached", from])
const envOf = (to: DiffTarget) => (typeof to === "string" ? undefined : to.index)

/** The patch from `from` (a tree-ish) to `to`, and its files. */
export async function diffPatch(cwd: string, from: string, to: DiffTarget): Promise<{ patch: string; files: FileDiff[] }> {
  const patch = await git([...DIFF, "--src-prefix=a/", "--dst-prefix=b/", ...sides(from, to), "--"], { cwd, env: envOf(to) })
  return { patch, files: parsePatch(patch) }
}

/** What changed from `from` to `to`, per file, without making the patch. */
export async function diffStat(cwd: string, from: string, to: DiffTarget): Promise<FileStat[]> {
  const [numstat, status] = await Promise.all([
    git([...DIFF, "-z", "--numstat", ...sides(from, to), "--"], { cwd, env: envOf(to) }),
    git([...DIFF, "-z", "--name-status", ...sides(from, to), "--"], { cwd, env: envOf(to) }),
  ])
  return statFiles(numstat, status)
}

const STATUS: Record<string, FileStatus> = { A: "added", M: "modified", D: "deleted", R: "renamed", C: "copied", T: "modified" }

/** Joins `--numstat -z` and `--name-status -z` outputs, which list the same files in the same order. */
export function statFiles(numstat: string, nameStatus: string): FileStat[] {
  const statuses = fields(nameStatus)
  const counts = numstat.split("\0")
  const files: FileStat[] = []
  let s = 0
  let n = 0
  while (s < statuses.length) {
    const status = STATUS[statuses[s++]![0]!] ?? "modified"
    const moved = status === "renamed" || status === "copied"
    const oldPath = moved ? statuses[s++]! : undefined
    const path = statuses[s++]!
    // numstat: "adds\tdels\tpath", or "adds\tdels\t" and then the old and new paths of a rename or copy
    const [adds, dels] = (counts[n++] ?? "").split("\t")
    if (moved) n += 2
    const binary = adds === "-"
    files.push({
      path,
      ...(oldPath !== undefined && { oldPath }),
      status,
      additions: binary ? 0 : Number(adds),
      deletions: binary ? 0 : Number(dels),
      binary,
    })
  }
  return files
}

export type PathChange = { status: "added" | "deleted" | "modified"; path: string }

/** The paths that differ between two trees, without rename detection: what a restore writes or deletes. */
export async function changedPaths(cwd: string, from: string, to: string): Promise<PathChange[]> {
  const list = fields(await git(["diff-tree", "-r", "-z", "--no-renames", "--name-status", from, to], { cwd }))
  const out: PathChange[] = []
  for (let i = 0; i + 1 < list.length; i += 2) {
    const code = list[i]![0]
    out.push({ status: code === "A" ? "added" : code === "D" ? "deleted" : "modified", path: list[i + 1]! })
  }
  return out
}
