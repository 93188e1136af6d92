// The vocabulary of a batch (`iterate batch`): what its stream `batches/<id>` holds and how a
// reader folds it, shared by the daemon (which appends it), the CLI's live table and the web page.
// Import-free, so the CLI client path and the browser can load it.
//
//   iterate:batch:created        {batch}   the batch as it was made, every task with it
//   iterate:batch:task:changed   {task}    one task as it is now: started, its agent waiting for a
//                                          permission or not, its files changed so far, ended
//   iterate:batch:moved          {from,   another node runs the batch from now on: its node `from`
//                                 to}      was gone (killed, or stopped and not back within its
//                                          lease TTL) and node `to` took it over
//   iterate:batch:ended          {batch}   every task ended (done, failed, skipped or cancelled), or
//                                          the batch was cancelled (cancelledAt); the stream is
//                                          closed after it

export const BATCH_EVENT = {
  created: "iterate:batch:created",
  taskChanged: "iterate:batch:task:changed",
  moved: "iterate:batch:moved",
  ended: "iterate:batch:ended",
} as const

/**
 * queued: not started yet; starting: its agent and worktree being made (and set up), until its
 * harness takes the prompt; running: its agent's turn runs; waiting: that turn waits for a
 * permission answer; done: the turn ended well; failed: it ended in an error, or the agent could
 * not be made; skipped: a task of that name ran in an earlier batch of the same directory and its
 * agent is still there (`earlier` tells how it ended); cancelled: the batch was cancelled before the
 * task ended (its agent, when it had one, stays, its turn aborted).
 */
export type TaskState = "queued" | "starting" | "running" | "waiting" | "done" | "failed" | "skipped" | "cancelled"

export const FINAL_STATES: readonly TaskState[] = ["done", "failed", "skipped", "cancelled"]

export const isFinal = (state: TaskState): boolean => FINAL_STATES.includes(state)

export interface BatchTask {
  /** its place in the batch, from 0 */
  index: number
  /** the line of the task file it came from */
  line?: number
  /** the task's name: its own, or made from its prompt */
  name: string
  prompt: string
  harness: string
  model?: string
  state: TaskState
  /** its agent, once made (a skipped task's: the earlier one's); the name may differ from the task's when that was taken */
  agent?: { id: string; name: string }
  /** how many times its prompt was sent: more than once when a daemon stop cut its turn short */
  attempts: number
  startedAt?: string
  endedAt?: string
  /** what its agent changed so far (its worktree against the base), when known */
  files?: number
  additions?: number
  deletions?: number
  /** why it failed */
  error?: string
  /** a skipped task: the batch the task ran in, and how it ended there */
  earlier?: { batch: string; state: "done" | "failed" | "running" | "cancelled" }
}

export interface BatchCounts {
  total: number
  queued: number
  /** starting, running or waiting */
  running: number
  done: number
  failed: number
  skipped: number
  cancelled: number
}

export interface Batch {
  id: string
  /** its progress events */
  stream: string
  /** where its agents work: the checkout their worktrees are made from */
  directory: string
  /** the task file's name, or "-" for stdin */
  source?: string
  /** how many tasks run at once */
  parallel: number
  /** the defaults a task's own harness and model override */
  harness: string
  model?: string
  permissions: string
  /** each task's agent works in a worktree of its own */
  worktree: boolean
  createdAt: string
  endedAt?: string
  /** when it was cancelled (`iterate batches cancel`): its tasks that had not ended then were cancelled */
  cancelledAt?: string
  counts: BatchCounts
  /** the node that runs it: the one it was made on, or the one that took it over when that one died */
  node: string
  /** absent in listings */
  tasks?: BatchTask[]
}

export function countTasks(tasks: Pick<BatchTask, "state">[]): BatchCounts {
  const counts: BatchCounts = { total: tasks.length, queued: 0, running: 0, done: 0, failed: 0, skipped: 0, cancelled: 0 }
  for (const { state } of tasks) {
    if (state === "starting" || state === "running" || state === "waiting") counts.running++
    else counts[state]++
  }
  return counts
}

/** How long from `from` to `to` (an ISO time; `now` while there is none): "12s", "1m 05s", "1h 02m". */
export function elapsed(from: string, to: string | undefined, now: number): string {
  const s = Math.max(0, Math.round(((to ? Date.parse(to) : now) - Date.parse(from)) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/** Whether the task ended in an error, in this batch or (skipped) in the one it ran in. */
export const taskFailed = (task: BatchTask): boolean => task.state === "failed" || task.earlier?.state === "failed"

/** Folds the next event of a batch's stream into the batch; undefined until its `created` event. */
export function foldBatch(batch: Batch | undefined, event: { type: string; payload?: unknown }): Batch | undefined {
  const payload = event.payload as { batch?: Batch; task?: BatchTask; to?: string } | undefined
  if (event.type === BATCH_EVENT.created || event.type === BATCH_EVENT.ended) return payload?.batch ?? batch
  if (event.type === BATCH_EVENT.moved) return batch && payload?.to ? { ...batch, node: payload.to } : batch
  if (event.type !== BATCH_EVENT.taskChanged || !batch?.tasks || !payload?.task) return batch
  const task = payload.task
  const tasks = batch.tasks.map((t) => (t.index === task.index ? task : t))
  return { ...batch, tasks, counts: countTasks(tasks) }
}
