// Batches in the PostgreSQL database the fleet shares: the same rows as agents.db's
// (src/agents/batch/sqlite-store.ts). Each batch is run by its node: the one it was made on, or
// the one that took it over when that one died (`claim`).
import type { SQL } from "bun"
import { migratePostgres, type Migration, type Postgres } from "../../storage/postgres.ts"
import { type BatchRecord, type BatchRow, type BatchStore, batchData, type TaskRecord, type TaskRow, toBatch, toTask } from "./store.ts"

export const BATCH_MIGRATIONS: Migration[] = [
  `CREATE TABLE batches (
     id         text PRIMARY KEY,
     node       text NOT NULL,
     directory  text NOT NULL,
     created_at text NOT NULL,
     ended_at   text,
     data       text NOT NULL
   );
   CREATE TABLE batch_tasks (
     seq       bigint GENERATED ALWAYS AS IDENTITY,
     batch_id  text NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
     idx       integer NOT NULL,
     directory text NOT NULL,
     name      text NOT NULL,
     state     text NOT NULL,
     agent_id  text,
     data      text NOT NULL,
     PRIMARY KEY (batch_id, idx)
   );
   CREATE INDEX batch_tasks_ran ON batch_tasks (directory, name);`,
]

export class PostgresBatchStore implements BatchStore {
  readonly #pg: Postgres
  readonly #sql: SQL

  private constructor(pg: Postgres) {
    this.#pg = pg
    this.#sql = pg.sql
  }

  static async open(pg: Postgres): Promise<PostgresBatchStore> {
    await migratePostgres(pg, "batches", BATCH_MIGRATIONS)
    return new PostgresBatchStore(pg)
  }

  async create(batch: BatchRecord, tasks: TaskRecord[]): Promise<void> {
    await this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        await tx`INSERT INTO batches (id, node, directory, created_at, data)
                 VALUES (${batch.id}, ${batch.node}, ${batch.directory}, ${batch.createdAt}, ${batchData(batch)})`
        for (const task of tasks)
          await tx`INSERT INTO batch_tasks (batch_id, idx, directory, name, state, agent_id, data)
                   VALUES (${task.batch}, ${task.index}, ${batch.directory}, ${task.name}, ${task.state}, ${task.agent?.id ?? null}, ${JSON.stringify(task)})`
      }),
    )
  }

  list(): Promise<BatchRecord[]> {
    return this.#batches(() => this.#sql`SELECT * FROM batches ORDER BY created_at DESC, id DESC`)
  }

  async get(id: string): Promise<BatchRecord | undefined> {
    const [batch] = await this.#batches(() => this.#sql`SELECT * FROM batches WHERE id = ${id}`)
    return batch
  }

  tasks(batch: string): Promise<TaskRecord[]> {
    return this.#tasks(() => this.#sql`SELECT data FROM batch_tasks WHERE batch_id = ${batch} ORDER BY idx`)
  }

  allTasks(): Promise<TaskRecord[]> {
    return this.#tasks(() => this.#sql`SELECT data FROM batch_tasks ORDER BY seq`)
  }

  async putTask(task: TaskRecord): Promise<void> {
    await this.#pg.guard(
      () => this.#sql`UPDATE batch_tasks SET name = ${task.name}, state = ${task.state}, agent_id = ${task.agent?.id ?? null}, data = ${JSON.stringify(task)}
                      WHERE batch_id = ${task.batch} AND idx = ${task.index}`,
    )
  }

  async putBatch(batch: BatchRecord): Promise<void> {
    await this.#pg.guard(() => this.#sql`UPDATE batches SET data = ${batchData(batch)} WHERE id = ${batch.id}`)
  }

  async end(id: string, endedAt: string): Promise<void> {
    await this.#pg.guard(() => this.#sql`UPDATE batches SET ended_at = ${endedAt} WHERE id = ${id}`)
  }

  unfinished(node: string): Promise<BatchRecord[]> {
    return this.#batches(() => this.#sql`SELECT * FROM batches WHERE node = ${node} AND ended_at IS NULL ORDER BY created_at, id`)
  }

  /**
   * Only while `from` is gone, checked in the same statement: a node that beat again meanwhile (it
   * started again, and is reading its unfinished batches to resume them) keeps its batches.
   */
  async claim(id: string, from: string, to: string): Promise<boolean> {
    const taken = await this.#pg.guard(
      () => this.#sql`UPDATE batches SET node = ${to} WHERE id = ${id} AND node = ${from} AND ended_at IS NULL
                        AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = ${from} AND n.heartbeat_at + n.lease_ttl_ms * interval '1 millisecond' >= now())
                      RETURNING id`,
    )
    return taken.length > 0
  }

  ran(directory: string): Promise<TaskRecord[]> {
    return this.#tasks(() => this.#sql`SELECT data FROM batch_tasks WHERE directory = ${directory} AND state != 'skipped' AND agent_id IS NOT NULL ORDER BY seq`)
  }

  /** The connection is the bundle's (src/server/stores.ts) to close. */
  async close(): Promise<void> {}

  #batches(query: () => Promise<BatchRow[]>): Promise<BatchRecord[]> {
    return this.#pg.guard(async () => (await query()).map(toBatch))
  }

  #tasks(query: () => Promise<TaskRow[]>): Promise<TaskRecord[]> {
    return this.#pg.guard(async () => (await query()).map(toTask))
  }
}
