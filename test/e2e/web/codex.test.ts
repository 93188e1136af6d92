// A Codex agent in the web UI, end to end: real headless Chromium on the compiled binary's daemon,
// the real codex app-server behind it, the Responses stub as its model. The harness picker offers
// codex; its reply streams in, its plan and command show as cards, a patch asks on the page and
// its diff shows once allowed.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { addFilePatch, applyPatch, exec, text, updatePlan, useResponsesStub } from "../../support/responses-stub.ts"
import { waitFor } from "../../support/wait.ts"
import { useBrowserPage } from "../../support/web.ts"

const stub = useResponsesStub()
const agents = useAgentSandbox(stub, "codex")
const web = useBrowserPage(() => agents.sandbox)

const status = () => web.page.locator(".agent-head .status").getAttribute("data-status")
const lastReply = () => web.page.locator(".message.assistant").last()

describe("a Codex agent in the browser", { timeout: 90_000 }, () => {
  test("New agent offers codex with its version; its reply streams in", async () => {
    stub.reply(text("Hello from Codex, streamed into the page.", { chunkSize: 4, delayMs: 30 }))
    await web.page.click("text=New agent")
    await web.page.locator("select[name=harness] option[value=codex]").waitFor({ state: "attached" })
    expect(await web.page.locator("select[name=harness] option[value=codex]").textContent()).toBe("codex 0.169.0")
    await web.page.selectOption("select[name=harness]", "codex")
    await web.page.fill("input[name=directory]", agents.project)
    await web.page.fill("textarea[name=prompt]", "say hello")
    await web.page.click("text=Create agent")
    await web.page.waitForURL(/\/agents\/[a-z2-9]{6}$/)
    await waitFor("the reply", async () => ((await lastReply().textContent().catch(() => "")) ?? "").includes("Hello from Codex, streamed into the page."), { timeoutMs: 60_000 })
    await waitFor("the agent to be idle", async () => (await status()) === "idle")
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toEqual([expect.objectContaining({ harness: "codex", directory: agents.project })])
  })

  test("the plan and a command are cards; a patch asks on the page, and once allowed its diff shows", async () => {
    stub.reply(
      updatePlan([{ step: "Look around", status: "completed" }, { step: "Write the file", status: "in_progress" }]),
      exec("ls"),
      applyPatch(addFilePatch("from-the-web.page.txt", "allowed in the browser\n")),
      text("Wrote it."),
    )
    await web.page.fill(".composer textarea", "plan, look and write")
    await web.page.keyboard.press("Enter")
    const pending = web.page.locator(".pending .permission[data-decision=pending]")
    await pending.waitFor()
    expect(await pending.locator(".tool-title").textContent()).toBe("run `ls`")
    await pending.locator("text=Allow once").click()
    await waitFor("the patch to ask", async () => (await pending.locator(".tool-title").textContent().catch(() => "")) === "write from-the-web.page.txt")
    await pending.locator("text=Allow once").click()
    await waitFor("the turn to end", async () => (await status()) === "idle")
    expect(readFileSync(join(agents.project, "from-the-web.page.txt"), "utf8")).toBe("allowed in the browser\n")
    const reply = lastReply()
    expect(await reply.locator(".tool", { hasText: "update_plan" }).locator(".tool-title").textContent()).toBe("1 of 2 steps done")
    expect(await reply.locator(".tool", { hasText: "shell" }).getAttribute("data-status")).toBe("completed")
    expect(await reply.locator(".diff summary").textContent()).toBe("from-the-web.page.txt +1 −0")
    expect(await reply.locator(".diff .add").last().textContent()).toBe("+allowed in the browser")
    expect(await reply.locator(".text").last().textContent()).toBe("Wrote it.")
  })

  test("no page logged a console error", () => {
    expect(web.errors).toEqual([])
  })
})
