// Claude Code's session files (recorded from claude 2.1.332 run directly against the Anthropic stub:
// test/fixtures/import/claude, re-recorded by its record.ts) read as turns, and those turns, as the
// agents layer appends them, folded by the same reducer as a live session's events.
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { claudeImporter, claudeTurns } from "../../../src/harness/claude/import.ts"
import { ImportFormatError, type ImportedTurn, ImportPathError } from "../../../src/harness/harness.ts"
import { importedStream, importedTranscript } from "../../support/imported.ts"
import type { FileEditPart, ToolPart } from "../../../src/transcript/types.ts"

const FIXTURES = new URL("../../fixtures/import/claude/", import.meta.url).pathname
const PROJECT = "/tmp/claude-import-fixture/project"
const SESSION = "6a3661b2-b0a5-4d90-a822-926b104f50c6"

const entries = (name: string) =>
  readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** The transcript of an imported agent's stream holding these turns. */
const transcriptOf = (turns: ImportedTurn[]) => importedTranscript("claude", turns)

const scratch = mkdtempSync(join(tmpdir(), "claude-import-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("a Claude Code session read as turns", () => {
  test("each prompt starts a turn; its text, thinking, tool calls with their results and the files they changed render as a live session's", () => {
    const read = claudeTurns(entries("tools"), SESSION)
    expect(read.directory).toBe(PROJECT)
    expect(read.startedAt).toBe(read.turns[0]!.at)
    expect(read.turns.map((t) => [t.prompt, t.end])).toEqual([
      ["write notes.txt with two lines", { status: "idle" }],
      ["change two to 2 and show the file", { status: "idle" }],
    ])
    const t = transcriptOf(read.turns)
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant", "user", "assistant", "assistant", "assistant"])
    expect(t.messages[0]!.parts).toEqual([expect.objectContaining({ kind: "text", text: "write notes.txt with two lines" })])
    // Each message is dated when its turn happened, not when it was imported.
    expect(t.messages.map((m) => m.createdAt)).toEqual([...Array(3).fill(read.turns[0]!.at), ...Array(4).fill(read.turns[1]!.at)])
    const [, wrote, answered] = t.messages
    expect(wrote!.parts.map((p) => p.kind)).toEqual(["text", "tool", "file-edit"])
    expect(wrote!.parts[1]).toMatchObject({ kind: "tool", tool: "Write", title: "notes.txt", status: "completed" })
    expect((wrote!.parts[2] as FileEditPart).diff).toContain("+two")
    expect(answered!.parts).toEqual([
      expect.objectContaining({ kind: "reasoning", text: "A short file will do." }),
      expect.objectContaining({ kind: "text", text: "I wrote notes.txt." }),
    ])
    const second = t.messages.slice(4).flatMap((m) => m.parts)
    const edit = second.find((p): p is FileEditPart => p.kind === "file-edit")!
    expect(edit.path).toBe("notes.txt")
    expect(edit.diff).toContain("-two")
    expect(edit.diff).toContain("+2")
    expect(second.find((p): p is ToolPart => p.kind === "tool" && p.tool === "Bash")).toMatchObject({ status: "completed", output: "one\n2" })
    expect(second.at(-1)).toMatchObject({ kind: "text", text: "Changed two to 2." })
    expect(t.status).toBe("idle")
  })

  test("each turn ends with claude's result: the turn's tokens, and its cost from the session's spend", () => {
    const read = claudeTurns(entries("tools"), SESSION)
    const results = read.turns.map((turn) => turn.events.at(-1) as Record<string, any>)
    expect(results.map((r) => [r.type, r.subtype, r.is_error])).toEqual([
      ["result", "success", false],
      ["result", "success", false],
    ])
    expect(results[0]!.usage).toMatchObject({ input_tokens: 20, output_tokens: 10 })
    expect(results[1]!.usage).toMatchObject({ input_tokens: 30, output_tokens: 15 })
    const [first, second] = results.map((r) => r.model_usage_since_last_result["claude-opus-5-5"].costUSD)
    expect(first).toBeGreaterThan(0)
    expect(second).toBeCloseTo(results[1]!.total_cost_usd - results[0]!.total_cost_usd)
    expect(transcriptOf(read.turns).usage).toMatchObject({ inputTokens: 50, outputTokens: 25, costUsd: expect.closeTo(results[1]!.total_cost_usd) })
    // The ledger's entries, as the adapter appends them at a turn's end: one per model, keyed by the turn's prompt.
    const stream = importedStream("claude", read.turns)
    const prompts = stream.filter((e) => e.type === "iterate:agent:action:prompt:called").map((e) => e.offset)
    expect(stream.filter((e) => e.type === "iterate:agent:usage:recorded").map((e) => e.payload)).toEqual([
      expect.objectContaining({ prompt: prompts[0], model: "claude-opus-5-5", inputTokens: 20, outputTokens: 10, costUsd: first }),
      expect.objectContaining({ prompt: prompts[1], model: "claude-opus-5-5", inputTokens: 30, outputTokens: 15, costUsd: second }),
    ])
  })

  test("a tool call claude was refused fails with the reason", () => {
    const parts = transcriptOf(claudeTurns(entries("denied"), SESSION).turns).messages.flatMap((m) => m.parts)
    expect(parts.find((p) => p.kind === "tool")).toMatchObject({ tool: "Write", status: "error", error: expect.stringContaining("requested permissions") })
  })

  test("a turn the model API failed ends in error with claude's message", () => {
    const read = claudeTurns(entries("api-error"), SESSION)
    expect(read.turns.map((t) => t.end)).toEqual([{ status: "idle" }, { status: "error", error: expect.stringMatching(/^API Error: 529 Overloaded/) }])
    const t = transcriptOf(read.turns)
    expect(t.status).toBe("error")
    expect(t.messages.at(-1)!.parts).toEqual([expect.objectContaining({ kind: "error", message: expect.stringMatching(/^API Error: 529/) })])
  })

  test("an interrupted turn ends aborted, with what was said before", () => {
    const read = claudeTurns(entries("abort"), SESSION)
    expect(read.turns.map((t) => [t.prompt, t.end])).toEqual([["count to a thousand", { status: "idle", aborted: true }]])
    const reply = transcriptOf(read.turns).messages.at(-1)!
    expect(reply).toMatchObject({ role: "assistant", aborted: true })
    expect(reply.parts[0]).toMatchObject({ kind: "text", text: expect.stringMatching(/^x+$/) })
  })

  test("entries that are not a conversation (attachments, requests, queue operations) and a subagent's are left out", () => {
    const lines = entries("tools")
    const sidechain = { ...lines.find((l) => l.type === "assistant"), uuid: "side", isSidechain: true, message: { id: "msg_side", role: "assistant", content: [{ type: "text", text: "from a subagent" }] } }
    const read = claudeTurns([...lines, sidechain], SESSION)
    const texts = transcriptOf(read.turns).messages.flatMap((m) => m.parts.filter((p) => p.kind === "text").map((p) => (p as { text: string }).text))
    expect(texts).not.toContain("from a subagent")
    expect(read.turns.flatMap((t) => t.events).every((e: any) => ["system", "assistant", "user", "result"].includes(e.type))).toBe(true)
  })
})

