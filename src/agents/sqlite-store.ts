// The agents' records in their own SQLite file next to the streams (agents.db), for a daemon that
// is a fleet of one. Every statement runs synchronously underneath: the promises settle at once.
import { type Database, SQLiteError, type Statement } from "bun:sqlite"
import type { HarnessResume } from "../harness/harness.ts"
import type { PermissionPolicy, TurnStatus } from "../protocol/agent-events.ts"
import { openDatabase } from "../storage/sqlite.ts"
import { SqliteArchive } from "./archive/sqlite.ts"
import { SPEND_COLUMNS, SPEND_JOIN } from "./usage/ledger.ts"
import { SqliteUsageLedger } from "./usage/sqlite.ts"
import {
  type AgentRecord,
  type AgentRow,
  type AgentWorktree,
  type AgentStore,
  NameTakenError,
  type NewAgentRecord,
  type NewPermission,
  type ImportedAgentRecord,
  type ImportRecord,
  type ImportRow,
  type PermissionAnswerRecord,
  type PermissionRecord,
  type PermissionRow,
  type PermissionState,
  type SettledReply,
  toImport,
  toPermission,
  toRecord,
} from "./store.ts"

const TABLES = `
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
  consumed   TEXT
);
CREATE TABLE IF NOT EXISTS harness_processes (
  pid     INTEGER PRIMARY KEY,
  harness TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS permissions (
  id         TEXT PRIMARY KEY,
  agent_id   TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  tool       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  summary    TEXT NOT NULL,
  request    TEXT NOT NULL,
  match_key  TEXT NOT NULL,
  state      TEXT NOT NULL DEFAULT 'pending',
  decision   TEXT,
  message    TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS permissions_open ON permissions (agent_id, state);
CREATE TABLE IF NOT EXISTS imports (
  harness       TEXT NOT NULL,
  session_id    TEXT NOT NULL,
  agent_id      TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  location      TEXT NOT NULL,
  cursor        TEXT NOT NULL,
  stream_offset TEXT NOT NULL,
  imported_at   TEXT NOT NULL,
  PRIMARY KEY (harness, session_id)
);
CREATE INDEX IF NOT EXISTS imports_agent ON imports (agent_id);
`

// Columns added after the first release; databases from then get them on open.
const AGENT_COLUMNS: [name: string, definition: string][] = [
  ["resume", "TEXT"], // JSON HarnessResume
  ["permissions", "TEXT NOT NULL DEFAULT 'ask'"],
  ["allowed_tools", "TEXT NOT NULL DEFAULT '[]'"],
  ["archived_at", "TEXT"],
  ["worktree", "TEXT"], // JSON AgentWorktree
]

