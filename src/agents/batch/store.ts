// Where batches are kept: each batch and its tasks, in the agent store (agents.db, or the
// PostgreSQL database the fleet shares), so that a daemon killed mid-batch finds every task where
// it left it. A task's record is rewritten whole at each step it takes; the columns beside its JSON
// are what the queries look for.
import type { Batch, BatchTask } from "../../protocol/batch-events.ts"

/** A batch as stored: what clients see but its stream's name, its counts and its tasks (kept apart). */
export type BatchRecord = Omit<Batch, "stream" | "counts" | "tasks">

/** A task as stored: never `waiting` (that is its agent's state, read live), and the prompt its turn was started by. */
export interface TaskRecord extends Omit<BatchTask, "state"> {
  batch: string
  state: Exclude<BatchTask["state"], "waiting">
  /** offset of the prompt action sent to its agent (the latest, when it was sent again) */
  promptOffset?: string
  /** the name its agent is being made under: a daemon stopped meanwhile finds the agent by it */
  agentName?: string
}

export interface BatchStore {
  /** The batch and its tasks, in one commit. */
  create(batch: BatchRecord, tasks: TaskRecord[]): Promise<void>
  /** Newest first. */
  list(): Promise<BatchRecord[]>
  get(id: string): Promise<BatchRecord | undefined>
  /** In their order. */
  tasks(batch: string): Promise<TaskRecord[]>
  /** Every task of every batch (in order), for listings' counts. */
  allTasks(): Promise<TaskRecord[]>
  /** The task's whole record as it is now. */
  putTask(task: TaskRecord): Promise<void>
  /** The batch's own fields as they are now (its cancelledAt), in its data column; its id, node, directory and times stay. */
  putBatch(batch: BatchRecord): Promise<void>
  end(id: string, endedAt: string): Promise<void>
  /** The node's batches that have not ended. */
  unfinished(node: string): Promise<BatchRecord[]>
  /**
   * Makes `to` the node of the batch, if it has not ended, `from` still is its node and `from` is
   * gone (its heartbeat older than its lease TTL, where nodes beat); whether this call did. One
   * atomic update, so that of two nodes taking over the same batch one wins.
   */
  claim(id: string, from: string, to: string): Promise<boolean>
  /** Tasks that ran (were given an agent, not skipped) in batches of `directory`, oldest first. */
  ran(directory: string): Promise<TaskRecord[]>
  close(): Promise<void>
}

// The rows both stores keep.
export interface BatchRow {
  id: string
  node: string
  directory: string
  created_at: string
  ended_at: string | null
  /** JSON: the rest of the BatchRecord */
  data: string
}

export interface TaskRow {
  /** JSON TaskRecord */
  data: string
}

export const toBatch = (row: BatchRow): BatchRecord => ({
  ...(JSON.parse(row.data) as Omit<BatchRecord, "id" | "node" | "directory" | "createdAt" | "endedAt">),
  id: row.id,
  node: row.node,
  directory: row.directory,
  createdAt: row.created_at,
  ...(row.ended_at !== null && { endedAt: row.ended_at }),
})

/** What goes in a batch row's data column. */
export function batchData(batch: BatchRecord): string {
  const { id: _id, node: _node, directory: _directory, createdAt: _created, endedAt: _ended, ...rest } = batch
  return JSON.stringify(rest)
}

export const toTask = (row: TaskRow): TaskRecord => JSON.parse(row.data) as TaskRecord
