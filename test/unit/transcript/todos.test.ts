// The todo list on the transcript, folded by the shared builder from the calls that keep it, on
// recorded streams: opencode's todowrite (test/fixtures/acp/opencode-plan.jsonl), Claude Code's
// TodoWrite and the task tools that stand for it (test/fixtures/claude/{todo,tasks}.jsonl), the
// plans of Codex (test/fixtures/codex/plan.jsonl) and of an ACP agent
// (test/fixtures/acp-agent/plan.jsonl); and on tool parts put by hand for the edge cases.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import { TranscriptBuilder } from "../../../src/transcript/build.ts"
import type { ToolPart } from "../../../src/transcript/types.ts"

const lines = (path: string) =>
  readFileSync(new URL(`../../fixtures/${path}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** A whole recorded agent stream, folded; `onEach` sees the list after every event. */
function recordedStream(path: string, onEach?: (todos: unknown) => void) {
  const builder = transcriptFor("opencode")
  for (const event of lines(path)) {
    builder.push(event)
    onEach?.(builder.transcript.todos)
  }
  return builder.transcript
}

/** A harness's recorded native lines behind a prompt and a busy status (an ACP agent's under any name). */
function native(harness: string, fixture: string) {
  let n = 0
  const offset = () => String(++n).padStart(16, "0")
  const builder = transcriptFor(harness)
  builder.push({ offset: offset(), type: "iterate:agent:action:prompt:called", payload: { text: "plan it" } })
  builder.push({ offset: offset(), type: "iterate:agent:status:changed", payload: { status: "busy", prompt: "0000000000000001" } })
  for (const line of lines(fixture)) builder.push({ offset: offset(), type: `iterate:agent:harness:${harness}:event-received`, payload: line })
  return builder.transcript
}

const claude = (fixture: string) => native("claude", `claude/${fixture}`)

/** A builder whose harness reducer puts the given tool parts, one event each. */
function parts(...calls: Array<[message: string, part: ToolPart]>) {
  const builder = new TranscriptBuilder("scripted", () => (draft, native) => {
    const [message, part] = native as [string, ToolPart]
    draft.putPart(message, part)
  })
  calls.forEach((call, i) => builder.push({ offset: String(i + 1).padStart(16, "0"), type: "iterate:agent:harness:scripted:event-received", payload: call }))
  return builder.transcript
}

const tool = (id: string, name: string, input: unknown, status: ToolPart["status"] = "completed", output?: string): ToolPart => ({
  kind: "tool",
  id,
  tool: name,
  input,
  status,
  ...(output && { output }),
})

describe("todos", () => {
  test("an agent that keeps no list has none", () => {
    expect(claude("tool").todos).toEqual([])
  })

  test("opencode's todowrite: each call replaces the list, priorities and cancelled items kept", () => {
    const seen: string[] = []
    const t = recordedStream("acp/opencode-plan", (todos) => {
      const json = JSON.stringify(todos)
      if (seen.at(-1) !== json) seen.push(json)
    })
    expect(seen.map((json) => JSON.parse(json))).toEqual([
      [],
      [
        { content: "read the code", status: "pending", priority: "high" },
        { content: "write the fix", status: "pending", priority: "medium" },
        { content: "run the tests", status: "pending", priority: "medium" },
      ],
      [
        { content: "read the code", status: "completed", priority: "high" },
        { content: "write the fix", status: "in_progress", priority: "medium" },
        { content: "run the tests", status: "cancelled", priority: "medium" },
      ],
    ])
    // The list is no message of its own: the calls stay tool parts where they were.
    expect(t.messages.flatMap((m) => m.parts).filter((p) => p.kind === "tool" && p.tool === "todowrite")).toHaveLength(2)
  })

  test("Claude Code's TodoWrite: the newest list, with the form an item takes while it is done", () => {
    expect(claude("todo").todos).toEqual([
      { content: "Read the code", activeForm: "Reading the code", status: "completed" },
      { content: "Write the fix", activeForm: "Writing the fix", status: "in_progress" },
      { content: "Run the tests", activeForm: "Running the tests", status: "pending" },
    ])
  })

  test("Claude Code's task tools: TaskCreate adds an item under the id its output names, TaskUpdate changes it by that id", () => {
    expect(claude("tasks").todos).toEqual([
      { content: "Read the code", activeForm: "Reading the code", status: "completed" },
      { content: "Write the fix", activeForm: "Writing the fix", status: "in_progress" },
    ])
  })

  test("Codex's plan (turn/plan/updated, recorded): its latest steps", () => {
    expect(native("codex", "codex/plan").todos).toEqual([
      { content: "Read the code", status: "completed" },
      { content: "Fix the bug", status: "completed" },
      { content: "Run the tests", status: "in_progress" },
    ])
  })

  test("an ACP agent's plan (its plan session updates, recorded)", () => {
    expect(native("my-agent", "acp-agent/plan").todos).toEqual([
      { content: "Read the notes", status: "completed", priority: "medium" },
      { content: "Write the summary", status: "in_progress", priority: "medium" },
    ])
  })

  test("the newest call's list counts: an older call reported again, a call still streaming its input or one that failed change nothing", () => {
    const t = parts(
      ["m1", tool("a", "TodoWrite", { todos: [{ content: "old", status: "pending" }] }, "running")],
      ["m1", tool("b", "TodoWrite", { todos: [{ content: "new", status: "pending" }] }, "running")],
      ["m1", tool("a", "TodoWrite", { todos: [{ content: "old", status: "completed" }] })],
      ["m2", tool("c", "todowrite", {}, "pending")],
      ["m2", tool("d", "write_todos", { todos: [{ description: "gemini's", status: "in_progress" }] }, "error")],
    )
    expect(t.todos).toEqual([{ content: "new", status: "pending" }])
  })

  test("a task deleted by TaskUpdate leaves the list; a TaskCreate still running is there already", () => {
    const t = parts(
      ["m1", tool("c1", "TaskCreate", { subject: "one" }, "completed", "Task #1 created successfully: one")],
      ["m1", tool("c2", "TaskCreate", { subject: "two" }, "completed", "Task #2 created successfully: two")],
      ["m1", tool("u1", "TaskUpdate", { taskId: "1", status: "deleted" })],
      ["m1", tool("c3", "TaskCreate", { subject: "three" }, "running")],
    )
    expect(t.todos).toEqual([
      { content: "two", status: "pending" },
      { content: "three", status: "pending" },
    ])
  })
})
