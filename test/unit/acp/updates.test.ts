// The transcript → ACP session/update mapping (src/acp/updates.ts) and the prompt's text
// (src/acp/prompt-text.ts), in process, on streams recorded from the real harnesses:
// whole agent streams (test/fixtures/streams, test/fixtures/acp, as `iterate events --format
// json` printed them) and each harness's native lines (test/fixtures/<name>) wrapped the
// way the adapter appends them, folded event by event as `iterate acp` folds a live stream.
import { readFileSync } from "node:fs"
import type { SessionUpdate } from "@agentclientprotocol/sdk"
import { describe, expect, test } from "vitest"
import { promptText } from "../../../src/acp/prompt-text.ts"
import { diffContents, SessionUpdates, toolKind } from "../../../src/acp/updates.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import { toolCalls } from "../../support/acp-client.ts"
import type { AgentStreamEvent, PermissionPart } from "../../../src/transcript/types.ts"

const lines = (url: URL) => readFileSync(url, "utf8").trim().split("\n").map((line) => JSON.parse(line))

/** A whole agent stream recorded through iterate. */
const recorded = (path: string): AgentStreamEvent[] => lines(new URL(`../../fixtures/${path}.jsonl`, import.meta.url))

/** A harness's native lines behind a prompt action and a busy status, with `after` at the end. */
function wrapped(harness: string, fixture: string, after: Array<{ type: string; payload: unknown }> = []): AgentStreamEvent[] {
  let n = 0
  const offset = () => String(++n).padStart(16, "0")
  return [
    { offset: offset(), type: "iterate:agent:action:prompt:called", payload: { text: "the prompt" } },
    { offset: offset(), type: "iterate:agent:status:changed", payload: { status: "busy", prompt: "0000000000000001" } },
    ...lines(new URL(`../../fixtures/${harness}/${fixture}.jsonl`, import.meta.url)).map((native) => ({
      offset: offset(),
      type: `iterate:agent:harness:${harness}:event-received`,
      payload: native,
    })),
    ...after.map((event) => ({ offset: offset(), ...event })),
  ]
}

const IDLE = { type: "iterate:agent:status:changed", payload: { status: "idle", prompt: "0000000000000001" } }

/** Folds the events one by one, collecting what each step would send. */
function stream(harness: string, events: AgentStreamEvent[], directory = "/tmp/acp-fixture/project") {
  const builder = transcriptFor(harness)
  const updates = new SessionUpdates(directory)
  const sent: SessionUpdate[] = []
  for (const event of events) {
    builder.push(event)
    sent.push(...updates.next(builder.transcript))
  }
  return { sent, transcript: builder.transcript, updates }
}

const of = <K extends SessionUpdate["sessionUpdate"]>(sent: SessionUpdate[], kind: K) =>
  sent.filter((u): u is Extract<SessionUpdate, { sessionUpdate: K }> => u.sessionUpdate === kind)
const text = (sent: SessionUpdate[], kind: "agent_message_chunk" | "agent_thought_chunk" | "user_message_chunk") =>
  of(sent, kind)
    .map((u) => (u.content.type === "text" ? u.content.text : ""))
    .join("")