describe("Claude Code's session files", () => {
  const projects = join(scratch, "projects")
  const file = join(projects, "-tmp-claude-import-fixture-project", `${SESSION}.jsonl`)
  const importer = claudeImporter(scratch)

  test("the default place is the config folder's projects; every session file under a path is found", async () => {
    mkdirSync(join(projects, "-tmp-claude-import-fixture-project"), { recursive: true })
    copyFileSync(join(FIXTURES, "tools.jsonl"), file)
    expect(importer.defaultPath).toBe(projects)
    for (const path of [projects, join(projects, "-tmp-claude-import-fixture-project"), file]) {
      const source = await importer.open(path)
      expect(source.sessions).toEqual([{ sessionId: SESSION, location: file }])
    }
  })

  test("read again, a session gives only what it gained since, and nothing when it gained nothing", async () => {
    const lines = readFileSync(join(FIXTURES, "tools.jsonl"), "utf8").split("\n")
    const second = lines.findIndex((line) => line.includes('"change two to 2 and show the file"') && line.includes('"type":"user"'))
    writeFileSync(file, lines.slice(0, second).join("\n") + "\n")
    const source = await importer.open(file)
    const [session] = source.sessions
    const first = await source.read(session!, undefined)
    expect(first.resume).toEqual({ sessionId: SESSION })
    expect(first.turns.map((t) => t.prompt)).toEqual(["write notes.txt with two lines"])
    expect(await source.read(session!, first.cursor)).toMatchObject({ turns: [], cursor: first.cursor })
    // The rest, and a line still being written (no newline yet) that waits for the next read.
    appendFileSync(file, lines.slice(second).join("\n") + '{"type":"user","message":')
    const more = await source.read(session!, first.cursor)
    expect(more.turns.map((t) => t.prompt)).toEqual(["change two to 2 and show the file"])
    const whole = claudeTurns(entries("tools"), SESSION)
    expect(more.turns).toEqual(whole.turns.slice(1))
    // Its cost is this turn's: the spend grew from where the first read left it.
    const cost = (turns: ImportedTurn[]) => (turns[0]!.events.at(-1) as any).model_usage_since_last_result
    expect(cost(more.turns)).toEqual(cost(whole.turns.slice(1)))
  })

  test("a file that is not a Claude Code session is refused, naming it", async () => {
    const bad = join(scratch, "bad.jsonl")
    writeFileSync(bad, '{"type":"user","message":\n')
    const source = await importer.open(bad)
    await expect(source.read(source.sessions[0]!, undefined)).rejects.toThrow(new ImportFormatError(`${bad}: line 1 is not JSON`))
    for (const text of ["this is not JSON\n", '{"type":"session_meta","payload":{"id":"x"}}\n']) {
      writeFileSync(bad, text)
      await expect(source.read(source.sessions[0]!, undefined)).rejects.toThrow(new ImportFormatError(`${bad} holds no Claude Code session entries`))
    }
  })

  test("a path with no session, or no such path, says so naming it", async () => {
    const empty = join(scratch, "empty")
    mkdirSync(empty)
    await expect(importer.open(empty)).rejects.toThrow(new ImportPathError(`no Claude Code sessions in ${empty}`))
    await expect(importer.open(join(scratch, "nowhere"))).rejects.toThrow(new ImportPathError(`no such file or folder: ${join(scratch, "nowhere")}`))
  })
})
