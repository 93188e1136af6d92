// `iterate usage`, `agents set` and --budget-usd, in process
// on a captured Output, with nothing to talk to: what is printed, and what is refused before asking.
import { describe, expect, test } from "vitest"
import { buildProgram } from "../../../src/cli/program.ts"
import { printUsage } from "../../../src/cli/usage.ts"
import { EXIT } from "../../../src/errors.ts"
import type { UsageReport } from "../../../src/sdk/types.gen.ts"
import { captureOutput } from "../../support/output.ts"

const totals = { turns: 3, inputTokens: 12345, outputTokens: 678, cacheReadTokens: 90000, cacheWriteTokens: 12, reasoningTokens: 7, costUsd: 1.2345 }

const report: UsageReport = {
  by: "agent",
  groups: [
    { key: "k3x9qa", agent: "k3x9qa", name: "app", harness: "claude", ...totals, turns: 2, inputTokens: 12000, costUsd: 1.2 },
    { key: "p7", agent: "p7", name: "api-server", harness: "opencode", turns: 1, inputTokens: 345, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.0345 },
  ],
  total: totals,
}

describe("usage", () => {
  test("a table: a row per group, numbers right-aligned with thousands separators, dollars, a total row", () => {
    const { io, stdout, stderr } = captureOutput()
    printUsage(io, report, {})
    expect(stdout()).toBe(
      [
        "AGENT       HARNESS   TURNS   INPUT  OUTPUT  CACHE READ  CACHE WRITE    COST",
        "app         claude        2  12,000     678      90,000           12   $1.20",
        "api-server  opencode      1     345       0           0            0  $0.035",
        "total                     3  12,345     678      90,000           12   $1.23",
        "",
      ].join("\n"),
    )
    expect(stderr()).toBe("")
  })

  test("by model, harness or day: the key is the first column; an unknown model a dash", () => {
    const { io, stdout } = captureOutput()
    printUsage(io, { by: "model", groups: [{ key: "", model: "", ...totals }], total: totals }, {})
    expect(stdout().split("\n").map((line) => line.split(/\s+/)[0])).toEqual(["MODEL", "-", "total", ""])
  })

  test("--json prints the report as the daemon sent it; nothing recorded is a note on stderr", () => {
    const json = captureOutput()
    printUsage(json.io, report, { json: true })
    expect(JSON.parse(json.stdout())).toEqual(report)
    const none = captureOutput()
    printUsage(none.io, { by: "agent", since: "2026-12-01T00:00:00.000Z", groups: [], total: { ...totals, turns: 0 } }, {})
    expect([none.stdout(), none.stderr()]).toEqual(["", "no turn recorded a spend since 2026-12-01T00:00:00.000Z\n"])
  })

  test.each([
    [["usage", "--since", "last week"], /--since must be a span like 30m, 24h, 7d or 2w, or an ISO date/],
    [["usage", "--by", "week"], /--by must be one of agent, harness, model, day/],
  ])("%j is a usage error before the daemon is asked", async (args, message) => {
    const bad = captureOutput()
    await expect(buildProgram(bad.io).parseAsync(args, { from: "user" })).rejects.toMatchObject({ code: "commander.invalidArgument" })
    expect(bad.stderr()).toMatch(message)
  })
})

describe("budgets on the command line", () => {
  test.each([
    [["agents", "new", "--budget-usd", "five"]],
    [["agents", "new", "--budget-usd", "-1"]],
    [["run", "--budget-usd", "1e3", "hi"]],
  ])("%j is a usage error", async (args) => {
    const bad = captureOutput()
    await expect(buildProgram(bad.io).parseAsync(args, { from: "user" })).rejects.toMatchObject({ code: "commander.invalidArgument" })
    expect(bad.stderr()).toMatch(/--budget-usd must be dollars \(e\.g\. 5 or 0\.50\), or none/)
  })

  test("agents set with nothing to change is a usage error before the daemon is asked", async () => {
    const { io } = captureOutput()
    await expect(buildProgram(io).parseAsync(["agents", "set", "app"], { from: "user" })).rejects.toMatchObject({
      code: EXIT.usage,
      message: "nothing to change: give --budget-usd or --permissions",
    })
  })
})