describe("session updates from a transcript", () => {
  test("reasoning and text stream as thought and message chunks that add up to the reply; the prompt is a user chunk", () => {
    const { sent, updates, transcript } = stream("opencode", wrapped("opencode", "text", [IDLE]))
    expect(text(sent, "user_message_chunk")).toBe("the prompt")
    expect(text(sent, "agent_thought_chunk")).toBe("The user wants a greeting.")
    expect(text(sent, "agent_message_chunk")).toBe("Hello there, this is the stub speaking.")
    expect(of(sent, "agent_message_chunk").length).toBeGreaterThan(1)
    // Thinking comes before the reply, and nothing is sent twice.
    expect(sent.findIndex((u) => u.sessionUpdate === "agent_thought_chunk")).toBeLessThan(sent.findIndex((u) => u.sessionUpdate === "agent_message_chunk"))
    expect(updates.next(transcript)).toEqual([])
  })

  test("a prompt the client sent itself is not sent back", () => {
    const builder = transcriptFor("opencode").pushAll(wrapped("opencode", "text"))
    const sent = new SessionUpdates("/p").next(builder.transcript, (message) => message.offset === "0000000000000001")
    expect(of(sent, "user_message_chunk")).toEqual([])
    expect(text(sent, "agent_message_chunk")).toBe("Hello there, this is the stub speaking.")
  })

  test("a replay (one call on the whole stream) sends each prompt, reply and tool call once, in order", () => {
    const t = transcriptFor("opencode").pushAll(recorded("streams/opencode-permission")).transcript
    const sent = new SessionUpdates("/tmp/iterate-fixture/project").next(t)
    expect(sent.map((u) => u.sessionUpdate)).toEqual([
      "user_message_chunk",
      "tool_call",
      "agent_message_chunk",
      "user_message_chunk",
      "tool_call",
      "agent_message_chunk",
    ])
    expect(of(sent, "user_message_chunk").map((u) => (u.content as { text: string }).text)).toEqual(["write hello.txt", "clean up"])
  })

  test("opencode's write: a tool call, in progress while it asks, completed with the new file as a diff and its output", () => {
    const { sent } = stream("opencode", recorded("streams/opencode-permission"))
    const [write, bash] = toolCalls(sent)
    const first = of(sent, "tool_call")[0]!
    expect(first).toMatchObject({ kind: "edit", status: "pending", title: "write" })
    expect(write).toMatchObject({
      kind: "edit",
      status: "completed",
      rawInput: { filePath: "/tmp/iterate-fixture/project/hello.txt" },
      locations: [{ path: "/tmp/iterate-fixture/project/hello.txt" }],
      content: [
        { type: "diff", path: "/tmp/iterate-fixture/project/hello.txt", newText: "hello\n" },
        { type: "content", content: { type: "text", text: "Wrote file successfully." } },
      ],
    })
    expect((write!.content as Array<{ oldText?: string }>)[0]).not.toHaveProperty("oldText")
    // An update carries only what changed.
    expect(of(sent, "tool_call_update").filter((u) => u.toolCallId === first.toolCallId).map((u) => u.status)).toEqual(["in_progress", "completed"])
    expect(bash).toMatchObject({ kind: "execute", status: "failed", rawInput: { command: "rm -rf build" } })
    expect((bash!.content as Array<{ content: { text: string } }>)[0]!.content.text).toMatch(/^```\n[^]*keep the build folder[^]*\n```$/)
  })

  test("opencode's edit of a file: the change it proposes while it waits, then the hunk it made, with context", () => {
    const { sent } = stream("opencode", recorded("streams/opencode-edit"))
    const running = of(sent, "tool_call_update").find((u) => u.status === "in_progress")!
    expect(running.content).toEqual([{ type: "diff", path: "/tmp/iterate-fixture/project/notes.md", oldText: "second line", newText: "second line, edited\nthird line" }])
    const [edit] = toolCalls(sent)
    expect(edit).toMatchObject({ status: "completed", title: expect.stringMatching(/^edit .*notes\.md$/) })
    expect((edit!.content as unknown[])[0]).toEqual({
      type: "diff",
      path: "/tmp/iterate-fixture/project/notes.md",
      oldText: "# Notes\n\nfirst line\nsecond line\n",
      newText: "# Notes\n\nfirst line\nsecond line, edited\nthird line\n",
    })
  })

  test("a permission request names the tool call it is about, once the client knows that call", () => {
    const events = recorded("streams/opencode-permission")
    const builder = transcriptFor("opencode")
    const updates = new SessionUpdates("/tmp/iterate-fixture/project")
    const asked = events.findIndex((e) => e.type === "iterate:agent:permission:requested")
    builder.pushAll(events.slice(0, asked + 1))
    const request = builder.transcript.pending[0] as PermissionPart
    // Not told of the write yet: the request is about nothing the client has seen.
    expect(updates.toolCallOf(builder.transcript, request)).toBeUndefined()
    const [call] = of(updates.next(builder.transcript), "tool_call")
    expect(updates.toolCallOf(builder.transcript, request)).toBe(call!.toolCallId)
  })

  test("opencode's todo list is the plan: each new list replaces it, cancelled items left out", () => {
    const { sent } = stream("opencode", recorded("acp/opencode-plan"))
    expect(of(sent, "tool_call")).toEqual([])
    expect(of(sent, "plan").map((p) => p.entries)).toEqual([
      [
        { content: "read the code", status: "pending", priority: "high" },
        { content: "write the fix", status: "pending", priority: "medium" },
        { content: "run the tests", status: "pending", priority: "medium" },
      ],
      [
        { content: "read the code", status: "completed", priority: "high" },
        { content: "write the fix", status: "in_progress", priority: "medium" },
      ],
    ])
    expect(text(sent, "agent_message_chunk")).toBe("Planned.")
  })

  test("Claude Code's Bash: an execute call whose output keeps its lines in a code block", () => {
    const { sent } = stream("claude", wrapped("claude", "bash", [IDLE]))
    const [bash] = toolCalls(sent)
    expect(bash).toMatchObject({ kind: "execute", status: "completed", title: "Bash write and show out.txt", content: [{ type: "content", content: { type: "text", text: "```\nhello\n```" } }] })
    expect(text(sent, "agent_message_chunk")).toBe("Ran it.")
  })

  test("Claude Code's Edit: its relative path is made absolute in the agent's directory; the proposed change shows first", () => {
    const { sent } = stream("claude", wrapped("claude", "edit", [IDLE]), "/home/me/app")
    const edit = toolCalls(sent).find((c) => c.title === "Edit notes.txt")!
    expect(edit.status).toBe("completed")
    expect(edit.content).toEqual([
      { type: "diff", path: "/home/me/app/notes.txt", oldText: "one\ntwo\nthree\n", newText: "one\n2\nthree\n" },
      expect.objectContaining({ type: "content" }),
    ])
    expect(of(sent, "tool_call_update").find((u) => u.toolCallId === edit.toolCallId && u.status === "in_progress")!.content).toEqual([
      { type: "diff", path: "/tmp/claude-fixture/project/notes.txt", oldText: "two", newText: "2" },
    ])
    expect(toolCalls(sent).map((c) => c.kind)).toEqual(["read", "edit", "edit"])
  })

  test("Pi's edit with two changes: each proposed, then each hunk it made as a diff of its own", () => {
    const { sent } = stream("pi", wrapped("pi", "edit", [IDLE]))
    const first = of(sent, "tool_call")[0]!
    expect(first.content).toEqual([
      { type: "diff", path: "/tmp/acp-fixture/project/greet.txt", oldText: "hi from", newText: "hello from" },
      { type: "diff", path: "/tmp/acp-fixture/project/greet.txt", oldText: "a\n", newText: "A\n" },
    ])
    const [edit] = toolCalls(sent)
    const diffs = (edit!.content as Array<{ type: string }>).filter((c) => c.type === "diff")
    expect(diffs).toHaveLength(2)
    expect(diffs[1]).toMatchObject({ oldText: expect.stringContaining("hi from the stub"), newText: expect.stringContaining("hello from the stub") })
  })

  test("a failed turn's error is a message chunk, sent once", () => {
    const { sent } = stream("opencode", wrapped("opencode", "api-error", [{ type: "iterate:agent:status:changed", payload: { status: "error", error: "quota exceeded" } }]))
    expect(of(sent, "agent_message_chunk").filter((u) => (u.content as { text: string }).text.includes("quota exceeded"))).toHaveLength(1)
  })

  test("Claude Code's text streams as deltas and then arrives whole: the whole of it is not sent again", () => {
    const { sent } = stream("claude", wrapped("claude", "text", [IDLE]))
    expect(of(sent, "agent_message_chunk").length).toBeGreaterThan(1)
    expect(text(sent, "agent_message_chunk")).toBe("Hello there, this is the stub speaking.")
    expect(text(sent, "agent_thought_chunk")).toBe("The user wants a greeting.")
  })
})

