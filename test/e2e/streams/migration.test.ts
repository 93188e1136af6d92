import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { Sandbox } from "../../support/sandbox.ts"
import { readAll, startDaemon } from "./daemon.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

// The store's tables as the first release (the spine) wrote them.
const FIRST_SCHEMA = `
CREATE TABLE streams (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, content_type TEXT NOT NULL, created_at INTEGER NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0, tail_seq INTEGER NOT NULL DEFAULT 0, message_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
  stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE, seq INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
`

test("a database written by the first release opens with its streams intact and fully usable", async () => {
  sandbox = new Sandbox()
  const dir = join(sandbox.env.XDG_DATA_HOME!, "iterate")
  mkdirSync(dir, { recursive: true })
  const db = new Database(join(dir, "streams.db"), { create: true })
  db.exec(FIRST_SCHEMA)
  db.run("INSERT INTO streams (id, name, content_type, created_at, tail_seq, message_count) VALUES (1, 'old', 'application/json', 0, 2, 2)")
  db.run("INSERT INTO messages VALUES (1, 1, ?), (1, 2, ?)", [Buffer.from('{"n":1}'), Buffer.from('{"n":2}')])
  db.close()

  await startDaemon(sandbox)
  expect(await readAll(sandbox, "old")).toEqual([{ n: 1 }, { n: 2 }])
  const append = await sandbox.api("/v1/stream/old", { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":3}' })
  expect(append.headers.get("Stream-Next-Offset")).toBe("0000000000000003")
  const fork = await sandbox.api("/v1/stream/old-fork", { method: "PUT", headers: { "Stream-Forked-From": "old", "Stream-Fork-Offset": "0000000000000002" } })
  expect(fork.status).toBe(201)
  expect(await readAll(sandbox, "old-fork")).toEqual([{ n: 1 }, { n: 2 }])
  expect(await readAll(sandbox, "old")).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  // The size of what the first release stored is counted on the first open, and kept up from then on.
  const list = (await (await sandbox.api("/v1/streams")).json()) as { streams: { name: string; bytes: number }[] }
  expect(list.streams.find((s) => s.name === "old")?.bytes).toBe(21)
})
