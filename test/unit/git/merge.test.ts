// Landing a worktree agent's work on real repositories: a merge into the checkout (fast-forward,
// merge commit, squash), each refusal and conflict leaving the checkout exactly as it was, and a
// push to a remote (a bare repository).
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { mergeWork, pushWork } from "../../../src/agents/work/merge.ts"
import { makeWorktree } from "../../../src/agents/work/worktree.ts"
import { PERSON, refusal, type TestRepo, testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"

async function agentIn(repo: TestRepo, name = "task") {
  const { worktree, directory } = await makeWorktree({ directory: repo.root, name, under: scratchDir("worktrees") })
  return { id: `id-${name}`, name, directory, worktree }
}

/** What must not change when a merge is refused: the checkout's HEAD, branch and status. */
const state = (repo: TestRepo) => ({ head: repo.head(), branch: repo.git(["symbolic-ref", "--short", "HEAD"]).trim(), status: repo.status() })


describe("merge", () => {
  test("commits the worktree's uncommitted work with the message and fast-forwards the base to it", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    const agent = await agentIn(repo)
    repo.write("a.txt", "a by the agent\n", agent.worktree.path)
    repo.write("new.txt", "new\n", agent.worktree.path)

    const merged = await mergeWork(agent, { message: "add a --verbose flag" })
    expect(merged).toEqual({ branch: "iterate/task", base: "main", commit: repo.head(), squash: false, fastForward: true, files: 2 })
    expect(repo.head()).toBe(repo.head(agent.worktree.path))
    expect(repo.git(["log", "-1", "--format=%s|%an"]).trim()).toBe(`add a --verbose flag|${PERSON.name}`)
    expect(repo.read("a.txt")).toBe("a by the agent\n")
    expect(repo.status()).toBe("")
    expect(repo.status(agent.worktree.path)).toBe("")
    // Nothing more to merge: nothing changes.
    expect(await mergeWork(agent, { message: "again" })).toMatchObject({ files: 0, commit: repo.head() })
  })

  test("a merge commit when the base moved on; --squash makes one commit of the whole change", async () => {
    const repo = testRepo({ "a.txt": "a\n", "b.txt": "b\n" })
    const agent = await agentIn(repo)
    const squashed = await agentIn(repo, "squashed")
    repo.write("b.txt", "b by the agent\n", agent.worktree.path)
    repo.commit("agent step 1", agent.worktree.path)
    repo.write("c.txt", "c\n", squashed.worktree.path)
    repo.commit("squashed step 1", squashed.worktree.path)
    repo.write("d.txt", "d\n", squashed.worktree.path)
    repo.write("a.txt", "a on main\n")
    const moved = repo.commit("main moves")

    const merged = await mergeWork(agent, { message: "unused: nothing uncommitted" })
    expect(merged).toMatchObject({ fastForward: false, squash: false, files: 1 })
    expect(repo.git(["log", "-1", "--format=%s|%P"]).trim()).toBe(`Merge branch 'iterate/task' into main|${moved} ${repo.head(agent.worktree.path)}`)
    expect([repo.read("a.txt"), repo.read("b.txt")]).toEqual(["a on main\n", "b by the agent\n"])

    const head = repo.head()
    const squash = await mergeWork(squashed, { squash: true, message: "squash it" })
    expect(squash).toMatchObject({ squash: true, files: 2 })
    expect(repo.git(["log", "-1", "--format=%s|%P"]).trim()).toBe(`squash it|${head}`)
    expect(repo.read("d.txt")).toBe("d\n")
    expect(repo.status()).toBe("")
  })

  test("refused, changing nothing, when the checkout is on another branch or has uncommitted changes to the same files", async () => {
    const repo = testRepo({ "a.txt": "a\n", "b.txt": "b\n" })
    const agent = await agentIn(repo)
    repo.write("a.txt", "a by the agent\n", agent.worktree.path)

    repo.git(["switch", "--quiet", "-c", "elsewhere"])
    let before = state(repo)
    expect(await refusal(mergeWork(agent, { message: "m" }))).toMatchObject({ code: "checkout_not_on_base", message: expect.stringContaining("is on branch elsewhere, not main") })
    expect(state(repo)).toEqual(before)
    repo.git(["switch", "--quiet", "main"])

    repo.write("a.txt", "a by the person\n")
    repo.write("b.txt", "b by the person\n")
    before = state(repo)
    expect(await refusal(mergeWork(agent, { message: "m" }))).toMatchObject({
      code: "checkout_dirty",
      message: expect.stringContaining("has uncommitted changes to a.txt, which the agent changed too"),
    })
    expect(state(repo)).toEqual(before)
    // The agent's work is still uncommitted in its worktree.
    expect(repo.status(agent.worktree.path)).toBe(" M a.txt\n")

    // Changes to other files are no obstacle, and stay.
    repo.git(["checkout", "--", "a.txt"])
    expect(await mergeWork(agent, { message: "m" })).toMatchObject({ files: 1 })
    expect(repo.status()).toBe(" M b.txt\n")
  })

  test("a conflict changes nothing, names each file, keeps the agent's work, and merges once resolved", async () => {
    const repo = testRepo({ "a.txt": "one\n", "b.txt": "two\n", "c.txt": "three\n" })
    const agent = await agentIn(repo)
    repo.write("a.txt", "one by the agent\n", agent.worktree.path)
    repo.write("b.txt", "two by the agent\n", agent.worktree.path)
    repo.write("c.txt", "three by the agent\n", agent.worktree.path)
    repo.write("a.txt", "one on main\n")
    repo.write("b.txt", "two on main\n")
    repo.commit("main changes a and b")
    const before = state(repo)

    const refused = await refusal(mergeWork(agent, { message: "m" }))
    expect(refused.code).toBe("merge_conflict")
    expect(refused.message).toMatch(/^merging iterate\/task into main conflicts in a\.txt, b\.txt; nothing was changed\./)
    expect(state(repo)).toEqual(before)
    expect(repo.read("c.txt", agent.worktree.path)).toBe("three by the agent\n")
    expect(repo.status(agent.worktree.path)).toBe(" M a.txt\n M b.txt\n M c.txt\n")

    // Resolved in the worktree (the base merged in, the conflicts settled), the merge goes through.
    repo.commit("agent's work", agent.worktree.path)
    const merging = Bun.spawnSync(["git", "merge", "--quiet", "main"], { cwd: agent.worktree.path })
    expect(merging.exitCode).toBe(1)
    repo.write("a.txt", "one, both\n", agent.worktree.path)
    repo.write("b.txt", "two, both\n", agent.worktree.path)
    repo.commit("resolved", agent.worktree.path)
    expect(await mergeWork(agent, { message: "m" })).toMatchObject({ fastForward: true, files: 3 })
    expect([repo.read("a.txt"), repo.read("b.txt"), repo.read("c.txt")]).toEqual(["one, both\n", "two, both\n", "three by the agent\n"])
  })
})

