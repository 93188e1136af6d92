// The web UI in headless Chromium against the compiled binary's daemon on loopback:
//   - gzip size of the page's initial JS + CSS (what a phone downloads first)
//   - first contentful paint of the agents page, cold (a fresh browser context) and warm
//   - an agent with 10,000 events: time until its transcript is drawn, and the longest task
//   - idle CPU of an open agents page and agent page (the browser's main thread, and the daemon)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { BINARY, Home, median, ms, table } from "./_support.ts"

const RUNS = 10
const EVENTS = 10_000
const IDLE_S = 10

const home = new Home()
const project = join(home.dir, "project")
mkdirSync(project)
writeProjectConfig(project, "http://127.0.0.1:9/v1") // never asked: the benchmark sends no prompt
mkdirSync(join(home.dir, "config", "iterate"), { recursive: true })
writeFileSync(join(home.dir, "config", "iterate", "config.json"), JSON.stringify({ harnesses: { opencode: { binary: testOpencodeBinary() } } }))

const run = (args: string[]) => {
  const result = Bun.spawnSync([BINARY, ...args], { env: home.env, cwd: project, stderr: "pipe" })
  if (result.exitCode !== 0) throw new Error(`iterate ${args.join(" ")}: ${result.stderr}`)
  return result.stdout.toString().trim()
}

run(["server", "start"])
const record = home.record()
const api = (path: string, init: RequestInit = {}) =>
  fetch(record.url + path, { ...init, headers: { authorization: `Bearer ${record.token}`, "content-type": "application/json", ...init.headers } })

// Sizes, as served gzipped.
const shell = await (await fetch(record.url + "/")).text()
const initial = [...shell.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
let gzipBytes = 0
let rawBytes = 0
for (const asset of initial) {
  const bytes = new Uint8Array(await (await fetch(record.url + asset)).arrayBuffer())
  rawBytes += bytes.byteLength
  // What the daemon sends a browser that accepts gzip (fetch here would decompress it).
  gzipBytes += Bun.gzipSync(bytes).byteLength
}

// An agent whose stream holds EVENTS events of opencode turns: streamed text, a tool call, statuses.
const agentId = run(["agents", "new", "--dir", project, "--name", "big"])
const stream = encodeURIComponent(`agents/${agentId}`)
const native = (type: string, properties: object) => ({ type: "iterate:agent:harness:opencode:event-received", payload: { type, properties } })
const events: object[] = []
for (let turn = 0; events.length < EVENTS; turn++) {
  const messageID = `msg_${turn}`
  events.push({ type: "iterate:agent:status:changed", payload: { status: "busy" } })
  events.push(native("message.updated", { info: { id: messageID, role: "assistant", providerID: "stub", modelID: "model" } }))
  events.push(native("message.part.updated", { part: { id: `text_${turn}`, messageID, type: "text", text: "" } }))
  for (let i = 0; i < 30; i++) events.push(native("message.part.delta", { partID: `text_${turn}`, field: "text", delta: `word${i} of turn ${turn}, ` }))
  const tool = { id: `tool_${turn}`, messageID, type: "tool", tool: "bash", state: { status: "running", input: { command: `echo ${turn}` } } }
  events.push(native("message.part.updated", { part: tool }))
  events.push(native("message.part.updated", { part: { ...tool, state: { ...tool.state, status: "completed", output: `${turn}\n` } } }))
  events.push({ type: "iterate:agent:status:changed", payload: { status: "idle" } })
}
events.length = EVENTS
for (let i = 0; i < events.length; i += 1000) {
  const response = await api(`/v1/streams/${stream}/events`, { method: "POST", body: JSON.stringify(events.slice(i, i + 1000)) })
  if (response.status !== 201) throw new Error(`append failed: ${response.status} ${await response.text()}`)
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
})
const loginLink = () => run(["web", "--no-open"])

