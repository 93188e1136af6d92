// The web UI of a local daemon in real headless Chromium: how it is served, the one-time login
// link from `iterate web`, the session cookie, logout and revocation, the streams pages, and a
// phone-sized screen. No harness is needed here (test/web/agent.test.ts drives agents).
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Browser, BrowserContext, Response as PageResponse } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { collectErrors, launchChromium } from "../../support/browser.ts"
import { type DaemonRecord, ROOT, Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { logIn, loginLink, scrollsSideways } from "../../support/web.ts"

let browser: Browser
let sandbox: Sandbox
let record: DaemonRecord
const errors: string[][] = []

beforeAll(async () => {
  sandbox = new Sandbox()
  const start = await sandbox.run(["server", "start"])
  expect(start.code, start.stderr).toBe(0)
  record = sandbox.record()!
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await sandbox?.run(["server", "stop"])
  sandbox?.close()
})

async function newContext(options: Parameters<Browser["newContext"]>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  errors.push(collectErrors(context))
  return context
}

describe("serving the page", () => {
  test("every page URL answers with the shell: no-cache, a CSP of the daemon's own origin, no framing", async () => {
    for (const path of ["/", "/agents", "/agents/k3x9qa", "/streams", "/streams/agents/k3x9qa", "/login"]) {
      const response = await fetch(record.url + path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/)
      expect(response.headers.get("cache-control")).toBe("no-cache")
      const csp = response.headers.get("content-security-policy")!
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("connect-src 'self'")
      expect(csp).toContain("img-src 'self' data:")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
      const html = await response.text()
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/) // no inline script
      expect(html).not.toContain(record.token)
    }
  })

  test("hashed assets are immutable and gzipped; a missing one is a 404, not the shell", async () => {
    const html = await (await fetch(record.url + "/")).text()
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!)
    expect(assets.filter((a) => a.endsWith(".js")).length).toBe(1)
    expect(assets.filter((a) => a.endsWith(".css")).length).toBe(1)
    for (const asset of assets) {
      expect(asset).toMatch(/^\/[\w-]+-[a-z0-9]{8}\.(js|css|svg)$/)
      const response = await fetch(record.url + asset, { headers: { "accept-encoding": "gzip" } })
      expect(response.status, asset).toBe(200)
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
      expect(response.headers.get("content-encoding")).toBe("gzip")
      const etag = response.headers.get("etag")!
      expect((await fetch(record.url + asset, { headers: { "if-none-match": etag } })).status).toBe(304)
    }
    for (const missing of ["/chunk-00000000.js", "/chunk-00000000.css", "/favicon.ico"]) {
      const response = await fetch(record.url + missing)
      expect(response.status, missing).toBe(404)
      expect(await response.json()).toMatchObject({ error: { code: "not_found" } })
    }
  })

  test("the API still needs credentials, and never asks a browser for Basic auth", async () => {
    const response = await fetch(record.url + "/v1/agents")
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="iterate"')
  })
})

