// How `iterate batch` shows a batch: the live table's lines, a line per ended task, the summary.
import { describe, expect, test } from "vitest"
import { endedLine, newlyEnded, summary, summaryLines, TABLE_HEADER, fittedTable, tableRows } from "../../../src/cli/batch/show.ts"
import { type Batch, type BatchTask, countTasks, elapsed } from "../../../src/protocol/batch-events.ts"

const T0 = Date.parse("2026-01-01T10:00:00.000Z")
const at = (s: number) => new Date(T0 + s * 1000).toISOString()

const task = (index: number, name: string, state: BatchTask["state"], more: Partial<BatchTask> = {}): BatchTask => ({
  index,
  name,
  prompt: `do ${name}`,
  harness: "opencode",
  state,
  attempts: state === "queued" ? 0 : 1,
  ...more,
})

function batch(tasks: BatchTask[], more: Partial<Batch> = {}): Batch {
  return { id: "bk3x9qa", stream: "batches/bk3x9qa", directory: "/src/app", parallel: 2, harness: "opencode", permissions: "allow-edits", worktree: true, createdAt: at(0), node: "n", counts: countTasks(tasks), tasks, ...more }
}

const tasks = [
  task(0, "verbose-flag", "done", { agent: { id: "a1", name: "verbose-flag" }, startedAt: at(0), endedAt: at(65), files: 2, additions: 10, deletions: 3 }),
  task(1, "readme", "waiting", { agent: { id: "a2", name: "readme-2" }, startedAt: at(5) }),
  task(2, "tests", "failed", { agent: { id: "a3", name: "tests" }, startedAt: at(1), endedAt: at(9), error: "the model said no" }),
  task(3, "lint", "skipped", { agent: { id: "a4", name: "lint" }, files: 1, additions: 1, deletions: 0, earlier: { batch: "bold123", state: "done" } }),
  task(4, "docs", "queued"),
]

describe("the batch as it goes", () => {
  test("times read like a clock that counts up", () => {
    expect([0, 9.4, 65, 3723].map((s) => elapsed(at(0), undefined, T0 + s * 1000))).toEqual(["0s", "9s", "1m 05s", "1h 02m"])
    expect(elapsed(at(0), at(30), T0 + 99_000)).toBe("30s")
  })

  test("the table: a row per task with its state, time so far and what it changed; an agent named otherwise is shown", () => {
    const lines = fittedTable(TABLE_HEADER, tableRows(batch(tasks), T0 + 30_000), 200, 40)
    expect(lines).toEqual([
      "TASK               HARNESS   STATE           ELAPSED  FILES  +/−",
      "verbose-flag       opencode  done            1m 05s   2      +10 −3",
      "readme → readme-2  opencode  waiting         25s      -      -",
      "tests              opencode  failed          8s       -      -",
      "lint               opencode  skipped (done)  -        1      +1 −0",
      "docs               opencode  queued          -        -      -",
    ])
  })

  test("the table fits the terminal: lines cut to its width, rows beyond its height summed up", () => {
    const lines = fittedTable(TABLE_HEADER, tableRows(batch(tasks), T0), 30, 4)
    expect(lines).toHaveLength(4)
    expect(lines.every((line) => line.length <= 30)).toBe(true)
    expect(lines.at(-1)).toBe("… and 3 more")
  })

  test("a line per task as it ends, each once", () => {
    const shown = new Set<number>()
    const ended = newlyEnded(batch(tasks), shown)
    expect(ended.map((t) => endedLine(t, T0))).toEqual([
      "done               verbose-flag  1m 05s  2 files +10 −3",
      "failed             tests  8s  error: the model said no",
      "skipped (done)     lint  ran in batch bold123  1 file +1 −0",
    ])
    expect(newlyEnded(batch(tasks), shown)).toEqual([])
  })

  test("the summary: counts and time, the agents, how to see each change, what failed; not ok when a task failed here or where it ran", () => {
    const ended = batch(tasks.slice(0, 4).map((t) => (t.state === "waiting" ? { ...t, state: "done" as const, endedAt: at(70) } : t)), { endedAt: at(72) })
    expect(summaryLines(ended, T0)).toEqual([
      "batch bk3x9qa: 2 done, 1 failed, 1 skipped in 1m 12s",
      "agents: verbose-flag readme-2 tests lint",
      "failed: tests: the model said no",
      "see each change: iterate diff AGENT (e.g. iterate diff verbose-flag); land it: iterate merge AGENT",
    ])
    expect(summary(ended, T0)).toEqual({ type: "summary", batch: "bk3x9qa", done: 2, failed: 1, skipped: 1, cancelled: 0, durationMs: 72_000, agents: ["verbose-flag", "readme-2", "tests", "lint"], ok: false })
    const skippedFailure = batch([task(0, "tests", "skipped", { agent: { id: "a3", name: "tests" }, error: "the model said no", earlier: { batch: "bold123", state: "failed" } })], { endedAt: at(1), worktree: false })
    expect(summary(skippedFailure, T0).ok).toBe(false)
    expect(summaryLines(skippedFailure, T0)).toEqual([
      "batch bk3x9qa: 0 done, 0 failed, 1 skipped in 1s",
      "agents: tests",
      "failed: tests: the model said no (in batch bold123; to run it again: iterate agents rm tests --force)",
    ])
  })
})
