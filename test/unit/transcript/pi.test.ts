// The Pi reducer on events recorded from Pi 0.73 through the Pi harness
// (test/fixtures/pi, made by scripts/record-pi-fixtures.ts), wrapped the way the adapter
// appends them, behind a prompt action and a busy status.
import { describe, expect, test } from "vitest"
import { DENIED } from "../../../src/harness/pi/assets.ts"
import { unifiedFromPi } from "../../../src/harness/pi/edit-diff.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { EventInput } from "../../../src/streams/events.ts"
import type { FileEditPart, Part, ToolPart } from "../../../src/transcript/types.ts"
import { recordedNatives, transcriptOfTurn } from "../../support/fixture-streams.ts"

const STATUS = "iterate:agent:status:changed"

const fixture = (name: string): unknown[] => recordedNatives("pi", name)
const transcriptOf = (name: string, after: EventInput[] = []) => transcriptOfTurn("pi", fixture(name), after, "do it")

const kinds = (parts: Part[]) => parts.map((p) => p.kind)
const idle = { type: STATUS, payload: { status: "idle" } }

describe("pi transcript", () => {
  test("reasoning and text stream into the assistant's message, with its model, usage and cost", () => {
    const t = transcriptOf("text")
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant"])
    const reply = t.messages[1]!
    expect(reply.parts).toEqual([
      expect.objectContaining({ kind: "reasoning", text: "The user wants a greeting." }),
      expect.objectContaining({ kind: "text", text: "Hello there, this is the stub speaking." }),
    ])
    expect(reply.model).toBe("stub/stub-model")
    expect(t.usage).toMatchObject({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 0 })
    expect(t.usage.costUsd).toBeCloseTo(0.00002, 10)
    expect(t.status).toBe("busy")
  })

  test("a tool call is a part with its input, status and output; a new file comes with its diff", () => {
    const t = transcriptOf("write", [idle])
    const [, call, after] = t.messages
    expect(kinds(call!.parts)).toEqual(["tool", "file-edit"])
    expect(call!.parts[0]).toMatchObject({
      tool: "write",
      title: "hello.txt",
      status: "completed",
      input: { path: "hello.txt", content: "hi from the stub\n" },
      output: "Successfully wrote 17 bytes to hello.txt",
    })
    expect(call!.parts[1]).toMatchObject({ path: "hello.txt", toolPartId: call!.parts[0]!.id, additions: 1, deletions: 0 })
    expect((call!.parts[1] as FileEditPart).diff).toBe("--- /dev/null\n+++ b/hello.txt\n@@ -0,0 +1,1 @@\n+hi from the stub\n")
    expect(after!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I wrote hello.txt." })])
    expect(t.usage).toMatchObject({ inputTokens: 20, outputTokens: 10 })
    expect(t.status).toBe("idle")
  })

  test("a write over an existing file shows what it replaced", () => {
    const edit = transcriptOf("overwrite").messages[1]!.parts[1] as FileEditPart
    expect(edit).toMatchObject({ kind: "file-edit", path: "notes.txt", additions: 2, deletions: 1 })
    expect(edit.diff).toBe("--- a/notes.txt\n+++ b/notes.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n three\n+four\n")
  })

  test("an edit's numbered diff becomes a unified diff, hunk by hunk", () => {
    const [tool, edit] = transcriptOf("edit").messages[1]!.parts as [ToolPart, FileEditPart]
    expect(tool).toMatchObject({ tool: "edit", status: "completed", output: "Successfully replaced 2 block(s) in greet.txt." })
    expect(edit).toMatchObject({ path: "greet.txt", additions: 2, deletions: 2 })
    expect(edit.diff).toBe(
      [
        "--- a/greet.txt",
        "+++ b/greet.txt",
        "@@ -1,5 +1,5 @@",
        "-a",
        "+A",
        " b",
        " c",
        " d",
        " e",
        "@@ -9,6 +9,6 @@",
        " i",
        " j",
        " k",
        " l",
        "-hi from the stub",
        "+hello from the stub",
        " m",
        "",
      ].join("\n"),
    )
  })

  test("a command's output is the tool part's output", () => {
    const tool = transcriptOf("bash").messages[1]!.parts[0] as ToolPart
    expect(tool).toMatchObject({ tool: "bash", title: "echo listing; ls", status: "completed", input: { command: "echo listing; ls" } })
    expect(tool.output).toMatch(/^listing\n/)
  })

  test("a denied tool call is a failed tool part, and the turn goes on", () => {
    const t = transcriptOf("denied", [idle])
    const [, call, after] = t.messages
    expect(call!.parts).toEqual([expect.objectContaining({ kind: "tool", tool: "write", status: "error", error: DENIED })])
    expect(after!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I could not write it." })])
  })

  test("a failed model call shows its error once, even when the status repeats it", () => {
    const t = transcriptOf("api-error", [{ type: STATUS, payload: { status: "error", error: "400 quota exceeded" } }])
    const errors = t.messages.flatMap((m) => m.parts).filter((p) => p.kind === "error")
    expect(errors).toEqual([expect.objectContaining({ message: "400 quota exceeded" })])
    expect(t).toMatchObject({ status: "error", error: "400 quota exceeded" })
  })

  test("an aborted turn keeps the text that streamed and is marked aborted, with no error", () => {
    const t = transcriptOf("abort", [{ type: STATUS, payload: { status: "idle", aborted: true } }])
    const reply = t.messages[1]!
    expect(reply.aborted).toBe(true)
    expect(kinds(reply.parts)).toEqual(["text"])
    expect((reply.parts[0] as { text: string }).text).toMatch(/^x{4,396}$/)
  })

  test("a call Pi retried keeps its error, marked as retried, and the reply follows", () => {
    const t = transcriptOf("retry", [idle])
    const [, failed, reply] = t.messages
    expect(failed!.parts).toEqual([expect.objectContaining({ kind: "error", message: "503 overloaded — retrying (attempt 1 of 3)" })])
    expect(reply!.parts).toEqual([expect.objectContaining({ kind: "text", text: "Third time lucky." })])
    expect(t).toMatchObject({ status: "idle", error: undefined })
  })

  test("while Pi waits to retry, the transcript says why", () => {
    const events = fixture("retry")
    const builder = transcriptFor("pi")
    builder.push({ offset: "01", type: "iterate:agent:action:prompt:called", payload: { text: "flaky" } })
    builder.push({ offset: "02", type: STATUS, payload: { status: "busy" } })
    const retry = events.findIndex((e) => (e as { type: string }).type === "auto_retry_start")
    events.slice(0, retry + 1).forEach((payload, i) => builder.push({ offset: `1${String(i).padStart(3, "0")}`, type: "iterate:agent:harness:pi:event-received", payload }))
    expect(builder.transcript.error).toBe("503 overloaded — retrying (attempt 1 of 3)")
  })
})

describe("pi's numbered edit diff", () => {
  test("lines added to an empty file, and a hunk that only deletes", () => {
    expect(unifiedFromPi("a.txt", "+1 one\n+2 two")).toEqual({ diff: "--- a/a.txt\n+++ b/a.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n", additions: 2, deletions: 0 })
    expect(unifiedFromPi("/abs/b.txt", " 1 keep\n-2 gone\n 3 keep")?.diff).toBe("--- /abs/b.txt\n+++ /abs/b.txt\n@@ -1,3 +1,2 @@\n keep\n-gone\n keep\n")
    expect(unifiedFromPi("c.txt", "    ...\n-10 x")?.diff).toBe("--- a/c.txt\n+++ b/c.txt\n@@ -10,1 +9,0 @@\n-x\n")
  })

  test("text that is no such diff gives none", () => {
    expect(unifiedFromPi("a.txt", "--- a/a.txt\n+++ b/a.txt")).toBeUndefined()
  })
})
