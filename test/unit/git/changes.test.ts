// Snapshots, diffs and reverts of an agent's files on real repositories: what a snapshot holds
// and leaves alone, what an agent's diff counts from, and a revert that undoes a turn.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { agentChanges, revertTurn } from "../../../src/agents/work/changes.ts"
import { snapshotTo, startRef, turnRef, turnSnapshots } from "../../../src/agents/work/snapshots.ts"
import { makeWorktree } from "../../../src/agents/work/worktree.ts"
import { checkoutOf, type Checkout } from "../../../src/git/repo.ts"
import { snapshotTree } from "../../../src/git/snapshot.ts"
import { testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"

const summary = (files: Array<{ path: string; status: string; additions: number; deletions: number }>) =>
  files.map((f) => `${f.status} ${f.path} +${f.additions} -${f.deletions}`)

const offset = (n: number) => String(n).padStart(16, "0")

describe("snapshots", () => {
  test("hold tracked edits and new files but not ignored ones, and leave the index, HEAD and status alone", async () => {
    const repo = testRepo({ ".gitignore": "build/\n", "a.txt": "a\n", "staged.txt": "s\n" })
    repo.write("a.txt", "a changed\n")
    repo.write("new.txt", "new\n")
    repo.write("build/out.js", "ignored\n")
    repo.write("staged.txt", "s staged\n")
    repo.git(["add", "staged.txt"])
    const index = readFileSync(join(repo.root, ".git/index"))
    const status = repo.status()
    const head = repo.head()

    const checkout = (await checkoutOf(repo.root)) as Checkout
    const tree = await snapshotTree(checkout)
    expect(repo.git(["ls-tree", "-r", "--name-only", tree]).split("\n").filter(Boolean)).toEqual([".gitignore", "a.txt", "new.txt", "staged.txt"])
    expect(repo.git(["show", `${tree}:a.txt`])).toBe("a changed\n")
    expect(readFileSync(join(repo.root, ".git/index")).equals(index)).toBe(true)
    expect(repo.status()).toBe(status)
    expect(repo.head()).toBe(head)

    // Kept under a ref (so gc keeps it), a commit of iterate's whose parent is HEAD.
    const commit = await snapshotTo(repo.root, turnRef("agent1", offset(3)), "a turn")
    expect(repo.git(["rev-parse", `${commit}^{tree}`]).trim()).toBe(tree)
    expect(repo.git(["log", "-1", "--format=%an %P", commit!]).trim()).toBe(`iterate ${head}`)
    await snapshotTo(repo.root, turnRef("agent1", offset(12)), "another turn")
    expect((await turnSnapshots(repo.root, "agent1")).map((t) => [t.turn, t.prompt])).toEqual([
      [1, offset(3)],
      [2, offset(12)],
    ])
    // A repository that hides its untracked files (a home folder in git) keeps its tracked files only.
    repo.git(["config", "status.showUntrackedFiles", "no"])
    const hiding = (await checkoutOf(repo.root)) as Checkout
    expect(hiding.untracked).toBe(false)
    expect(repo.git(["ls-tree", "-r", "--name-only", await snapshotTree(hiding)]).split("\n").filter(Boolean)).toEqual([".gitignore", "a.txt", "staged.txt"])
    // Outside a repository there is nothing to snapshot, and nothing fails.
    expect(await snapshotTo(scratchDir("plain"), startRef("agent1"), "start")).toBeUndefined()
  })
})

describe("an agent's diff", () => {
  test("of a worktree agent: its commits, uncommitted edits and new files against the merge-base with its base; not its ignored files, not the base's later commits", async () => {
    const repo = testRepo({ ".gitignore": "*.log\n", "a.txt": "one\ntwo\n", "b.txt": "b\n" })
    const { worktree, directory } = await makeWorktree({ directory: repo.root, name: "w", under: scratchDir("worktrees") })
    const agent = { id: "agent1", name: "w", directory, worktree }
    repo.write("a.txt", "one\n2\n", worktree.path)
    repo.commit("agent's commit", worktree.path)
    repo.write("b.txt", "b\nmore\n", worktree.path)
    repo.write("c.txt", "new\n", worktree.path)
    repo.write("debug.log", "ignored\n", worktree.path)
    // The base moves on meanwhile: that is not the agent's change.
    repo.write("main.txt", "on main\n")
    repo.commit("main moves")

    const changes = await agentChanges(agent)
    expect(changes.since).toBe("the merge-base with main")
    expect(changes.from).toBe(worktree.baseCommit)
    expect(summary(changes.files)).toEqual(["modified a.txt +1 -1", "modified b.txt +1 -0", "added c.txt +1 -0"])
    expect([changes.additions, changes.deletions]).toEqual([3, 1])
    expect(changes.patch).toContain("diff --git a/c.txt b/c.txt\nnew file mode 100644\n")
    expect(repo.status()).toBe("")
    const stat = await agentChanges(agent, { stat: true })
    expect(stat.patch).toBeUndefined()
    expect(summary(stat.files)).toEqual(summary(changes.files))
  })

  test("of an agent in a checkout: since its start snapshot (earlier edits are not its own); --last: since its last turn started", async () => {
    const repo = testRepo({ "a.txt": "a\n", "b.txt": "b\n" })
    repo.write("a.txt", "the user's edit\n")
    const agent = { id: "agent2", name: "here", directory: repo.root, worktree: undefined }
    await snapshotTo(repo.root, startRef(agent.id), "start")
    await snapshotTo(repo.root, turnRef(agent.id, offset(1)), "turn 1")
    repo.write("b.txt", "b by turn 1\n")
    await snapshotTo(repo.root, turnRef(agent.id, offset(5)), "turn 2")
    repo.write("c.txt", "c by turn 2\n")

    const all = await agentChanges(agent)
    expect(all.since).toBe("the agent's start")
    expect(summary(all.files)).toEqual(["modified b.txt +1 -1", "added c.txt +1 -0"])
    const last = await agentChanges(agent, { last: true })
    expect(last.since).toBe("the start of turn 2")
    expect(summary(last.files)).toEqual(["added c.txt +1 -0"])
  })
})

describe("revert", () => {
  test("puts the files back as the turn found them: edits undone, new files removed, deleted files restored, ignored files untouched", async () => {
    const repo = testRepo({ ".gitignore": "cache/\n", "a.txt": "a\n", "doomed.txt": "keep me\n", "dir/x.txt": "x\n" })
    const agent = { id: "agent3", name: "here", directory: repo.root, worktree: undefined }
    await snapshotTo(repo.root, turnRef(agent.id, offset(1)), "turn 1")
    repo.write("a.txt", "a after turn 1\n")
    await snapshotTo(repo.root, turnRef(agent.id, offset(9)), "turn 2")
    repo.write("a.txt", "a broken by turn 2\n")
    repo.write("made/by/turn2.txt", "new\n")
    repo.git(["rm", "--quiet", "doomed.txt"])
    repo.write("cache/data.bin", "ignored\n")

    const reverted = await revertTurn(agent)
    expect(reverted).toMatchObject({ turn: 2, prompt: offset(9), backup: expect.stringMatching(/^refs\/iterate\/agent3\/reverts\/\d+$/) })
    expect(reverted.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual(["added doomed.txt", "deleted made/by/turn2.txt", "modified a.txt"])
    expect(repo.read("a.txt")).toBe("a after turn 1\n")
    expect(repo.read("doomed.txt")).toBe("keep me\n")
    expect(existsSync(join(repo.root, "made"))).toBe(false)
    expect(repo.read("cache/data.bin")).toBe("ignored\n")
    // The index takes the restored paths as HEAD has them: doomed.txt is no staged deletion any more.
    expect(repo.status()).toBe(" M a.txt\n")
    // The backup keeps what the revert replaced.
    expect(repo.git(["show", `${reverted.backup}:a.txt`])).toBe("a broken by turn 2\n")

    // Turn 1 can be reverted to as well; a turn that does not exist is refused.
    expect((await revertTurn(agent, 1)).turn).toBe(1)
    expect(repo.read("a.txt")).toBe("a\n")
    await expect(revertTurn(agent, 3)).rejects.toThrow("agent here has turns 1 to 2")
  })

  test("of a worktree agent takes its branch back too, so commits made in the turn are undone", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    const { worktree, directory } = await makeWorktree({ directory: repo.root, name: "w", under: scratchDir("worktrees") })
    const agent = { id: "agent4", name: "w", directory, worktree }
    await snapshotTo(directory, turnRef(agent.id, offset(2)), "turn 1")
    repo.write("a.txt", "committed in the turn\n", worktree.path)
    repo.commit("the turn's commit", worktree.path)
    repo.write("b.txt", "left uncommitted\n", worktree.path)

    await revertTurn(agent)
    expect(repo.head(worktree.path)).toBe(worktree.baseCommit)
    expect(repo.status(worktree.path)).toBe("")
    expect(summary((await agentChanges(agent)).files)).toEqual([])
  })
})
