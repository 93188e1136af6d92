// Agent records and each adapter's progress, in their own SQLite file next to the streams
// (agents.db): what an agent is, where its adapter got to in its stream, which harness session it
// drives, and which harness processes the daemon started (to clean up after a daemon that died).
import type { Database, Statement } from "bun:sqlite"
import { openDatabase } from "../storage/sqlite.ts"
import type { TurnStatus } from "../protocol/agent-events.ts"

export interface AgentRecord {
  id: string
  name: string
  harness: string
  /** absolute path of the working directory */
  directory: string
  model: string | undefined
  /** the agent's event stream */
  stream: string
  status: TurnStatus
  /** one line: why the last turn failed, while status is error */
  error: string | undefined
  createdAt: string
  /** offset of the last action the adapter handled; undefined before the first */
  consumed: string | undefined
  /** the harness's session for this agent, once one was made */
  sessionId: string | undefined
}

interface Row {
  id: string
  name: string
  harness: string
  directory: string
  model: string | null
  stream: string
  status: TurnStatus
  error: string | null
  created_at: string
  consumed: string | null
  session_id: string | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  harness    TEXT NOT NULL,
  directory  TEXT NOT NULL,
  model      TEXT,
  stream     TEXT NOT NULL UNIQUE,
  status     TEXT NOT NULL DEFAULT 'idle',
  error      TEXT,
  created_at TEXT NOT NULL,
  consumed   TEXT,
  session_id TEXT
);
CREATE TABLE IF NOT EXISTS harness_processes (
  pid     INTEGER PRIMARY KEY,
  harness TEXT NOT NULL
);
PRAGMA user_version = 1;
`

const toRecord = (row: Row): AgentRecord => ({
  id: row.id,
  name: row.name,
  harness: row.harness,
  directory: row.directory,
  model: row.model ?? undefined,
  stream: row.stream,
  status: row.status,
  error: row.error ?? undefined,
  createdAt: row.created_at,
  consumed: row.consumed ?? undefined,
  sessionId: row.session_id ?? undefined,
})

export class AgentStore {
  readonly #db: Database
  readonly #q: {
    all: Statement<Row, []>
    byId: Statement<Row, [string]>
    byName: Statement<Row, [string]>
    insert: Statement<unknown, [string, string, string, string, string | null, string, string]>
    remove: Statement<unknown, [string]>
    progress: Statement<unknown, [string, TurnStatus, string | null, string | null]>
    consumed: Statement<unknown, [string, string]>
    session: Statement<unknown, [string, string]>
    addProcess: Statement<unknown, [number, string]>
    removeProcess: Statement<unknown, [number]>
    processes: Statement<{ pid: number; harness: string }, []>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    this.#db.exec(SCHEMA)
    this.#q = {
      all: this.#db.query("SELECT * FROM agents ORDER BY created_at, id"),
      byId: this.#db.query("SELECT * FROM agents WHERE id = ?"),
      byName: this.#db.query("SELECT * FROM agents WHERE name = ?"),
      insert: this.#db.query(
        "INSERT INTO agents (id, name, harness, directory, model, stream, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      remove: this.#db.query("DELETE FROM agents WHERE id = ?"),
      progress: this.#db.query("UPDATE agents SET status = ?2, error = ?3, consumed = coalesce(?4, consumed) WHERE id = ?1"),
      consumed: this.#db.query("UPDATE agents SET consumed = ?2 WHERE id = ?1"),
      session: this.#db.query("UPDATE agents SET session_id = ?2 WHERE id = ?1"),
      addProcess: this.#db.query("INSERT OR REPLACE INTO harness_processes (pid, harness) VALUES (?, ?)"),
      removeProcess: this.#db.query("DELETE FROM harness_processes WHERE pid = ?"),
      processes: this.#db.query("SELECT pid, harness FROM harness_processes"),
    }
  }

  list(): AgentRecord[] {
    return this.#q.all.all().map(toRecord)
  }

  /** By id first, then by name. */
  find(ref: string): AgentRecord | undefined {
    const row = this.#q.byId.get(ref) ?? this.#q.byName.get(ref)
    return row ? toRecord(row) : undefined
  }

  /** Whether some agent answers to `ref`, as its id or its name: ids and names share one namespace. */
  taken(ref: string): boolean {
    return this.find(ref) !== undefined
  }

  insert(agent: Pick<AgentRecord, "id" | "name" | "harness" | "directory" | "model" | "stream" | "createdAt">): AgentRecord {
    this.#q.insert.run(agent.id, agent.name, agent.harness, agent.directory, agent.model ?? null, agent.stream, agent.createdAt)
    return this.find(agent.id)!
  }

  remove(id: string): void {
    this.#q.remove.run(id)
  }

  /** The agent's status, and with `consumed` the action it was set by, in one commit. */
  setProgress(id: string, progress: { status: TurnStatus; error?: string; consumed?: string }): void {
    this.#q.progress.run(id, progress.status, progress.error ?? null, progress.consumed ?? null)
  }

  setConsumed(id: string, offset: string): void {
    this.#q.consumed.run(id, offset)
  }

  setSession(id: string, sessionId: string): void {
    this.#q.session.run(id, sessionId)
  }

  /** Harness server processes this daemon started and has not seen exit. */
  processes(): Array<{ pid: number; harness: string }> {
    return this.#q.processes.all()
  }

  addProcess(pid: number, harness: string): void {
    this.#q.addProcess.run(pid, harness)
  }

  removeProcess(pid: number): void {
    this.#q.removeProcess.run(pid)
  }

  close(): void {
    this.#db.close()
  }
}
