// Making an agent's worktree on real repositories: where it goes, its branch and base, and each
// refusal with the problem it names.
import { existsSync, mkdirSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { makeWorktree } from "../../../src/agents/work/worktree.ts"
import { listWorktrees } from "../../../src/git/worktree.ts"
import { refusal, testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"


describe("an agent's worktree", () => {
  test("is a new branch iterate/<agent> from the checkout's HEAD, in a folder under iterate's data, and the checkout stays clean", async () => {
    const repo = testRepo({ "README.md": "# app\n", "packages/web/index.ts": "export {}\n" })
    const under = scratchDir("worktrees")
    const { worktree, directory } = await makeWorktree({ directory: repo.root, name: "verbose-flag", under })
    expect(worktree).toEqual({
      root: realpathSync(repo.root),
      path: expect.stringMatching(new RegExp(`^${under}/project-[0-9a-f]{8}/verbose-flag$`)),
      branch: "iterate/verbose-flag",
      base: "main",
      baseCommit: repo.head(),
      setup: "done",
    })
    expect(directory).toBe(worktree.path)
    expect(repo.read("packages/web/index.ts", worktree.path)).toBe("export {}\n")
    expect(repo.git(["rev-parse", "HEAD"], worktree.path).trim()).toBe(repo.head())
    expect(repo.git(["symbolic-ref", "--short", "HEAD"], worktree.path).trim()).toBe("iterate/verbose-flag")
    expect(repo.status()).toBe("")
    expect((await listWorktrees(repo.root)).map((w) => w.branch)).toEqual(["main", "iterate/verbose-flag"])

    // Made from a folder inside the checkout, the agent works in the same folder of its worktree.
    const sub = await makeWorktree({ directory: join(repo.root, "packages/web"), name: "web", branch: "feature/web", base: "HEAD", under })
    expect(sub.directory).toBe(join(sub.worktree.path, "packages/web"))
    expect(sub.worktree).toMatchObject({ branch: "feature/web", base: "HEAD" })
  })

  test("a setup command in iterate.json leaves setup pending; a broken iterate.json is refused", async () => {
    const repo = testRepo({ "iterate.json": JSON.stringify({ worktree: { setup: "bun install", archive: "true" } }) })
    const under = scratchDir("worktrees")
    expect((await makeWorktree({ directory: repo.root, name: "a", under })).worktree.setup).toBe("pending")
    repo.write("iterate.json", "{ not json")
    expect(await refusal(makeWorktree({ directory: repo.root, name: "b", under }))).toMatchObject({ code: "invalid_agent", message: expect.stringContaining("iterate.json is not valid JSON") })
    repo.write("iterate.json", JSON.stringify({ worktree: { setup: 42 } }))
    expect((await refusal(makeWorktree({ directory: repo.root, name: "c", under }))).message).toContain("worktree.setup must be a shell command")
    expect(existsSync(join(under, "b"))).toBe(false)
  })

  test("each refusal names its problem: not a repository, a bare one, a detached HEAD, a branch that exists", async () => {
    const under = scratchDir("worktrees")
    const plain = scratchDir("plain")
    expect(await refusal(makeWorktree({ directory: plain, name: "a", under }))).toEqual({
      code: "not_a_repository",
      message: `${plain} is not in a git repository: --worktree needs one`,
    })

    const bare = join(scratchDir("bare"), "repo.git")
    mkdirSync(bare)
    testRepo().git(["init", "--quiet", "--bare", bare])
    expect(await refusal(makeWorktree({ directory: bare, name: "a", under }))).toMatchObject({ code: "bare_repository" })

    const repo = testRepo()
    repo.git(["checkout", "--quiet", "--detach"])
    expect(await refusal(makeWorktree({ directory: repo.root, name: "a", under }))).toEqual({
      code: "detached_head",
      message: `the checkout at ${realpathSync(repo.root)} has a detached HEAD: name the commit to start from with --base REF`,
    })
    // With --base, a detached checkout is fine.
    expect((await makeWorktree({ directory: repo.root, name: "a", base: "main", under })).worktree).toMatchObject({ base: "main", baseCommit: repo.head() })

    expect(await refusal(makeWorktree({ directory: repo.root, name: "b", branch: "iterate/a", base: "main", under }))).toMatchObject({
      code: "branch_exists",
      message: expect.stringContaining("branch iterate/a exists already"),
    })
    expect(await refusal(makeWorktree({ directory: repo.root, name: "b", branch: "no..dots", base: "main", under }))).toMatchObject({ code: "invalid_branch" })
    expect(await refusal(makeWorktree({ directory: repo.root, name: "b", base: "v9", under }))).toMatchObject({ code: "unknown_ref", message: expect.stringContaining("--base v9 names no commit") })

    const empty = join(scratchDir("empty"), "repo")
    mkdirSync(empty)
    repo.git(["init", "--quiet", "--initial-branch=trunk", empty])
    expect(await refusal(makeWorktree({ directory: empty, name: "a", under }))).toEqual({
      code: "unknown_ref",
      message: `branch trunk of ${realpathSync(empty)} has no commit yet: commit something first`,
    })
  })
})
