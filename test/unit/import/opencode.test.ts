// opencode's sessions (recorded from opencode 1.18.33 run directly against the LLM stub: the
// session, message and part tables of its database, test/fixtures/import/opencode, re-recorded by
// its record.ts) read as turns of the events opencode publishes, folded by the same reducer as a
// live session's.
import { Database } from "bun:sqlite"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import type { ImportedTurn } from "../../../src/harness/harness.ts"
import { ImportPathError } from "../../../src/harness/harness.ts"
import { opencodeImporter } from "../../../src/harness/opencode/import.ts"
import { importedTranscript } from "../../support/imported.ts"
import type { FileEditPart, ToolPart } from "../../../src/transcript/types.ts"

type Tables = Record<"session" | "message" | "part", { sql: string; rows: Array<Record<string, unknown>> }>

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/import/opencode/${name}.json`, import.meta.url), "utf8")) as Tables

const scratch = mkdtempSync(join(tmpdir(), "opencode-import-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** A data folder whose opencode.db holds the fixture's tables, with rows up to `upTo` (a row's time_created) only. */
function dataFolder(name: string, tables: Tables, upTo = Infinity): { folder: string; db: Database; add: (later: number) => void } {
  const folder = join(scratch, name)
  mkdirSync(folder, { recursive: true })
  const db = new Database(join(folder, "opencode.db"))
  for (const { sql } of Object.values(tables)) db.run(sql)
  const insert = (table: string, row: Record<string, unknown>) =>
    db.query(`INSERT OR REPLACE INTO ${table} (${Object.keys(row).join(", ")}) VALUES (${Object.keys(row).map(() => "?").join(", ")})`).run(...(Object.values(row) as never[]))
  const add = (from: number, to: number) => {
    for (const [table, { rows }] of Object.entries(tables)) for (const row of rows) if ((row.time_created as number) > from && (row.time_created as number) <= to) insert(table, row)
  }
  add(-Infinity, upTo)
  return { folder, db, add: (later) => add(upTo, later) }
}

async function readWhole(folder: string) {
  const source = await opencodeImporter(folder).open(folder)
  try {
    return await source.read(source.sessions[0]!, undefined)
  } finally {
    source.close()
  }
}

const transcriptOf = (turns: ImportedTurn[]) => importedTranscript("opencode", turns)

describe("opencode's sessions read as turns", () => {
  test("each prompt is a turn: its tool calls with their diffs, reasoning and replies render as a live session's", async () => {
    const tables = fixture("tools")
    const { folder } = dataFolder("tools", tables)
    const source = await opencodeImporter(folder).open(folder)
    const [session] = source.sessions
    expect(session).toEqual({ sessionId: tables.session.rows[0]!.id, location: join(folder, "opencode.db") })
    const read = await source.read(session!, undefined)
    source.close()
    expect(read.resume).toEqual({ sessionId: session!.sessionId })
    expect(read.directory).toBe("/tmp/opencode-import-fixture/project")
    expect(read.startedAt).toBe(new Date(tables.session.rows[0]!.time_created as number).toISOString())
    // `opencode run` quotes the prompt it is given.
    expect(read.turns.map((t) => [t.prompt, t.end])).toEqual([
      ['"write notes.txt with two lines"', { status: "idle" }],
      ['"change two to 2"', { status: "idle" }],
    ])
    const t = transcriptOf(read.turns)
    expect(t.messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant", "user", "assistant", "assistant"])
    const parts = t.messages.flatMap((m) => m.parts)
    expect(parts.find((p): p is ToolPart => p.kind === "tool" && p.tool === "write")).toMatchObject({ status: "completed" })
    const edits = parts.filter((p): p is FileEditPart => p.kind === "file-edit")
    expect(edits.map((e) => e.path)).toEqual(["/tmp/opencode-import-fixture/project/notes.txt", "/tmp/opencode-import-fixture/project/notes.txt"])
    expect(edits[1]!.diff).toContain("-two")
    expect(parts.filter((p) => p.kind === "reasoning" || p.kind === "text").map((p) => (p as { text: string }).text)).toEqual([
      '"write notes.txt with two lines"',
      "A short file will do.",
      "I wrote notes.txt.",
      '"change two to 2"',
      "Changed two to 2.",
    ])
    expect(t.usage).toMatchObject({ inputTokens: 40, outputTokens: 20 })
  })

  test("a turn the model API failed ends in error with its message", async () => {
    const { folder } = dataFolder("api-error", fixture("api-error"))
    const read = await readWhole(folder)
    expect(read.turns.map((t) => t.end)).toEqual([{ status: "error", error: "the stub refuses this request" }])
    const t = transcriptOf(read.turns)
    expect(t.status).toBe("error")
    expect(t.messages.at(-1)!.parts).toEqual([expect.objectContaining({ kind: "error", message: "the stub refuses this request" })])
  })

  test("read again, a session gives only what it gained since, and nothing when it gained nothing", async () => {
    const tables = fixture("tools")
    const second = tables.message.rows[3]!.time_created as number
    const { folder, add } = dataFolder("growing", tables, second - 1)
    const importer = opencodeImporter(folder)
    let source = await importer.open(folder)
    const first = await source.read(source.sessions[0]!, undefined)
    expect(first.turns.map((t) => t.prompt)).toEqual(['"write notes.txt with two lines"'])
    expect(await source.read(source.sessions[0]!, first.cursor)).toMatchObject({ turns: [], cursor: first.cursor })
    source.close()
    add(Infinity)
    source = await importer.open(join(folder, "opencode.db"))
    const more = await source.read(source.sessions[0]!, first.cursor)
    source.close()
    expect(more.turns.map((t) => t.prompt)).toEqual(['"change two to 2"'])
    const whole = await readWhole(folder)
    const parts = (turns: ImportedTurn[]) => transcriptOf(turns).messages.flatMap((m) => m.parts)
    expect(parts([...first.turns, ...more.turns])).toEqual(parts(whole.turns))
  })

  test("a folder without opencode's database, a file that is not one, and no such path each say so, naming the path", async () => {
    const empty = join(scratch, "empty")
    mkdirSync(empty)
    const importer = opencodeImporter(empty)
    await expect(importer.open(empty)).rejects.toThrow(new ImportPathError(`no opencode sessions in ${empty}: it holds no opencode.db`))
    const notDb = join(empty, "opencode.db")
    writeFileSync(notDb, "not a database")
    await expect(importer.open(empty)).rejects.toThrow(`no opencode sessions in ${empty}: ${notDb} is not opencode's database`)
    await expect(importer.open(join(scratch, "nowhere"))).rejects.toThrow(new ImportPathError(`no such file or folder: ${join(scratch, "nowhere")}`))
  })
})
