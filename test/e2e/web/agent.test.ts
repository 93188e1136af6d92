// Agents in the web UI, end to end: real headless Chromium on the compiled binary's daemon, the
// real opencode behind it (asking for permission the way iterate makes it), the LLM stub as the
// model. The tests share one daemon, one warm opencode and one agent, and run in order.
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Browser, BrowserContext, Page, Route } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { collectErrors, launchChromium } from "../../support/browser.ts"
import { text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { ROOT } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { logIn, scrollsSideways } from "../../support/web.ts"

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

const writes = (name: string) => toolCall("write", { filePath: join(agents.project, name), content: `${name}\n` })
const runs = (command: string) => toolCall("bash", { command, description: "Run it" })
const replies = async () => (await streamEvents()).filter((e) => e.type === "iterate:agent:action:permission-reply:called").map((e) => e.payload)
const agentJson = async () => (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Array<{ id: string }>).find((a) => a.id === agentId) as any

const lastStatus = async () => (await streamEvents()).filter((e) => e.type === "iterate:agent:status:changed").at(-1)?.payload

const status = (on: Page) => on.locator(".agent-head .status").getAttribute("data-status")
const lastReply = (on: Page) => on.locator(".message.assistant").last()
const replyText = (on: Page) => lastReply(on).locator(".text").last().textContent()
const pendingCard = (on: Page) => on.locator(".pending .permission[data-decision=pending]")
/** What became of the request whose summary is `summary`, as the transcript shows it. */
const outcome = (on: Page, summary: string) => on.locator(".message .permission", { hasText: summary }).locator(".outcome")

/** Sends `prompt` from the page's composer. */
async function send(on: Page, prompt: string) {
  await on.fill(".composer textarea", prompt)
  await on.keyboard.press("Enter")
  await on.locator(".message.user", { hasText: prompt }).waitFor()
}

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
    // Slow enough (about 4 s) that a page on a loaded machine still sees it in pieces.
    stub.reply(text(reply, { chunkSize: 4, delayMs: 250 }))
    await page.click("text=New agent")
    const directory = page.locator("input[name=directory]")
    await waitFor("the home folder as the first suggestion", async () => (await directory.inputValue()) === agents.sandbox.dir + "/")
    await page.waitForSelector(`datalist#directories option[value="${agents.project}/"]`, { state: "attached" })
    await directory.fill(agents.project)
    // ask is the default; allow-edits lets the next test's file edit through without asking.
    expect(await page.locator("select[name=permissions]").inputValue()).toBe("ask")
    await page.selectOption("select[name=permissions]", "allow-edits")
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
      expect.objectContaining({ id: agentId, directory: agents.project, harness: "opencode", permissions: "allow-edits" }),
    ])
    expect(await page.locator(".agent-head select[name=permissions]").inputValue()).toBe("allow-edits")
  })

  test("a tool call is a card with its input and output, the file it wrote a diff, its permission answered by the policy; Enter sends, Shift+Enter is a new line", async () => {
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
    expect(await outcome(page, "edit notes.txt").textContent()).toBe("allowed by the agent's policy")
    expect(await page.locator(".pending").count()).toBe(0)
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

  test("a prompt sent from the CLI shows up live on the open page; its asking for permission and its end are browser notifications", async () => {
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
    const shown = () => watcher.evaluate(() => (window as unknown as { shown: string[] }).shown)

    // allow-edits asks before a command: the person at the watching page answers it.
    stub.reply(runs("echo asked > terminal.txt"), text("An answer for the terminal."))
    await agents.iterate(["prompt", agentId, "--no-wait", "asked from the terminal"])
    await waitFor("the first notification", async () => (await shown()).length > 0, { timeoutMs: 60_000 })
    expect(await shown()).toEqual(["project asks for permission"])
    for (const on of [page, watcher]) {
      await on.locator(".message.user", { hasText: "asked from the terminal" }).waitFor()
      await on.locator(".agent-head .status[data-status=waiting]").waitFor()
      expect(await pendingCard(on).locator(".tool-title").textContent()).toBe("run `echo asked > terminal.txt`")
    }
    await pendingCard(watcher).locator("button", { hasText: "Allow once" }).click()
    for (const on of [page, watcher]) await lastReply(on).getByText("An answer for the terminal.").waitFor()
    expect(readFileSync(join(agents.project, "terminal.txt"), "utf8")).toBe("asked\n")
    await waitFor("the second notification", async () => (await shown()).length > 1)
    expect(await shown()).toEqual(["project asks for permission", "project finished its turn"])
    await notifying.close()
  })

  test("a permission request is answered from the page: the policy, Allow once, Deny with a message, Always, answered elsewhere, withdrawn", { timeout: 240_000 }, async () => {
    // The policy changes on the page; the agents page shows who waits.
    await page.selectOption(".agent-head select[name=permissions]", "ask")
    await waitFor("the policy to be ask", async () => (await agentJson()).permissions === "ask")
    const list = await context.newPage()
    await list.goto(new URL("/", page.url()).href)
    const row = list.locator(`.agent-row[data-agent="${agentId}"]`)

    // Allow once: the file is written.
    stub.reply(writes("allowed.txt"), text("Wrote allowed.txt."))
    await send(page, "write allowed.txt")
    await pendingCard(page).waitFor({ timeout: 60_000 })
    expect(await pendingCard(page).locator("button").allTextContents()).toEqual(["Allow once", "Always", "Deny"])
    expect(await pendingCard(page).locator(".tool-title").textContent()).toBe("edit allowed.txt")
    expect(await status(page)).toBe("waiting")
    await row.locator(".status[data-status=waiting]", { hasText: "waiting for permission" }).waitFor()
    expect(existsSync(join(agents.project, "allowed.txt"))).toBe(false)
    await pendingCard(page).locator("button", { hasText: "Allow once" }).click()
    await page.getByText("Wrote allowed.txt.").waitFor()
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")
    await row.locator(".status[data-status=idle]").waitFor()
    expect(readFileSync(join(agents.project, "allowed.txt"), "utf8")).toBe("allowed.txt\n")
    expect(await page.locator(".pending").count()).toBe(0)
    expect(await outcome(page, "edit allowed.txt").textContent()).toBe("allowed once")
    // The request, the tool card and its diff are parts of one message.
    const allowed = page.locator(".message.assistant", { has: page.locator(".permission", { hasText: "edit allowed.txt" }) })
    await allowed.locator(".card.tool[data-status=completed]", { hasText: "write" }).waitFor()
    await allowed.locator(".card.diff", { hasText: "allowed.txt" }).waitFor()
    const request = (await streamEvents()).filter((e) => e.type === "iterate:agent:permission:requested").at(-1)!
    expect((await replies()).at(-1)).toEqual({ id: request.payload.id, decision: "allow" })

    // The README's screenshot of the agent page: a tool card, its diff and the answered request.
    mkdirSync(join(ROOT, "docs"), { recursive: true })
    await page.screenshot({ path: join(ROOT, "docs", "agent-page.png") })

    // Deny with a message: nothing is written, the model is told why, the turn ends cleanly.
    stub.reply(writes("denied.txt"), text("I left denied.txt alone."))
    await send(page, "write denied.txt")
    await pendingCard(page).waitFor({ timeout: 60_000 })
    await pendingCard(page).locator("input[name=message]").fill("not that file")
    await pendingCard(page).locator("button", { hasText: "Deny" }).click()
    await outcome(page, "edit denied.txt").getByText("denied: not that file").waitFor()
    await waitFor("the turn to end", async () => (await lastStatus())?.status === "idle")
    await waitFor("the page to show the agent idle", async () => (await status(page)) === "idle")
    expect(existsSync(join(agents.project, "denied.txt"))).toBe(false)
    expect((await replies()).at(-1)).toMatchObject({ decision: "deny", message: "not that file" })
    expect(JSON.stringify(stub.turns.at(-1)!.body.messages)).toContain("not that file")
    expect(await page.locator(".transcript .card.error").count()).toBe(0)

    // Always: the next identical tool call is allowed without asking.
    stub.reply(writes("always.txt"), text("Wrote always.txt."))
    await send(page, "write always.txt")
    await pendingCard(page).waitFor({ timeout: 60_000 })
    await pendingCard(page).locator("button", { hasText: "Always" }).click()
    await page.getByText("Wrote always.txt.").waitFor()
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")
    await page.locator(".agent-head .allowed-tools", { hasText: "always allowed: edit" }).waitFor()
    expect(await agentJson()).toMatchObject({ permissions: "ask", allowedTools: ["edit"] })
    stub.reply(writes("always-again.txt"), text("Wrote always-again.txt."))
    await send(page, "write always-again.txt")
    await page.getByText("Wrote always-again.txt.").waitFor()
    expect(await outcome(page, "edit always-again.txt").textContent()).toBe("allowed by the agent's policy")
    expect(readFileSync(join(agents.project, "always-again.txt"), "utf8")).toBe("always-again.txt\n")
    expect((await replies()).slice(-2)).toEqual([
      { id: expect.stringMatching(/^perm_/), decision: "always" },
      { id: expect.stringMatching(/^perm_/), decision: "allow", by: "policy" },
    ])
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")

    // Answered elsewhere first: a second tab that lost the stream still offers the buttons; the
    // daemon refuses its late answer (409), which the tab shows as answered elsewhere, not as an error.
    const second = await browser.newContext({ viewport: { width: 1000, height: 720 } })
    const secondErrors = collectErrors(second)
    const late = await logIn(second, agents.sandbox, ["--agent", agentId])
    await late.locator(".agent-head .status[data-status=idle]").waitFor()
    stub.reply(runs("echo elsewhere > elsewhere.txt"))
    await send(page, "run it")
    await pendingCard(late).waitFor({ timeout: 60_000 })
    const id = (await pendingCard(late).getAttribute("data-permission"))!
    // Its connection drops, and its next read of the stream is held until the answer is given.
    const held: Route[] = []
    await second.route("**/v1/stream/**", (route) => void held.push(route))
    await second.setOffline(true)
    await late.locator(".badge", { hasText: "reconnecting" }).waitFor()
    await second.setOffline(false)
    await waitFor("the held read", () => held.length > 0)
    await agents.iterate(["permit", agentId, id, "--deny"])
    await outcome(page, "elsewhere.txt").getByText("denied").waitFor()
    await pendingCard(late).locator("button", { hasText: "Allow once" }).click()
    await late.locator(`.pending [data-permission=${id}] .answered-elsewhere`, { hasText: "answered elsewhere already" }).waitFor()
    expect(await late.locator(".pending .error, .error.pad").count()).toBe(0)
    for (const route of held) await route.continue()
    await second.unroute("**/v1/stream/**")
    await outcome(late, "elsewhere.txt").getByText("denied").waitFor()
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")
    expect(existsSync(join(agents.project, "elsewhere.txt"))).toBe(false)
    // The browser's own note of the refused request is all that tab logged.
    expect(secondErrors).toEqual([`${late.url()}: Failed to load resource: the server responded with a status of 409 (Conflict)`])
    await second.close()

    // Withdrawn: an abort ends the turn that asked, and nobody needs to answer any more.
    stub.reply(runs("echo withdrawn > withdrawn.txt"))
    await send(page, "run another")
    await pendingCard(page).waitFor({ timeout: 60_000 })
    await page.locator(".composer button", { hasText: "Abort" }).click()
    await page.locator(".message .permission[data-decision=withdrawn]", { hasText: "withdrawn.txt" }).getByText(/^withdrawn: /).waitFor()
    await waitFor("the agent to be idle", async () => (await status(page)) === "idle")
    expect(await page.locator(".pending").count()).toBe(0)
    await row.locator(".status[data-status=idle]").waitFor()
    await list.close()
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
