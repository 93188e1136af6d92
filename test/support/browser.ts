// Real headless Chromium for the browser tests: Debian's chromium package
// (scripts/ci-apt-packages.txt), never a browser downloaded by Playwright.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core"
import { findTool } from "./tools.ts"

export const CHROMIUM = findTool("/usr/bin/chromium", "chromium", "google-chrome")

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!CHROMIUM) throw new Error("this test drives a real Chromium: apt-get install chromium (see scripts/ci-apt-packages.txt)")
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", ...extraArgs],
  })
}

/** Every console error and uncaught exception of the pages of `context`, as they happen. */
export function collectErrors(context: BrowserContext): string[] {
  const errors: string[] = []
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`)
    })
    page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`))
  }
  context.pages().forEach(watch)
  context.on("page", watch)
  return errors
}
