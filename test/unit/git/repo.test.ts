// Which checkout a folder is in (src/git/repo.ts), on real folders and repositories: a folder in
// none is told apart without git, and every kind of repository is still found below its root.
import { mkdirSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type Checkout, checkoutOf } from "../../../src/git/repo.ts"
import { TestRepo, testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"

describe("checkoutOf", () => {
  test("a folder in no repository (or none at all) is not-a-repository", async () => {
    const folder = join(scratchDir("plain"), "a", "b")
    mkdirSync(folder, { recursive: true })
    expect(await checkoutOf(folder)).toBe("not-a-repository")
    expect(await checkoutOf(join(folder, "missing"))).toBe("not-a-repository")
  })

  test("a folder deep in a checkout finds its root, HEAD and branch", async () => {
    const repo = testRepo({ "src/deep/file.ts": "export {}\n" })
    const checkout = (await checkoutOf(join(repo.root, "src", "deep"))) as Checkout
    expect(checkout).toMatchObject({ root: realpathSync(repo.root), branch: "main", head: repo.head(), untracked: true })
  })

  test("a linked worktree (a .git file) is a checkout of its own on the shared repository", async () => {
    const repo = testRepo()
    const linked = join(scratchDir("linked"), "wt")
    repo.git(["worktree", "add", "--quiet", "-b", "side", linked])
    const checkout = (await checkoutOf(linked)) as Checkout
    expect(checkout).toMatchObject({ root: realpathSync(linked), branch: "side", commonDir: realpathSync(join(repo.root, ".git")) })
  })

  test("a bare repository is bare, from its folder and from one inside it", async () => {
    const bare = join(scratchDir("bare"), "app.git")
    testRepo().git(["clone", "--quiet", "--bare", ".", bare])
    expect(await checkoutOf(bare)).toBe("bare")
    expect(await checkoutOf(join(bare, "refs"))).toBe("bare")
  })

  test("a repository with no commit yet is on its branch with no HEAD commit", async () => {
    const root = scratchDir("unborn")
    new TestRepo(root).git(["init", "--quiet", "--initial-branch=main"])
    const checkout = (await checkoutOf(root)) as Checkout
    expect(checkout.branch).toBe("main")
    expect(checkout.head).toBeUndefined()
  })
})
