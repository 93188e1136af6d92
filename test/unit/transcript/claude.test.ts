// The Claude Code reducer on streams recorded from claude 2.1.332 (test/fixtures/claude,
// re-recorded by its record.ts), wrapped the way the adapter appends them, behind a prompt action
// and a busy status.
import { describe, expect, test } from "vitest"
import type { EventInput } from "../../../src/streams/events.ts"
import type { FileEditPart, Part, ToolPart } from "../../../src/transcript/types.ts"
import { recordedNatives, transcriptOfTurn } from "../../support/fixture-streams.ts"

const PROJECT = "/tmp/claude-fixture/project"

const natives = (fixture: string): unknown[] => recordedNatives("claude", fixture)
const transcriptOf = (lines: unknown[], after: EventInput[] = []) => transcriptOfTurn("claude", lines, after)

const fixture = (name: string, after: EventInput[] = []) => transcriptOf(natives(name), after)
const idle = { type: "iterate:agent:status:changed", payload: { status: "idle" } }
const kinds = (parts: Part[]) => parts.map((p) => p.kind)
const allParts = (t: ReturnType<typeof fixture>) => t.messages.flatMap((m) => m.parts)

describe("Claude Code transcript", () => {
  test("thinking streams into reasoning and text into text, once each, with the model, usage and cost", () => {
    const t = fixture("text", [idle])
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"])
    const reply = t.messages[1]!
    expect(reply.parts).toEqual([
      { kind: "reasoning", id: expect.stringMatching(/^msg_stub_\d+:0$/), text: "The user wants a greeting." },
      { kind: "text", id: expect.stringMatching(/^msg_stub_\d+:1$/), text: "Hello there, this is the stub speaking." },
    ])
    expect(reply.model).toBe("claude-opus-5-5")
    expect(reply.usage).toMatchObject({ inputTokens: 10, outputTokens: 5, costUsd: expect.any(Number) })
    expect(t.usage).toEqual(reply.usage)
    expect(t.status).toBe("idle")
  })

  test("the text streams: halfway through, the part holds what has arrived", () => {
    const lines = natives("text")
    const firstText = lines.findIndex((l: any) => l.type === "stream_event" && l.event.delta?.type === "text_delta")
    const t = transcriptOf(lines.slice(0, firstText + 1))
    const part = t.messages[1]!.parts.find((p) => p.kind === "text") as { text: string }
    expect(part.text.length).toBeGreaterThan(0)
    expect("Hello there, this is the stub speaking.".startsWith(part.text)).toBe(true)
  })

  test("a tool call is a part with its input and output, and the file it wrote comes with a diff", () => {
    const t = fixture("tool", [idle])
    const [, first, second] = t.messages
    expect(kinds(first!.parts)).toEqual(["text", "tool", "file-edit"])
    expect(first!.parts[1]).toMatchObject({
      kind: "tool",
      tool: "Write",
      title: "hello.txt",
      status: "completed",
      input: { file_path: `${PROJECT}/hello.txt`, content: "hi from the stub\n" },
      output: expect.stringContaining("File created successfully"),
    })
    const edit = first!.parts[2] as FileEditPart
    expect(edit).toMatchObject({ path: "hello.txt", toolPartId: first!.parts[1]!.id, additions: 1, deletions: 0 })
    expect(edit.diff).toBe("--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1,1 @@\n+hi from the stub\n")
    expect(second!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I wrote hello.txt." })])
    expect(t.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 })
  })

  test("Edit and an overwriting Write diff the whole file from what it held before", () => {
    const t = fixture("edit", [idle])
    const edits = allParts(t).filter((p): p is FileEditPart => p.kind === "file-edit")
    expect(edits.map((e) => [e.path, e.additions, e.deletions])).toEqual([
      ["notes.txt", 1, 1],
      ["notes.txt", 1, 0],
    ])
    expect(edits[0]!.diff).toBe("--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n")
    expect(edits[1]!.diff).toContain("+four")
    // Read changes nothing: a tool part and no file edit.
    const read = allParts(t).find((p): p is ToolPart => p.kind === "tool" && p.tool === "Read")
    expect(read).toMatchObject({ status: "completed", title: "notes.txt", output: expect.stringContaining("two") })
  })

  test("MultiEdit (in claude versions that have it) applies its edits in turn", () => {
    const lines = natives("edit").map((line: any) => {
      const use = line.type === "assistant" ? line.message.content.find((c: any) => c.type === "tool_use" && c.name === "Edit") : undefined
      if (!use) return line
      return { ...line, message: { ...line.message, content: [{ ...use, name: "MultiEdit", input: { file_path: use.input.file_path, edits: [{ old_string: "one", new_string: "1" }, { old_string: "two", new_string: "2" }] } }] } }
    })
    const [multi] = allParts(transcriptOf(lines)).filter((p): p is FileEditPart => p.kind === "file-edit")
    expect(multi!.diff).toBe("--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,3 @@\n-one\n-two\n+1\n+2\n three\n")
  })

  test("a command's output is the tool's output", () => {
    const bash = allParts(fixture("bash")).find((p): p is ToolPart => p.kind === "tool")
    expect(bash).toMatchObject({ tool: "Bash", title: "write and show out.txt", status: "completed", output: "hello", input: { command: "echo hello > out.txt && cat out.txt" } })
  })

  test("a denied tool call is a failed tool part with the reason, and no file edit", () => {
    const t = fixture("denied", [idle])
    const parts = allParts(t)
    expect(parts.find((p) => p.kind === "tool")).toMatchObject({ tool: "Write", status: "error", error: "not that file" })
    expect(parts.some((p) => p.kind === "file-edit")).toBe(false)
    expect(t.messages.at(-1)!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I did not write it." })])
  })

  test("a question to the user is a tool part whose output holds the answer", () => {
    const tool = allParts(fixture("question")).find((p): p is ToolPart => p.kind === "tool")
    expect(tool).toMatchObject({ tool: "AskUserQuestion", status: "completed", output: expect.stringContaining('"Which colour?"="Blue"') })
  })

  test("an aborted turn keeps the text that streamed and is marked aborted, with no error", () => {
    const t = fixture("abort", [{ type: "iterate:agent:status:changed", payload: { status: "idle", aborted: true } }])
    const reply = t.messages[1]!
    expect(reply.aborted).toBe(true)
    expect(kinds(reply.parts)).toEqual(["text"])
    expect((reply.parts[0] as { text: string }).text).toMatch(/^x+$/)
    expect(t.status).toBe("idle")
  })

  test("an API error is shown once, from claude's error message and its failed result alike", () => {
    // The session ends the turn with the result's message, as the status the adapter appends.
    const lines = natives("api-error")
    const error = (lines.find((l: any) => l.type === "result") as { result: string }).result
    const t = transcriptOf(lines, [{ type: "iterate:agent:status:changed", payload: { status: "error", error } }])
    const reply = t.messages.at(-1)!
    expect(reply.parts).toEqual([{ kind: "error", id: expect.any(String), message: expect.stringMatching(/^API Error: 529 Overloaded\. This is a server-side issue/) }])
    expect(t.status).toBe("error")
  })

  test("a retry is a note on the turn while claude waits, gone once the reply comes", () => {
    const lines = natives("retry")
    const retry = lines.findIndex((l: any) => l.subtype === "api_retry")
    expect(transcriptOf(lines.slice(0, retry + 1)).error).toBe("the model API answered 529; retrying (1 of 1)")
    const t = transcriptOf(lines, [idle])
    expect(t.error).toBeUndefined()
    expect(t.messages.at(-1)!.parts).toEqual([expect.objectContaining({ text: "Made it on the second try." })])
  })

  test("lines of a subagent, replayed prompts and interrupt notes add nothing", () => {
    const t = transcriptOf([
      { type: "assistant", parent_tool_use_id: "toolu_x", message: { id: "msg_sub", model: "m", content: [{ type: "text", text: "from a subagent" }] } },
      { type: "user", isReplay: true, message: { role: "user", content: "the prompt" } },
      { type: "user", message: { role: "user", content: [{ type: "text", text: "[Request interrupted by user]" }] } },
    ])
    expect(t.messages.map((m) => m.role)).toEqual(["user"])
  })
})
