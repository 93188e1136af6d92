import { afterAll, expect, test } from "vitest"
import { existsSync, statSync } from "node:fs"
import { join } from "node:path"
import { ROOT, Sandbox } from "../../support/sandbox.ts"

const sandbox = new Sandbox()
afterAll(() => sandbox.close())

test("the daemon log rotates at 5 MiB and keeps three old files", async () => {
  const log = join(sandbox.dir, "daemon.log")
  // 20 MiB of console output through the daemon's logger, in its own process (it takes over console).
  const script = `
    const { logToFile } = await import(${JSON.stringify(join(ROOT, "src/server/log.ts"))})
    logToFile(${JSON.stringify(log)})
    const line = "x".repeat(1000)
    for (let i = 0; i < 20 * 1024; i++) console.log(i, line)
    console.error("last line")
  `
  const child = Bun.spawnSync(["bun", "-e", script], { stderr: "pipe" })
  expect(child.exitCode, child.stderr.toString()).toBe(0)
  const files = [log, `${log}.1`, `${log}.2`, `${log}.3`]
  for (const file of files) {
    expect(existsSync(file), file).toBe(true)
    expect(statSync(file).size, file).toBeLessThanOrEqual(5 * 1024 * 1024)
  }
  expect(existsSync(`${log}.4`)).toBe(false)
  expect(await Bun.file(log).text()).toMatch(/ error last line\n$/)
})
