import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { launchChromium } from "../../support/browser.ts"
import { Sandbox, type DaemonRecord } from "../../support/sandbox.ts"
import { logIn } from "../../support/web.ts"
import { isAlive, waitFor } from "../../support/wait.ts"
import { ATTACK_PAGE, ATTEMPTS, type Attempt } from "./attack-page.ts"

// A web page the user happens to open tries to use the local daemon: real headless Chromium, a
// real daemon from the compiled binary, and the hostile page served from another loopback origin,
// in a browser that is logged into the daemon's web UI (its session cookie is there to be abused).
// Chromium's own rules (CORS, CORP, opaque responses) apply exactly as they would for a user.
// All traffic stays on 127.0.0.1: rebind.test and *.localhost resolve to it inside Chromium.

const REBIND = "rebind.test"

let browser: Browser
let context: BrowserContext
let attacker: ReturnType<typeof Bun.serve>
/** the hostile page's origin, a loopback port that is not the daemon's */
let attackerOrigin: string

beforeAll(async () => {
  attacker = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const html = (body: string) => new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } })
      const { pathname } = new URL(request.url)
      if (pathname === "/") return html(ATTACK_PAGE)
      if (pathname === "/plain") return html("<!doctype html><title>plain</title>") // a page on this origin that does nothing by itself
      return new Response("not found", { status: 404 })
    },
  })
  attackerOrigin = `http://127.0.0.1:${attacker.port}`
  // DNS rebinding without DNS: the attacker's name answers with the loopback address.
  browser = await launchChromium([`--host-resolver-rules=MAP ${REBIND} 127.0.0.1`])
  context = await browser.newContext()
})

afterAll(async () => {
  await browser?.close()
  await attacker?.stop(true)
})

/** A request Chromium sent to the daemon and how it ended, from the DevTools protocol. */
interface Exchange {
  method: string
  path: string
  /** the status the daemon answered with, even when Chromium hid the response from the page */
  status?: number
  /** the Origin header it carried, if any */
  origin?: string
  /** why Chromium gave up on it, e.g. PreflightMissingAllowOriginHeader: the request itself never left */
  failure?: string
}

/**
 * Records every request the page (and its same-process frames) sends to `port`: the status the
 * daemon answered with, including preflights and responses that Chromium then hid from the page.
 */
async function watchNetwork(page: Page, port: number) {
  const cdp = await context.newCDPSession(page)
  await cdp.send("Network.enable")
  const sent = new Map<string, { method: string; url: URL }>()
  const statuses = new Map<string, number>()
  const failures = new Map<string, string>()
  const origins = new Map<string, string>()
  const originOf = (headers: Record<string, string>) => Object.entries(headers).find(([name]) => name.toLowerCase() === "origin")?.[1]
  cdp.on("Network.requestWillBeSent", (e) => sent.set(e.requestId, { method: e.request.method, url: new URL(e.request.url) }))
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    const origin = originOf(e.headers)
    if (origin) origins.set(e.requestId, origin)
  })
  cdp.on("Network.responseReceivedExtraInfo", (e) => statuses.set(e.requestId, e.statusCode))
  cdp.on("Network.responseReceived", (e) => statuses.set(e.requestId, e.response.status))
  cdp.on("Network.loadingFailed", (e) => failures.set(e.requestId, e.corsErrorStatus?.corsError ?? e.errorText))
  // WebSocket handshakes have events of their own; a refused one only tells its status in the
  // error message ("Unexpected response code: 403", or Chromium's own words for a 401).
  cdp.on("Network.webSocketCreated", (e) => sent.set(e.requestId, { method: "GET", url: new URL(e.url) }))
  cdp.on("Network.webSocketWillSendHandshakeRequest", (e) => {
    const origin = originOf(e.request.headers)
    if (origin) origins.set(e.requestId, origin)
  })
  cdp.on("Network.webSocketHandshakeResponseReceived", (e) => statuses.set(e.requestId, e.response.status))
  cdp.on("Network.webSocketFrameError", (e) => {
    const code = e.errorMessage.match(/Unexpected response code: (\d+)/)?.[1]
    if (code) statuses.set(e.requestId, Number(code))
    else if (e.errorMessage.startsWith("HTTP Authentication failed")) statuses.set(e.requestId, 401)
    else failures.set(e.requestId, e.errorMessage)
  })
  return (): Exchange[] =>
    [...sent]
      .filter(([, { url }]) => url.port === String(port))
      .map(([id, { method, url }]) => ({
        method,
        path: url.pathname + url.search,
        status: statuses.get(id),
        origin: origins.get(id),
        failure: failures.get(id),
      }))
}

