// An agent's Changes in the web UI, end to end: real headless Chromium on the compiled binary's
// daemon, the real opencode writing files in the agent's worktree as the scripted model tells it.
// The files with their +/−, each file's diff, read again when a turn ends; Merge asks first, shows
// why it was refused, and lands the work. The tests share one daemon and one agent, in order.
import { beforeAll, describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { initRepo, type TestRepo } from "../../support/git-repo.ts"
import { text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { useBrowserPage } from "../../support/web.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)
const web = useBrowserPage(() => agents.sandbox)

let repo: TestRepo
let agentId = ""

const writes = (file: string, content: string) => toolCall("write", { filePath: file, content })

beforeAll(() => {
  repo = initRepo(agents.project, { "README.md": "# app\nold line\n" })
})

describe("an agent's changes in the browser", { timeout: 120_000 }, () => {
  test("a worktree agent is marked with its branch; its Changes list each file with +/− and its diff", async () => {
    agentId = (await agents.iterate(["agents", "new", "--dir", repo.root, "--worktree", "--name", "feature", "--permissions", "allow-edits"])).stdout.trim()
    stub.reply(writes("hello.txt", "hello\n"), writes("README.md", "# app\nnew line\n"), text("Done."))
    await agents.iterate(["prompt", "feature", "add hello, change the readme"])

    await web.page.locator(`.agent-row[data-agent="${agentId}"] .badge.branch`, { hasText: "iterate/feature ← main" }).waitFor()
    await web.page.click(`.agent-row[data-agent="${agentId}"] a`)
    await web.page.locator(".agent-head .badge.branch", { hasText: "iterate/feature ← main" }).waitFor()
    await web.page.click(".tabs >> text=Changes")
    expect(new URL(web.page.url()).pathname).toBe(`/agents/${agentId}/changes`)

    const summary = web.page.locator(".changes-summary")
    await summary.waitFor()
    expect((await summary.textContent())!.replace(/\s+/g, " ")).toBe("2 files changed +2 −1 since the merge-base with main")
    const readme = web.page.locator('.diff.file[data-path="README.md"]')
    expect(await readme.locator("summary").textContent()).toBe("README.md modified +1 −1")
    expect(await readme.locator("pre div.del").allTextContents()).toEqual(["-old line"])
    expect(await readme.locator("pre div.add").allTextContents()).toEqual(["+new line"])
    expect(await web.page.locator('.diff.file[data-path="hello.txt"] summary').textContent()).toBe("hello.txt added +1 −0")
    expect(repo.status()).toBe("")
  })

  test("the Changes are read again when a turn ends", async () => {
    stub.reply(writes("more.txt", "more\n"), text("More."))
    await agents.iterate(["prompt", "feature", "add more"])
    await web.page.locator('.diff.file[data-path="more.txt"]').waitFor()
    expect((await web.page.locator(".changes-summary").textContent())!.replace(/\s+/g, " ")).toContain("3 files changed +3 −1")
  })

  test("Merge asks first; a refusal shows its reason and changes nothing; then it lands the work", async () => {
    repo.git(["switch", "--quiet", "-c", "elsewhere"])
    const head = repo.head()
    await web.page.click("button:text('Merge into main')")
    const question = web.page.locator(".confirm-merge")
    expect((await question.textContent())!.replace(/\s+/g, " ")).toContain(`Merge iterate/feature into main in ${repo.root}?`)
    // Cancel asks nothing more.
    await question.locator("button:text('Cancel')").click()
    await web.page.locator(".confirm-merge").waitFor({ state: "detached" })

    await web.page.click("button:text('Merge into main')")
    await web.page.click(".confirm-merge button:text('Merge')")
    const refusal = web.page.locator(".merge-refused")
    await refusal.waitFor()
    expect(await refusal.textContent()).toBe(`the checkout ${repo.root} is on branch elsewhere, not main: switch to it first (git -C ${repo.root} switch main)`)
    expect([repo.head(), repo.status()]).toEqual([head, ""])

    repo.git(["switch", "--quiet", "main"])
    await web.page.click(".confirm-merge button:text('Merge')")
    const merged = web.page.locator(".merged")
    await merged.waitFor()
    expect(await merged.textContent()).toBe("Merged 3 files into main (fast-forward).")
    expect([repo.read("hello.txt"), repo.read("README.md"), repo.read("more.txt")]).toEqual(["hello\n", "# app\nnew line\n", "more\n"])
    expect(repo.git(["log", "-1", "--format=%s"]).trim()).toBe("add hello, change the readme")
    await web.page.locator(".no-changes", { hasText: "No changes since the merge-base with main." }).waitFor()

    // The transcript shows the merge as something iterate did.
    await web.page.click(".tabs >> text=Transcript")
    await web.page.locator(".activity[data-activity=merge]", { hasText: "merged iterate/feature into main (3 files, fast-forward)" }).waitFor()
    await web.page.locator(".activity[data-activity=worktree]", { hasText: "worktree on branch iterate/feature from main" }).waitFor()
  })

  test("no page logged a console error but the browser's own line for the refused merge's 409", () => {
    expect(web.errors).toEqual([`${new URL(web.page.url()).origin}/agents/${agentId}/changes: Failed to load resource: the server responded with a status of 409 (Conflict)`])
  })
})
