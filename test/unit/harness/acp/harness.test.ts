// The ACP agents in the harness registry, and what their check and open say when the agent cannot
// start at all (nothing is spawned for these: the command is not there, or the setting is wrong).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, test } from "vitest"
import { acpSettings } from "../../../../src/harness/acp/config.ts"
import { HarnessUnavailableError } from "../../../../src/harness/harness.ts"
import { createHarnesses } from "../../../../src/harness/index.ts"
import { RecordedEvents } from "../../../support/recorded-events.ts"

const root = mkdtempSync(join(tmpdir(), "iterate-acp-harness-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const harnesses = (config: Record<string, unknown>) => createHarnesses({ logDir: join(root, "logs"), dataDir: join(root, "data"), config, env: { PATH: join(root, "empty"), HOME: root } })

test("gemini and qwen are always there; any section with an acp command is a harness of that name, others are not", () => {
  const names = [...harnesses({ "my-agent": { acp: "my-agent --acp" }, notes: { mine: true }, claude: { idleTimeoutMs: 5 } }).keys()]
  expect(names).toEqual(["opencode", "claude", "pi", "codex", "gemini", "qwen", "my-agent"])
})

test("a built-in agent that is not installed: its check says how to install it, and open refuses with the same", async () => {
  const gemini = harnesses({}).get("gemini")!
  expect(await gemini.check()).toEqual({ name: "gemini", available: false, problems: [{ problem: "Gemini CLI is not installed (no gemini on PATH)", fix: "npm i -g @google/gemini-cli" }] })
  expect(() => gemini.open({ id: "a", name: "a", directory: root }, new RecordedEvents())).toThrow(
    new HarnessUnavailableError("Gemini CLI is not installed (no gemini on PATH): install it with `npm i -g @google/gemini-cli`"),
  )
  const qwen = await harnesses({}).get("qwen")!.check()
  expect(qwen.problems).toEqual([{ problem: "Qwen Code is not installed (no qwen on PATH)", fix: "npm i -g @qwen-code/qwen-code" }])
})

test("a configured command that is not there names the setting; a built-in one's own command can be unset", async () => {
  const configured = await harnesses({ "my-agent": { acp: ["/no/such/agent", "--acp"] } }).get("my-agent")!.check()
  expect(configured.problems).toEqual([{ problem: "harnesses.my-agent.acp runs `/no/such/agent --acp`, but /no/such/agent is not an executable file", fix: `iterate config set harnesses.my-agent.acp "<the agent's ACP command line>"` }])
  const overridden = await harnesses({ qwen: { acp: "qwen-nightly --acp" } }).get("qwen")!.check()
  expect(overridden.problems).toEqual([
    { problem: "harnesses.qwen.acp runs `qwen-nightly --acp`, but qwen-nightly is not on PATH", fix: "npm i -g @qwen-code/qwen-code (or: iterate config unset harnesses.qwen.acp)" },
  ])
})

test("the settings of a section, with what is wrong in one named", () => {
  expect(acpSettings("qwen", {}, "qwen --acp")).toEqual({ argv: ["qwen", "--acp"], env: {}, idleTimeoutMs: 600_000, startTimeoutMs: 30_000 })
  expect(acpSettings("x", { acp: ["x"], env: { A: "1" }, idleTimeoutMs: 0, startTimeoutMs: 10 })).toEqual({ argv: ["x"], env: { A: "1" }, idleTimeoutMs: 0, startTimeoutMs: 10 })
  const problem = (config: Record<string, unknown>) => {
    try {
      acpSettings("x", config)
    } catch (error) {
      return { message: (error as Error).message, fix: (error as { fix: string }).fix }
    }
  }
  expect(problem({ acp: 5 })).toEqual({ message: "harnesses.x.acp in config.json must be a command line or an array of its words", fix: `iterate config set harnesses.x.acp "<the agent's ACP command line>"` })
  expect(problem({ acp: "x '" })).toEqual({ message: "harnesses.x.acp in config.json must be a command line (a single quote is not closed)", fix: `iterate config set harnesses.x.acp "<the agent's ACP command line>"` })
  expect(problem({ acp: "x", env: { A: 1 } })).toEqual({ message: "harnesses.x.env in config.json must be an object of strings", fix: "iterate config unset harnesses.x.env" })
  expect(problem({ acp: "x", startTimeoutMs: 0 })?.message).toBe("harnesses.x.startTimeoutMs in config.json must be a number of milliseconds")
})