describe("logging in with iterate web", () => {
  test("the link logs in once and leaves the address bar; the cookie is HttpOnly and SameSite=Strict; the token is nowhere", async () => {
    const context = await newContext()
    const bodies: Promise<string>[] = []
    context.on("response", (response: PageResponse) => {
      // Live reads never end; what they carry is checked through the page's DOM and storage instead.
      const live = response.headers()["content-type"]?.startsWith("text/event-stream")
      if (response.url().startsWith(record.url) && response.status() !== 303 && !live) bodies.push(response.text().catch(() => ""))
    })
    const link = await loginLink(sandbox)
    expect(link).toMatch(new RegExp(`^${record.url}/login\\?code=[\\w-]{43}$`))
    const page = await context.newPage()
    await page.goto(link)
    await page.waitForSelector("h1:text('Agents')")
    expect(page.url()).toBe(record.url + "/")

    const cookies = await context.cookies(record.url)
    expect(cookies).toEqual([
      expect.objectContaining({ name: `iterate_session_${record.port}`, httpOnly: true, sameSite: "Strict", path: "/", secure: false }),
    ])
    expect(cookies[0]!.value).not.toBe(record.token)

    const seen = await page.evaluate(() => ({
      html: document.documentElement.outerHTML,
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      url: location.href,
    }))
    expect(seen.cookie).toBe("")
    expect(seen.url).not.toContain("code=")
    for (const value of [seen.html, seen.local, seen.session, seen.url, ...(await Promise.all(bodies))]) expect(value).not.toContain(record.token)

    // The same link again, in a browser without the cookie: refused, back on the login page.
    const other = await newContext()
    const again = await other.newPage()
    await again.goto(link)
    await again.waitForSelector("text=used already or has expired")
    expect(again.url()).toBe(record.url + "/login?failed=code")
    expect(await other.cookies(record.url)).toEqual([])
    await other.close()
    await context.close()
  })

  test("an expired code is refused", async () => {
    const minted = await sandbox.api("/v1/web/login-codes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ttlSeconds: 1 }),
    })
    expect(minted.status).toBe(201)
    const { path } = (await minted.json()) as { path: string }
    await Bun.sleep(1100)
    const response = await fetch(record.url + path, { redirect: "manual" })
    expect(response.status).toBe(303)
    expect(response.headers.get("location")).toBe("/login?failed=code")
    expect(response.headers.get("set-cookie")).toBeNull()
  })

  test("iterate web opens $BROWSER on the link; with no browser at all it prints the link", async () => {
    const opened = join(sandbox.dir, "opened.txt")
    const fake = join(sandbox.dir, "fake-browser")
    writeFileSync(fake, `#!/bin/sh\nprintf '%s' "$1" > ${opened}\n`, { mode: 0o755 })
    const run = await sandbox.run(["web"], { env: { BROWSER: fake } })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe("")
    const url = readFileSync(opened, "utf8")
    expect(url).toMatch(/\/login\?code=/)
    expect(run.stderr).toContain("opened the web UI in your browser")
    expect((await fetch(url, { redirect: "manual" })).headers.get("set-cookie")).toContain("HttpOnly")

    const empty = join(sandbox.dir, "empty-path")
    mkdirSync(empty)
    const none = await sandbox.run(["web"], { env: { PATH: empty } })
    expect(none.code, none.stderr).toBe(0)
    expect(none.stderr).toContain("no browser found")
    expect(none.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?code=[\w-]+\n$/)
  })

  // These two provoke refusals, which the browser logs as console errors: their pages are not watched for errors.
  test("a browser session cannot mint login links or end sessions; logout ends it", async () => {
    const context = await browser.newContext()
    const page = await logIn(context, sandbox)
    const statuses = await page.evaluate(async () => ({
      mint: (await fetch("/v1/web/login-codes", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status,
      revoke: (await fetch("/v1/web/sessions", { method: "DELETE" })).status,
      agents: (await fetch("/v1/agents")).status,
    }))
    expect(statuses).toEqual({ mint: 403, revoke: 403, agents: 200 })
    await page.click("text=Log out")
    await page.waitForSelector("h1:text('Log in to iterate')")
    expect(await context.cookies(record.url)).toEqual([])
    await page.goto(record.url + "/streams")
    await page.waitForSelector("h1:text('Log in to iterate')")
    await context.close()
  })

  test("iterate web --revoke ends every session: an open page falls back to the login page", async () => {
    const context = await browser.newContext()
    const page = await logIn(context, sandbox)
    const [cookie] = await context.cookies(record.url)
    const revoke = await sandbox.run(["web", "--revoke"])
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(revoke.stderr).toMatch(/^ended [1-9]\d* web sessions?; browsers must log in again\n$/)
    // The cookie is still in the browser but counts for nothing now.
    const status = await fetch(record.url + "/v1/agents", { headers: { cookie: `${cookie!.name}=${cookie!.value}` } })
    expect(status.status).toBe(401)
    await page.goto(record.url + "/streams")
    await page.waitForSelector("h1:text('Log in to iterate')")
    await context.close()
  })

  test("a cookie counts only for the daemon's own pages: a state-changing request needs its Origin", async () => {
    const context = await newContext()
    await logIn(context, sandbox)
    const [cookie] = await context.cookies(record.url)
    const headers = { cookie: `${cookie!.name}=${cookie!.value}`, "content-type": "application/json" }
    const create = (extra: Record<string, string>) =>
      fetch(record.url + "/v1/stream/by-cookie", { method: "PUT", headers: { ...headers, ...extra } }).then((r) => r.status)
    expect(await create({})).toBe(401) // no Origin
    expect(await create({ "sec-fetch-site": "same-origin" })).toBe(401)
    expect(await create({ origin: record.url, "sec-fetch-site": "same-origin" })).toBe(201)
    const read = (extra: Record<string, string>) => fetch(record.url + "/v1/streams", { headers: { ...headers, ...extra } }).then((r) => r.status)
    expect(await read({ "sec-fetch-site": "same-origin" })).toBe(200)
    expect(await read({ "sec-fetch-site": "same-site" })).toBe(403)
    await context.close()
  })
})

describe("pages", () => {
  test("streams: the list, and one stream read live", async () => {
    expect((await sandbox.run(["streams", "create", "notes/live"])).code).toBe(0)
    expect((await sandbox.run(["streams", "append", "notes/live", '{"type":"first"}'])).code).toBe(0)
    const context = await newContext()
    const page = await logIn(context, sandbox)
    await page.click("nav >> text=Streams")
    await page.click("[data-stream='notes/live'] a")
    await page.getByText('"type":"first"').waitFor()
    expect(page.url()).toBe(record.url + "/streams/notes/live")
    expect((await sandbox.run(["streams", "append", "notes/live", '{"type":"second"}'])).code).toBe(0)
    await page.getByText('"type":"second"').waitFor()
    // A deep link loads the same view.
    await page.goto(record.url + "/streams/notes/live")
    await page.getByText('"type":"second"').waitFor()
    await context.close()
  })

  test("on a phone-sized screen nothing scrolls sideways", async () => {
    const context = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const page = await logIn(context, sandbox)
    expect(await scrollsSideways(page)).toBe(false)
    await page.click("text=New agent")
    await page.waitForSelector("form.new-agent")
    expect(await scrollsSideways(page)).toBe(false)
    await page.goto(record.url + "/streams/notes/live")
    await page.getByText('"type":"first"').waitFor()
    expect(await scrollsSideways(page)).toBe(false)
    await context.close()
    const anonymous = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true })
    const login = await anonymous.newPage()
    await login.goto(record.url + "/")
    await login.waitForSelector("h1:text('Log in to iterate')")
    expect(await scrollsSideways(login)).toBe(false)
    await anonymous.close()
  })

  test("no page logged a console error", () => {
    expect(errors.flat()).toEqual([])
  })
})

