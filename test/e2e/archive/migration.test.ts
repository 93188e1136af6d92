// Databases from before the archive: agents.db, and a PostgreSQL store at the agents' first
// migration. The daemon brings them up to date on start, indexes the agents' existing
// transcripts (catching up from nothing), and `agents rm` archives them.
import { Database } from "bun:sqlite"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { AGENT_MIGRATIONS } from "../../../src/agents/postgres-schema.ts"
import { AGENT_EVENT } from "../../../src/protocol/agent-events.ts"
import { connectPostgres, migratePostgres } from "../../../src/storage/postgres.ts"
import { appendEvents } from "../../../src/streams/events.ts"
import { PostgresStreamStore } from "../../../src/streams/postgres/store.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { freshDatabase } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

let sandbox: Sandbox
afterEach(async () => {
  await sandbox?.run(["server", "stop"])
  sandbox?.close()
})

// agents.db as the release before the archive wrote it.
const SCHEMA = `
CREATE TABLE agents (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, harness TEXT NOT NULL, directory TEXT NOT NULL, model TEXT,
  stream TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'idle', error TEXT, created_at TEXT NOT NULL, consumed TEXT,
  resume TEXT, permissions TEXT NOT NULL DEFAULT 'ask', allowed_tools TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE harness_processes (pid INTEGER PRIMARY KEY, harness TEXT NOT NULL);
CREATE TABLE permissions (
  id TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE, tool TEXT NOT NULL, kind TEXT NOT NULL,
  summary TEXT NOT NULL, request TEXT NOT NULL, match_key TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', decision TEXT,
  message TEXT, created_at TEXT NOT NULL
);
`

const TURN = [
  { type: AGENT_EVENT.prompt, payload: { text: "an old prompt about capybaras" } },
  { type: AGENT_EVENT.status, payload: { status: "busy" } },
  { type: AGENT_EVENT.status, payload: { status: "idle" } },
]

async function expectIndexedAndArchivable(): Promise<void> {
  const hits = await waitFor("the old transcript to be indexed", async () => {
    const result = await sandbox.run(["search", "capybaras", "--json"])
    expect(result.code, result.stderr).toBe(0)
    const found = JSON.parse(result.stdout)
    return found.length > 0 && found
  })
  expect(hits).toEqual([expect.objectContaining({ agent: "old234", agentName: "old", kind: "prompt", offset: "0000000000000000" })])
  expect((await sandbox.run(["agents", "rm", "old"])).code).toBe(0)
  expect(JSON.parse((await sandbox.run(["agents", "--all", "--json"])).stdout)).toEqual([expect.objectContaining({ id: "old234", status: "archived" })])
}

test("SQLite: agents.db from before the archive gets its new column and tables; old transcripts are indexed on start", async () => {
  // No harness: nothing may start while the old database is read.
  sandbox = new Sandbox({ PATH: "/usr/bin:/bin" })
  expect((await sandbox.run(["streams", "create", "agents/old234"])).code).toBe(0)
  expect((await sandbox.run(["streams", "append", "agents/old234", "-"], { stdin: TURN.map((e) => JSON.stringify(e)).join("\n") })).code).toBe(0)
  await sandbox.run(["server", "stop"])
  const file = join(sandbox.env.XDG_DATA_HOME!, "iterate", "agents.db")
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true })
  const db = new Database(file, { create: true })
  db.exec(SCHEMA)
  db.run("INSERT INTO agents (id, name, harness, directory, stream, created_at) VALUES ('old234', 'old', 'opencode', ?, 'agents/old234', '2026-01-01T00:00:00.000Z')", [
    sandbox.dir,
  ])
  db.close()
  await expectIndexedAndArchivable()
})

test("PostgreSQL: a store at the agents' first migration is migrated; old transcripts are indexed on start", async () => {
  const url = await freshDatabase()
  const pg = await connectPostgres(url)
  try {
    const streams = await PostgresStreamStore.open(pg)
    await migratePostgres(pg, "agents", AGENT_MIGRATIONS.slice(0, 1))
    await streams.create("agents/old234", { contentType: "application/json" })
    await appendEvents(streams, "agents/old234", TURN)
    await pg.sql`INSERT INTO agents (id, name, harness, directory, stream, created_at) VALUES ('old234', 'old', 'opencode', '/nowhere', 'agents/old234', '2026-01-01T00:00:00.000Z')`
    await streams.close()
  } finally {
    await pg.close()
  }
  sandbox = new Sandbox({ PATH: "/usr/bin:/bin", ITERATE_STORE_URL: url })
  await expectIndexedAndArchivable()
})
