// Logging a real browser into a daemon's web UI the way a user does: `iterate web --no-open`
// prints a one-time link, the browser opens it.
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, beforeAll, expect } from "vitest"
import { collectErrors, launchChromium } from "./browser.ts"
import type { Sandbox } from "./sandbox.ts"

/** A fresh login link from `iterate web --no-open` (plus `args`). */
export async function loginLink(sandbox: Sandbox, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const result = await sandbox.run(["web", "--no-open", ...args], { env })
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim()
}

/** A page of `context` logged in through a fresh link; it has landed (on `/` unless the link says otherwise). */
export async function logIn(context: BrowserContext, sandbox: Sandbox, args: string[] = []): Promise<Page> {
  const page = await context.newPage()
  await page.goto(await loginLink(sandbox, args))
  await page.waitForSelector("header.top")
  return page
}

/** Whether the page scrolls sideways (what a phone must never have to do). */
export const scrollsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)

export interface BrowserPage {
  context: BrowserContext
  /** the page logged in before the first test (none with `logIn: false`) */
  page: Page
  /** every console error and uncaught exception of the context's pages */
  errors: string[]
}

/**
 * For a whole test file: headless Chromium with one context (`viewport`, 1000×720 by default)
 * whose errors are collected and whose waits give up after `timeoutMs` (Playwright's 30 s by
 * default), and a page logged into `sandbox()`'s daemon before the first test unless `logIn` is
 * false; the browser is closed at the end.
 */
export function useBrowserPage(
  sandbox: () => Sandbox,
  options: { viewport?: { width: number; height: number }; timeoutMs?: number; logIn?: boolean } = {},
): BrowserPage {
  const web = {} as BrowserPage
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launchChromium()
    web.context = await browser.newContext({ viewport: options.viewport ?? { width: 1000, height: 720 } })
    if (options.timeoutMs) web.context.setDefaultTimeout(options.timeoutMs)
    web.errors = collectErrors(web.context)
    if (options.logIn !== false) web.page = await logIn(web.context, sandbox())
  })
  afterAll(async () => {
    await browser?.close()
  })
  return web
}