function migrate(db: Database): void {
  db.exec(TABLES)
  const have = new Set(db.query<{ name: string }, []>("SELECT name FROM pragma_table_info('agents')").all().map((c) => c.name))
  for (const [name, definition] of AGENT_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE agents ADD COLUMN ${name} ${definition}`)
  // The first release kept opencode's session id in its own column.
  if (have.has("session_id")) {
    db.exec(`UPDATE agents SET resume = json_object('sessionId', session_id) WHERE session_id IS NOT NULL AND resume IS NULL;
             ALTER TABLE agents DROP COLUMN session_id`)
  }
}

const AGENTS = `SELECT a.*, ${SPEND_COLUMNS}, EXISTS (SELECT 1 FROM permissions p WHERE p.agent_id = a.id AND p.state = 'pending') AS asking,
  (SELECT max(i.imported_at) FROM imports i WHERE i.agent_id = a.id) AS imported_at
  FROM agents a ${SPEND_JOIN}`

export class SqliteAgentStore implements AgentStore {
  readonly #db: Database
  readonly #q: {
    all: Statement<AgentRow, []>
    byId: Statement<AgentRow, [string]>
    byName: Statement<AgentRow, [string]>
    insert: Statement<unknown, [string, string, string, string, string | null, string, string, string, string | null]>
    remove: Statement<unknown, [string]>
    archived: Statement<unknown, [string, string | null]>
    progress: Statement<unknown, [string, TurnStatus, string | null, string | null]>
    consumed: Statement<unknown, [string, string]>
    resume: Statement<unknown, [string, string]>
    policy: Statement<unknown, [string, string]>
    allowed: Statement<unknown, [string, string]>
    worktree: Statement<unknown, [string, string]>
    addProcess: Statement<unknown, [number, string]>
    removeProcess: Statement<unknown, [number]>
    processes: Statement<{ pid: number; harness: string }, []>
    addPermission: Statement<unknown, [string, string, string, string, string, string, string, string]>
    permission: Statement<PermissionRow, [string]>
    open: Statement<PermissionRow, [string]>
    allPending: Statement<PermissionRow, []>
    settle: Statement<unknown, [string, PermissionState, string | null, string | null]>
    lapse: Statement<unknown, [string]>
    imports: Statement<ImportRow, [string]>
    insertImported: Statement<unknown, [string, string, string, string, string | null, string, string, string, string, string | null, string, string]>
    insertImport: Statement<unknown, [string, string, string, string, string, string, string]>
    moveImport: Statement<unknown, [string, string, string, string, string, string]>
  }

  readonly index: SqliteArchive
  readonly usage: SqliteUsageLedger

  constructor(file: string) {
    this.#db = openDatabase(file)
    migrate(this.#db)
    this.index = new SqliteArchive(this.#db)
    this.usage = new SqliteUsageLedger(this.#db)
    this.#q = {
      all: this.#db.query(`${AGENTS} ORDER BY a.created_at, a.id`),
      byId: this.#db.query(`${AGENTS} WHERE a.id = ?`),
      byName: this.#db.query(`${AGENTS} WHERE a.name = ?`),
      insert: this.#db.query(
        "INSERT INTO agents (id, name, harness, directory, model, stream, created_at, permissions, worktree) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      remove: this.#db.query("DELETE FROM agents WHERE id = ?"),
      archived: this.#db.query("UPDATE agents SET archived_at = ?2 WHERE id = ?1"),
      progress: this.#db.query("UPDATE agents SET status = ?2, error = ?3, consumed = coalesce(?4, consumed) WHERE id = ?1"),
      consumed: this.#db.query("UPDATE agents SET consumed = ?2 WHERE id = ?1"),
      resume: this.#db.query("UPDATE agents SET resume = ?2 WHERE id = ?1"),
      policy: this.#db.query("UPDATE agents SET permissions = ?2 WHERE id = ?1"),
      allowed: this.#db.query("UPDATE agents SET allowed_tools = ?2 WHERE id = ?1"),
      worktree: this.#db.query("UPDATE agents SET worktree = ?2 WHERE id = ?1"),
      addProcess: this.#db.query("INSERT OR REPLACE INTO harness_processes (pid, harness) VALUES (?, ?)"),
      removeProcess: this.#db.query("DELETE FROM harness_processes WHERE pid = ?"),
      processes: this.#db.query("SELECT pid, harness FROM harness_processes"),
      addPermission: this.#db.query(
        "INSERT INTO permissions (id, agent_id, tool, kind, summary, request, match_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      permission: this.#db.query("SELECT * FROM permissions WHERE id = ?"),
      open: this.#db.query("SELECT * FROM permissions WHERE agent_id = ? AND state IN ('pending', 'held') ORDER BY rowid"),
      allPending: this.#db.query("SELECT * FROM permissions WHERE state = 'pending' ORDER BY rowid"),
      settle: this.#db.query("UPDATE permissions SET state = ?2, decision = coalesce(?3, decision), message = coalesce(?4, message) WHERE id = ?1"),
      lapse: this.#db.query("UPDATE permissions SET state = 'answered' WHERE agent_id = ? AND state = 'held'"),
      imports: this.#db.query("SELECT * FROM imports WHERE harness = ?"),
      insertImported: this.#db.query(
        `INSERT INTO agents (id, name, harness, directory, model, stream, created_at, permissions, status, error, consumed, resume)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertImport: this.#db.query(
        "INSERT INTO imports (harness, session_id, agent_id, location, cursor, stream_offset, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      moveImport: this.#db.query(
        "UPDATE imports SET location = ?3, cursor = ?4, stream_offset = ?5, imported_at = ?6 WHERE harness = ?1 AND session_id = ?2",
      ),
    }
  }

  async list(): Promise<AgentRecord[]> {
    return this.#q.all.all().map(toRecord)
  }

  async find(ref: string): Promise<AgentRecord | undefined> {
    return this.#find(ref)
  }

  async insert(agent: NewAgentRecord): Promise<AgentRecord> {
    const { id, name, harness, directory, model, stream, createdAt, permissions, worktree } = agent
    try {
      this.#q.insert.run(id, name, harness, directory, model ?? null, stream, createdAt, permissions, worktree ? JSON.stringify(worktree) : null)
    } catch (error) {
      if (error instanceof SQLiteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") throw new NameTakenError(`an agent named ${name} exists already`)
      throw error
    }
    return this.#find(id)!
  }

  async remove(id: string): Promise<void> {
    this.#q.remove.run(id)
  }

  async archive(id: string, at: string): Promise<void> {
    this.#q.archived.run(id, at)
  }

  async unarchive(id: string): Promise<void> {
    this.#q.archived.run(id, null)
  }

  async setProgress(id: string, progress: { status: TurnStatus; error?: string; consumed?: string }): Promise<void> {
    this.#q.progress.run(id, progress.status, progress.error ?? null, progress.consumed ?? null)
  }

  async setConsumed(id: string, offset: string): Promise<void> {
    this.#q.consumed.run(id, offset)
  }

  async setResume(id: string, resume: HarnessResume): Promise<void> {
    this.#q.resume.run(id, JSON.stringify(resume))
  }

  async setPolicy(id: string, policy: PermissionPolicy): Promise<void> {
    this.#q.policy.run(id, policy)
  }

  async setAllowedTools(id: string, tools: string[]): Promise<void> {
    this.#q.allowed.run(id, JSON.stringify(tools))
  }

  async setWorktree(id: string, worktree: AgentWorktree): Promise<void> {
    this.#q.worktree.run(id, JSON.stringify(worktree))
  }

  async processes(): Promise<Array<{ pid: number; harness: string }>> {
    return this.#q.processes.all()
  }

  async addProcess(pid: number, harness: string): Promise<void> {
    this.#q.addProcess.run(pid, harness)
  }

  async removeProcess(pid: number): Promise<void> {
    this.#q.removeProcess.run(pid)
  }

  async addPermission(p: NewPermission): Promise<void> {
    this.#q.addPermission.run(p.id, p.agentId, p.tool, p.kind, p.summary, JSON.stringify(p.request ?? null), p.key, p.createdAt)
  }

  async permission(id: string): Promise<PermissionRecord | undefined> {
    const row = this.#q.permission.get(id)
    return row ? toPermission(row) : undefined
  }

  async openPermissions(agentId: string): Promise<PermissionRecord[]> {
    return this.#q.open.all(agentId).map(toPermission)
  }

  async pendingPermissions(): Promise<PermissionRecord[]> {
    return this.#q.allPending.all().map(toPermission)
  }

  async settlePermission(id: string, state: PermissionState, answer: PermissionAnswerRecord = {}): Promise<void> {
    this.#settle(id, state, answer)
  }

  async settleReply(agentId: string, reply: SettledReply): Promise<void> {
    this.#db.transaction(() => {
      this.#settle(reply.permission, reply.state, reply.answer)
      if (reply.allowedTools) this.#q.allowed.run(agentId, JSON.stringify(reply.allowedTools))
      this.#q.consumed.run(agentId, reply.consumed)
    })()
  }

  async lapseHeld(agentId: string): Promise<void> {
    this.#q.lapse.run(agentId)
  }

  async imports(harness: string): Promise<ImportRecord[]> {
    return this.#q.imports.all(harness).map(toImport)
  }

  async recordImports(agents: ImportedAgentRecord[], moved: ImportRecord[]): Promise<boolean[]> {
    return this.#db.transaction(() => {
      const recorded = agents.map((imported) => {
        const { agent, import: record } = imported
        try {
          // A savepoint each: one whose name was taken meanwhile fails alone.
          this.#db.transaction(() => {
            this.#q.insertImported.run(
              agent.id,
              agent.name,
              agent.harness,
              agent.directory,
              agent.model ?? null,
              agent.stream,
              agent.createdAt,
              agent.permissions,
              imported.status,
              imported.error ?? null,
              imported.consumed,
              JSON.stringify(imported.resume),
            )
            this.#q.insertImport.run(record.harness, record.sessionId, record.agentId, record.location, record.cursor, record.offset, record.importedAt)
          })()
          return true
        } catch (error) {
          // A name, id or session taken meanwhile.
          if (error instanceof SQLiteError && (error.code === "SQLITE_CONSTRAINT_UNIQUE" || error.code === "SQLITE_CONSTRAINT_PRIMARYKEY")) return false
          throw error
        }
      })
      for (const r of moved) this.#q.moveImport.run(r.harness, r.sessionId, r.location, r.cursor, r.offset, r.importedAt)
      return recorded
    })()
  }

  async close(): Promise<void> {
    this.#db.close()
  }


  #find(ref: string): AgentRecord | undefined {
    const row = this.#q.byId.get(ref) ?? this.#q.byName.get(ref)
    return row ? toRecord(row) : undefined
  }

  #settle(id: string, state: PermissionState, answer: PermissionAnswerRecord): void {
    this.#q.settle.run(id, state, answer.decision ?? null, answer.message ?? null)
  }
}
