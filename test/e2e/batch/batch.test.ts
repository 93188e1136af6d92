// Batches end to end through the compiled binary: the real opencode in worktrees of its own, the
// scripted model answering each agent by its prompt ("write <file>": a write of that file, then a
// reply), real git, on each store. The tests of a store share one daemon and one checkout. A batch
// cancelled while its first task's reply is held: that task's agent stays, the others never start.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type AgentSandbox, useAgentSandbox, watch } from "../../support/agent-sandbox.ts"
import { initRepo, type TestRepo } from "../../support/git-repo.ts"
import { afterTool, type ChatRequest, failure, lastUserText, type LlmStub, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()

/** The file a task's prompt asks for: `write notes.txt` → notes.txt. */
const fileOf = (request: ChatRequest) => /^write (\S+)/.exec(lastUserText(request))?.[1]

/**
 * Each agent writes the file its prompt names, then says so; a prompt `fail …` gets an error the
 * harness does not retry. `writes` counts the write calls handed out per file.
 */
function answerByPrompt(llm: LlmStub): Map<string, number> {
  const writes = new Map<string, number>()
  llm.respond((request) => {
    if (/^fail/.test(lastUserText(request))) return failure("the model refuses this one")
    const file = fileOf(request)
    if (!file) return undefined
    if (afterTool(request)) return text(`Wrote ${file}.`)
    writes.set(file, (writes.get(file) ?? 0) + 1)
    return toolCall("write", { filePath: file, content: `${file} by its task\n` })
  })
  return writes
}

interface TaskLine {
  type: "task"
  batch: string
  name: string
  state: string
  agent?: { id: string; name: string }
  files?: number
  additions?: number
  deletions?: number
  error?: string
  earlier?: { batch: string; state: string }
}

interface SummaryLine {
  type: "summary"
  batch: string
  done: number
  failed: number
  skipped: number
  agents: string[]
  ok: boolean
}

const jsonLines = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as TaskLine | SummaryLine)

interface Listed {
  name: string
  directory: string
  worktree?: { path: string; branch: string }
}

const listed = async (agents: AgentSandbox): Promise<Listed[]> => JSON.parse((await agents.iterate(["agents", "--json"])).stdout)

