// The snapshots of an agent's files, kept as refs in its repository so that `git gc` keeps them:
//   refs/iterate/<agent>/start               when it was made (an agent without a worktree)
//   refs/iterate/<agent>/turns/<offset>      when each turn started (<offset>: its prompt's)
//   refs/iterate/<agent>/reverts/<ms>        what a revert replaced (so a revert can be undone)
//   refs/iterate/<agent>/final               its worktree's last state, before it was removed
// Each is a commit by iterate of the whole work tree (tracked and untracked files, not ignored
// ones) whose parent is HEAD at the time; the checkout's index, HEAD and files are left alone.
import { type Checkout, checkoutOf } from "../../git/repo.ts"
import { refsUnder, setRef, snapshotCommit } from "../../git/snapshot.ts"

export const startRef = (agent: string) => `refs/iterate/${agent}/start`
export const turnRef = (agent: string, prompt: string) => `refs/iterate/${agent}/turns/${prompt}`
export const revertRef = (agent: string, at: number) => `refs/iterate/${agent}/reverts/${at}`
export const finalRef = (agent: string) => `refs/iterate/${agent}/final`

/** The checkout `dir` is in, or undefined outside a git repository (a bare one included). */
export async function checkoutAt(dir: string): Promise<Checkout | undefined> {
  const checkout = await checkoutOf(dir)
  return typeof checkout === "string" ? undefined : checkout
}

/** Snapshots the files of the checkout `dir` is in under `ref`; nothing outside a git repository. */
export async function snapshotTo(dir: string, ref: string, message: string): Promise<string | undefined> {
  const checkout = await checkoutAt(dir)
  if (!checkout) return undefined
  const { commit } = await snapshotCommit(checkout, message)
  await setRef(checkout.root, ref, commit)
  return commit
}

export interface TurnSnapshot {
  /** 1 for the agent's first turn (of those iterate took a snapshot of) */
  turn: number
  /** the offset of the prompt that started it */
  prompt: string
  commit: string
}

/** The agent's turn snapshots in the repository of `cwd`, first turn first. */
export async function turnSnapshots(cwd: string, agent: string): Promise<TurnSnapshot[]> {
  const prefix = `refs/iterate/${agent}/turns/`
  // Offsets are fixed-width, so the refs' order is the turns'.
  return (await refsUnder(cwd, prefix)).map(({ ref, object }, i) => ({ turn: i + 1, prompt: ref.slice(prefix.length), commit: object }))
}
