// `iterate batches cancel`, in process on a captured Output: what is refused before the daemon is
// asked, what is printed of the batch it cancelled, and how a batch that was cancelled ends for
// the client that followed it.
import { describe, expect, test } from "vitest"
import { printCancelled } from "../../../src/cli/batch.ts"
import { endedLine, newlyEnded, summary, summaryLines } from "../../../src/cli/batch/show.ts"
import { buildProgram } from "../../../src/cli/program.ts"
import { EXIT } from "../../../src/errors.ts"
import { type Batch, type BatchTask, countTasks } from "../../../src/protocol/batch-events.ts"
import { captureOutput } from "../../support/output.ts"

const T0 = Date.parse("2026-01-01T10:00:00.000Z")
const at = (s: number) => new Date(T0 + s * 1000).toISOString()

const task = (index: number, name: string, state: BatchTask["state"], more: Partial<BatchTask> = {}): BatchTask => ({ index, name, prompt: `do ${name}`, harness: "opencode", state, attempts: 0, ...more })

const tasks = [
  task(0, "first", "done", { agent: { id: "a1", name: "first" }, attempts: 1, startedAt: at(0), endedAt: at(4), files: 1, additions: 1, deletions: 0 }),
  task(1, "second", "cancelled", { agent: { id: "a2", name: "second" }, attempts: 1, startedAt: at(4), endedAt: at(9), files: 0, additions: 0, deletions: 0 }),
  task(2, "third", "cancelled", { endedAt: at(9) }),
]
const cancelled: Batch = {
  id: "bk3x9qa",
  stream: "batches/bk3x9qa",
  directory: "/src/app",
  parallel: 1,
  harness: "opencode",
  permissions: "allow-edits",
  worktree: true,
  createdAt: at(0),
  cancelledAt: at(9),
  endedAt: at(9),
  node: "n",
  counts: countTasks(tasks),
  tasks,
}

describe("batches cancel", () => {
  test.each([["nope"], ["bk3x9q"], ["BK3X9QA"], ["bk3x9qa2"]])("%j names no batch: one line, exit 1, before the daemon is asked", async (id) => {
    const { io } = captureOutput()
    // No daemon to ask: --server points where nothing listens, and is never reached.
    await expect(buildProgram(io).parseAsync(["--server", "http://127.0.0.1:9", "batches", "cancel", id], { from: "user" })).rejects.toMatchObject({
      code: EXIT.failure,
      message: `no batch ${id}: a batch's id is b and six letters or digits (see: iterate batches)`,
    })
  })

  test("without a batch it is a usage error; --help shows examples", async () => {
    const missing = captureOutput()
    await expect(buildProgram(missing.io).parseAsync(["batches", "cancel"], { from: "user" })).rejects.toMatchObject({ code: "commander.missingArgument" })
    expect(missing.stderr()).toMatch(/^error: missing required argument 'batch'\n/)
    const help = captureOutput()
    await expect(buildProgram(help.io).parseAsync(["batches", "cancel", "--help"], { from: "user" })).rejects.toMatchObject({ code: "commander.helpDisplayed" })
    expect(help.stdout()).toMatch(/^Usage: iterate batches cancel \[options\] <batch>/)
    expect(help.stdout()).toContain("Examples:\n  iterate batches cancel bk3x9qa\n")
  })

  test("one line of what it cancelled, or the batch as it ended with --json", () => {
    const line = captureOutput()
    printCancelled(line.io, cancelled, {})
    expect([line.stdout(), line.stderr()]).toEqual(["cancelled batch bk3x9qa: 2 tasks cancelled, 1 had ended\n", ""])
    const json = captureOutput()
    printCancelled(json.io, cancelled, { json: true })
    expect(JSON.parse(json.stdout())).toEqual(cancelled)
  })

  test("the client that followed it: a line per cancelled task, then a summary that counts them and is not ok", () => {
    expect(newlyEnded(cancelled, new Set([0])).map((t) => endedLine(t, T0))).toEqual(["cancelled          second  5s  0 files +0 −0", "cancelled          third  -"])
    expect(summaryLines(cancelled, T0)).toEqual([
      "batch bk3x9qa: 1 done, 0 failed, 2 cancelled in 9s",
      "agents: first second",
      "see each change: iterate diff AGENT (e.g. iterate diff first); land it: iterate merge AGENT",
    ])
    expect(summary(cancelled, T0)).toMatchObject({ done: 1, failed: 0, cancelled: 2, ok: false })
  })
})
