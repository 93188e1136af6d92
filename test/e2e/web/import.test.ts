// An imported session in the web UI: real headless Chromium on the compiled binary's daemon. A
// Claude Code session run directly (claude -p against the Anthropic stub) and imported shows in
// the agents list like any agent, marked imported, and opens on its conversation.
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, useAnthropicStub } from "../../support/anthropic-stub.ts"
import { collectErrors, launchChromium } from "../../support/browser.ts"
import { claudeDirect } from "../../support/direct-runs.ts"
import { logIn } from "../../support/web.ts"

const stub = useAnthropicStub()
const agents = useAgentSandbox(stub, "claude")

let browser: Browser
let page: Page
let errors: string[] = []

beforeAll(async () => {
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } })
  errors = collectErrors(context)
})
afterAll(async () => {
  await browser?.close()
})

describe("an imported session in the browser", { timeout: 90_000 }, () => {
  test("it is listed like any agent, marked imported, and opens on its conversation", async () => {
    stub.reply(text("Hello from a session run without iterate."))
    const run = await claudeDirect({ cwd: agents.project, env: agents.sandbox.env }, "say hello")
    expect(run.code, run.stderr).toBe(0)
    await agents.iterate(["import", "claude"])
    page = await logIn(browser.contexts()[0]!, agents.sandbox)
    const row = page.locator(".agent-row", { hasText: "project" })
    await row.waitFor()
    expect(await row.locator(".imported").textContent()).toBe("imported")
    expect(await row.locator(".status").getAttribute("data-status")).toBe("idle")
    await row.click()
    await page.waitForURL(/\/agents\/[a-z2-9]{6}$/)
    await page.locator(".message.assistant", { hasText: "Hello from a session run without iterate." }).waitFor()
    expect(await page.locator(".message.user").first().textContent()).toContain("say hello")
    expect(errors).toEqual([])
  })
})
