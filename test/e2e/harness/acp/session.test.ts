// The ACP harness driving a real third-party ACP agent, Zed's claude-agent-acp (the pinned
// devDependency), against the Anthropic stub: check(), a session's process and its mark, models
// through the agent's model option, a new Harness (as after a daemon restart) resuming the
// conversation, close, and the orphans of a killed daemon.
import { readFileSync, readlinkSync } from "node:fs"
import { afterEach, describe, expect, test } from "vitest"
import { acpHarness } from "../../../../src/harness/acp/harness.ts"
import type { Harness, HarnessAgent } from "../../../../src/harness/harness.ts"
import { descendants } from "../../../../src/harness/process/tree.ts"
import { text, useAnthropicStub } from "../../../support/anthropic-stub.ts"
import { ClaudeEvents, testClaudeAcp, useClaudeProject, userTexts } from "../../../support/claude-project.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useAnthropicStub()
const project = useClaudeProject(stub)

describe("an ACP agent: claude-agent-acp", { timeout: 90_000 }, () => {
  const harnesses: Harness[] = []
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()))
  })

  const make = (config: Record<string, unknown> = {}) => {
    const context = project.context()
    const harness = acpHarness("claude-acp")({ ...context, config: { acp: testClaudeAcp(), ...config }, env: { ...context.env, IS_SANDBOX: "1" } })
    harnesses.push(harness)
    return harness
  }
  let agents = 0
  const open = (harness: Harness, agent: Partial<HarnessAgent> = {}) => {
    const events = new ClaudeEvents()
    const session = harness.open({ id: `agent-${++agents}`, name: "test", directory: project.directory, ...agent }, events)
    return { events, session }
  }

  test("check starts the agent and asks initialize: available, with the version it answers", async () => {
    expect(await make().check()).toEqual({ name: "claude-acp", available: true, binary: testClaudeAcp()[0], version: "0.23.1", problems: [] })
  })

  test("a prompt's reply, the session to resume from, and a process marked as this harness's in the agent's directory", async () => {
    stub.reply(text("Hello from the stub."))
    const { events, session } = open(make())
    await session.prompt({ text: "say hello" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.resumes).toEqual([{ sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) }])
    expect(events.natives.at(-1)).toMatchObject({ stopReason: "end_turn", usage: { inputTokens: 10, outputTokens: 5 } })
    const [pid] = events.started
    expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain("ITERATE_ACP_AGENT=claude-acp")
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(project.directory)
  })

  test("the agent's model, and a turn's own, go through the agent's model option", async () => {
    stub.reply(text("One."), text("Two."))
    const { events, session } = open(make(), { model: "haiku" })
    await session.prompt({ text: "one" })
    await events.turn(1)
    await session.prompt({ text: "two", model: "opus" })
    await events.turn(2)
    expect(stub.turns.map((t) => t.body.model)).toEqual([expect.stringContaining("haiku"), expect.stringContaining("opus")])
  })

  test("a new Harness opened with the saved session id (a daemon restart) resumes the conversation", async () => {
    stub.reply(text("Noted."), text("It was tangerine."))
    const first = open(make())
    await first.session.prompt({ text: "remember the word tangerine" })
    await first.events.turn(1)
    await harnesses[0]!.stop()
    const second = open(make(), { resume: first.events.resumes[0] })
    await second.session.prompt({ text: "what was the word?" })
    expect(await second.events.turn(1)).toEqual({ status: "idle" })
    expect(userTexts(stub.turns.at(-1)!.body).join("\n")).toContain("remember the word tangerine")
    expect(second.events.resumes).toEqual([])
    expect(second.events.warnings).toEqual([])
  })

  test("close stops the agent and the Claude Code it runs", async () => {
    stub.reply(text("Hi."))
    const { events, session } = open(make())
    await session.prompt({ text: "hi" })
    await events.turn(1)
    const pid = events.started[0]!
    const children = descendants(pid).map((p) => p.pid)
    expect(children.length).toBeGreaterThan(0)
    await session.close()
    expect(isAlive(pid)).toBe(false)
    await waitFor("its children to be gone", () => children.every((child) => !isAlive(child)))
    expect(events.crashes).toEqual([])
  })

  test("an agent killed during a slow reply: a crash, the turn fails, and the Claude Code it ran is stopped too", async () => {
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    const { events, session } = open(make())
    await session.prompt({ text: "talk for a long time" })
    await waitFor("the reply to stream", () => events.natives.some((n) => (n.update as { sessionUpdate?: string } | undefined)?.sessionUpdate === "agent_message_chunk"))
    const pid = events.started[0]!
    const children = descendants(pid).map((p) => p.pid)
    expect(children.length).toBeGreaterThan(0)
    process.kill(pid, "SIGKILL")
    expect(await events.turn(1)).toEqual({ status: "error", error: "claude-acp exited during the turn (signal SIGKILL)" })
    expect(events.crashes).toEqual([expect.objectContaining({ pid, reason: "exited (signal SIGKILL)" })])
    await waitFor("the Claude Code it ran to be gone", () => children.every((child) => !isAlive(child)), { timeoutMs: 5_000 })
  })

  test("an agent a previous daemon started is stopped as an orphan; any other process is left alone", async () => {
    stub.reply(text("Hi."))
    const harness = make()
    const { events, session } = open(harness)
    await session.prompt({ text: "hi" })
    await events.turn(1)
    const pid = events.started[0]!
    const stranger = Bun.spawn(["sleep", "30"])
    try {
      expect(await harness.stopOrphan(stranger.pid)).toBe(false)
      expect(isAlive(stranger.pid)).toBe(true)
      expect(await harness.stopOrphan(pid)).toBe(true)
      expect(isAlive(pid)).toBe(false)
    } finally {
      stranger.kill()
    }
  })
})
