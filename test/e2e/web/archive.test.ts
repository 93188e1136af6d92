// Search and the archive in the web UI: real headless Chromium on the compiled binary's daemon,
// real opencode turns against the LLM stub. The search box lists hits and jumps to the hit in the
// agent's transcript (even one far back); archived agents show under a toggle with Restore and
// Delete for good (which asks first). The tests share one daemon and run in order.
import { describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { waitFor } from "../../support/wait.ts"
import { useBrowserPage } from "../../support/web.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)
const web = useBrowserPage(() => agents.sandbox)

let project = ""
let notebook = ""

const searchable = (word: string) =>
  waitFor(`${word} to be searchable`, async () => JSON.parse((await agents.iterate(["search", word, "--json"])).stdout).length > 0)

/** Searches from the header's box, as a person does. */
async function search(word: string) {
  await web.page.fill(".search-box input", word)
  await web.page.press(".search-box input", "Enter")
  await web.page.waitForURL(`**/search?q=${word}`)
  await web.page.locator(".hit").or(web.page.getByText("No matches.")).first().waitFor()
}

/** Whether the element is within the visible part of the transcript. */
const inView = (selector: string) =>
  web.page.locator(selector).evaluate((element) => {
    const box = element.getBoundingClientRect()
    const pane = element.closest(".transcript")!.getBoundingClientRect()
    return box.bottom > pane.top && box.top < pane.bottom
  })

describe("search and the archive in the browser", { timeout: 120_000 }, () => {
  test("the search box lists hits with the agent and the matches marked; a hit opens the transcript at its message", async () => {
    stub.reply(text("Nothing about birds yet."))
    await agents.iterate(["run", "--dir", agents.project, "start a bird list"])
    stub.reply(text("A reply about kingfishers and their nests."))
    await agents.iterate(["run", "--dir", agents.project, "what about the heron?"])
    for (let n = 0; n < 6; n++) {
      stub.reply(text(`Filler answer ${n}.\n${"More lines of filler.\n".repeat(8)}`))
      await agents.iterate(["run", "--dir", agents.project, `filler ${n}`])
    }
    project = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0].id
    await searchable("kingfishers")

    await search("kingfishers")
    const hit = web.page.locator(".hit")
    expect(await hit.count()).toBe(1)
    expect(await hit.locator(".agent-name").textContent()).toBe("project")
    expect(await hit.locator("mark").textContent()).toBe("kingfishers")
    expect(await hit.locator(".snippet").textContent()).toBe("A reply about kingfishers and their nests.")

    await hit.click()
    await web.page.waitForURL(new RegExp(`/agents/${project}\\?at=\\d{16}$`))
    const found = web.page.locator(".message.found")
    await found.waitFor()
    expect(await found.textContent()).toContain("A reply about kingfishers and their nests.")
    await waitFor("the hit to be scrolled into view", () => inView(".message.found"))
  })

  test("a hit far back in a long transcript is shown and jumped to; an archived agent's hit says so", async () => {
    const dir = agents.newProject("notebook")
    notebook = (await agents.iterate(["agents", "new", "--dir", dir, "--name", "notebook"])).stdout.trim()
    await agents.iterate(["agents", "rm", "notebook"])
    // Archived, nothing runs its prompts: they stay in its transcript as written, 200 of them.
    const prompts = ["the albatross needle", ...Array.from({ length: 199 }, (_, n) => `haystack ${n}`)]
    await agents.iterate(["streams", "append", `agents/${notebook}`, "-"], {
      stdin: prompts.map((text) => JSON.stringify({ type: "iterate:agent:action:prompt:called", payload: { text } })).join("\n"),
    })
    await searchable("albatross")

    await search("albatross")
    const hit = web.page.locator(".hit")
    expect(await hit.locator(".badge").allTextContents()).toEqual(["archived", "prompt"])
    await hit.click()
    const found = web.page.locator(".message.found")
    await found.waitFor()
    expect(await found.textContent()).toBe("the albatross needle")
    await waitFor("the hit to be scrolled into view", () => inView(".message.found"))
    expect(await web.page.locator(".agent-head .status").getAttribute("data-status")).toBe("archived")
    expect(await web.page.locator(".archived-bar button", { hasText: "Restore" }).count()).toBe(1)
    expect(await web.page.locator(".composer textarea").count()).toBe(0)
  })

  test("an agent archived elsewhere leaves the live list; archived agents show under a toggle; Restore brings one back", async () => {
    await web.page.click("header.top nav >> text=Agents")
    await web.page.locator(`ul.agents li[data-agent="${project}"]`).waitFor()
    await agents.iterate(["agents", "rm", "project"])
    await waitFor("the archived agent to leave the list", async () => (await web.page.locator(`li[data-agent="${project}"]`).count()) === 0)

    await web.page.check("input[name=archived]")
    const row = web.page.locator(`.archived-list li[data-agent="${project}"]`)
    await row.waitFor()
    expect(await web.page.locator(`.archived-list li[data-agent="${notebook}"]`).count()).toBe(1)
    await row.locator("button", { hasText: "Restore" }).click()
    await web.page.locator(`ul.agents li[data-agent="${project}"][data-status="idle"]`).first().waitFor()
    await waitFor("the archived list to lose it", async () => (await row.count()) === 0)
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toEqual([expect.objectContaining({ id: project, status: "idle" })])
  })

  test("Delete for good asks first, then the agent, its stream and its hits are gone", async () => {
    const row = web.page.locator(`.archived-list li[data-agent="${notebook}"]`)
    web.page.once("dialog", (dialog) => void dialog.dismiss())
    await row.locator("button", { hasText: "Delete for good" }).click()
    expect(await row.count()).toBe(1)

    web.page.once("dialog", (dialog) => {
      expect(dialog.message()).toBe("Delete notebook, its stream and its transcript for good?")
      void dialog.accept()
    })
    await row.locator("button", { hasText: "Delete for good" }).click()
    await waitFor("the row to go", async () => (await row.count()) === 0)
    expect(JSON.parse((await agents.iterate(["agents", "--all", "--json"])).stdout).map((a: { id: string }) => a.id)).toEqual([project])
    await search("albatross")
    await web.page.locator("text=No matches.").waitFor()
    expect(web.errors).toEqual([])
  })
})
