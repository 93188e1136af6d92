// Codex's rollouts (recorded from codex 0.169.0 run directly against the Responses stub:
// test/fixtures/import/codex, re-recorded by its record.ts) read as turns of app-server
// notifications, folded by the same reducer as a live thread's.
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { codexImporter, codexTurns } from "../../../src/harness/codex/import.ts"
import { ImportFormatError, type ImportedTurn, ImportPathError } from "../../../src/harness/harness.ts"
import { importedTranscript } from "../../support/imported.ts"
import type { FileEditPart, ToolPart } from "../../../src/transcript/types.ts"

const FIXTURES = new URL("../../fixtures/import/codex/", import.meta.url).pathname
const PROJECT = "/tmp/codex-import-fixture/project"

const text = (name: string) => readFileSync(join(FIXTURES, `${name}.jsonl`), "utf8")
const lines = (name: string) =>
  text(name)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
const threadOf = (name: string) => lines(name)[0].payload.id as string

const transcriptOf = (turns: ImportedTurn[]) => importedTranscript("codex", turns)

const scratch = mkdtempSync(join(tmpdir(), "codex-import-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("a Codex rollout read as turns", () => {
  test("each task is a turn: its prompt, commands, patches with their diffs, the plan, reasoning and replies render as a live thread's", () => {
    const read = codexTurns(lines("tools"), threadOf("tools"), { whole: true })
    expect(read.directory).toBe(PROJECT)
    expect(read.turns.map((t) => [t.prompt, t.end])).toEqual([
      ["write notes.txt and hello.txt", { status: "idle" }],
      ["change two to 2", { status: "idle" }],
    ])
    expect(read.turns[0]!.events[0]).toMatchObject({ method: "thread/started", params: { thread: { id: threadOf("tools"), cwd: PROJECT } } })
    const t = transcriptOf(read.turns)
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"])
    const [, first, , second] = t.messages
    const shell = first!.parts.find((p): p is ToolPart => p.kind === "tool" && p.tool === "shell")!
    expect(shell).toMatchObject({ title: "printf 'one\\ntwo\\n' > notes.txt", status: "completed" })
    expect(first!.parts.find((p): p is FileEditPart => p.kind === "file-edit")).toMatchObject({ path: "hello.txt", additions: 1 })
    expect(first!.parts.filter((p) => p.kind === "reasoning" || p.kind === "text").map((p) => (p as { text: string }).text)).toEqual(["Writing notes.txt.", "Two files will do.", "I wrote both."])
    expect(second!.parts.find((p) => p.kind === "tool" && p.tool === "update_plan")).toMatchObject({ input: { todos: [{ content: "edit notes.txt", status: "in_progress" }, { content: "say so", status: "pending" }] } })
    const edit = second!.parts.find((p): p is FileEditPart => p.kind === "file-edit")!
    expect(edit.path).toBe("notes.txt")
    expect(edit.diff).toContain("-two\n+2")
    expect(second!.parts.at(-1)).toMatchObject({ kind: "text", text: "Changed two to 2." })
    expect(first!.usage).toMatchObject({ inputTokens: 30, outputTokens: 15 })
    expect(t.status).toBe("idle")
  })

  test("a turn the model API failed ends in error with the API's message", () => {
    const read = codexTurns(lines("api-error"), threadOf("api-error"), { whole: true })
    expect(read.turns.map((t) => t.end)).toEqual([{ status: "idle" }, { status: "error", error: "the stub refuses this request" }])
    const t = transcriptOf(read.turns)
    expect(t.status).toBe("error")
    expect(t.messages.at(-1)!.parts).toEqual([expect.objectContaining({ kind: "error", message: "the stub refuses this request" })])
  })

  test("an interrupted turn ends aborted", () => {
    const read = codexTurns(lines("abort"), threadOf("abort"), { whole: true })
    expect(read.turns.map((t) => [t.prompt, t.end])).toEqual([["count to a thousand", { status: "idle", aborted: true }]])
  })
})

describe("Codex's rollout files", () => {
  const thread = threadOf("tools")
  const day = join(scratch, "sessions", "2026", "12", "07")
  const file = join(day, `rollout-2026-12-07T15-51-41-${thread}.jsonl`)
  const importer = codexImporter(scratch)

  test("the default place is CODEX_HOME's sessions; every rollout under a path is found, keyed on its thread", async () => {
    mkdirSync(day, { recursive: true })
    copyFileSync(join(FIXTURES, "tools.jsonl"), file)
    expect(importer.defaultPath).toBe(join(scratch, "sessions"))
    for (const path of [join(scratch, "sessions"), day, file]) expect((await importer.open(path)).sessions).toEqual([{ sessionId: thread, location: file }])
    const copy = join(scratch, "copy.jsonl")
    copyFileSync(file, copy)
    expect((await importer.open(copy)).sessions).toEqual([{ sessionId: thread, location: copy }])
  })

  test("read again, a rollout gives only what it gained since; a turn a read ended inside of goes on", async () => {
    const all = text("tools").split("\n")
    // Up to the middle of the second turn: its prompt and plan are in, its patch and reply not.
    const cut = all.findIndex((line) => line.includes('"type":"custom_tool_call"') && all.indexOf(line) > all.findIndex((l) => l.includes('"change two to 2"')))
    writeFileSync(file, all.slice(0, cut).join("\n") + "\n")
    const source = await importer.open(file)
    const [session] = source.sessions
    const first = await source.read(session!, undefined)
    expect(first.resume).toEqual({ threadId: thread })
    expect(first.turns.map((t) => t.prompt)).toEqual(["write notes.txt and hello.txt", "change two to 2"])
    expect(await source.read(session!, first.cursor)).toMatchObject({ turns: [], cursor: first.cursor })
    appendFileSync(file, all.slice(cut).join("\n"))
    const more = await source.read(session!, first.cursor)
    expect(more.turns).toHaveLength(1)
    expect(more.turns[0]!.prompt).toBeUndefined()
    expect(more.turns[0]!.end).toEqual({ status: "idle" })
    // Together they render as the whole rollout read at once.
    const whole = transcriptOf(codexTurns(lines("tools"), thread, { whole: true }).turns)
    const parts = (t: ReturnType<typeof transcriptOf>) => t.messages.flatMap((m) => m.parts.map((p) => ({ ...p })))
    expect(parts(transcriptOf([...first.turns, ...more.turns]))).toEqual(parts(whole))
  })

  test("a file that is not a rollout is refused, naming it", async () => {
    const bad = join(scratch, "rollout-2026-12-07T00-00-00-01a25134-0000-7000-8000-000000000000.jsonl")
    writeFileSync(bad, "not JSON\n")
    const source = await importer.open(bad)
    await expect(source.read(source.sessions[0]!, undefined)).rejects.toThrow(new ImportFormatError(`${bad}: line 1 is not JSON`))
    copyFileSync(new URL("../../fixtures/import/claude/denied.jsonl", import.meta.url).pathname, bad)
    await expect(source.read(source.sessions[0]!, undefined)).rejects.toThrow(`${bad} is not a Codex rollout`)
  })

  test("a path with no rollout says so, naming it", async () => {
    const empty = join(scratch, "empty")
    mkdirSync(empty)
    await expect(importer.open(empty)).rejects.toThrow(new ImportPathError(`no Codex sessions in ${empty}`))
  })
})
