// How `iterate batch` (and `iterate batches ID --follow`) shows a batch as it goes: on a terminal a
// table of its tasks redrawn in place; otherwise a line per task as it ends; with --json an object
// per task as it ends. Then a summary. The rendering is pure: a batch and the time in, lines out.
import { tableLines } from "../../client/output.ts"
import { type Batch, type BatchTask, elapsed, isFinal, taskFailed } from "../../protocol/batch-events.ts"

export const taskElapsed = (task: BatchTask, now: number): string => (task.startedAt ? elapsed(task.startedAt, task.endedAt, now) : "-")

const changes = (task: BatchTask) => (task.files === undefined ? ["-", "-"] : [String(task.files), `+${task.additions ?? 0} −${task.deletions ?? 0}`])

/** The state as a word: a skipped task's says how it ended where it ran. */
export const stateWord = (task: BatchTask): string => (task.state === "skipped" && task.earlier ? `skipped (${task.earlier.state})` : task.state)

/** The agent's name when it differs from the task's. */
const taskName = (task: BatchTask) => (task.agent && task.agent.name !== task.name ? `${task.name} → ${task.agent.name}` : task.name)

export const TABLE_HEADER = ["TASK", "HARNESS", "STATE", "ELAPSED", "FILES", "+/−"]

export function tableRows(batch: Batch, now: number): string[][] {
  return (batch.tasks ?? []).map((task) => [taskName(task), task.harness, stateWord(task), taskElapsed(task, now), ...changes(task)])
}

/** The table cut to fit a terminal: each line to `width`, at most `height` lines (the rows left out summed up in the last). */
export function fittedTable(header: string[], rows: string[][], width: number, height: number): string[] {
  const shown = rows.length + 1 > height ? rows.slice(0, Math.max(0, height - 2)) : rows
  const lines = tableLines(header, shown).map((line) => line.slice(0, width))
  if (shown.length < rows.length) lines.push(`… and ${rows.length - shown.length} more`)
  return lines
}

/** One line for a task that ended: state, name, time, what it changed or why it failed. */
export function endedLine(task: BatchTask, now: number): string {
  const [files, plusMinus] = changes(task)
  const what = task.error ? `error: ${task.error}` : files === "-" ? "" : `${files} file${files === "1" ? "" : "s"} ${plusMinus}`
  const where = task.state === "skipped" && task.earlier ? `ran in batch ${task.earlier.batch}` : taskElapsed(task, now)
  return [stateWord(task).padEnd(17), taskName(task), where, what].filter(Boolean).join("  ")
}

export interface Summary {
  type: "summary"
  batch: string
  done: number
  failed: number
  skipped: number
  /** tasks the batch's cancellation ended */
  cancelled: number
  /** from the batch's creation to its end */
  durationMs: number
  /** each task's agent, in the order of the tasks */
  agents: string[]
  /** no task ended in an error (skipped ones by how they ended where they ran), and none was cancelled */
  ok: boolean
}

export function summary(batch: Batch, now: number): Summary {
  const tasks = batch.tasks ?? []
  return {
    type: "summary",
    batch: batch.id,
    done: batch.counts.done,
    failed: batch.counts.failed,
    skipped: batch.counts.skipped,
    cancelled: batch.counts.cancelled,
    durationMs: (batch.endedAt ? Date.parse(batch.endedAt) : now) - Date.parse(batch.createdAt),
    agents: tasks.flatMap((t) => (t.agent ? [t.agent.name] : [])),
    ok: !tasks.some((t) => taskFailed(t) || t.state === "cancelled"),
  }
}

/** The summary for a person: counts and time, the agents, how to see each change, what failed. */
export function summaryLines(batch: Batch, now: number): string[] {
  const s = summary(batch, now)
  const tasks = batch.tasks ?? []
  const counts = [`${s.done} done`, `${s.failed} failed`, ...(s.skipped ? [`${s.skipped} skipped`] : []), ...(s.cancelled ? [`${s.cancelled} cancelled`] : [])].join(", ")
  const lines = [`batch ${batch.id}: ${counts} in ${elapsed(batch.createdAt, batch.endedAt, now)}`]
  if (s.agents.length) lines.push(`agents: ${s.agents.join(" ")}`)
  const failed = tasks.filter(taskFailed)
  for (const task of failed) lines.push(`failed: ${taskName(task)}: ${task.error ?? "its turn failed"}${task.state === "skipped" ? ` (in batch ${task.earlier?.batch}; to run it again: iterate agents rm ${task.agent?.name} --force)` : ""}`)
  const first = tasks.find((t) => t.agent && t.state === "done")?.agent?.name
  if (first) lines.push(`see each change: iterate diff AGENT (e.g. iterate diff ${first})${batch.worktree ? "; land it: iterate merge AGENT" : ""}`)
  return lines
}

/** What `iterate batches cancel` says of the batch it cancelled. */
export function cancelledLine(batch: Batch): string {
  const { cancelled, total } = batch.counts
  return `cancelled batch ${batch.id}: ${cancelled} task${cancelled === 1 ? "" : "s"} cancelled, ${total - cancelled} had ended`
}

/** The tasks that ended since `shown` (their indexes), which it then holds. */
export function newlyEnded(batch: Batch, shown: Set<number>): BatchTask[] {
  const ended = (batch.tasks ?? []).filter((t) => isFinal(t.state) && !shown.has(t.index))
  for (const task of ended) shown.add(task.index)
  return ended
}
