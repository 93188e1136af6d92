// The Codex reducer on app-server messages recorded from codex 0.169.0 against the Responses
// stub (test/fixtures/codex, re-recorded by its record.ts), wrapped the way the adapter appends
// them, behind a prompt action and a busy status.
import { describe, expect, test } from "vitest"
import { SessionUpdates } from "../../../src/acp/updates.ts"
import { TurnUsage } from "../../../src/agents/usage/turn.ts"
import { errorText, shellScript } from "../../../src/harness/codex/transcript.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { EventInput } from "../../../src/streams/events.ts"
import type { FileEditPart, Part, ToolPart } from "../../../src/transcript/types.ts"
import { recordedNatives, transcriptOfTurn } from "../../support/fixture-streams.ts"

const PROJECT = "/tmp/codex-fixture/project"
const NATIVE = "iterate:agent:harness:codex:event-received"

const natives = (fixture: string): any[] => recordedNatives("codex", fixture)
const transcriptOf = (lines: unknown[], after: EventInput[] = []) => transcriptOfTurn("codex", lines, after)

const fixture = (name: string, after: EventInput[] = []) => transcriptOf(natives(name), after)
const idle: EventInput = { type: "iterate:agent:status:changed", payload: { status: "idle" } }
const kinds = (parts: Part[]) => parts.map((p) => p.kind)
const allParts = (t: ReturnType<typeof fixture>) => t.messages.flatMap((m) => m.parts)
const tools = (t: ReturnType<typeof fixture>) => allParts(t).filter((p): p is ToolPart => p.kind === "tool")

