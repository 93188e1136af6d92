// agents.db as the first release wrote it opens with its agents intact: the opencode session id
// becomes what the agent resumes from, and the new settings get their defaults.
import { Database } from "bun:sqlite"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { Sandbox } from "../../support/sandbox.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

const FIRST_SCHEMA = `
CREATE TABLE agents (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, harness TEXT NOT NULL, directory TEXT NOT NULL, model TEXT,
  stream TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'idle', error TEXT, created_at TEXT NOT NULL,
  consumed TEXT, session_id TEXT
);
CREATE TABLE harness_processes (pid INTEGER PRIMARY KEY, harness TEXT NOT NULL);
PRAGMA user_version = 1;
`

test("an agent of the first release's agents.db is listed with its session, the ask policy, no tools allowed and nothing spent", async () => {
  // No opencode: nothing may start while the old database is read.
  sandbox = new Sandbox({ PATH: "/usr/bin:/bin" })
  expect((await sandbox.run(["streams", "create", "agents/old234"])).code).toBe(0)
  await sandbox.run(["server", "stop"])
  const file = join(sandbox.env.XDG_DATA_HOME!, "iterate", "agents.db")
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true })
  const db = new Database(file, { create: true })
  db.exec(FIRST_SCHEMA)
  db.run(
    "INSERT INTO agents (id, name, harness, directory, stream, status, created_at, consumed, session_id) VALUES ('old234', 'old', 'opencode', ?, 'agents/old234', 'idle', '2026-01-01T00:00:00.000Z', NULL, 'ses_old')",
    [sandbox.dir],
  )
  db.close()

  const list = await sandbox.run(["agents", "--json"])
  expect(JSON.parse(list.stdout)).toEqual([
    {
      id: "old234",
      name: "old",
      harness: "opencode",
      directory: sandbox.dir,
      stream: "agents/old234",
      status: "idle",
      createdAt: "2026-01-01T00:00:00.000Z",
      sessionId: "ses_old",
      permissions: "ask",
      allowedTools: [],
      // the one node there is: this data folder's
      node: JSON.parse(readFileSync(join(sandbox.env.XDG_DATA_HOME!, "iterate", "node.json"), "utf8")).id,
      // the ledger's tables are new: nothing spent, no budget
      spentUsd: 0,
    },
  ])
  expect((await sandbox.run(["permissions", "old", "--json"])).stdout).toBe("[]\n")
})
