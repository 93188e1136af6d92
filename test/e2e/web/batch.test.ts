// Batches and todo lists in the web UI, end to end: real headless Chromium on the compiled binary's
// daemon, the real opencode in worktrees of its own answering the scripted model. The batches
// list, a batch's tasks live as they run, wait for a permission and end, with links to each
// agent's page and changes; the Cancel button of a batch that runs; an agent's todo list on its page.
import { beforeAll, describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { initRepo, type TestRepo } from "../../support/git-repo.ts"
import { afterTool, lastUserText, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { waitFor } from "../../support/wait.ts"
import { useBrowserPage } from "../../support/web.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)
// The tasks' opencode starts in each new worktree: slow on a loaded machine.
const web = useBrowserPage(() => agents.sandbox, { viewport: { width: 1100, height: 760 }, timeoutMs: 90_000 })

let repo: TestRepo

beforeAll(() => {
  repo = initRepo(agents.project, { "README.md": "# app\n" })
})

const cell = (task: string, column: number) => web.page.locator(`tr.batch-task[data-task="${task}"] td:nth-child(${column})`)

describe("batches in the browser", { timeout: 180_000 }, () => {
  test("a batch's tasks, live: running, waiting for a permission, done with their files and +/−; links to each agent and its changes", async () => {
    // "write X": a write of X; "list the files": a command, which allow-edits leaves to a person.
    stub.respond((request) => {
      const prompt = lastUserText(request)
      if (afterTool(request)) return text("Done.")
      const file = /^write (\S+)/.exec(prompt)?.[1]
      if (file) return toolCall("write", { filePath: file, content: `${file}\n` })
      if (prompt === "list the files") return toolCall("bash", { command: "ls", description: "list the files" })
      return undefined
    })
    stub.hold(2)
    const made = await agents.sandbox.api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ directory: repo.root, source: "web.jsonl", tasks: [{ prompt: "write alpha.txt", name: "alpha" }, { prompt: "list the files" }] }),
    })
    expect(made.status).toBe(201)
    const batch = (await made.json()) as { id: string }

    await web.page.click("header.top >> text=Batches")
    const row = web.page.locator(`.batch-row[data-batch="${batch.id}"]`)
    await row.waitFor()
    expect(await row.locator(".muted").first().textContent()).toBe(" · web.jsonl")
    await row.locator("a").click()
    expect(new URL(web.page.url()).pathname).toBe(`/batches/${batch.id}`)
    await web.page.locator('tr.batch-task[data-task="alpha"]').waitFor()
    expect(await web.page.locator("tr.batch-task").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-task")))).toEqual(["alpha", "list-files"])

    await web.page.locator('tr.batch-task[data-task="list-files"][data-state="waiting"]').waitFor()
    expect(await cell("list-files", 3).textContent()).toBe("waiting for permission")
    await web.page.locator('tr.batch-task[data-task="alpha"][data-state="done"]').waitFor()
    expect(await cell("alpha", 5).textContent()).toBe("1")
    expect((await cell("alpha", 6).textContent())!.replace(/\s+/g, " ")).toBe("+1 −0")
    expect(await cell("alpha", 4).textContent()).toMatch(/^\d+s$|^\d+m \d\ds$/)

    const [pending] = JSON.parse((await agents.iterate(["permissions", "--json"])).stdout)
    await agents.iterate(["permit", "list-files", pending.id])
    await web.page.locator('.batch-page[data-ended="true"]').waitFor()
    expect(await web.page.locator('tr.batch-task[data-task="list-files"]').getAttribute("data-state")).toBe("done")
    expect((await web.page.locator(".batch-meta .batch-counts").textContent())!).toBe("2 tasks: 2 done")

    await cell("alpha", 7).locator("text=changes").click()
    const alpha = JSON.parse((await agents.iterate(["agents", "--json"])).stdout).find((a: { name: string }) => a.name === "alpha")
    expect(new URL(web.page.url()).pathname).toBe(`/agents/${alpha.id}/changes`)
    await web.page.locator('.diff.file[data-path="alpha.txt"]').waitFor()
    await web.page.goBack()
    await cell("alpha", 7).locator("text=alpha").click()
    expect(new URL(web.page.url()).pathname).toBe(`/agents/${alpha.id}`)
    await web.page.locator(".agent-head h1", { hasText: "alpha" }).waitFor()
    expect(web.errors).toEqual([])
  })

  test("an agent's todo list shows on its page, as its newest todo call left it", async () => {
    const todos = (...statuses: string[]) => statuses.map((status, i) => ({ id: String(i + 1), content: ["read the code", "write the fix"][i], status, priority: "medium" }))
    stub.reply(toolCall("todowrite", { todos: todos("pending", "pending") }), toolCall("todowrite", { todos: todos("completed", "in_progress") }), text("Planned."))
    await agents.iterate(["run", "--dir", repo.root, "--agent", "alpha", "plan the fix"])
    await web.page.goto(new URL("/", web.page.url()).href)
    await web.page.click(`.agent-row >> text=alpha`)
    const list = web.page.locator(".todos")
    await list.locator("summary", { hasText: "Todo list · 1 of 2 done" }).waitFor()
    expect(await list.locator("li").evaluateAll((items) => items.map((li) => [li.getAttribute("data-status"), li.textContent]))).toEqual([
      ["completed", "✓ read the code"],
      ["in_progress", "▸ write the fix"],
    ])
    expect(web.errors).toEqual([])
  })

  test("Cancel asks first, then the batch's tasks show cancelled and the batch as cancelled; its running task's agent stays", async () => {
    stub.respond((request) => (/^write (\S+)/.test(lastUserText(request)) ? text("Working on it.") : undefined))
    stub.hold()
    const made = await agents.sandbox.api("/v1/batches", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ directory: repo.root, source: "stop.jsonl", parallel: 1, tasks: [{ prompt: "write gamma.txt", name: "gamma" }, { prompt: "write delta.txt", name: "delta" }] }),
    })
    const batch = (await made.json()) as { id: string }
    await web.page.goto(new URL(`/batches/${batch.id}`, web.page.url()).href)
    await waitFor("gamma's turn at the model", () => stub.inFlight === 1, { timeoutMs: 120_000 })
    await web.page.locator('tr.batch-task[data-task="gamma"]:is([data-state="starting"], [data-state="running"])').waitFor()

    await web.page.click(".cancel-batch >> button:has-text('Cancel')")
    const confirm = web.page.locator(".confirm-cancel")
    expect((await confirm.locator("div").first().textContent())!.replace(/\s+/g, " ")).toBe(
      `Cancel batch ${batch.id}? 1 queued task will not start; the turn of the 1 at work is aborted. Their agents and worktrees stay, to review, merge or remove.`,
    )
    // Asked, not done: keeping it running changes nothing.
    await confirm.locator("button", { hasText: "Keep it running" }).click()
    expect(await web.page.locator(".confirm-cancel").count()).toBe(0)
    expect(await web.page.locator('tr.batch-task[data-task="delta"]').getAttribute("data-state")).toBe("queued")

    await web.page.click(".cancel-batch >> button:has-text('Cancel')")
    await web.page.locator(".confirm-cancel button", { hasText: "Cancel batch" }).click()
    await web.page.locator('.batch-page[data-ended="true"]').waitFor()
    expect(await web.page.locator("tr.batch-task").evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-task"), r.getAttribute("data-state")]))).toEqual([
      ["gamma", "cancelled"],
      ["delta", "cancelled"],
    ])
    expect(await web.page.locator(".batch-page .page-head .status").textContent()).toMatch(/^cancelled after \d+s$/)
    expect(await web.page.locator(".batch-meta .batch-counts").textContent()).toBe("2 tasks: 2 cancelled")
    expect(await web.page.locator(".cancel-batch").count()).toBe(0)
    await web.page.locator('tr.batch-task[data-task="gamma"] td:nth-child(7) >> text=gamma').waitFor()

    await web.page.click("header.top >> text=Batches")
    expect(await web.page.locator(`.batch-row[data-batch="${batch.id}"] .status`).textContent()).toBe("cancelled")
    expect(web.errors).toEqual([])
  })
})
