// ACP agents that cannot run, through the compiled binary: one that is not installed, a command that
// exits at once, one that speaks something else, one that never answers initialize. Each `run` is a
// one-line error naming the harness and what to do (exit 1), the agent's stream says what happened,
// and the daemon goes on serving. The "agents" are tiny scripts: the peer of the code under test.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { payloadsOf } from "../../../support/agent-sandbox.ts"
import { Sandbox } from "../../../support/sandbox.ts"
import { isAlive } from "../../../support/wait.ts"

let sandbox: Sandbox
const script = (name: string, body: string) => {
  const file = join(sandbox.dir, "bin", name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`)
  chmodSync(file, 0o755)
  return file
}

beforeAll(async () => {
  // No gemini or qwen on PATH: only the system's folders.
  sandbox = new Sandbox({ PATH: "/usr/bin:/bin" })
  mkdirSync(join(sandbox.dir, "bin"))
  const set = (key: string, value: string) => sandbox.run(["config", "set", key, value])
  const settings: Array<[string, string]> = [
    ["harnesses.quitter.acp", `${script("quitter", 'echo "quitter: no API key" >&2; exit 3')} --acp`],
    ["harnesses.chatter.acp", script("chatter", 'echo "Hello! I am a chat bot, not ACP."; exec sleep 30')],
    ["harnesses.chatter.startTimeoutMs", "2000"],
    ["harnesses.mute.acp", script("mute", "exec sleep 30")],
    ["harnesses.mute.startTimeoutMs", "2000"],
    ["harnesses.nowhere.acp", "no-such-agent --acp"],
  ]
  for (const [key, value] of settings) expect((await set(key, value)).code).toBe(0)
})
afterAll(async () => {
  await sandbox.run(["server", "stop"])
  sandbox.close()
})

/** `iterate run` with the harness in a folder of its name, so that its agent is named so too. */
async function runOn(harness: string) {
  const dir = join(sandbox.dir, harness)
  mkdirSync(dir, { recursive: true })
  const run = await sandbox.run(["run", "--harness", harness, "--dir", dir, "hello"])
  const health = await fetch(`${sandbox.record()!.url}/health`)
  return { ...run, healthy: health.ok && isAlive(sandbox.record()!.pid) }
}

async function events(agent: string) {
  const out = (await sandbox.run(["events", agent, "--format", "json"])).stdout
  return out
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
}

describe("ACP agents that cannot run", { timeout: 60_000 }, () => {
  test("config set writes an ACP command line; harnesses lists each agent with what is wrong and the fix", async () => {
    expect((await sandbox.run(["config", "get", "harnesses.nowhere.acp"])).stdout).toBe("no-such-agent --acp\n")
    const bad = await sandbox.run(["config", "set", "harnesses.broken.acp", "it's"])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim().split("\n")).toEqual([expect.stringContaining("harnesses.broken.acp must be a command line: a single quote is not closed")])
    const listed = JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout) as Array<{ name: string; available: boolean; problems: Array<{ problem: string; fix: string }> }>
    const byName = Object.fromEntries(listed.map((h) => [h.name, h]))
    expect(byName.gemini).toMatchObject({ available: false, problems: [{ problem: "Gemini CLI is not installed (no gemini on PATH)", fix: "npm i -g @google/gemini-cli" }] })
    expect(byName.qwen).toMatchObject({ available: false, problems: [{ problem: "Qwen Code is not installed (no qwen on PATH)", fix: "npm i -g @qwen-code/qwen-code" }] })
    expect(byName.nowhere).toMatchObject({ available: false, problems: [{ problem: "harnesses.nowhere.acp runs `no-such-agent --acp`, but no-such-agent is not on PATH" }] })
    expect(byName.quitter!.problems[0]!.problem).toContain("quitter does not start as an ACP agent: it exited (code 3: quitter: no API key)")
    expect(byName.mute!.problems[0]!.problem).toContain("mute does not start as an ACP agent: it did not answer initialize within 2 s")
    expect(byName.chatter!.problems[0]!.problem).toContain('it wrote "Hello! I am a chat bot, not ACP.", which is no ACP')
    const text = (await sandbox.run(["harnesses"])).stdout
    expect(text).toContain("gemini: Gemini CLI is not installed (no gemini on PATH)\n  fix: npm i -g @google/gemini-cli")
    // doctor: a built-in agent that is not installed is information with its install command; a configured one that does not run, a problem.
    const doctor = await sandbox.run(["doctor", "--json"])
    expect(doctor.code).toBe(1)
    const checks = JSON.parse(doctor.stdout).checks as Array<{ check: string; status: string; fix?: string }>
    expect(checks).toContainEqual(expect.objectContaining({ check: "harness gemini", status: "info", fix: "npm i -g @google/gemini-cli" }))
    expect(checks).toContainEqual(expect.objectContaining({ check: "harness qwen", status: "info", fix: "npm i -g @qwen-code/qwen-code" }))
    expect(checks).toContainEqual(expect.objectContaining({ check: "harness nowhere", status: "problem" }))
  })

  test("a built-in agent that is not installed: no agent is made, the error says how to install it", async () => {
    const run = await runOn("gemini")
    expect(run.code).toBe(1)
    expect(run.stderr).toBe("iterate: Gemini CLI is not installed (no gemini on PATH): install it with `npm i -g @google/gemini-cli`\n")
    expect(run.healthy).toBe(true)
    expect(JSON.parse((await sandbox.run(["agents", "--json"])).stdout)).toEqual([])
  })

  test("a configured command that is not there: the error names the setting", async () => {
    const run = await runOn("nowhere")
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^iterate: harnesses\.nowhere\.acp runs `no-such-agent --acp`, but no-such-agent is not on PATH: install it, or fix the command with `iterate config set harnesses\.nowhere\.acp/)])
    expect(run.healthy).toBe(true)
  })

  test("an agent that exits at once: the turn fails with what it said, and the stream has its crash", async () => {
    const run = await runOn("quitter")
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([
      "iterate: quitter could not start (initialize): it exited (code 3: quitter: no API key); check harnesses.quitter.acp in config.json (iterate config get harnesses.quitter.acp) and that the command speaks ACP on stdio",
    ])
    expect(run.healthy).toBe(true)
    const stream = await events("quitter")
    expect(payloadsOf(stream, "iterate:agent:harness:quitter:crashed")).toEqual([expect.objectContaining({ reason: "exited (code 3: quitter: no API key)" })])
    expect(payloadsOf(stream, "iterate:agent:error:occurred")).toEqual([expect.objectContaining({ message: expect.stringContaining("quitter could not start") })])
    expect(payloadsOf(stream, "iterate:agent:status:changed").at(-1)).toMatchObject({ status: "error", error: expect.stringContaining("it exited (code 3") })
  })

  test("an agent that speaks something else: the error quotes what it wrote", async () => {
    const run = await runOn("chatter")
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining('chatter could not start (initialize): it did not answer initialize within 2 s; it wrote "Hello! I am a chat bot, not ACP.", which is no ACP; check harnesses.chatter.acp')])
    expect(run.healthy).toBe(true)
    expect(payloadsOf(await events("chatter"), "iterate:agent:status:changed").at(-1)).toMatchObject({ status: "error" })
  })

  test("an agent that never answers initialize: the error says so, its process is stopped, and the next prompt tries again", async () => {
    const run = await runOn("mute")
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining("mute could not start (initialize): it did not answer initialize within 2 s; check harnesses.mute.acp")])
    const again = await sandbox.run(["prompt", "mute", "still nothing?"])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("it did not answer initialize within 2 s")
    expect(run.healthy).toBe(true)
    // Each attempt's process was stopped: none is left sleeping.
    const stream = await events("mute")
    expect(payloadsOf(stream, "iterate:agent:status:changed").filter((s) => s.status === "error")).toHaveLength(2)
  })
})
