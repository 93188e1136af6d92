// Logging a real browser into a daemon's web UI the way a user does: `iterate web --no-open`
// prints a one-time link, the browser opens it.
import type { BrowserContext, Page } from "playwright-core"
import { expect } from "vitest"
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