describe.each(STORES)("batches, on %s", { timeout: 180_000 }, (store) => {
  const agents = useAgentSandbox(stub)
  useStore(store, () => agents.sandbox)
  let repo: TestRepo
  const tasksFile = (name: string, lines: string[]) => {
    const path = join(agents.sandbox.dir, name)
    Bun.write(path, lines.join("\n") + "\n")
    return path
  }

  test("a batch of 4 runs in parallel, each task in its own worktree whose diff holds only its file; --json prints each task, then the summary", async () => {
    repo = initRepo(agents.newProject("app"), { "README.md": "# app\n" })
    const writes = answerByPrompt(stub)
    stub.hold(4)
    const file = tasksFile("tasks.jsonl", [
      "# four files",
      '{"prompt": "write one.txt", "name": "one"}',
      '{"prompt": "write two.txt", "name": "two"}',
      "write three.txt",
      "",
      "write four.txt",
    ])
    const run = await agents.iterate(["batch", file, "--dir", repo.root, "--json"])
    // The model saw all four at once: no task waited for another.
    expect(stub.maxInFlight).toBe(4)
    const lines = jsonLines(run.stdout)
    const tasks = lines.filter((l): l is TaskLine => l.type === "task")
    const summary = lines.at(-1) as SummaryLine
    expect(tasks.map((t) => t.name).sort()).toEqual(["one", "three-txt", "two", "four-txt"].sort())
    expect(tasks.every((t) => t.state === "done" && t.files === 1 && t.additions === 1 && t.deletions === 0)).toBe(true)
    expect(summary).toMatchObject({ type: "summary", batch: tasks[0]!.batch, done: 4, failed: 0, skipped: 0, ok: true })
    expect(summary.agents.sort()).toEqual(["four-txt", "one", "three-txt", "two"])
    expect(run.stderr).toContain(`batch ${summary.batch}: 4 tasks, at most 4 at once, each in its own worktree, permissions allow-edits`)
    expect([...writes.values()]).toEqual([1, 1, 1, 1])

    for (const task of tasks) {
      const wrote = `${task.name.replace(/-txt$/, "")}.txt`
      expect((await agents.iterate(["diff", task.agent!.name, "--name-only"])).stdout).toBe(`${wrote}\n`)
    }
    const worktrees = (await listed(agents)).filter((a) => a.worktree)
    expect(new Set(worktrees.map((a) => a.worktree!.path)).size).toBe(4)
    expect(repo.status()).toBe("")

    const shown = JSON.parse((await agents.iterate(["batches", summary.batch, "--json"])).stdout)
    expect(shown).toMatchObject({ id: summary.batch, source: "tasks.jsonl", parallel: 4, worktree: true, counts: { total: 4, done: 4 } })
    expect(shown.tasks.map((t: TaskLine) => t.name)).toEqual(["one", "two", "three-txt", "four-txt"])
    expect((await agents.iterate(["batches"])).stdout).toMatch(new RegExp(`^ID\\s+SOURCE\\s+STATE\\s+TASKS[\\s\\S]*\\n${summary.batch}\\s+tasks\\.jsonl\\s+ended\\s+4: 4 done`))
  })

  test("the same file again skips what ran, with its results, and runs the new task; without a terminal a line per task, then the summary", async () => {
    answerByPrompt(stub)
    const file = tasksFile("tasks.jsonl", [
      '{"prompt": "write one.txt", "name": "one"}',
      '{"prompt": "write two.txt", "name": "two"}',
      "write three.txt",
      "write four.txt",
      "write five.txt",
    ])
    const run = await agents.iterate(["batch", file, "--dir", repo.root])
    expect(run.stderr).toContain("5 tasks (4 ran before: skipped), at most 4 at once")
    const lines = run.stdout.trim().split("\n")
    expect(lines.slice(0, 4).map((l) => l.split(/\s+/).slice(0, 3).join(" ")).sort()).toEqual(
      ["skipped (done) four-txt", "skipped (done) one", "skipped (done) three-txt", "skipped (done) two"].sort(),
    )
    expect(lines[4]).toMatch(/^done\s+five-txt\s+\d+s\s+1 file \+1 −0$/)
    expect(lines[5]).toMatch(/^batch b\w+: 1 done, 0 failed, 4 skipped in \d+s$/)
    expect(lines[6]).toBe("agents: one two three-txt four-txt five-txt")
    expect(lines[7]).toBe("see each change: iterate diff AGENT (e.g. iterate diff five-txt); land it: iterate merge AGENT")
    expect((await listed(agents)).map((a) => a.name).sort()).toEqual(["five-txt", "four-txt", "one", "three-txt", "two"])
  })

  test("a task that fails makes the summary say so and the exit code 1; a malformed file starts nothing (exit 2)", async () => {
    answerByPrompt(stub)
    const file = tasksFile("mixed.txt", ["write six.txt", "fail on purpose"])
    const run = await agents.iterate(["batch", file, "--dir", repo.root, "--json"], { code: 1 })
    const lines = jsonLines(run.stdout)
    const failed = lines.find((l): l is TaskLine => l.type === "task" && l.name === "fail-purpose")!
    expect(failed).toMatchObject({ state: "failed", error: expect.stringContaining("the model refuses this one") })
    expect(lines.at(-1)).toMatchObject({ type: "summary", done: 1, failed: 1, ok: false })

    const before = (await listed(agents)).length
    const bad = tasksFile("bad.jsonl", ["write seven.txt", '{"prompt": "write eight.txt", "name": }'])
    const refused = await agents.iterate(["batch", bad, "--dir", repo.root], { code: 2 })
    expect(refused.stderr).toMatch(/^iterate: .*bad\.jsonl: line 2: not valid JSON \(.+\)\n$/)
    expect(refused.stdout).toBe("")
    const named = await agents.iterate(["batch", "-", "--dir", repo.root], { code: 2, stdin: '{"prompt": "x", "name": "not ok"}\n' })
    expect(named.stderr).toMatch(/^iterate: the task on line 1: invalid agent name "not ok"/)
    const model = await agents.iterate(["batch", "-", "--dir", repo.root], { code: 2, stdin: 'write x.txt\n{"prompt": "write y.txt", "model": "gpt"}\n' })
    expect(model.stderr).toBe('iterate: the task on line 2: model "gpt" is not in the form provider/model\n')
    const plain = agents.newProject("plain")
    const noRepo = await agents.iterate(["batch", "-", "--dir", plain], { code: 2, stdin: "write x.txt\n" })
    expect(noRepo.stderr).toBe(`iterate: ${plain} is not in a git repository: a batch's worktrees need one (or run it without: --no-worktree)\n`)
    expect((await listed(agents)).length).toBe(before)
  })

  test("the daemon killed mid-batch (kill -9) loses no task: after a restart every task ends with a result, each file written once", async () => {
    const writes = answerByPrompt(stub)
    stub.hold()
    const file = tasksFile("killed.txt", ["write k1.txt", "write k2.txt", "write k3.txt", "write k4.txt"])
    const client = watch(agents.sandbox.spawn(["batch", file, "--dir", repo.root, "--parallel", "2", "--json"]))
    // Two turns at the model, two tasks queued behind them.
    // Starting opencode on a loaded machine takes a while.
    await waitFor("two turns at the model", () => stub.inFlight === 2, { timeoutMs: 120_000 })
    const asked = stub.turns.length
    process.kill(agents.sandbox.record()!.pid, "SIGKILL")

    // Any command starts a daemon again; it resumes the batch. The client waits for it and follows on.
    const [batch] = JSON.parse((await agents.iterate(["batches", "--json"])).stdout)
    expect(batch).toMatchObject({ source: "killed.txt" })
    // The harness the killed daemon left is stopped (its requests to the model cut off) and the two turns asked again.
    await waitFor("the two cut short asked again", () => stub.turns.length >= asked + 2 && stub.inFlight === 2, { timeoutMs: 120_000 })
    stub.release()
    expect(await client.exited()).toBe(0)
    expect(jsonLines(client.seen.stdout).at(-1)).toMatchObject({ type: "summary", batch: batch.id, done: 4, failed: 0, ok: true })

    const shown = JSON.parse((await agents.iterate(["batches", batch.id, "--json"])).stdout)
    expect(shown.tasks.map((t: TaskLine) => [t.name, t.state, t.files])).toEqual([
      ["k1-txt", "done", 1],
      ["k2-txt", "done", 1],
      ["k3-txt", "done", 1],
      ["k4-txt", "done", 1],
    ])
    // The two cut short were prompted again; none ran twice, nor under a second agent.
    expect(shown.tasks.map((t: { attempts: number }) => t.attempts)).toEqual([2, 2, 1, 1])
    expect(["k1.txt", "k2.txt", "k3.txt", "k4.txt"].map((f) => writes.get(f))).toEqual([1, 1, 1, 1])
    const now = await listed(agents)
    expect(now.map((a) => a.name).filter((n) => n.startsWith("k")).sort()).toEqual(["k1-txt", "k2-txt", "k3-txt", "k4-txt"])
    for (const name of ["k1", "k2", "k3", "k4"]) {
      const agent = now.find((a) => a.name === `${name}-txt`)!
      expect(readFileSync(join(agent.directory, `${name}.txt`), "utf8")).toBe(`${name}.txt by its task\n`)
    }
  })

  test("iterate batches cancel: the running task is cancelled with its agent kept, the queued ones never get one; the live client shows them and exits 1; the route answers 404 and 409", async () => {
    answerByPrompt(stub)
    stub.hold()
    const checkout = initRepo(agents.newProject("cancelled"), { "README.md": "# cancelled\n" })
    const file = tasksFile("cancel.txt", ["write c1.txt", "write c2.txt", "write c3.txt"])
    const client = watch(agents.sandbox.spawn(["batch", file, "--dir", checkout.root, "--parallel", "1"]))
    await waitFor("the first task's turn at the model", () => stub.inFlight === 1, { timeoutMs: 120_000 })
    const batches: Array<{ id: string; source: string }> = JSON.parse((await agents.iterate(["batches", "--json"])).stdout)
    const { id } = batches.find((b) => b.source === "cancel.txt")!

    const cancelled = await agents.iterate(["batches", "cancel", id])
    expect(cancelled.stdout).toBe(`cancelled batch ${id}: 3 tasks cancelled, 0 had ended\n`)
    expect(await client.exited()).toBe(1)
    const lines = client.seen.stdout.trim().split("\n")
    expect(lines.slice(0, 3).map((l) => l.split(/\s+/).slice(0, 2).join(" ")).sort()).toEqual(["cancelled c1-txt", "cancelled c2-txt", "cancelled c3-txt"])
    expect(lines[3]).toMatch(new RegExp(`^batch ${id}: 0 done, 0 failed, 3 cancelled in \\d+s$`))
    expect(lines[4]).toBe("agents: c1-txt")
    // The abort reached the model: its held request was given up.
    await waitFor("the held request given up", () => stub.inFlight === 0, { timeoutMs: 60_000 })
    stub.release()

    const shown = JSON.parse((await agents.iterate(["batches", id, "--json"])).stdout)
    expect(shown).toMatchObject({ id, cancelledAt: expect.any(String), endedAt: expect.any(String), counts: { total: 3, cancelled: 3 } })
    expect(shown.tasks.map((t: TaskLine) => [t.name, t.state, t.agent?.name])).toEqual([
      ["c1-txt", "cancelled", "c1-txt"],
      ["c2-txt", "cancelled", undefined],
      ["c3-txt", "cancelled", undefined],
    ])
    const names = (await listed(agents)).map((a) => a.name)
    expect(names).toContain("c1-txt")
    expect(names.filter((n) => n === "c2-txt" || n === "c3-txt")).toEqual([])
    expect((await agents.iterate(["batches"])).stdout).toMatch(new RegExp(`\\n${id}\\s+cancel\\.txt\\s+cancelled\\s+3: 0 done, 3 cancelled`))

    const again = await agents.iterate(["batches", "cancel", id, "--json"], { code: 1 })
    expect([again.stdout, again.stderr]).toEqual(["", `iterate: batch ${id} already ended\n`])
    const unknown = await agents.iterate(["batches", "cancel", "bnope23"], { code: 1 })
    expect(unknown.stderr).toBe("iterate: no batch bnope23 (see: iterate batches)\n")
    const malformed = await agents.iterate(["batches", "cancel", "nope"], { code: 1 })
    expect(malformed.stderr).toBe("iterate: no batch nope: a batch's id is b and six letters or digits (see: iterate batches)\n")
    const route = (batch: string) => agents.sandbox.api(`/v1/batches/${batch}/cancel`, { method: "POST" })
    const missing = await route("bnope23")
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([404, "batch_not_found"])
    const ended = await route(id)
    expect([ended.status, await ended.json()]).toEqual([409, { error: { code: "batch_ended", message: `batch ${id} already ended` } }])
  })
})