describe("push", () => {
  test("commits the uncommitted work and pushes the branch to origin, a bare repository, as its upstream", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    const remote = join(scratchDir("remote"), "origin.git")
    mkdirSync(remote)
    repo.git(["init", "--quiet", "--bare", remote])
    repo.git(["remote", "add", "origin", remote])
    const agent = await agentIn(repo)
    repo.write("a.txt", "pushed\n", agent.worktree.path)

    expect(await pushWork(agent, { message: "the change" })).toEqual({ branch: "iterate/task", remote: "origin" })
    expect(repo.git(["rev-parse", "iterate/task"], remote).trim()).toBe(repo.head(agent.worktree.path))
    expect(repo.git(["show", "iterate/task:a.txt"], remote)).toBe("pushed\n")
    expect(repo.git(["config", "branch.iterate/task.remote"]).trim()).toBe("origin")

    expect(await refusal(pushWork(agent, { remote: "upstream", message: "m" }))).toMatchObject({ code: "no_remote", message: expect.stringContaining("has no remote named upstream") })
    // Without gh where the daemon runs, --pr says so before anything is pushed.
    expect(await refusal(pushWork(agent, { pr: true, message: "m" }, { PATH: "/nonexistent" }))).toMatchObject({
      code: "gh_missing",
      message: expect.stringContaining("gh (GitHub's CLI) is not installed"),
    })
  })
})