/** Loads the hostile page from `pageOrigin`, lets it attack `target`, and returns what it saw and what went over the wire. */
async function attack(pageOrigin: string, target: string) {
  const page = await context.newPage()
  try {
    const exchanges = await watchNetwork(page, Number(new URL(target).port))
    await page.goto(`${pageOrigin}/?target=${encodeURIComponent(target)}`)
    await page.waitForFunction(() => window.done === true)
    const results = await page.evaluate(() => window.results)
    expect(results).toHaveLength(ATTEMPTS)
    // Wait until every request the page made shows up, settled, in the DevTools events (they can
    // trail the page's own promises a little). The sandboxed frame runs in a process of its own,
    // which this session does not see; the daemon's state afterwards covers it.
    const leftThePage = results.filter((r) => !r.body?.includes("unsupported in no-cors mode") && !r.name.startsWith("null origin"))
    const settled = (x: Exchange) => x.status !== undefined || x.failure !== undefined
    const seen = await waitFor(
      "every request of the page to show up settled",
      (): Exchange[] | undefined => {
        const seen = exchanges()
        const unclaimed = seen.map((x) => `${x.method} ${x.path}`)
        for (const { request } of leftThePage) {
          const index = unclaimed.indexOf(request)
          if (index < 0) return undefined
          unclaimed.splice(index, 1)
        }
        return seen.every(settled) ? seen : undefined
      },
      { timeoutMs: 10_000 },
    )
    // A request without a status is one whose preflight the daemon refused: it was never sent.
    for (const x of seen.filter((x) => x.status === undefined)) expect(x.failure, `${x.method} ${x.path}`).toMatch(/^Preflight/)
    return { results, exchanges: seen.filter((x) => x.status !== undefined) }
  } finally {
    await page.close()
  }
}

/** What a page may learn from a refused attempt: that it failed, and nothing else. */
function expectNothingReadable(result: Attempt) {
  const where = `${result.name} (${result.request})`
  switch (result.outcome) {
    case "rejected":
      expect(result.body, where).toMatch(/^TypeError: /)
      break
    case "response":
      // Only no-cors can get here: an opaque response with no status and no body.
      expect({ type: result.type, status: result.status, body: result.body }, where).toEqual({ type: "opaque", status: 0, body: "" })
      break
    case "error":
      break // an <img>, <script>, EventSource or WebSocket that failed
    case "queued":
      break // a beacon: the page never learns how it went
    case "load":
      // The form's frame loaded something the page cannot look into.
      expect(result.body, where).toBeNull()
      expect(result.request, where).toMatch(/^POST /)
      break
    default:
      expect.fail(`${where}: the page got ${result.outcome}: ${result.body}`)
  }
}

/** Logs the shared browser into the daemon's web UI, so its session cookie is there during the attacks. */
async function logInBrowser(sandbox: Sandbox, record: DaemonRecord) {
  const page = await logIn(context, sandbox)
  await page.close()
  // Cookies are not kept apart by port: the other describe's daemon's cookie may be there too.
  expect((await context.cookies(record.url)).map((c) => c.name)).toContain(`iterate_session_${record.port}`)
}

/** The daemon's own page still reads with the session: the attacks neither used nor ended it. */
async function sessionStillWorks(record: DaemonRecord) {
  const page = await context.newPage()
  try {
    await page.goto(record.url + "/streams")
    expect(await page.evaluate(async () => (await fetch("/v1/agents")).status)).toBe(200)
  } finally {
    await page.close()
  }
}

async function streamsOf(sandbox: Sandbox) {
  const response = await sandbox.api("/v1/streams")
  expect(response.status).toBe(200)
  return ((await response.json()) as { streams: unknown[] }).streams
}

