// The pure decisions of a batch (src/agents/batch/plan.ts) and how its stream folds
// (src/protocol/batch-events.ts).
import { describe, expect, test } from "vitest"
import { afterTurn, MAX_ATTEMPTS, nameTasks, ranBefore, STARTING_AT_ONCE, toStart } from "../../../src/agents/batch/plan.ts"
import type { TaskRecord } from "../../../src/agents/batch/store.ts"
import { type Batch, BATCH_EVENT, type BatchTask, countTasks, foldBatch, taskFailed } from "../../../src/protocol/batch-events.ts"

describe("naming tasks", () => {
  test("a task's own name stays; the others are made from their prompts, numbered when one is taken, the same every time", () => {
    const tasks = [
      { prompt: "add a --verbose flag" },
      { prompt: "Add a --verbose flag!" },
      { prompt: "write the README", name: "readme" },
      { prompt: "fix the README typo" },
      { prompt: "readme" },
    ]
    const names = nameTasks(tasks)
    expect(names).toEqual(["verbose-flag", "verbose-flag-2", "readme", "readme-typo", "readme-2"])
    expect(nameTasks(tasks)).toEqual(names)
  })

  test("an invalid name, or two tasks of one name, is refused naming the lines", () => {
    expect(() => nameTasks([{ prompt: "a", name: "no spaces", line: 3 }])).toThrow(/^the task on line 3: invalid agent name "no spaces"/)
    expect(() => nameTasks([{ prompt: "a", name: "x", line: 2 }, { prompt: "b" }, { prompt: "c", name: "x", line: 7 }])).toThrow(
      "the task on line 2 and the task on line 7 are both named x",
    )
    expect(() => nameTasks([{ prompt: "a", name: "x" }, { prompt: "b", name: "x" }])).toThrow("task 1 and task 2 are both named x")
  })

  test("a prompt of filler words only is still named", () => {
    expect(nameTasks([{ prompt: "do it" }, { prompt: "?!" }])).toEqual(["do", "agent"])
  })
})

const record = (name: string, fields: Partial<TaskRecord>): TaskRecord => ({ batch: "b1", index: 0, name, prompt: name, harness: "opencode", attempts: 1, state: "done", ...fields })

describe("tasks that ran before", () => {
  test("the latest task of each name whose agent is still there", () => {
    const ran = [
      record("a", { batch: "b1", agent: { id: "a1", name: "a" }, state: "failed" }),
      record("a", { batch: "b2", agent: { id: "a2", name: "a-2" } }),
      record("b", { batch: "b1", agent: { id: "b1", name: "b" } }),
      record("c", { batch: "b2", agent: { id: "gone", name: "c" } }),
    ]
    const found = ranBefore(ran, new Set(["a1", "a2", "b1"]))
    expect([...found.keys()]).toEqual(["a", "b"])
    expect(found.get("a")).toMatchObject({ batch: "b2", agent: { id: "a2" } })
  })

  test("a cancelled task ran when it had an agent; one cancelled before it had one did not", () => {
    const ran = [record("kept", { batch: "b1", agent: { id: "k1", name: "kept" }, state: "cancelled" }), record("never", { batch: "b1", state: "cancelled" })]
    const found = ranBefore(ran, new Set(["k1"]))
    expect([...found.keys()]).toEqual(["kept"])
    expect(found.get("kept")).toMatchObject({ state: "cancelled" })
  })
})

describe("scheduling", () => {
  const states = (...list: TaskRecord["state"][]) => list.map((state) => ({ state }))

  test("queued tasks start in order while fewer than `parallel` are at work, a few at a time", () => {
    expect(toStart(states("queued", "queued", "queued", "queued", "queued"), 2)).toEqual([0, 1])
    expect(toStart(states("running", "starting", "queued", "queued"), 2)).toEqual([])
    expect(toStart(states("done", "running", "failed", "skipped", "queued", "queued", "queued"), 2)).toEqual([4])
    expect(toStart(states("done", "skipped"), 4)).toEqual([])
    expect(toStart(states("cancelled", "cancelled"), 4)).toEqual([])
    const twenty = states(...Array.from({ length: 20 }, () => "queued" as const))
    expect(toStart(twenty, 20)).toHaveLength(STARTING_AT_ONCE)
    expect(toStart(states("starting", "running", "running", "queued", "queued"), 20)).toEqual([3].slice(0, STARTING_AT_ONCE - 1))
  })
})