describe("diff contents", () => {
  test("a new file has no old text; a hunk's context is on both sides; '\\ No newline' lines are no text", () => {
    expect(diffContents("/a.txt", "--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n")).toEqual([{ type: "diff", path: "/a.txt", newText: "one\ntwo\n" }])
    const diff = "--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n\\ No newline at end of file\n@@ -9,1 +9,1 @@\n-nine\n+9\n"
    expect(diffContents("/a.txt", diff)).toEqual([
      { type: "diff", path: "/a.txt", oldText: "one\ntwo\nthree\n", newText: "one\n2\nthree\n" },
      { type: "diff", path: "/a.txt", oldText: "nine\n", newText: "9\n" },
    ])
  })

  test("tool kinds from the harnesses' tool names", () => {
    expect(["read", "Read", "write", "Edit", "MultiEdit", "bash", "Bash", "grep", "Glob", "webfetch", "WebSearch", "task", "Task"].map(toolKind)).toEqual([
      "read",
      "read",
      "edit",
      "edit",
      "edit",
      "execute",
      "execute",
      "search",
      "search",
      "fetch",
      "fetch",
      "other",
      "other",
    ])
  })
})

describe("prompt text", () => {
  test("text blocks and mentions become one message; an embedded file's text follows it as context", () => {
    expect(
      promptText([
        { type: "text", text: "Look at" },
        { type: "resource_link", uri: "file:///home/me/app/src/main%20file.ts", name: "main file.ts" },
        { type: "text", text: " and fix it." },
        { type: "resource", resource: { uri: "file:///home/me/app/README.md", text: "# App\n" } },
      ]),
    ).toBe('Look at @/home/me/app/src/main file.ts and fix it. @/home/me/app/README.md\n\n<context uri="file:///home/me/app/README.md">\n# App\n</context>')
    expect(promptText([{ type: "text", text: "  " }])).toBe("")
  })
})
