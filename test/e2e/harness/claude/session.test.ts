// The Claude Code harness driving the real claude binary against the Anthropic stub: a session
// per test, opened on a Harness with events that record every call.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { createClaudeHarness } from "../../../../src/harness/claude/index.ts"
import { descendants } from "../../../../src/harness/process/tree.ts"
import { failure, text, toolUse, useAnthropicStub } from "../../../support/anthropic-stub.ts"
import { ClaudeEvents, useClaudeProject, userTexts } from "../../../support/claude-project.ts"
import { cmdline, sessionScenarios, useHarnessSessions } from "../../../support/harness-scenarios.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useAnthropicStub()
const project = useClaudeProject(stub)

describe("Claude Code session", { timeout: 90_000 }, () => {
  const { open } = useHarnessSessions((config) => createClaudeHarness(project.context(config)), () => new ClaudeEvents(), () => project.directory)

  sessionScenarios({
    process: "claude",
    open,
    stub,
    text,
    write: {
      tool: "Write",
      reply: (name, content) => toolUse("Write", { file_path: join(project.directory, name), content }),
      input: (name, content) => ({ file_path: join(project.directory, name), content }),
    },
    directory: () => project.directory,
    userTexts: (n) => userTexts(stub.turns[n]!.body),
    sent: (n) => JSON.stringify(stub.turns[n]!.body.messages),
    killed: { status: "error", error: expect.stringContaining("signal SIGKILL") },
    checkResumed: (pid, resume) => expect(cmdline(pid)).toEqual(expect.arrayContaining(["--resume", resume.sessionId])),
  })

  test("a prompt gets the reply, streamed, and the turn ends idle", async () => {
    stub.reply(text("Hello from the stub, streamed in pieces."))
    const { events, session } = open()
    await session.prompt({ text: "say hello" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.streamedText).toBe("Hello from the stub, streamed in pieces.")
    expect(events.natives.find((n) => n.type === "result")).toMatchObject({ is_error: false, result: "Hello from the stub, streamed in pieces." })
    expect(events.resumes).toEqual([{ sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) }])
    expect(events.started).toHaveLength(1)
    expect(userTexts(stub.turns[0]!.body)).toContain("say hello")
    // The session's process stays up for the next prompt, off the network but for the model API.
    const pid = events.started[0]!
    expect(isAlive(pid)).toBe(true)
    expect(cmdline(pid)).toEqual(expect.arrayContaining(["-p", "--input-format", "stream-json", "--permission-prompt-tool", "stdio", "--session-id", events.resumes[0]!.sessionId]))
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")
    expect(environ).toEqual(expect.arrayContaining(["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1", "DISABLE_TELEMETRY=1", "DISABLE_ERROR_REPORTING=1"]))
  })

  test("a tool call asks first; allowed, it writes the file, and the turn carries on to the end", async () => {
    const file = join(project.directory, "allowed.txt")
    stub.reply(toolUse("Write", { file_path: file, content: "hi from the stub\n" }), text("I wrote allowed.txt."))
    const { events, session } = open()
    await session.prompt({ text: "write a file" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({ tool: "Write", kind: "edit", summary: "write allowed.txt", request: { type: "control_request", request: { subtype: "can_use_tool" } } })
    expect(existsSync(file)).toBe(false)
    await session.answer(ask.nativeId, { decision: "allow" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(readFileSync(file, "utf8")).toBe("hi from the stub\n")
    expect(userTexts(stub.turns[1]!.body).at(-1)).toContain("File created successfully")
  })

  test("a denied tool call writes nothing, the model is told why, and the turn ends cleanly", async () => {
    const file = join(project.directory, "denied.txt")
    stub.reply(toolUse("Write", { file_path: file, content: "no\n" }), text("Understood, I did not write it."))
    const { events, session } = open()
    await session.prompt({ text: "write a file" })
    const ask = await events.ask(1)
    await session.answer(ask.nativeId, { decision: "deny", message: "not in this folder" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(existsSync(file)).toBe(false)
    expect(userTexts(stub.turns[1]!.body).at(-1)).toContain("not in this folder")
  })

  test("a Bash command is a command ask, summarised by its command line", async () => {
    stub.reply(toolUse("Bash", { command: "echo ran > bash.txt", description: "write a file" }), text("Ran it."))
    const { events, session } = open()
    await session.prompt({ text: "run something" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({ tool: "Bash", kind: "command", summary: "run `echo ran > bash.txt`" })
    await session.answer(ask.nativeId, { decision: "always" })
    await events.turn(1)
    expect(readFileSync(join(project.directory, "bash.txt"), "utf8")).toBe("ran\n")
  })

  test("AskUserQuestion is a question, and an allow with a message answers it", async () => {
    const questions = [{ question: "Which colour?", header: "Colour", options: [{ label: "Red", description: "warm" }, { label: "Blue", description: "cool" }], multiSelect: false }]
    stub.reply(toolUse("AskUserQuestion", { questions }), text("Blue it is."))
    const { events, session } = open()
    await session.prompt({ text: "ask me" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({ tool: "AskUserQuestion", kind: "question", summary: "Which colour?" })
    await session.answer(ask.nativeId, { decision: "allow", message: "Blue" })
    await events.turn(1)
    expect(userTexts(stub.turns[1]!.body).at(-1)).toMatch(/Which colour\?.*Blue/)
  })

  test("a prompt sent while a turn runs joins that turn: one turn end once both are answered", async () => {
    stub.reply(text("y".repeat(60), { chunkSize: 4, delayMs: 40 }), text("And the follow-up."))
    const { events, session } = open()
    await session.prompt({ text: "slow one" })
    await waitFor("the reply to stream", () => events.streamedText.length > 0)
    await session.prompt({ text: "follow-up" })
    await waitFor("both replies", () => events.natives.filter((n) => n.type === "result").length === 2)
    expect(await events.turn(1)).toEqual({ status: "idle" })
    await Bun.sleep(300)
    expect(events.turns).toHaveLength(1)
  })

  test("a model API error fails the turn with claude's message", async () => {
    stub.reply(failure("Overloaded", 529))
    const { events, session } = open()
    await session.prompt({ text: "hello?" })
    const end = await events.turn(1)
    expect(end.status).toBe("error")
    expect(end.error).toMatch(/^API Error: 529 Overloaded/)
    expect(end.error).not.toContain("\n")
  })

  test("a killed claude is reported as a crash, its turn fails, and the next prompt resumes the conversation", async () => {
    stub.reply(text("z".repeat(400), { chunkSize: 4, delayMs: 40 }), text("Back again."))
    const { events, session } = open()
    await session.prompt({ text: "remember the word tangerine" })
    await waitFor("the reply to stream", () => events.streamedText.length > 0)
    // claude saves its conversation a moment after it sends the request (the first tokens may be
    // earlier): one killed before that has lost the prompt, and so would the claude resumed after it.
    await waitFor("claude to save the prompt", () => conversation(events.resumes[0]!.sessionId!).includes("tangerine"))
    const pid = events.started[0]!
    process.kill(pid, "SIGKILL")
    const end = await events.turn(1)
    expect(end).toMatchObject({ status: "error", error: expect.stringContaining("signal SIGKILL") })
    expect(events.crashes).toEqual([expect.objectContaining({ pid, reason: expect.stringContaining("SIGKILL"), logFile: expect.stringContaining(project.logDir) })])
    expect(events.crashes[0]!.restartInMs).toBeUndefined()
    expect(events.exited).toEqual([pid])

    await session.prompt({ text: "what was the word?" })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    const respawned = events.started[1]!
    expect(respawned).not.toBe(pid)
    expect(cmdline(respawned)).toContain("--resume")
    expect(userTexts(stub.turns.at(-1)!.body)).toEqual(expect.arrayContaining(["remember the word tangerine", "what was the word?"]))
  })

  test("a claude that dies at start fails the turn with what it said, and is reported as a crash", async () => {
    const broken = join(project.root, "broken-claude")
    writeFileSync(broken, "#!/bin/sh\necho 'Error: this claude is broken' >&2\nexit 1\n", { mode: 0o755 })
    const { events, session } = open({ config: { binary: broken } })
    await session.prompt({ text: "hello?" })
    expect(await events.turn(1)).toEqual({ status: "error", error: "claude exited during the turn (code 1: Error: this claude is broken)" })
    expect(events.crashes).toEqual([expect.objectContaining({ reason: "exited (code 1: Error: this claude is broken)" })])
    expect(readFileSync(events.crashes[0]!.logFile, "utf8")).toContain("this claude is broken")
  })

  test("a turn's model is used for that turn only; the agent's model otherwise", async () => {
    stub.reply(text("one"), text("two"), text("three"))
    const { events, session } = open({ agent: { model: "anthropic/claude-sonnet-4-5" } })
    await session.prompt({ text: "a" })
    await events.turn(1)
    await session.prompt({ text: "b", model: "haiku" })
    await events.turn(2)
    await session.prompt({ text: "c" })
    await events.turn(3)
    expect(stub.turns.map((t) => t.body.model)).toEqual(["claude-sonnet-4-5", expect.stringMatching(/haiku/), "claude-sonnet-4-5"])
  })

  test("close stops claude and the commands it runs", async () => {
    // (claude refuses a standalone sleep)
    stub.reply(toolUse("Bash", { command: "touch started && sleep 300", description: "wait" }))
    const { events, session } = open()
    await session.prompt({ text: "wait a while" })
    await session.answer((await events.ask(1)).nativeId, { decision: "allow" })
    const pid = events.started[0]!
    const sleeper = await waitFor("the sleep command", () => pidsBelow(pid).find((p) => cmdline(p).join(" ").includes("sleep 300")))
    await session.close()
    expect(isAlive(pid)).toBe(false)
    await waitFor("the sleep to be gone", () => !isAlive(sleeper), { timeoutMs: 5_000 })
  })

  test("attach opens Claude's own TUI on the conversation", async () => {
    stub.reply(text("hi"))
    const { events, session, agent } = open()
    expect((await session.attach()).argv.slice(1, 2)).toEqual(["--session-id"])
    await session.prompt({ text: "hi" })
    await events.turn(1)
    const attach = await session.attach()
    expect(attach).toMatchObject({ argv: [expect.stringContaining("claude"), "--resume", events.resumes[0]!.sessionId], cwd: agent.directory, env: { CLAUDE_CONFIG_DIR: project.env.CLAUDE_CONFIG_DIR } })
  })
})

const pidsBelow = (root: number) => descendants(root).map((entry) => entry.pid)

/** What claude saved of a conversation so far (its jsonl under the config folder), "" before anything. */
function conversation(sessionId: string): string {
  const projects = join(project.env.CLAUDE_CONFIG_DIR!, "projects")
  const file = existsSync(projects) ? readdirSync(projects).map((dir) => join(projects, dir, `${sessionId}.jsonl`)).find(existsSync) : undefined
  return file ? readFileSync(file, "utf8") : ""
}
