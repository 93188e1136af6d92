// The decisions a batch makes, as pure functions: what its tasks are called, which of them ran
// before, which start next, and what a turn's end means for its task.
import { agentNameProblem, nameFromText } from "../names.ts"
import type { TaskRecord } from "./store.ts"

export interface TaskInput {
  prompt: string
  name?: string
  harness?: string
  model?: string
  /** the line of the task file it came from, for messages */
  line?: number
}

/** How a task is named in messages: by its line when it has one. */
export const taskLabel = (task: TaskInput, index: number): string => (task.line !== undefined ? `the task on line ${task.line}` : `task ${index + 1}`)

/**
 * Each task's name: its own (a valid agent name, used by no other task of the batch), or one made
 * from its prompt, numbered when another task has it. The same file gets the same names every
 * time, so that running it again finds the tasks that ran. Throws with a one-line reason.
 */
export function nameTasks(tasks: TaskInput[]): string[] {
  const given = new Map<string, number>()
  tasks.forEach((task, index) => {
    if (task.name === undefined) return
    const problem = agentNameProblem(task.name)
    if (problem) throw new Error(`${taskLabel(task, index)}: ${problem}`)
    const other = given.get(task.name)
    if (other !== undefined) throw new Error(`${taskLabel(tasks[other]!, other)} and ${taskLabel(task, index)} are both named ${task.name}`)
    given.set(task.name, index)
  })
  const taken = new Set(given.keys())
  return tasks.map((task) => {
    if (task.name !== undefined) return task.name
    const name = nameFromText(task.prompt, (candidate) => taken.has(candidate))
    taken.add(name)
    return name
  })
}

/**
 * The task of each name that ran before in the same directory and still has its agent: the
 * latest. A task of the new batch by that name is skipped.
 */
export function ranBefore(ran: TaskRecord[], agents: Set<string>): Map<string, TaskRecord> {
  const found = new Map<string, TaskRecord>()
  for (const task of ran) if (task.agent && agents.has(task.agent.id)) found.set(task.name, task)
  return found
}

/**
 * How many tasks may be starting at once: their agents and worktrees being made, their worktrees
 * set up, their harnesses opening the worktree as a project. A harness asked to open twenty
 * projects in the same second (one `opencode serve` for all of them) stops answering; started a
 * few at a time, the tasks still all run together.
 */
export const STARTING_AT_ONCE = 2

/** Which queued tasks start now (by index), in order: at most `parallel` at work, at most STARTING_AT_ONCE of them starting. */
export function toStart(tasks: Pick<TaskRecord, "state">[], parallel: number): number[] {
  const starting = tasks.filter((t) => t.state === "starting").length
  const running = starting + tasks.filter((t) => t.state === "running").length
  const free = Math.max(0, Math.min(parallel - running, STARTING_AT_ONCE - starting))
  return tasks.flatMap((task, index) => (task.state === "queued" ? [index] : [])).slice(0, free)
}

/** How many times a task's prompt is sent before a turn cut short counts as failed. */
export const MAX_ATTEMPTS = 3

export interface TurnEnd {
  status: "idle" | "error"
  error?: string
  aborted?: boolean
}

/**
 * What a turn's end means for its task: done, failed (with why), or `again` when something outside
 * the task cut it short (the daemon stopped, the harness crashed) and its prompt is sent once more.
 */
export function afterTurn(end: TurnEnd, attempts: number, interrupted: (error: string) => boolean): { next: "done" } | { next: "again" } | { next: "failed"; error: string } {
  if (end.status === "idle") return end.aborted ? { next: "failed", error: "its turn was aborted" } : { next: "done" }
  const error = end.error ?? "its turn failed"
  if (!interrupted(error)) return { next: "failed", error }
  if (attempts < MAX_ATTEMPTS) return { next: "again" }
  return { next: "failed", error: `${error} (${attempts} times; given up)` }
}
