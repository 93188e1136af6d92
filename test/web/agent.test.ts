// Agents in the web UI, end to end: real headless Chromium on the compiled binary's daemon, the
// real opencode behind it, the LLM stub as the model. The tests share one daemon, one warm
// opencode and one agent, and run in order.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { useAgentSandbox } from "../support/agent-sandbox.ts"
import { collectErrors, launchChromium } from "../support/browser.ts"
import { text, toolCall, useLlmStub } from "../support/llm-stub.ts"
import { ROOT } from "../support/sandbox.ts"
import { waitFor } from "../support/wait.ts"
import { logIn, scrollsSideways } from "../support/web.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)

let browser: Browser
let context: BrowserContext
let page: Page
let agentId = ""
const errors: string[][] = []

interface Event {
  offset: string
  type: string
  payload?: any
}

async function streamEvents(): Promise<Event[]> {
  const { stdout } = await agents.iterate(["events", agentId, "--format", "json"])
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Event)
}

const lastStatus = async () => (await streamEvents()).filter((e) => e.type === "iterate:agent:status:changed").at(-1)?.payload

const status = (on: Page) => on.locator(".agent-head .status").getAttribute("data-status")
const lastReply = (on: Page) => on.locator(".message.assistant").last()
const replyText = (on: Page) => lastReply(on).locator(".text").last().textContent()

async function newContext(options: Parameters<Browser["newContext"]>[0] = {}) {
  const made = await browser.newContext(options)
  errors.push(collectErrors(made))
  return made
}

/** What the raw-events view lists, and how many events it says it left out. */
async function rawOffsets(on: Page): Promise<{ offsets: string[]; hidden: number }> {
  await on.check("text=raw events")
  await on.waitForSelector("ol.raw li[data-offset]")
  const offsets = await on.locator("ol.raw li[data-offset]").evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.offset!))
  const note = (await on.locator("ol.raw li.muted").count()) > 0 ? await on.locator("ol.raw li.muted").textContent() : null
  await on.uncheck("text=raw events")
  return { offsets, hidden: note ? Number.parseInt(note) : 0 }
}

beforeAll(async () => {
  browser = await launchChromium()
  context = await newContext({ viewport: { width: 1000, height: 720 } })
  page = await logIn(context, agents.sandbox)
})
afterAll(async () => {
  await browser?.close()
})

