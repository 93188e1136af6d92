// The opencode reducer on streams captured from opencode 1.18 (test/fixtures/opencode),
// wrapped the way the adapter appends them, behind a prompt action and a busy status.
import { describe, expect, test } from "vitest"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { EventInput } from "../../../src/streams/events.ts"
import type { Part } from "../../../src/transcript/types.ts"
import { recordedNatives, transcriptOfTurn } from "../../support/fixture-streams.ts"

const transcriptOf = (fixture: string, after: EventInput[] = []) => transcriptOfTurn("opencode", recordedNatives("opencode", fixture), after, "say hello")

const kinds = (parts: Part[]) => parts.map((p) => p.kind)

describe("opencode transcript", () => {
  test("the prompt is the user message; reasoning and text stream into the assistant's, with usage", () => {
    const t = transcriptOf("text")
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"])
    expect(t.messages[0]!.parts).toEqual([{ kind: "text", id: "prompt:0000000000000001:text", text: "say hello" }])
    const reply = t.messages[1]!
    expect(reply.parts).toEqual([
      expect.objectContaining({ kind: "reasoning", text: "The user wants a greeting." }),
      expect.objectContaining({ kind: "text", text: "Hello there, this is the stub speaking." }),
    ])
    expect(reply.model).toBe("stub/stub-model")
    expect(t.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 })
    expect(t.status).toBe("busy")
  })

  test("a tool call is a part with its input, status and output, and the file it wrote comes with a diff", () => {
    const t = transcriptOf("tool", [{ type: "iterate:agent:status:changed", payload: { status: "idle" } }])
    const [, first, second] = t.messages
    expect(kinds(first!.parts)).toEqual(["tool", "file-edit"])
    expect(first!.parts[0]).toMatchObject({
      tool: "write",
      status: "completed",
      input: { filePath: "/tmp/exp/run/proj/hello.txt", content: "hi from the stub\n" },
      output: "Wrote file successfully.",
    })
    expect(first!.parts[1]).toMatchObject({ path: "/tmp/exp/run/proj/hello.txt", additions: 1, deletions: 0 })
    expect((first!.parts[1] as { diff: string }).diff).toContain("+hi from the stub")
    expect(second!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I wrote hello.txt." })])
    expect(t.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 })
    expect(t.status).toBe("idle")
  })

  test("a failed turn shows the error once, even when the status repeats it", () => {
    const t = transcriptOf("api-error", [{ type: "iterate:agent:status:changed", payload: { status: "error", error: "quota exceeded" } }])
    const errors = t.messages.flatMap((m) => m.parts).filter((p) => p.kind === "error")
    expect(errors).toEqual([expect.objectContaining({ message: "quota exceeded" })])
    expect(t).toMatchObject({ status: "error", error: "quota exceeded" })
  })

  test("an aborted turn keeps the text that streamed and is marked aborted, with no error", () => {
    const t = transcriptOf("abort", [{ type: "iterate:agent:status:changed", payload: { status: "idle", aborted: true } }])
    const reply = t.messages[1]!
    expect(reply.aborted).toBe(true)
    expect(kinds(reply.parts)).toEqual(["text"])
    expect((reply.parts[0] as { text: string }).text).toMatch(/^x+$/)
  })

  test("a permission request waits until its reply, and the transcript says who answered", () => {
    const t = transcriptOf("text", [
      { type: "iterate:agent:permission:requested", payload: { id: "perm_1", tool: "bash", kind: "command", summary: "run `ls`", request: {} } },
    ])
    expect(t.status).toBe("waiting")
    expect(t.pending.map((p) => p.id)).toEqual(["perm_1"])
    const builder = transcriptFor("opencode")
    builder.pushAll([
      { offset: "1", type: "iterate:agent:action:prompt:called", payload: { text: "ls" } },
      { offset: "2", type: "iterate:agent:status:changed", payload: { status: "busy" } },
      { offset: "3", type: "iterate:agent:permission:requested", payload: { id: "perm_1", tool: "bash", kind: "command", summary: "run `ls`", request: {} } },
      { offset: "4", type: "iterate:agent:action:permission-reply:called", payload: { id: "perm_1", decision: "deny", message: "not now" } },
    ])
    expect(builder.transcript.status).toBe("busy")
    expect(builder.transcript.pending).toEqual([])
    expect(builder.transcript.messages.at(-1)!.parts).toEqual([
      expect.objectContaining({ kind: "permission", id: "perm_1", decision: "deny", by: "user", message: "not now", summary: "run `ls`" }),
    ])
  })

  test("an event seen already (a reconnect that overlaps) is folded once", () => {
    const builder = transcriptFor("opencode")
    const prompt = { offset: "1", type: "iterate:agent:action:prompt:called", payload: { text: "hi" } }
    builder.push(prompt)
    builder.push(prompt)
    expect(builder.transcript.messages).toHaveLength(1)
  })
})
