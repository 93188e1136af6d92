// Batches in agents.db, beside the agents (its own connection: the tables share nothing with the
// agents' but the file). Every statement runs synchronously underneath.
import type { Database, Statement } from "bun:sqlite"
import { openDatabase } from "../../storage/sqlite.ts"
import { type BatchRecord, type BatchRow, type BatchStore, batchData, type TaskRecord, type TaskRow, toBatch, toTask } from "./store.ts"

const TABLES = `
CREATE TABLE IF NOT EXISTS batches (
  id         TEXT PRIMARY KEY,
  node       TEXT NOT NULL,
  directory  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  ended_at   TEXT,
  data       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_tasks (
  batch_id  TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  idx       INTEGER NOT NULL,
  directory TEXT NOT NULL,
  name      TEXT NOT NULL,
  state     TEXT NOT NULL,
  agent_id  TEXT,
  data      TEXT NOT NULL,
  PRIMARY KEY (batch_id, idx)
);
CREATE INDEX IF NOT EXISTS batch_tasks_ran ON batch_tasks (directory, name);
`

const row = (task: TaskRecord) => [task.batch, task.index, task.name, task.state, task.agent?.id ?? null, JSON.stringify(task)] as const

export class SqliteBatchStore implements BatchStore {
  readonly #db: Database
  readonly #q: {
    insertBatch: Statement<unknown, [string, string, string, string, string]>
    insertTask: Statement<unknown, [string, number, string, string, string, string | null, string]>
    list: Statement<BatchRow, []>
    get: Statement<BatchRow, [string]>
    tasks: Statement<TaskRow, [string]>
    all: Statement<TaskRow, []>
    put: Statement<unknown, [string, number, string, string, string | null, string]>
    putBatch: Statement<unknown, [string, string]>
    end: Statement<unknown, [string, string]>
    unfinished: Statement<BatchRow, [string]>
    claim: Statement<unknown, [string, string, string]>
    ran: Statement<TaskRow, [string]>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    this.#db.exec(TABLES)
    this.#q = {
      insertBatch: this.#db.query("INSERT INTO batches (id, node, directory, created_at, data) VALUES (?, ?, ?, ?, ?)"),
      insertTask: this.#db.query("INSERT INTO batch_tasks (batch_id, idx, directory, name, state, agent_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      list: this.#db.query("SELECT * FROM batches ORDER BY created_at DESC, rowid DESC"),
      get: this.#db.query("SELECT * FROM batches WHERE id = ?"),
      tasks: this.#db.query("SELECT data FROM batch_tasks WHERE batch_id = ? ORDER BY idx"),
      all: this.#db.query("SELECT data FROM batch_tasks ORDER BY rowid"),
      put: this.#db.query("UPDATE batch_tasks SET name = ?3, state = ?4, agent_id = ?5, data = ?6 WHERE batch_id = ?1 AND idx = ?2"),
      putBatch: this.#db.query("UPDATE batches SET data = ?2 WHERE id = ?1"),
      end: this.#db.query("UPDATE batches SET ended_at = ?2 WHERE id = ?1"),
      unfinished: this.#db.query("SELECT * FROM batches WHERE node = ? AND ended_at IS NULL ORDER BY created_at, rowid"),
      claim: this.#db.query("UPDATE batches SET node = ?3 WHERE id = ?1 AND node = ?2 AND ended_at IS NULL"),
      ran: this.#db.query("SELECT data FROM batch_tasks WHERE directory = ? AND state != 'skipped' AND agent_id IS NOT NULL ORDER BY rowid"),
    }
  }

  async create(batch: BatchRecord, tasks: TaskRecord[]): Promise<void> {
    this.#db.transaction(() => {
      this.#q.insertBatch.run(batch.id, batch.node, batch.directory, batch.createdAt, batchData(batch))
      for (const task of tasks) {
        const [id, index, name, state, agent, data] = row(task)
        this.#q.insertTask.run(id, index, batch.directory, name, state, agent, data)
      }
    })()
  }

  async list(): Promise<BatchRecord[]> {
    return this.#q.list.all().map(toBatch)
  }

  async get(id: string): Promise<BatchRecord | undefined> {
    const found = this.#q.get.get(id)
    return found ? toBatch(found) : undefined
  }

  async tasks(batch: string): Promise<TaskRecord[]> {
    return this.#q.tasks.all(batch).map(toTask)
  }

  async allTasks(): Promise<TaskRecord[]> {
    return this.#q.all.all().map(toTask)
  }

  async putTask(task: TaskRecord): Promise<void> {
    this.#q.put.run(...row(task))
  }

  async putBatch(batch: BatchRecord): Promise<void> {
    this.#q.putBatch.run(batch.id, batchData(batch))
  }

  async end(id: string, endedAt: string): Promise<void> {
    this.#q.end.run(id, endedAt)
  }

  async unfinished(node: string): Promise<BatchRecord[]> {
    return this.#q.unfinished.all(node).map(toBatch)
  }

  /** One node uses agents.db: it never takes a batch from another, but the update is the same as on PostgreSQL. */
  async claim(id: string, from: string, to: string): Promise<boolean> {
    return this.#q.claim.run(id, from, to).changes > 0
  }

  async ran(directory: string): Promise<TaskRecord[]> {
    return this.#q.ran.all(directory).map(toTask)
  }

  async close(): Promise<void> {
    this.#db.close()
  }
}