describe("a hostile page against the local daemon", () => {
  let sandbox: Sandbox
  let record: DaemonRecord
  let before: unknown[]

  beforeAll(async () => {
    sandbox = new Sandbox()
    const start = await sandbox.run(["server", "start"])
    expect(start.code, start.stderr).toBe(0)
    record = sandbox.record()!
    // Something worth stealing or spoiling: a JSON stream with an event, a text stream with a line.
    const put = (name: string, contentType: string) =>
      sandbox.api(`/v1/stream/${name}`, { method: "PUT", headers: { "content-type": contentType } })
    expect((await put("x", "application/json")).status).toBe(201)
    expect((await put("notes", "text/plain")).status).toBe(201)
    const event = await sandbox.api("/v1/streams/x/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ type: "secret:kept", payload: "the-secret-payload" }]),
    })
    expect(event.status).toBe(201)
    const line = await sandbox.api("/v1/stream/notes", { method: "POST", headers: { "content-type": "text/plain" }, body: "the-secret-note" })
    expect(line.status).toBe(204)
    before = await streamsOf(sandbox)
    await logInBrowser(sandbox, record)
  })
  afterAll(() => sandbox.close())

  test("from another origin: every read and write is refused and the page learns nothing", async () => {
    const { results, exchanges } = await attack(attackerOrigin, record.url)
    for (const result of results) expectNothingReadable(result)
    // Even the requests a browser sends without asking (forms, beacons, images, no-cors) got no
    // further than the door: 403 for each, both those that carried the page's Origin (every write,
    // preflight, EventSource and WebSocket) and the GETs that carry none but are marked Sec-Fetch-Site.
    for (const x of exchanges) expect(x.status, `${x.method} ${x.path} from ${x.origin}`).toBe(403)
    for (const x of exchanges.filter((x) => x.method !== "GET")) expect(x.origin, `${x.method} ${x.path}`).toBe(attackerOrigin)
    expect(exchanges.filter((x) => x.origin === undefined).length).toBeGreaterThan(0)
    expect(exchanges.filter((x) => x.method === "OPTIONS").length).toBeGreaterThan(0)
    expect(JSON.stringify(results)).not.toMatch(/the-secret|openapi|instanceId/)
    await sessionStillWorks(record)
  })

  test("DNS rebinding: a page whose name points at loopback is refused, even same-origin", async () => {
    // The hostile page under a name that resolves to 127.0.0.1, attacking that name on the daemon's port.
    const { results, exchanges } = await attack(`http://${REBIND}:${attacker.port}`, `http://${REBIND}:${record.port}`)
    for (const result of results) expectNothingReadable(result)
    for (const x of exchanges) expect(x.status, `${x.method} ${x.path}`).toBe(421)

    // A document on http://rebind.test:<daemon port> is same-origin with the daemon by name: it may
    // read every response, so the daemon must refuse the Host itself.
    for (const host of [REBIND, "attacker.localhost"]) {
      const page = await context.newPage()
      try {
        for (const path of ["/doc", "/health"]) {
          const response = (await page.goto(`http://${host}:${record.port}${path}`))!
          expect(response.status(), `${host} ${path}`).toBe(421)
          expect(await response.json()).toMatchObject({ error: { code: "host_not_allowed" } })
        }
        const sameOrigin = await page.evaluate(async () => {
          const attempts: Array<[string, RequestInit?]> = [
            ["/health"],
            ["/doc"],
            ["/v1/streams"],
            ["/v1/stream/x?offset=-1"],
            ["/v1/streams", { headers: { authorization: "Bearer guess" } }],
            ["/v1/stream/fresh", { method: "PUT", headers: { "content-type": "application/json" } }],
            ["/v1/stream/notes", { method: "POST", headers: { "content-type": "text/plain" }, body: "attacker wrote this" }],
            ["/v1/streams/x/events", { method: "POST", headers: { "content-type": "application/json" }, body: '[{"type":"attacker:wrote"}]' }],
            ["/v1/stream/x", { method: "DELETE" }],
            ["/v1/daemon/shutdown", { method: "POST" }],
          ]
          return Promise.all(
            attempts.map(async ([path, init]) => {
              const response = await fetch(path, init)
              return { path, status: response.status, body: await response.text() }
            }),
          )
        })
        for (const { path, status, body } of sameOrigin) {
          expect(status, `${host} ${path}`).toBe(421)
          expect(JSON.parse(body), `${host} ${path}`).toMatchObject({ error: { code: "host_not_allowed" } })
        }
      } finally {
        await page.close()
      }
    }
  })

  test("afterwards nothing was created, appended or deleted, and the daemon still runs", async () => {
    expect(await streamsOf(sandbox)).toEqual(before)
    const x = await sandbox.api("/v1/stream/x?offset=-1")
    expect((await x.json()).map((e: { type: string }) => e.type)).toEqual(["secret:kept"])
    expect(await (await sandbox.api("/v1/stream/notes?offset=-1")).text()).toBe("the-secret-note")
    expect(sandbox.record()?.pid).toBe(record.pid)
    expect(isAlive(record.pid)).toBe(true)
    expect((await fetch(record.url + "/health")).status).toBe(200)
  })
})