async function loggedInContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } })
  await context.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] }
    w.longTasks = []
    new PerformanceObserver((list) => w.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask", buffered: true })
  })
  const page = await context.newPage()
  await page.goto(loginLink())
  await page.waitForSelector("h1:text('Agents')")
  await page.close()
  return context
}

const fcp = (page: Page) =>
  page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime).then((h) => h.jsonValue() as Promise<number>)

const cold: number[] = []
const warm: number[] = []
for (let i = 0; i < RUNS; i++) {
  const context = await loggedInContext()
  // The login visit fetched the assets already; clear the cache for a first visit's numbers.
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send("Network.clearBrowserCache")
  await page.goto(record.url + "/")
  cold.push(await fcp(page))
  await page.goto(record.url + "/")
  warm.push(await fcp(page))
  await context.close()
}

// The agent with 10,000 events, opened in a fresh context (nothing cached in sessionStorage).
const renders: number[] = []
const longest: number[] = []
for (let i = 0; i < 5; i++) {
  const context = await loggedInContext()
  const page = await context.newPage()
  await page.goto(`${record.url}/agents/${agentId}`)
  const drawn = await page.waitForFunction(
    (last) => {
      const done = document.querySelector(`.card.tool .tool-title`)?.closest("main")?.textContent?.includes(last) && !document.querySelector("main.transcript > .muted")
      return done && performance.now()
    },
    `echo ${Math.floor(EVENTS / 36) - 1}`,
    { polling: "raf", timeout: 60_000 },
  )
  renders.push((await drawn.jsonValue()) as number)
  longest.push(await page.evaluate(() => Math.max(0, ...(window as unknown as { longTasks: number[] }).longTasks)))
  await context.close()
}

// Idle: both pages open, nothing happening; the browser's main-thread task time and the daemon's CPU.
const context = await loggedInContext()
const list = await context.newPage()
await list.goto(record.url + "/")
const agentPage = await context.newPage()
await agentPage.goto(`${record.url}/agents/${agentId}`)
await agentPage.waitForSelector(".card.tool")
await Bun.sleep(2000)
const taskTime = async (page: Page) => {
  const cdp = await context.newCDPSession(page)
  await cdp.send("Performance.enable")
  return async () => ((await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")?.value ?? 0) * 1000
}
const daemonCpuMs = () => {
  const fields = readFileSync(`/proc/${record.pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime, in clock ticks of 10 ms
}
const listTasks = await taskTime(list)
const agentTasks = await taskTime(agentPage)
const before = { list: await listTasks(), agent: await agentTasks(), daemon: daemonCpuMs() }
await Bun.sleep(IDLE_S * 1000)
const idle = {
  list: ((await listTasks()) - before.list) / (IDLE_S * 10),
  agent: ((await agentTasks()) - before.agent) / (IDLE_S * 10),
  daemon: (daemonCpuMs() - before.daemon) / (IDLE_S * 10),
}
await context.close()
await browser.close()
run(["server", "stop"])
home.close()

const pct = (value: number) => `${value.toFixed(2)} %`
console.log(`\n## web UI (median of ${RUNS} page loads; ${EVENTS} events: median of 5)\n`)
console.log(
  table(
    ["measure", "value", "goal"],
    [
      ["initial JS + CSS, gzip", `${(gzipBytes / 1024).toFixed(1)} KB (${(rawBytes / 1024).toFixed(1)} KB raw)`, "≤ 60 KB"],
      ["first contentful paint, agents page, cold cache", ms(median(cold)), "≤ 300 ms"],
      ["first contentful paint, agents page, warm cache", ms(median(warm)), ""],
      [`agent with ${EVENTS} events drawn`, ms(median(renders)), "≤ 1000 ms"],
      ["  longest task while drawing it", ms(median(longest)), "≤ 200 ms"],
      ["idle CPU, agents page (main thread)", pct(idle.list), ""],
      ["idle CPU, agent page (main thread)", pct(idle.agent), ""],
      ["idle CPU, daemon with both open", pct(idle.daemon), ""],
    ],
  ),
)