describe("an agent in the browser", { timeout: 90_000 }, () => {
  test("New agent: the directory is completed from the daemon, the first prompt is sent and its reply streams in", async () => {
    const reply = "Hello from the stub, streamed into the page a few characters at a time."
    stub.reply(text(reply, { chunkSize: 4, delayMs: 100 }))
    await page.click("text=New agent")
    const directory = page.locator("input[name=directory]")
    await waitFor("the home folder as the first suggestion", async () => (await directory.inputValue()) === agents.sandbox.dir + "/")
    await page.waitForSelector(`datalist#directories option[value="${agents.project}/"]`, { state: "attached" })
    await directory.fill(agents.project)
    await page.fill("textarea[name=prompt]", "say hello")
    await page.click("text=Create agent")

    await page.waitForURL(/\/agents\/[a-z2-9]{6}$/)
    agentId = page.url().split("/").at(-1)!
    // The reply shows while it streams: some of it is seen before the whole.
    const lengths = new Set<number>()
    await waitFor(
      "the whole reply",
      async () => {
        const shown = (await lastReply(page).textContent().catch(() => "")) ?? ""
        if (shown.includes("Hello")) lengths.add(shown.length)
        return shown.includes(reply)
      },
      // The first turn starts opencode.
      { everyMs: 20, timeoutMs: 80_000 },
    )
    // opencode may send a first turn's deltas in bursts, but a part of the reply showed before all of it.
    expect(lengths.size).toBeGreaterThan(1)
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")
    expect(await page.locator(".message.user").first().textContent()).toBe("say hello")
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toEqual([
      expect.objectContaining({ id: agentId, directory: agents.project, harness: "opencode" }),
    ])
  })

  test("a tool call is a card with its input and output, the file it wrote a diff; Enter sends, Shift+Enter is a new line", async () => {
    const file = join(agents.project, "notes.txt")
    stub.reply(toolCall("write", { filePath: file, content: "first line\nsecond line\n" }), text("I wrote notes.txt."))
    const composer = page.locator(".composer textarea")
    await composer.click()
    await page.keyboard.type("write notes")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("please")
    expect(await composer.inputValue()).toBe("write notes\nplease")
    expect(await page.locator(".message.user").count()).toBe(1)
    await page.keyboard.press("Enter")

    const card = page.locator(".card.tool[data-status=completed]", { hasText: "write" })
    await card.waitFor()
    expect(await card.locator(".tool-title").textContent()).toContain("notes.txt")
    await card.locator("summary", { hasText: "Input" }).click()
    expect(await card.locator("pre").first().textContent()).toContain('"content": "first line\\nsecond line\\n"')
    const diff = page.locator(".card.diff", { hasText: "notes.txt" })
    await diff.waitFor()
    expect(await diff.locator("summary").textContent()).toMatch(/\+2\s*−0/)
    expect(await diff.locator("pre .add").allTextContents()).toEqual(expect.arrayContaining(["+first line", "+second line"]))
    await page.getByText("I wrote notes.txt.").waitFor()
    expect(await composer.inputValue()).toBe("")
    expect(await page.locator(".message.user").nth(1).textContent()).toBe("write notes\nplease")
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")

    // The README's screenshot of the agent page.
    mkdirSync(join(ROOT, "docs"), { recursive: true })
    await page.screenshot({ path: join(ROOT, "docs", "agent-page.png") })
  })

  test("Esc aborts a slow turn: the reply stops, the turn is marked aborted", async () => {
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    await page.fill(".composer textarea", "talk for a long time")
    await page.keyboard.press("Enter")
    await lastReply(page).getByText("word word").waitFor()
    expect(await status(page)).toBe("busy")
    await page.keyboard.press("Escape")
    await waitFor("the turn to end", async () => (await status(page)) === "idle")
    await lastReply(page).locator(".badge", { hasText: "aborted" }).waitFor()
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
    expect((await lastReply(page).textContent())!.length).toBeLessThan(2000)
  })

  test("a prompt sent from the CLI shows up live on the open page, and its end is a browser notification", async () => {
    // A second browser that allowed notifications; the init script records what the page shows.
    const notifying = await newContext({ permissions: ["notifications"] })
    await notifying.addInitScript(() => {
      const shown: string[] = ((window as unknown as { shown: string[] }).shown = [])
      const Real = window.Notification
      window.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options)
          shown.push(title)
        }
      } as typeof Notification
    })
    const watcher = await logIn(notifying, agents.sandbox, ["--agent", agentId])
    await watcher.locator(".agent-head .status[data-status=idle]").waitFor()

    stub.reply(text("An answer for the terminal."))
    await agents.iterate(["prompt", agentId, "asked from the terminal"])
    for (const on of [page, watcher]) {
      await on.locator(".message.user", { hasText: "asked from the terminal" }).waitFor()
      await lastReply(on).getByText("An answer for the terminal.").waitFor()
    }
    await waitFor("the notification", async () => (await watcher.evaluate(() => (window as unknown as { shown: string[] }).shown)).length > 0)
    expect(await watcher.evaluate(() => (window as unknown as { shown: string[] }).shown)).toEqual(["project finished its turn"])
    await notifying.close()
  })

  test("a permission request shows with Allow once / Always / Deny, and the answer goes onto the agent's stream", async () => {
    const appended = await agents.sandbox.api(`/v1/streams/${encodeURIComponent(`agents/${agentId}`)}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { type: "iterate:agent:permission:requested", payload: { id: "perm_page1", tool: "bash", kind: "command", summary: "run `ls -la`", request: {} } },
      ]),
    })
    expect(appended.status).toBe(201)
    const pending = page.locator(".pending [data-permission=perm_page1]")
    await pending.waitFor()
    expect(await pending.locator("button").allTextContents()).toEqual(["Allow once", "Always", "Deny"])
    expect(await pending.textContent()).toContain("run `ls -la`")
    await pending.locator("button", { hasText: "Always" }).click()
    await page.locator(".pending").waitFor({ state: "detached" })
    await page.locator(".message [data-permission=perm_page1]", { hasText: "always allowed" }).waitFor()
    const replies = (await streamEvents()).filter((e) => e.type === "iterate:agent:action:permission-reply:called")
    expect(replies.map((e) => e.payload)).toEqual([{ id: "perm_page1", decision: "always" }])
  })

  test("the network drops in the middle of a turn: back online and after a reload, every event is there once", async () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ")
    stub.reply(text(words, { chunkSize: 6, delayMs: 50 }))
    const { stdout } = await agents.iterate(["prompt", agentId, "--no-wait", "stream while I go offline"])
    const prompt = stdout.trim()
    await lastReply(page).getByText("w1 w2").waitFor()

    await context.setOffline(true)
    await page.locator(".badge", { hasText: "reconnecting" }).waitFor()
    await waitFor("the turn to end while the page is offline", async () => {
      const last = await lastStatus()
      return last?.status === "idle" && last.prompt === prompt
    })
    await context.setOffline(false)
    await lastReply(page).getByText(words).waitFor()
    await waitFor("the page to show the agent idle", async () => (await status(page)) === "idle")

    const check = async () => {
      const offsets = (await streamEvents()).map((e) => e.offset)
      const shown = await rawOffsets(page)
      expect(shown.offsets.length + shown.hidden).toBe(offsets.length)
      expect(shown.offsets).toEqual(offsets.slice(-shown.offsets.length))
      expect(await replyText(page)).toBe(words)
    }
    await check()
    await page.reload()
    await lastReply(page).getByText(words).waitFor()
    await check()
  })

  test("on a phone-sized screen: iterate web --agent opens the page, nothing scrolls sideways, the composer is in view", async () => {
    const phone = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const small = await logIn(phone, agents.sandbox, ["--agent", agentId])
    expect(new URL(small.url()).pathname).toBe(`/agents/${agentId}`)
    await lastReply(small).getByText("w58 w59").waitFor()
    expect(await scrollsSideways(small)).toBe(false)
    const box = (await small.locator(".composer textarea").boundingBox())!
    expect(box.y).toBeGreaterThan(0)
    expect(box.y + box.height).toBeLessThanOrEqual(844)
    await small.keyboard.press("/")
    expect(await small.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA")
    await phone.close()
  })

  test("eight agents busy at once: the agents page, on one connection, shows each of them busy and then idle", async () => {
    const names = Array.from({ length: 8 }, (_, i) => `busy-${i + 1}`)
    const ids: string[] = []
    for (const name of names) ids.push((await agents.iterate(["agents", "new", "--dir", agents.project, "--name", name])).stdout.trim())
    const list = await context.newPage()
    const feeds: string[] = []
    list.on("request", (request) => {
      if (new URL(request.url()).pathname.startsWith("/v1/")) feeds.push(new URL(request.url()).pathname)
    })
    await list.goto(new URL("/", page.url()).href)
    for (const id of ids) await list.locator(`.agent-row[data-agent="${id}"][data-status=idle]`).waitFor()

    for (const _ of names) stub.reply(text("busy ".repeat(30), { chunkSize: 5, delayMs: 60 }))
    const seen = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]))
    const prompts = Promise.all(names.map((name) => agents.iterate(["prompt", name, "--no-wait", "keep busy"])))
    await waitFor(
      "every agent to have been busy and to be idle again",
      async () => {
        const rows = await list.locator(".agent-row").evaluateAll((items) => items.map((r) => [(r as HTMLElement).dataset.agent!, (r as HTMLElement).dataset.status!]))
        const now = new Map(rows as Array<[string, string]>)
        for (const id of ids) seen.get(id)!.add(now.get(id)!)
        return ids.every((id) => seen.get(id)!.has("busy") && now.get(id) === "idle")
      },
      { everyMs: 25, timeoutMs: 60_000 },
    )
    await prompts
    expect(feeds.filter((path) => path === "/v1/watch/agents")).toHaveLength(1)
    expect(feeds.filter((path) => path.startsWith("/v1/stream/"))).toEqual([])
    await list.close()
  })

  test("no page logged a console error", () => {
    expect(errors.flat()).toEqual([])
  })
})
