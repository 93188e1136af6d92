// Whole agent streams recorded through iterate with the real opencode 1.18 and the LLM stub
// (test/fixtures/streams/*.jsonl, as `iterate events A --format json` printed them):
//   opencode-permission: a write the user allowed, then a command denied with a message
//   opencode-edit:       opencode's edit tool on an existing file, allowed by the allow-edits policy
// and the permission bookkeeping every harness shares: waiting, answers, withdrawals, stale requests.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { AgentStreamEvent, Part } from "../../../src/transcript/types.ts"

function recorded(name: string): AgentStreamEvent[] {
  return readFileSync(new URL(`../../fixtures/streams/${name}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
}

const fold = (events: AgentStreamEvent[]) => transcriptFor("opencode").pushAll(events).transcript
const parts = (events: AgentStreamEvent[]) => fold(events).messages.flatMap((m) => m.parts)
const ofKind = <K extends Part["kind"]>(list: Part[], kind: K) => list.filter((p): p is Extract<Part, { kind: K }> => p.kind === kind)

describe("a recorded permission flow", () => {
  const events = recorded("opencode-permission")

  test("a request is a permission part in the assistant's message, before the tool call's outcome, with who answered", () => {
    const t = fold(events)
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant", "user", "assistant", "assistant"])
    const [write, denied] = ofKind(parts(events), "permission")
    expect(write).toMatchObject({ tool: "edit", permissionKind: "edit", summary: "edit hello.txt", decision: "allow", by: "user" })
    expect(denied).toMatchObject({ tool: "bash", permissionKind: "command", summary: "run `rm -rf build`", decision: "deny", message: "keep the build folder" })
    expect(t.messages[1]!.parts.map((p) => p.kind)).toEqual(["tool", "permission", "file-edit"])
    expect(t).toMatchObject({ status: "idle", pending: [] })
  })

  test("a denied tool call is a failed tool part carrying what the model was told", () => {
    const bash = ofKind(parts(events), "tool").find((p) => p.tool === "bash")!
    expect(bash).toMatchObject({ status: "error", input: { command: "rm -rf build" } })
    expect(bash.error).toContain("keep the build folder")
    expect(fold(events).messages.at(-1)!.parts).toEqual([expect.objectContaining({ kind: "text", text: "I will leave build alone." })])
  })

  test("until it is answered the turn is waiting, with the request pending; the answer makes it busy again", () => {
    const asked = events.findIndex((e) => e.type === "iterate:agent:permission:requested")
    const waiting = fold(events.slice(0, asked + 1))
    expect(waiting.status).toBe("waiting")
    expect(waiting.pending).toEqual([expect.objectContaining({ summary: "edit hello.txt", offset: events[asked]!.offset })])
    expect(waiting.pending[0]!.decision).toBeUndefined()
    expect(fold(events.slice(0, asked + 2))).toMatchObject({ status: "busy", pending: [] })
  })
})

describe("a recorded edit", () => {
  const events = recorded("opencode-edit")

  test("the edit tool's part has its input and output, and the file edit carries opencode's diff as a plain unified diff", () => {
    const list = parts(events)
    const edit = ofKind(list, "tool")[0]!
    expect(edit).toMatchObject({ tool: "edit", status: "completed", output: "Edit applied successfully.", input: { oldString: "second line" } })
    const [change] = ofKind(list, "file-edit")
    expect(change).toMatchObject({ toolPartId: edit.id, path: "/tmp/iterate-fixture/project/notes.md", additions: 2, deletions: 1 })
    expect(change!.diff).toBe(
      "--- /tmp/iterate-fixture/project/notes.md\n+++ /tmp/iterate-fixture/project/notes.md\n@@ -1,4 +1,5 @@\n # Notes\n \n first line\n-second line\n+second line, edited\n+third line\n",
    )
  })

  test("a request the policy answered is shown answered by the policy, and leaves nothing pending", () => {
    const [permission] = ofKind(parts(events), "permission")
    expect(permission).toMatchObject({ summary: "edit notes.md", decision: "allow", by: "policy" })
    const replied = events.findIndex((e) => e.type === "iterate:agent:action:permission-reply:called")
    expect(fold(events.slice(0, replied + 1))).toMatchObject({ status: "busy", pending: [] })
  })
})

describe("permission bookkeeping", () => {
  const request = (offset: string, id: string): AgentStreamEvent => ({
    offset,
    type: "iterate:agent:permission:requested",
    payload: { id, tool: "bash", kind: "command", summary: "run `ls`", request: {} },
  })
  const status = (offset: string, payload: object): AgentStreamEvent => ({ offset, type: "iterate:agent:status:changed", payload })
  const prompt = (offset: string): AgentStreamEvent => ({ offset, type: "iterate:agent:action:prompt:called", payload: { text: "go" } })

  test("a withdrawn request is no longer pending, and its part says why", () => {
    const t = fold([
      prompt("1"),
      status("2", { status: "busy", prompt: "1" }),
      request("3", "perm_a"),
      { offset: "4", type: "iterate:agent:permission:withdrawn", payload: { id: "perm_a", reason: "its turn is over" } },
      status("5", { status: "idle", prompt: "1", aborted: true }),
    ])
    expect(t.pending).toEqual([])
    expect(ofKind(t.messages.flatMap((m) => m.parts), "permission")).toEqual([expect.objectContaining({ id: "perm_a", withdrawn: "its turn is over" })])
  })

  test("a request left by a turn cut short stays pending, but only a request of the running turn makes it wait", () => {
    const builder = transcriptFor("opencode").pushAll([
      prompt("1"),
      status("2", { status: "busy", prompt: "1" }),
      request("3", "perm_a"),
      status("4", { status: "error", prompt: "1", error: "the daemon stopped during the turn" }),
      prompt("5"),
      status("6", { status: "busy", prompt: "5" }),
    ])
    expect(builder.transcript).toMatchObject({ status: "busy", pending: [expect.objectContaining({ id: "perm_a" })] })
    builder.push(request("7", "perm_b"))
    expect(builder.transcript.status).toBe("waiting")
    builder.push({ offset: "8", type: "iterate:agent:action:permission-reply:called", payload: { id: "perm_b", decision: "allow" } })
    expect(builder.transcript).toMatchObject({ status: "busy", pending: [expect.objectContaining({ id: "perm_a" })] })
  })
})

test("text that arrives whole, without deltas, is the same reply", () => {
  const events = recorded("opencode-permission")
  const whole = events.filter((e) => (e.payload as { type?: string } | undefined)?.type !== "message.part.delta")
  const texts = (list: AgentStreamEvent[]) => ofKind(parts(list), "text").map((p) => p.text)
  expect(texts(whole)).toEqual(texts(events))
  expect(texts(events)).toEqual(["write hello.txt", "Wrote hello.txt.", "clean up", "I will leave build alone."])
})
