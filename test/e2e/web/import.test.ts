// An imported session in the web UI: real headless Chromium on the compiled binary's daemon. A
// Claude Code session run directly (claude -p against the Anthropic stub) and imported shows in
// the agents list like any agent, marked imported, and opens on its conversation.
import { describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, useAnthropicStub } from "../../support/anthropic-stub.ts"
import { claudeDirect } from "../../support/direct-runs.ts"
import { logIn, useBrowserPage } from "../../support/web.ts"

const stub = useAnthropicStub()
const agents = useAgentSandbox(stub, "claude")
const web = useBrowserPage(() => agents.sandbox, { logIn: false })

describe("an imported session in the browser", { timeout: 90_000 }, () => {
  test("it is listed like any agent, marked imported, and opens on its conversation", async () => {
    stub.reply(text("Hello from a session run without iterate."))
    const run = await claudeDirect({ cwd: agents.project, env: agents.sandbox.env }, "say hello")
    expect(run.code, run.stderr).toBe(0)
    await agents.iterate(["import", "claude"])
    const page = await logIn(web.context, agents.sandbox)
    const row = page.locator(".agent-row", { hasText: "project" })
    await row.waitFor()
    expect(await row.locator(".imported").textContent()).toBe("imported")
    expect(await row.locator(".status").getAttribute("data-status")).toBe("idle")
    await row.click()
    await page.waitForURL(/\/agents\/[a-z2-9]{6}$/)
    await page.locator(".message.assistant", { hasText: "Hello from a session run without iterate." }).waitFor()
    expect(await page.locator(".message.user").first().textContent()).toContain("say hello")
    expect(web.errors).toEqual([])
  })
})
