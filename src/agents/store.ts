// Agent records and each adapter's progress, in their own SQLite file next to the streams
// (agents.db): what an agent is, where its adapter got to in its stream, what its harness session
// resumes from, its permission policy and the requests it was asked, and which harness processes
// the daemon started (to clean up after a daemon that died).
import type { Database, Statement } from "bun:sqlite"
import type { HarnessResume } from "../harness/harness.ts"
import type { PermissionDecision, PermissionKind, PermissionPolicy, TurnStatus } from "../protocol/agent-events.ts"
import { openDatabase } from "../storage/sqlite.ts"

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
  /** what the harness session last said it resumes from */
  resume: HarnessResume | undefined
  permissions: PermissionPolicy
  /** tools an `always` answer allowed, whatever the policy */
  allowedTools: string[]
}

/**
 * pending: nobody answered yet. held: answered while no harness waited on it (its process died),
 * kept for when the harness asks the same again. answered: the answer went to the harness (or
 * lapsed). withdrawn: the harness stopped waiting without an answer.
 */
export type PermissionState = "pending" | "held" | "answered" | "withdrawn"

export interface PermissionRecord {
  id: string
  agentId: string
  tool: string
  kind: PermissionKind
  summary: string
  request: unknown
  /** tool and input: the same call asked again matches it */
  key: string
  state: PermissionState
  decision: PermissionDecision | undefined
  message: string | undefined
  createdAt: string
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
  resume: string | null
  permissions: PermissionPolicy
  allowed_tools: string
}

interface PermissionRow {
  id: string
  agent_id: string
  tool: string
  kind: PermissionKind
  summary: string
  request: string
  match_key: string
  state: PermissionState
  decision: PermissionDecision | null
  message: string | null
  created_at: string
}

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
`

// Columns added after the first release; databases from then get them on open.
const AGENT_COLUMNS: [name: string, definition: string][] = [
  ["resume", "TEXT"], // JSON HarnessResume
  ["permissions", "TEXT NOT NULL DEFAULT 'ask'"],
  ["allowed_tools", "TEXT NOT NULL DEFAULT '[]'"],
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
  resume: row.resume === null ? undefined : (JSON.parse(row.resume) as HarnessResume),
  permissions: row.permissions,
  allowedTools: JSON.parse(row.allowed_tools) as string[],
})

const toPermission = (row: PermissionRow): PermissionRecord => ({
  id: row.id,
  agentId: row.agent_id,
  tool: row.tool,
  kind: row.kind,
  summary: row.summary,
  request: JSON.parse(row.request),
  key: row.match_key,
  state: row.state,
  decision: row.decision ?? undefined,
  message: row.message ?? undefined,
  createdAt: row.created_at,
})

export type NewAgentRecord = Pick<AgentRecord, "id" | "name" | "harness" | "directory" | "model" | "stream" | "createdAt" | "permissions">

export class AgentStore {
  readonly #db: Database
  readonly #q: {
    all: Statement<Row, []>
    byId: Statement<Row, [string]>
    byName: Statement<Row, [string]>
    insert: Statement<unknown, [string, string, string, string, string | null, string, string, string]>
    remove: Statement<unknown, [string]>
    progress: Statement<unknown, [string, TurnStatus, string | null, string | null]>
    consumed: Statement<unknown, [string, string]>
    resume: Statement<unknown, [string, string]>
    policy: Statement<unknown, [string, string]>
    allowed: Statement<unknown, [string, string]>
    addProcess: Statement<unknown, [number, string]>
    removeProcess: Statement<unknown, [number]>
    processes: Statement<{ pid: number; harness: string }, []>
    addPermission: Statement<unknown, [string, string, string, string, string, string, string, string]>
    permission: Statement<PermissionRow, [string]>
    open: Statement<PermissionRow, [string]>
    allPending: Statement<PermissionRow, []>
    settle: Statement<unknown, [string, PermissionState, string | null, string | null]>
    lapse: Statement<unknown, [string]>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    migrate(this.#db)
    this.#q = {
      all: this.#db.query("SELECT * FROM agents ORDER BY created_at, id"),
      byId: this.#db.query("SELECT * FROM agents WHERE id = ?"),
      byName: this.#db.query("SELECT * FROM agents WHERE name = ?"),
      insert: this.#db.query(
        "INSERT INTO agents (id, name, harness, directory, model, stream, created_at, permissions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      remove: this.#db.query("DELETE FROM agents WHERE id = ?"),
      progress: this.#db.query("UPDATE agents SET status = ?2, error = ?3, consumed = coalesce(?4, consumed) WHERE id = ?1"),
      consumed: this.#db.query("UPDATE agents SET consumed = ?2 WHERE id = ?1"),
      resume: this.#db.query("UPDATE agents SET resume = ?2 WHERE id = ?1"),
      policy: this.#db.query("UPDATE agents SET permissions = ?2 WHERE id = ?1"),
      allowed: this.#db.query("UPDATE agents SET allowed_tools = ?2 WHERE id = ?1"),
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

  insert(agent: NewAgentRecord): AgentRecord {
    const { id, name, harness, directory, model, stream, createdAt, permissions } = agent
    this.#q.insert.run(id, name, harness, directory, model ?? null, stream, createdAt, permissions)
    return this.find(id)!
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

  setResume(id: string, resume: HarnessResume): void {
    this.#q.resume.run(id, JSON.stringify(resume))
  }

  setPolicy(id: string, policy: PermissionPolicy): void {
    this.#q.policy.run(id, policy)
  }

  setAllowedTools(id: string, tools: string[]): void {
    this.#q.allowed.run(id, JSON.stringify(tools))
  }

  /** Harness processes this daemon started and has not seen exit. */
  processes(): Array<{ pid: number; harness: string }> {
    return this.#q.processes.all()
  }

  addProcess(pid: number, harness: string): void {
    this.#q.addProcess.run(pid, harness)
  }

  removeProcess(pid: number): void {
    this.#q.removeProcess.run(pid)
  }

  addPermission(p: Pick<PermissionRecord, "id" | "agentId" | "tool" | "kind" | "summary" | "request" | "key" | "createdAt">): void {
    this.#q.addPermission.run(p.id, p.agentId, p.tool, p.kind, p.summary, JSON.stringify(p.request ?? null), p.key, p.createdAt)
  }

  permission(id: string): PermissionRecord | undefined {
    const row = this.#q.permission.get(id)
    return row ? toPermission(row) : undefined
  }

  /** The agent's requests that are pending or hold an answer, oldest first. */
  openPermissions(agentId: string): PermissionRecord[] {
    return this.#q.open.all(agentId).map(toPermission)
  }

  /** Every agent's pending requests, oldest first. */
  pendingPermissions(): PermissionRecord[] {
    return this.#q.allPending.all().map(toPermission)
  }

  settlePermission(id: string, state: PermissionState, answer: { decision?: PermissionDecision; message?: string } = {}): void {
    this.#q.settle.run(id, state, answer.decision ?? null, answer.message ?? null)
  }

  /** Answers held for a harness that did not ask again lapse with the turn. */
  lapseHeld(agentId: string): void {
    this.#q.lapse.run(agentId)
  }

  /** Runs `work` in one transaction: its writes commit together or not at all. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)()
  }

  close(): void {
    this.#db.close()
  }
}
