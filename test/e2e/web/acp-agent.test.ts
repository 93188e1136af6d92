// An ACP agent in the web UI: real headless Chromium on the compiled binary's daemon, Zed's
// claude-agent-acp (configured as harnesses.claude-acp.acp) behind it, the Anthropic stub as
// Claude's API. The page folds the agent's ACP updates with the same reducer as the CLI.
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { text, toolUse, useAnthropicStub } from "../../support/anthropic-stub.ts"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { useBrowserPage } from "../../support/web.ts"

const stub = useAnthropicStub()
const agents = useAgentSandbox(stub, "claude-acp")
const web = useBrowserPage(() => agents.sandbox)

describe("an ACP agent in the browser", { timeout: 90_000 }, () => {
  test("the harness is offered for a new agent; a turn from the CLI shows as text, a tool card and the file's diff", async () => {
    await web.page.click("text=New agent")
    await web.page.waitForSelector("select[name=harness] option[value=claude-acp]", { state: "attached" })

    stub.reply(text("Hello from the ACP agent."))
    await agents.iterate(["run", "--harness", "claude-acp", "--dir", agents.project, "say", "hello"])
    stub.reply(toolUse("Write", { file_path: join(agents.project, "notes.txt"), content: "first line\nsecond line\n" }, { say: "Writing it." }), text("I wrote notes.txt."))
    await agents.iterate(["run", "--agent", "project", "--permissions", "allow-edits", "write notes"])

    const agent = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0] as { id: string }
    await web.page.goto(new URL(`/agents/${agent.id}`, web.page.url()).href)
    await web.page.getByText("Hello from the ACP agent.").waitFor()
    const card = web.page.locator(".card.tool[data-status=completed]", { hasText: "Write notes.txt" })
    await card.waitFor()
    const diff = web.page.locator(".card.diff", { hasText: "notes.txt" })
    await diff.waitFor()
    expect(await diff.locator("summary").textContent()).toMatch(/\+2\s*−0/)
    await web.page.getByText("I wrote notes.txt.").waitFor()
  })

  test("a prompt sent from the page's composer gets the agent's reply", async () => {
    stub.reply(text("Answered from the page."))
    await web.page.fill(".composer textarea", "from the page")
    await web.page.keyboard.press("Enter")
    await web.page.getByText("Answered from the page.").waitFor()
    await waitFor("the agent to be idle", async () => (await web.page.locator(".agent-head .status").getAttribute("data-status")) === "idle")
    expect(web.errors).toEqual([])
  })
})