describe("directory completion", () => {
  const list = (path?: string) => sandbox.api(`/v1/fs/directories${path === undefined ? "" : `?path=${encodeURIComponent(path)}`}`)

  beforeAll(() => {
    mkdirSync(join(sandbox.dir, "src", "app"), { recursive: true })
    mkdirSync(join(sandbox.dir, ".hidden"))
    symlinkSync("/etc", join(sandbox.dir, "src", "escape"))
    symlinkSync(join(sandbox.dir, "src", "app"), join(sandbox.dir, "src", "inside"))
  })

  test("lists subfolders under the home folder, following only symlinks that stay inside", async () => {
    const roots = await list()
    expect(await roots.json()).toEqual({ directories: [{ name: sandbox.dir, path: sandbox.dir }], roots: [sandbox.dir] })
    const home = (await (await list(sandbox.dir)).json()) as { directories: Array<{ name: string }> }
    expect(home.directories.map((d) => d.name)).toContain("src")
    expect(home.directories.map((d) => d.name)).not.toContain(".hidden")
    const src = await (await list("~/src")).json()
    expect(src).toEqual({
      path: join(sandbox.dir, "src"),
      parent: sandbox.dir,
      directories: [
        { name: "app", path: join(sandbox.dir, "src", "app") },
        { name: "inside", path: join(sandbox.dir, "src", "inside") },
      ],
      roots: [sandbox.dir],
    })
  })

  test("refuses .., folders outside the roots, symlinks out of them and missing folders", async () => {
    const cases: Array<[string, number, string]> = [
      [`${sandbox.dir}/src/../..`, 400, "invalid_path"],
      ["/etc", 403, "outside_roots"],
      [join(sandbox.dir, "src", "escape"), 403, "outside_roots"],
      [join(sandbox.dir, "missing"), 404, "not_found"],
      ["relative/path", 400, "invalid_path"],
    ]
    for (const [path, status, code] of cases) {
      const response = await list(path)
      expect(response.status, path).toBe(status)
      expect(await response.json(), path).toMatchObject({ error: { code } })
    }
  })
})

describe("running from source", () => {
  test("bun src/index.ts serve bundles the page on the first request for it", async () => {
    const source = new Sandbox()
    try {
      const child = Bun.spawn(["bun", join(ROOT, "src", "index.ts"), "serve", "--port", "0"], { env: source.env, stdout: "ignore", stderr: "pipe" })
      source.track(child.pid)
      const served = await waitFor("serve to write its record", () => source.record(), { timeoutMs: 20_000 })
      const html = await (await fetch(served.url + "/agents")).text()
      const script = /<script type="module" crossorigin src="(\/[\w-]+\.js)">/.exec(html)?.[1]
      expect(script, html).toBeDefined()
      const js = await fetch(served.url + script)
      expect(js.status).toBe(200)
      expect(js.headers.get("cache-control")).toContain("immutable")
      expect((await js.text()).length).toBeGreaterThan(10_000)
      child.kill()
      await child.exited
    } finally {
      source.close()
    }
  })
})
