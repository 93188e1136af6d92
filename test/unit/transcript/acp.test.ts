// The ACP reducer on streams recorded from a real ACP agent, Zed's claude-agent-acp 0.23.1
// (test/fixtures/acp-agent, re-recorded by its record.ts), wrapped the way the adapter appends
// them, behind a prompt action and a busy status, under a harness name the registry does not know.
import { describe, expect, test } from "vitest"
import { reducerFor, transcriptFor } from "../../../src/harness/transcripts.ts"
import { foldAcp } from "../../../src/harness/acp/transcript.ts"
import type { EventInput } from "../../../src/streams/events.ts"
import type { Part } from "../../../src/transcript/types.ts"
import { recordedNatives, transcriptOfTurn } from "../../support/fixture-streams.ts"

const PROJECT = "/tmp/acp-fixture/project"

const natives = (fixture: string): unknown[] => recordedNatives("acp-agent", fixture)
const transcriptOf = (lines: unknown[], after: EventInput[] = []) => transcriptOfTurn("my-agent", lines, after)
const fixture = (name: string, after: EventInput[] = []) => transcriptOf(natives(name), after)
const idle = { type: "iterate:agent:status:changed", payload: { status: "idle" } }
const kinds = (parts: Part[]) => parts.map((p) => p.kind)