describe("after a turn", () => {
  const interrupted = (error: string) => error === "the daemon stopped during the turn"

  test("idle is done, unless it was aborted; an error fails the task", () => {
    expect(afterTurn({ status: "idle" }, 1, interrupted)).toEqual({ next: "done" })
    expect(afterTurn({ status: "idle", aborted: true }, 1, interrupted)).toEqual({ next: "failed", error: "its turn was aborted" })
    expect(afterTurn({ status: "error", error: "quota exceeded" }, 1, interrupted)).toEqual({ next: "failed", error: "quota exceeded" })
  })

  test("a turn a daemon stop cut short is prompted again, up to a limit", () => {
    const cut = { status: "error", error: "the daemon stopped during the turn" } as const
    expect(afterTurn(cut, 1, interrupted)).toEqual({ next: "again" })
    expect(afterTurn(cut, MAX_ATTEMPTS, interrupted)).toEqual({ next: "failed", error: `the daemon stopped during the turn (${MAX_ATTEMPTS} times; given up)` })
  })
})

describe("the batch's stream", () => {
  const task = (index: number, state: BatchTask["state"], more: Partial<BatchTask> = {}): BatchTask => ({ index, name: `t${index}`, prompt: "p", harness: "opencode", state, attempts: 0, ...more })
  const batch = (tasks: BatchTask[]): Batch => ({
    id: "b1",
    stream: "batches/b1",
    directory: "/repo",
    parallel: 2,
    harness: "opencode",
    permissions: "allow-edits",
    worktree: true,
    createdAt: "2026-01-01T00:00:00.000Z",
    node: "n",
    counts: countTasks(tasks),
    tasks,
  })

  test("folds into the batch: created, each task's change, ended", () => {
    let folded = foldBatch(undefined, { type: BATCH_EVENT.taskChanged, payload: { task: task(0, "running") } })
    expect(folded).toBeUndefined()
    folded = foldBatch(folded, { type: BATCH_EVENT.created, payload: { batch: batch([task(0, "queued"), task(1, "queued"), task(2, "skipped")]) } })
    folded = foldBatch(folded, { type: BATCH_EVENT.taskChanged, payload: { task: task(0, "waiting") } })
    folded = foldBatch(folded, { type: BATCH_EVENT.taskChanged, payload: { task: task(1, "failed", { error: "no" }) } })
    expect(folded!.tasks!.map((t) => t.state)).toEqual(["waiting", "failed", "skipped"])
    expect(folded!.counts).toEqual({ total: 3, queued: 0, running: 1, done: 0, failed: 1, skipped: 1, cancelled: 0 })
    const ended = batch([task(0, "done"), task(1, "failed"), task(2, "skipped")])
    expect(foldBatch(folded, { type: BATCH_EVENT.ended, payload: { batch: { ...ended, endedAt: "2026-01-01T00:01:00.000Z" } } })!.endedAt).toBe("2026-01-01T00:01:00.000Z")
    expect(foldBatch(folded, { type: "something else" })).toBe(folded)
  })

  test("a batch taken over by another node: its node is that one from then on, its tasks as they were", () => {
    const made = foldBatch(undefined, { type: BATCH_EVENT.created, payload: { batch: { ...batch([task(0, "running")]), node: "node-a" } } })
    const moved = foldBatch(made, { type: BATCH_EVENT.moved, payload: { from: "node-a", to: "node-b" } })
    expect(moved).toEqual({ ...made, node: "node-b" })
    expect(foldBatch(undefined, { type: BATCH_EVENT.moved, payload: { from: "node-a", to: "node-b" } })).toBeUndefined()
  })

  test("a task failed in this batch or, skipped, in the one it ran in", () => {
    expect(taskFailed(task(0, "failed"))).toBe(true)
    expect(taskFailed(task(0, "skipped", { earlier: { batch: "b0", state: "failed" } }))).toBe(true)
    expect(taskFailed(task(0, "skipped", { earlier: { batch: "b0", state: "done" } }))).toBe(false)
    expect(taskFailed(task(0, "done"))).toBe(false)
  })
})
