// The web UI of a remote `iterate serve` with a password: its login page takes the password,
// a wrong one is refused without the browser's Basic prompt, and `iterate web --server URL`
// mints a login link there. Servers in tests bind 127.0.0.1 (see the brief); a password-protected
// server answers a browser the same on any address.
import type { Browser, Dialog, Response as PageResponse } from "playwright-core"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { collectErrors, launchChromium } from "../../support/browser.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { startServe } from "../../support/serve.ts"
import { loginLink } from "../../support/web.ts"

const password = "correct horse battery staple"

describe("a remote server's login page", () => {
  let server: Sandbox
  let url: string
  let browser: Browser

  beforeAll(async () => {
    server = new Sandbox({ ITERATE_SERVER_PASSWORD: password })
    url = (await startServe(server, ["--port", "0"])).record.url
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    server?.close()
  })

  test("a wrong password is refused on the page, with no Basic prompt; the right one logs in", async () => {
    const context = await browser.newContext()
    const dialogs: Dialog[] = []
    const challenges: string[] = []
    context.on("response", (response: PageResponse) => {
      const challenge = response.headers()["www-authenticate"]
      if (challenge) challenges.push(challenge)
    })
    const page = await context.newPage()
    page.on("dialog", (dialog) => void dialogs.push(dialog))
    const errors = collectErrors(context)
    await page.goto(url + "/agents")
    await page.waitForSelector("h1:text('Log in to iterate')")

    await page.fill("input[name=password]", "not the password")
    await page.click("button:text('Log in')")
    await page.waitForSelector("text=Wrong password.")
    expect(new URL(page.url()).pathname).toBe("/login")
    expect(await context.cookies(url)).toEqual([])

    await page.fill("input[name=password]", password)
    await page.click("button:text('Log in')")
    await page.waitForSelector("h1:text('Agents')")
    // It lands where the browser was going before it had to log in.
    expect(new URL(page.url()).pathname).toBe("/agents")
    expect(await context.cookies(url)).toEqual([expect.objectContaining({ httpOnly: true, sameSite: "Strict" })])
    expect(await page.evaluate(async () => (await fetch("/v1/streams")).status)).toBe(200)

    expect(dialogs).toEqual([])
    expect(challenges.filter((c) => /basic/i.test(c))).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  test("the password form refuses a post from another origin", async () => {
    const response = await fetch(url + "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" },
      body: new URLSearchParams({ password }),
      redirect: "manual",
    })
    expect(response.status).toBe(403)
    expect(response.headers.get("set-cookie")).toBeNull()
    const sameOrigin = await fetch(url + "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: new URLSearchParams({ password, next: "//evil.example/x" }),
      redirect: "manual",
    })
    expect(sameOrigin.status).toBe(303)
    expect(sameOrigin.headers.get("location")).toBe("/")
  })

  test("iterate web --server URL with the password mints a login link there", async () => {
    const client = new Sandbox({ ITERATE_SERVER_PASSWORD: password })
    try {
      const link = await loginLink(client, ["--server", url])
      expect(link.startsWith(`${url}/login?code=`)).toBe(true)
      expect(client.record()).toBeUndefined()
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(link)
      await page.waitForSelector("h1:text('Agents')")
      await context.close()

      const wrong = await client.run(["web", "--no-open", "--server", url], { env: { ITERATE_SERVER_PASSWORD: "wrong" } })
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toContain("unauthorized — check ITERATE_SERVER_PASSWORD")
    } finally {
      client.close()
    }
  })
})