describe("ACP transcript", () => {
  test("any harness the registry does not know by name is read as an ACP agent; the built-in ones keep theirs", () => {
    expect(reducerFor("gemini")).toBe(foldAcp)
    expect(reducerFor("my-agent")).toBe(foldAcp)
    expect(reducerFor("claude")).not.toBe(foldAcp)
  })

  test("thought chunks stream into one reasoning part and message chunks into one text part, with the tokens and the turn's cost", () => {
    const t = fixture("text", [idle])
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"])
    const reply = t.messages[1]!
    expect(reply.parts).toEqual([
      { kind: "reasoning", id: expect.any(String), text: "The user wants a greeting." },
      { kind: "text", id: expect.any(String), text: "Hello there, this is the stub speaking." },
    ])
    expect(reply.usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: expect.any(Number) })
    expect(reply.usage!.costUsd).toBeGreaterThan(0)
    expect(t.usage).toEqual(reply.usage)
    expect(t.status).toBe("idle")
  })

  test("halfway through, the text part holds what has arrived", () => {
    const lines = natives("text")
    const firstText = lines.findIndex((l: any) => l.update?.sessionUpdate === "agent_message_chunk" && l.update.content.text)
    const part = transcriptOf(lines.slice(0, firstText + 1)).messages[1]!.parts.find((p) => p.kind === "text") as { text: string }
    expect(part.text.length).toBeGreaterThan(0)
    expect("Hello there, this is the stub speaking.".startsWith(part.text)).toBe(true)
  })

  test("a write is a tool part named by its kind, with its title, input and output, and a diff of the new file once it completed", () => {
    const t = fixture("tool", [idle])
    const parts = t.messages[1]!.parts
    expect(kinds(parts)).toEqual(["text", "tool", "file-edit", "text"])
    expect(parts[0]).toMatchObject({ text: "Writing it." })
    expect(parts[1]).toMatchObject({
      kind: "tool",
      tool: "edit",
      title: "Write hello.txt",
      input: { file_path: `${PROJECT}/hello.txt`, content: "hi from the stub\n" },
      status: "completed",
      output: expect.stringContaining("File created successfully"),
    })
    expect(parts[2]).toEqual({
      kind: "file-edit",
      id: expect.any(String),
      toolPartId: parts[1]!.id,
      path: `${PROJECT}/hello.txt`,
      diff: expect.stringContaining("+hi from the stub"),
      additions: 1,
      deletions: 0,
    })
    expect(parts[3]).toMatchObject({ text: "I wrote hello.txt." })
  })

  test("while a tool call waits it is pending, without output or diff", () => {
    const lines = natives("tool")
    const proposed = lines.findIndex((l: any) => l.update?.sessionUpdate === "tool_call_update" && l.update.content?.length)
    const parts = transcriptOf(lines.slice(0, proposed + 1)).messages[1]!.parts
    expect(kinds(parts)).toEqual(["text", "tool"])
    expect(parts[1]).toMatchObject({ status: "pending", title: "Write hello.txt" })
    expect(parts[1]).not.toHaveProperty("output")
  })

  test("a read and an edit: the read's output, the edit's change as a diff of what the agent said it replaced", () => {
    const parts = fixture("edit", [idle]).messages[1]!.parts
    expect(kinds(parts)).toEqual(["tool", "tool", "file-edit", "text"])
    expect(parts[0]).toMatchObject({ tool: "read", title: "Read notes.txt", status: "completed", output: expect.stringContaining("two") })
    expect(parts[1]).toMatchObject({ tool: "edit", title: "Edit notes.txt", status: "completed" })
    expect(parts[2]).toMatchObject({ kind: "file-edit", path: `${PROJECT}/notes.txt`, additions: 1, deletions: 1, diff: expect.stringContaining("-two\n+2") })
  })

  test("a command is an execute part with the command's output", () => {
    const parts = fixture("bash", [idle]).messages[1]!.parts
    expect(parts[0]).toMatchObject({ kind: "tool", tool: "execute", title: "echo hello > out.txt && cat out.txt", status: "completed", output: expect.stringContaining("hello") })
  })

  test("a refused call failed with what the agent said, and left no diff", () => {
    const parts = fixture("denied", [idle]).messages[1]!.parts
    expect(kinds(parts)).toEqual(["tool", "text"])
    expect(parts[0]).toMatchObject({ tool: "edit", status: "error", error: expect.stringContaining("refused") })
  })

  test("the plan is a todo list, as the todo tools of the other harnesses keep theirs", () => {
    const parts = fixture("plan", [idle]).messages[1]!.parts
    expect(parts[0]).toMatchObject({
      kind: "tool",
      tool: "todowrite",
      title: "plan: 1 of 2 done",
      status: "completed",
      input: {
        todos: [
          { content: "Read the notes", status: "completed", priority: "medium" },
          { content: "Write the summary", status: "in_progress", priority: "medium" },
        ],
      },
    })
  })

  test("an aborted turn keeps what streamed, marked aborted", () => {
    const t = fixture("abort", [{ type: "iterate:agent:status:changed", payload: { status: "idle", aborted: true } }])
    const reply = t.messages[1]!
    expect(reply.aborted).toBe(true)
    const text = reply.parts.find((p) => p.kind === "text") as { text: string }
    expect(text.text).toMatch(/^x+$/)
    expect(text.text.length).toBeLessThan(400)
  })

  test("a model API error: the turn fails with what the agent answered the prompt with", () => {
    const error = "claude-acp: Internal error: API Error: 400 the stub refuses this request"
    const t = fixture("api-error", [{ type: "iterate:agent:status:changed", payload: { status: "error", error } }])
    expect(t.status).toBe("error")
    expect(t.messages[1]!.parts).toEqual([{ kind: "error", id: expect.any(String), message: error }])
  })

  test("two turns: each turn's output is the assistant message after its prompt, and the cost counts each turn's share", () => {
    let n = 0
    const offset = () => String(++n).padStart(16, "0")
    const builder = transcriptFor("my-agent")
    for (const name of ["text", "plan"]) {
      const prompt = offset()
      builder.push({ offset: prompt, type: "iterate:agent:action:prompt:called", payload: { text: name } })
      builder.push({ offset: offset(), type: "iterate:agent:status:changed", payload: { status: "busy", prompt } })
      for (const line of natives(name)) builder.push({ offset: offset(), type: "iterate:agent:harness:my-agent:event-received", payload: line })
      builder.push({ offset: offset(), type: "iterate:agent:status:changed", payload: { status: "idle", prompt } })
    }
    const t = builder.transcript
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"])
    // Recorded from two sessions, each counting from zero: each turn gets its own session's cost.
    const costs = [t.messages[1]!.usage!.costUsd!, t.messages[3]!.usage!.costUsd!]
    expect(costs.every((c) => c > 0)).toBe(true)
    expect(t.usage.costUsd).toBeCloseTo(costs[0]! + costs[1]!)
  })

  test("a call the prompt's result leaves unfinished failed: cancelled when the turn was", () => {
    const call = (id: string) => ({ update: { sessionUpdate: "tool_call", toolCallId: id, title: "Write a.txt", kind: "edit", status: "pending" } })
    const parts = transcriptOf([call("t1"), { stopReason: "cancelled" }, call("t2"), { stopReason: "end_turn" }]).messages[1]!.parts
    expect(parts).toMatchObject([
      { id: "t1", status: "error", error: "cancelled" },
      { id: "t2", status: "error", error: "it did not finish" },
    ])
  })

  test("what is no ACP update is left alone", () => {
    const t = transcriptOf([{ type: "result" }, "text", { update: { sessionUpdate: "available_commands_update", availableCommands: [] } }, { update: { sessionUpdate: "something_new" } }])
    expect(t.messages.map((m) => m.role)).toEqual(["user"])
  })
})