describe("Codex transcript", () => {
  test("reasoning and text stream into one assistant message, with the turn's usage", () => {
    const t = fixture("text", [idle])
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"])
    const reply = t.messages[1]!
    expect(reply.parts).toEqual([
      { kind: "reasoning", id: expect.stringMatching(/:summary:0$/), text: "The user wants a greeting." },
      { kind: "text", id: expect.any(String), text: "Hello there, this is the stub speaking." },
    ])
    expect(reply.usage).toEqual({ inputTokens: 10, outputTokens: 5 })
    expect(t.usage).toEqual(reply.usage)
    expect(t.status).toBe("idle")
  })

  test("the ledger takes a turn's tokens from it: each model call's, added up", () => {
    const usage = new TurnUsage("codex")
    for (const line of natives("command")) usage.push(line)
    expect(usage.entries("0000000000000001", "gpt-5.5")).toEqual([
      { prompt: "0000000000000001", model: "gpt-5.5", inputTokens: 20, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 },
    ])
  })

  test("the text streams: halfway through, the part holds what has arrived", () => {
    const lines = natives("text")
    const firstDelta = lines.findIndex((l) => l.method === "item/agentMessage/delta")
    const t = transcriptOf(lines.slice(0, firstDelta + 1))
    const part = t.messages[1]!.parts.find((p) => p.kind === "text") as { text: string }
    expect(part.text.length).toBeGreaterThan(0)
    expect(part.text.length).toBeLessThan("Hello there, this is the stub speaking.".length)
    expect("Hello there, this is the stub speaking.".startsWith(part.text)).toBe(true)
  })

  test("a command is a shell tool part with its script and output, between what the model said before and after", () => {
    const t = fixture("command", [idle])
    expect(kinds(t.messages[1]!.parts)).toEqual(["text", "tool", "text"])
    expect(tools(t)).toEqual([
      {
        kind: "tool",
        id: expect.any(String),
        tool: "shell",
        title: "printf 'one\\ntwo\\n'",
        input: { command: "printf 'one\\ntwo\\n'" },
        status: "completed",
        output: "one\ntwo\n",
      },
    ])
    expect(t.usage).toEqual({ inputTokens: 20, outputTokens: 10 })
  })

  test("a command that exits non-zero is a failed part with its exit code and output", () => {
    expect(tools(fixture("command-failed", [idle]))[0]).toMatchObject({ tool: "shell", title: "echo broken >&2; exit 3", status: "error", error: "exit code 3", output: "broken\n" })
  })

  test("a patch that adds a file is an apply_patch part and a file edit with its diff", () => {
    const t = fixture("write", [idle])
    const reply = t.messages[1]!
    expect(kinds(reply.parts)).toEqual(["tool", "file-edit", "text"])
    expect(reply.parts[0]).toMatchObject({ tool: "apply_patch", title: "hello.txt", status: "completed", output: "write hello.txt" })
    expect(reply.parts[1]).toEqual({
      kind: "file-edit",
      id: expect.any(String),
      toolPartId: reply.parts[0]!.id,
      path: "hello.txt",
      diff: "--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1,1 @@\n+hi from the stub\n",
      additions: 1,
      deletions: 0,
    })
  })

  test("a patch that updates a file carries codex's hunks under the file's name", () => {
    const [edit] = allParts(fixture("edit", [idle])).filter((p): p is FileEditPart => p.kind === "file-edit")
    expect(edit).toMatchObject({ path: "notes.txt", additions: 1, deletions: 1 })
    expect(edit!.diff).toBe("--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n")
  })

  test("a declined patch is a failed part and changes no file", () => {
    const t = fixture("denied", [idle])
    expect(tools(t)).toEqual([expect.objectContaining({ tool: "apply_patch", status: "error", error: "declined" })])
    expect(allParts(t).some((p) => p.kind === "file-edit")).toBe(false)
    expect(t.messages.at(-1)!.parts.at(-1)).toMatchObject({ kind: "text", text: "I did not write it." })
  })

  test("the plan is one update_plan part holding its latest steps as todos, which ACP shows as the plan", () => {
    const t = fixture("plan", [idle])
    const plans = tools(t).filter((p) => p.tool === "update_plan")
    expect(plans).toHaveLength(1)
    expect(plans[0]).toMatchObject({
      title: "2 of 3 steps done",
      status: "completed",
      input: {
        todos: [
          { content: "Read the code", status: "completed" },
          { content: "Fix the bug", status: "completed" },
          { content: "Run the tests", status: "in_progress" },
        ],
      },
    })
    const halfway = transcriptOf(natives("plan").slice(0, natives("plan").findIndex((l) => l.method === "turn/plan/updated") + 1))
    expect(tools(halfway)[0]!.input).toEqual({
      explanation: "Starting on the fix",
      todos: [
        { content: "Read the code", status: "completed" },
        { content: "Fix the bug", status: "in_progress" },
        { content: "Run the tests", status: "pending" },
      ],
    })
    const plan = new SessionUpdates(PROJECT).next(t).find((u) => u.sessionUpdate === "plan")
    expect(plan).toEqual({
      sessionUpdate: "plan",
      entries: [
        { content: "Read the code", status: "completed", priority: "medium" },
        { content: "Fix the bug", status: "completed", priority: "medium" },
        { content: "Run the tests", status: "in_progress", priority: "medium" },
      ],
    })
  })

  test("an aborted turn keeps the text that streamed and is marked aborted, with no error", () => {
    const t = fixture("abort", [{ type: "iterate:agent:status:changed", payload: { status: "idle", aborted: true } }])
    const reply = t.messages[1]!
    expect(reply.aborted).toBe(true)
    expect(kinds(reply.parts)).toEqual(["text"])
    expect((reply.parts[0] as { text: string }).text).toMatch(/^x+$/)
    expect(t.status).toBe("idle")
  })

  test("a call the abort cut short while it waited for approval fails, so no renderer shows it running", () => {
    const t = fixture("abort-asking", [{ type: "iterate:agent:status:changed", payload: { status: "idle", aborted: true } }])
    expect(tools(t)).toEqual([expect.objectContaining({ tool: "apply_patch", title: "later.txt", status: "error", error: "interrupted" })])
    expect(allParts(t).some((p) => p.kind === "file-edit")).toBe(false)
  })

  test("an API error is shown once, in the API's words, from codex's error and its failed turn alike", () => {
    const lines = natives("api-error")
    const error = errorText(lines.find((l) => l.method === "turn/completed").params.turn.error)
    expect(error).toBe("The stub refuses this request")
    const t = transcriptOf(lines, [{ type: "iterate:agent:status:changed", payload: { status: "error", error } }])
    expect(t.messages.at(-1)!.parts).toEqual([{ kind: "error", id: expect.any(String), message: "The stub refuses this request" }])
    expect(t.status).toBe("error")
  })

  test("a retry is a note on the turn while codex waits, gone once the reply comes", () => {
    const [started, ...rest] = natives("text")
    const turnId = rest.find((l) => l.method === "turn/started").params.turn.id
    const retry = { method: "error", params: { error: { message: "stream disconnected before completion", codexErrorInfo: "other" }, willRetry: true, threadId: "t", turnId } }
    const waiting = transcriptOf([started, retry])
    expect(waiting.error).toBe("stream disconnected before completion; retrying")
    expect(transcriptOf([started, retry, ...rest]).error).toBeUndefined()
  })

  test("output after a prompt folded into the running turn goes in a message after that prompt", () => {
    const lines = natives("command")
    const split = lines.findIndex((l) => l.method === "item/completed" && l.params.item.type === "commandExecution") + 1
    let n = 0
    const offset = () => String(++n).padStart(16, "0")
    const builder = transcriptFor("codex")
    builder.push({ offset: offset(), type: "iterate:agent:action:prompt:called", payload: { text: "first" } })
    for (const line of lines.slice(0, split)) builder.push({ offset: offset(), type: NATIVE, payload: line })
    builder.push({ offset: offset(), type: "iterate:agent:action:prompt:called", payload: { text: "and also" } })
    for (const line of lines.slice(split)) builder.push({ offset: offset(), type: NATIVE, payload: line })
    const t = builder.transcript
    expect(t.messages.map((m) => [m.role, kinds(m.parts)])).toEqual([
      ["user", ["text"]],
      ["assistant", ["text", "tool"]],
      ["user", ["text"]],
      ["assistant", ["text"]],
    ])
  })

  test("approval requests and notifications about nothing shown add nothing", () => {
    const t = transcriptOf([
      { method: "item/commandExecution/requestApproval", id: 0, params: { threadId: "t", turnId: "u", itemId: "i", command: "ls" } },
      { method: "thread/status/changed", params: { threadId: "t", status: { type: "idle" } } },
      { method: "item/started", params: { threadId: "t", turnId: "u", item: { type: "userMessage", id: "m", content: [] } } },
    ])
    expect(t.messages.map((m) => m.role)).toEqual(["user"])
  })

  test("commands are shown as the script codex runs through the shell", () => {
    expect(shellScript("/bin/bash -lc 'npm test'")).toBe("npm test")
    expect(shellScript(`/bin/bash -lc 'echo it'\\''s'`)).toBe("echo it's")
    expect(shellScript(`/bin/zsh -lc "printf 'a\\\\n' \\"\\$HOME\\""`)).toBe(`printf 'a\\n' "$HOME"`)
    expect(shellScript("/bin/bash -lc ls")).toBe("ls")
    expect(shellScript("git status")).toBe("git status")
  })
})