// The control: the same browser and page against a daemon that allowlists the page's origin. The
// requests now get through CORS, so only the token stands in the way, which shows that the
// refusals above were the daemon's doing and not a broken browser setup.
describe("the same page when the daemon allows its origin with --cors", () => {
  let sandbox: Sandbox
  let record: DaemonRecord

  beforeAll(async () => {
    sandbox = new Sandbox()
    const child = sandbox.spawn(["serve", "--port", "0", "--cors", attackerOrigin])
    record = await waitFor("serve to write its record", () => sandbox.record(), { timeoutMs: 10_000 })
    expect(record.pid).toBe(child.pid)
    await logInBrowser(sandbox, record)
  })
  afterAll(() => sandbox.close())

  test("without the token every attempt is a readable 401 and nothing else", async () => {
    const { results, exchanges } = await attack(attackerOrigin, record.url)
    for (const result of results) {
      const where = `${result.name} (${result.request})`
      if (result.request === "GET /health") {
        expect(result.status, where).toBe(200) // open by design: identity only
        expect(Object.keys(JSON.parse(result.body!)).sort()).toEqual(["healthy", "instanceId", "pid", "version"])
      } else if (result.outcome === "response" && result.type === "cors") {
        expect(result.status, where).toBe(401)
        expect(JSON.parse(result.body!), where).toMatchObject({ error: { code: "unauthorized" } })
      } else if (result.name.startsWith("null origin")) {
        expect(result.outcome, where).toBe("rejected") // "null" is not the allowed origin
      } else expectNothingReadable(result)
    }
    for (const x of exchanges) {
      if (x.method === "OPTIONS") expect(x.status, `${x.method} ${x.path}`).toBe(204)
      else if (x.path === "/health") expect(x.status).toBe(200)
      // The login form refuses every Origin but the daemon's own, allowlisted or not.
      else if (x.path === "/login") expect(x.status).toBe(403)
      // An allowlisted origin gets CORS; what the page sends without an Origin is still another site's.
      else expect(x.status, `${x.method} ${x.path}`).toBe(x.origin === undefined ? 403 : 401)
    }
    expect(await streamsOf(sandbox)).toEqual([])
    // The session cookie went along with the credentialed requests and counted for nothing.
    await sessionStillWorks(record)
  })

  test("with the token the page reads and writes", async () => {
    const page = await context.newPage()
    try {
      await page.goto(`${attackerOrigin}/plain`)
      const seen = await page.evaluate(
        async ({ url, token }) => {
          const auth = { authorization: `Bearer ${token}` }
          const created = await fetch(`${url}/v1/stream/allowed`, { method: "PUT", headers: { ...auth, "content-type": "application/json" } })
          const list = await fetch(`${url}/v1/streams`, { headers: auth })
          const without = await fetch(`${url}/v1/streams`)
          return { created: created.status, list: list.status, body: await list.json(), without: without.status }
        },
        { url: record.url, token: record.token },
      )
      expect(seen).toMatchObject({ created: 201, list: 200, without: 401, body: { streams: [{ name: "allowed" }] } })
    } finally {
      await page.close()
    }
    expect(((await streamsOf(sandbox)) as Array<{ name: string }>).map((s) => s.name)).toEqual(["allowed"])
  })
})
