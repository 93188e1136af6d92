// Batches in process: the daemon's Agents and Batches with a scripted harness (a stand-in for the
// harness, not for the code under test) on SQLite stores in temporary files, real git on real
// repositories. A batch starts at most `parallel` tasks at once, each in a worktree of its own;
// running it again skips what ran; a daemon stopped mid-batch and started again on the same stores
// ends every task, the ones it cut short prompted again; a batch cancelled starts nothing more, its
// running turns aborted, and a cancellation a stop cut short is finished on start.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { Agents } from "../../../src/agents/agents.ts"
import { Batches } from "../../../src/agents/batch/batches.ts"
import { SqliteBatchStore } from "../../../src/agents/batch/sqlite-store.ts"
import { LocalFleet } from "../../../src/agents/fleet/fleet.ts"
import { SqliteAgentStore } from "../../../src/agents/sqlite-store.ts"
import { AgentStreams } from "../../../src/agents/stream.ts"
import type { HarnessAgent, HarnessEvents, HarnessFactory } from "../../../src/harness/harness.ts"
import type { TurnEnd } from "../../../src/agents/batch/plan.ts"
import { AGENT_EVENT } from "../../../src/protocol/agent-events.ts"
import { type Batch, BATCH_EVENT, foldBatch } from "../../../src/protocol/batch-events.ts"
import { SqliteStreamStore } from "../../../src/streams/store.ts"
import { testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"
import { waitFor } from "../../support/wait.ts"

/** A prompt the scripted harness holds: the test says when and how its turn ends. */
interface Turn {
  agent: HarnessAgent
  text: string
  events: HarnessEvents
}

/** A harness whose turns wait for the test; it writes `<task>.txt` (from a prompt `write <task>`) when told to end one. */
class ScriptedHarness {
  readonly turns: Turn[] = []
  /** prompts taken and not yet ended */
  inFlight = 0
  maxInFlight = 0
  /** how an aborted turn ends */
  abortedAs: TurnEnd = { status: "idle", aborted: true }

  factory(): HarnessFactory {
    return () => ({
      name: "scripted",
      check: async () => ({ name: "scripted", available: true, problems: [] }),
      modelProblem: () => undefined,
      open: (agent, events) => ({
        prompt: async (input) => {
          this.turns.push({ agent, text: input.text, events })
          this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight)
          // The harness took the prompt: its task runs.
          events.event({ type: "scripted.turn.started" })
        },
        abort: async () => {
          this.inFlight--
          events.turnEnded(this.abortedAs)
        },
        answer: async () => {},
        attach: async () => ({ argv: [], env: {} }),
        close: async () => {},
      }),
      stopOrphan: async () => false,
      stop: async () => {},
    })
  }

  /** Ends the turn: the file its prompt names written, or a failure. */
  async end(turn: Turn, outcome: "write" | "fail" = "write"): Promise<void> {
    this.inFlight--
    if (outcome === "fail") return turn.events.turnEnded({ status: "error", error: "the model said no" })
    const file = `${turn.text.replace(/^write /, "")}.txt`
    await Bun.write(join(turn.agent.directory, file), `${turn.text}\n`)
    turn.events.turnEnded({ status: "idle" })
  }

  /** The turns not ended yet, once there are `count` of them. */
  waiting(count: number, taken: Set<Turn>): Promise<Turn[]> {
    return waitFor(`${count} prompts held`, () => {
      const open = this.turns.filter((t) => !taken.has(t))
      return open.length >= count ? open : undefined
    })
  }
}

interface Daemon {
  agents: Agents
  batches: Batches
  streams: AgentStreams
  stop(): Promise<void>
}

const running: Daemon[] = []
afterEach(async () => {
  for (const daemon of running.splice(0)) await daemon.stop()
})

/** A daemon on the stores in `data` (made now when absent), running batches. */
async function daemon(harness: ScriptedHarness, data = scratchDir("data")): Promise<Daemon & { data: string }> {
  const store = new SqliteAgentStore(join(data, "agents.db"))
  const batchStore = new SqliteBatchStore(join(data, "agents.db"))
  const streamStore = new SqliteStreamStore(join(data, "streams.db"))
  const fleet = new LocalFleet("node", store)
  const agents = new Agents({
    store,
    fleet,
    logDir: data,
    dataDir: data,
    worktreesDir: join(data, "worktrees"),
    streams: streamStore,
    harnesses: { scripted: harness.factory() },
  })
  await agents.start({ url: "http://127.0.0.1:0", roots: [], version: "test", startedAt: new Date().toISOString() })
  const batches = new Batches({ store: batchStore, agents, streams: streamStore, fleet })
  await batches.start()
  let stopped = false
  const made: Daemon & { data: string } = {
    agents,
    batches,
    streams: new AgentStreams(streamStore),
    data,
    stop: async () => {
      if (stopped) return
      stopped = true
      await batches.stop()
      await agents.stop()
      await batchStore.close()
      await store.close()
      await streamStore.close()
    },
  }
  running.push(made)
  return made
}

/** The batch as its stream tells it. */
async function folded(d: Daemon, id: string): Promise<Batch | undefined> {
  let batch: Batch | undefined
  for (const event of (await d.streams.read(`batches/${id}`, undefined)) ?? []) batch = foldBatch(batch, event)
  return batch
}

const ended = (d: Daemon, id: string) => waitFor(`batch ${id} to end`, async () => ((await d.batches.get(id)).endedAt ? d.batches.get(id) : undefined))

const tasks = (...names: string[]) => names.map((name) => ({ prompt: `write ${name}`, name }))

describe("batches", () => {
  test("at most `parallel` tasks at once, each in a worktree of its own whose diff holds only its file; its stream tells the same", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, parallel: 2, harness: "scripted", tasks: tasks("one", "two", "three", "four") })
    expect(batch.tasks!.map((t) => [t.name, t.state])).toEqual([
      ["one", "queued"],
      ["two", "queued"],
      ["three", "queued"],
      ["four", "queued"],
    ])
    const taken = new Set<Turn>()
    for (let round = 0; round < 2; round++) {
      const turns = await harness.waiting(2, taken)
      expect(harness.inFlight).toBe(2)
      for (const turn of turns) {
        taken.add(turn)
        await harness.end(turn)
      }
    }
    const done = await ended(d, batch.id)
    expect(harness.maxInFlight).toBe(2)
    expect(done.counts).toMatchObject({ total: 4, done: 4, failed: 0 })
    for (const task of done.tasks!) {
      expect(task).toMatchObject({ state: "done", attempts: 1, agent: { name: task.name }, files: 1, additions: 1, deletions: 0 })
      const diff = await d.agents.diff(task.agent!.id)
      expect(diff.files.map((f) => f.path)).toEqual([`${task.name}.txt`])
      const agent = await d.agents.get(task.agent!.id)
      expect(agent.worktree?.branch).toBe(`iterate/${task.name}`)
    }
    expect(repo.status()).toBe("")
    expect(await folded(d, batch.id)).toEqual(done)
  })

  test("the same file again skips the tasks that ran, with their results, and runs the new one; a purged agent's task runs again", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const first = await d.batches.create({ directory: repo.root, harness: "scripted", tasks: [...tasks("alpha"), { prompt: "write beta", name: "beta" }] })
    const taken = new Set<Turn>()
    const [alpha, beta] = (await harness.waiting(2, taken)).sort((a, b) => a.text.localeCompare(b.text))
    taken.add(alpha!).add(beta!)
    await harness.end(alpha!)
    await harness.end(beta!, "fail")
    const before = await ended(d, first.id)
    expect(before.tasks!.map((t) => [t.name, t.state, t.error])).toEqual([
      ["alpha", "done", undefined],
      ["beta", "failed", "the model said no"],
    ])

    const again = await d.batches.create({ directory: repo.root, harness: "scripted", tasks: tasks("alpha", "beta", "gamma") })
    expect(again.tasks!.map((t) => [t.name, t.state, t.earlier])).toEqual([
      ["alpha", "skipped", { batch: first.id, state: "done" }],
      ["beta", "skipped", { batch: first.id, state: "failed" }],
      ["gamma", "queued", undefined],
    ])
    expect(again.tasks![1]).toMatchObject({ agent: before.tasks![1]!.agent, error: "the model said no" })
    const [gamma] = await harness.waiting(1, taken)
    taken.add(gamma!)
    await harness.end(gamma!)
    expect((await ended(d, again.id)).counts).toMatchObject({ done: 1, skipped: 2 })

    await d.agents.remove("beta", { purge: true, force: true })
    const third = await d.batches.create({ directory: repo.root, harness: "scripted", tasks: tasks("alpha", "beta", "gamma") })
    expect(third.tasks!.map((t) => t.state)).toEqual(["skipped", "queued", "skipped"])
    const [retried] = await harness.waiting(1, taken)
    await harness.end(retried!)
    expect((await ended(d, third.id)).tasks![1]).toMatchObject({ state: "done", agent: { name: "beta" } })
  })

  test("a daemon stopped mid-batch resumes it on start: the tasks it cut short are prompted again, every task ends once", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, parallel: 2, harness: "scripted", tasks: tasks("red", "green", "blue") })
    const taken = new Set<Turn>()
    const [first, second] = await harness.waiting(2, taken)
    taken.add(first!).add(second!)
    await harness.end(first!)
    await waitFor("the third task to start", () => harness.turns.length === 3)
    await d.stop()

    const restarted = await daemon(harness, d.data)
    const resumed = await harness.waiting(2, new Set([...taken, harness.turns[2]!]))
    expect(resumed.map((t) => t.text).sort()).toEqual([second!.text, harness.turns[2]!.text].sort())
    for (const turn of resumed) await harness.end(turn)
    const done = await ended(restarted, batch.id)
    expect(done.tasks!.map((t) => [t.name, t.state])).toEqual([
      ["red", "done"],
      ["green", "done"],
      ["blue", "done"],
    ])
    const attempts = Object.fromEntries(done.tasks!.map((t) => [t.name, t.attempts]))
    expect(attempts[first!.text.replace("write ", "")]).toBe(1)
    expect(Object.values(attempts).sort()).toEqual([1, 2, 2])
    expect((await restarted.agents.list()).map((a) => a.name).sort()).toEqual(["blue", "green", "red"])
    for (const task of done.tasks!) {
      const agent = await restarted.agents.get(task.agent!.id)
      expect(readFileSync(join(agent.directory, `${task.name}.txt`), "utf8")).toBe(`write ${task.name}\n`)
    }
  })

  test("bad input starts nothing: no tasks, an unknown harness, a directory that is no repository, a bad name", async () => {
    const d = await daemon(new ScriptedHarness())
    const repo = testRepo()
    const refused = (input: Parameters<Batches["create"]>[0]) => d.batches.create(input).then(() => "made", (error: Error & { code?: string }) => `${error.code}: ${error.message}`)
    expect(await refused({ directory: repo.root, tasks: [] })).toBe("invalid_batch: a batch needs at least one task")
    expect(await refused({ directory: repo.root, tasks: [{ prompt: "x", harness: "nope", line: 4 }] })).toMatch(/^invalid_batch: the task on line 4: unknown harness nope; available: .*scripted/)
    const plain = scratchDir("plain")
    expect(await refused({ directory: plain, harness: "scripted", tasks: [{ prompt: "x" }] })).toMatch(/^not_a_repository: .* is not in a git repository/)
    expect(await refused({ directory: repo.root, harness: "scripted", tasks: [{ prompt: "x", name: "a b" }] })).toMatch(/^invalid_batch: task 1: invalid agent name/)
    expect(await refused({ directory: repo.root, harness: "scripted", parallel: 0, tasks: [{ prompt: "x" }] })).toMatch(/^invalid_batch: parallel must be/)
    expect(await d.batches.list()).toEqual([])
    expect(await d.agents.list()).toEqual([])
    expect(existsSync(join(repo.root, ".git", "worktrees"))).toBe(false)
  })

  test("without worktrees, the tasks' agents work in the directory itself", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, harness: "scripted", worktree: false, tasks: tasks("here") })
    const [turn] = await harness.waiting(1, new Set())
    await harness.end(turn!)
    const done = await ended(d, batch.id)
    expect(done.tasks![0]).toMatchObject({ state: "done", files: 1 })
    expect((await d.agents.get("here")).directory).toBe(repo.root)
    expect(repo.read("here.txt")).toBe("write here\n")
    const events = (await d.streams.read(`batches/${batch.id}`, undefined))!
    expect(events.at(-1)!.type).toBe(BATCH_EVENT.ended)
  })
})

/** The refusal's code and message, or "done". */
const refusal = (work: Promise<unknown>) => work.then(() => "done", (error: Error & { code?: string }) => `${error.code}: ${error.message}`)

describe("cancelling a batch", () => {
  test("queued tasks never start, the running one's turn is aborted and its agent kept; the turn that ends because of it changes nothing; run again, only the tasks that had no agent run", async () => {
    const harness = new ScriptedHarness()
    // An abort that reads like a crash would have its prompt sent again, were the task still followed.
    harness.abortedAs = { status: "error", error: "scripted crashed during the turn: aborted" }
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, parallel: 1, harness: "scripted", tasks: tasks("first", "second", "third") })
    const [turn] = await harness.waiting(1, new Set())
    await Bun.write(join(turn!.agent.directory, "half.txt"), "half done\n")
    await waitFor("the first task running", async () => (await d.batches.get(batch.id)).tasks![0]!.state === "running")

    const cancelled = await d.batches.cancel(batch.id)
    expect(cancelled.cancelledAt).toBeDefined()
    expect(cancelled.endedAt).toBeDefined()
    expect(cancelled.counts).toMatchObject({ total: 3, cancelled: 3, queued: 0, running: 0, done: 0, failed: 0 })
    const [first, second, third] = cancelled.tasks!
    expect(first).toMatchObject({ state: "cancelled", agent: { name: "first" }, attempts: 1, files: 1, additions: 1, deletions: 0 })
    expect(first!.endedAt).toBeDefined()
    for (const task of [second, third]) expect(task).toMatchObject({ state: "cancelled", attempts: 0, endedAt: expect.any(String) })
    expect([second!.agent, third!.agent, second!.startedAt]).toEqual([undefined, undefined, undefined])

    // The abort ended the turn; nothing was prompted again, nothing else started.
    await waitFor("the first agent's turn ended", async () => (await d.agents.get("first")).status === "error")
    expect(harness.turns.map((t) => t.text)).toEqual(["write first"])
    expect((await d.agents.list()).map((a) => a.name)).toEqual(["first"])
    expect(existsSync(join((await d.agents.get("first")).directory, "half.txt"))).toBe(true)
    expect(await d.batches.get(batch.id)).toEqual(cancelled)
    expect(await folded(d, batch.id)).toEqual(cancelled)
    expect((await d.streams.read(`batches/${batch.id}`, undefined))!.at(-1)!.type).toBe(BATCH_EVENT.ended)
    expect((await d.batches.list())[0]).toMatchObject({ id: batch.id, cancelledAt: cancelled.cancelledAt, counts: { cancelled: 3 } })

    // Ended: a second cancel is refused, as is an unknown batch.
    expect(await refusal(d.batches.cancel(batch.id))).toBe(`batch_ended: batch ${batch.id} already ended`)
    expect(await refusal(d.batches.cancel("bnope00"))).toBe("batch_not_found: no batch bnope00 (see: iterate batches)")

    const again = await d.batches.create({ directory: repo.root, parallel: 1, harness: "scripted", tasks: tasks("first", "second", "third") })
    expect(again.tasks!.map((t) => [t.name, t.state, t.earlier])).toEqual([
      ["first", "skipped", { batch: batch.id, state: "cancelled" }],
      ["second", "queued", undefined],
      ["third", "queued", undefined],
    ])
    const taken = new Set([turn!])
    for (const _ of [1, 2]) {
      const [next] = await harness.waiting(1, taken)
      taken.add(next!)
      await harness.end(next!)
    }
    expect((await ended(d, again.id)).counts).toMatchObject({ done: 2, skipped: 1 })
  })

  test("cancelled as soon as it is made: the task whose agent was being made ends cancelled, and nothing is ever prompted", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, parallel: 2, harness: "scripted", tasks: tasks("early", "late", "later") })
    const cancelled = await d.batches.cancel(batch.id)
    expect(cancelled.tasks!.map((t) => t.state)).toEqual(["cancelled", "cancelled", "cancelled"])
    // Whichever agents were made by then are on their tasks, and were never prompted.
    const made = await d.agents.list()
    expect(made.map((a) => a.id).sort()).toEqual(cancelled.tasks!.flatMap((t) => (t.agent ? [t.agent.id] : [])).sort())
    for (const agent of made) {
      const events = (await d.streams.read(agent.stream, undefined)) ?? []
      expect(events.filter((e) => e.type === AGENT_EVENT.prompt)).toEqual([])
    }
    expect(harness.turns).toEqual([])
  })

  test("a daemon stopped after recording a cancellation finishes it on start instead of resuming the tasks", async () => {
    const harness = new ScriptedHarness()
    const d = await daemon(harness)
    const repo = testRepo()
    const batch = await d.batches.create({ directory: repo.root, parallel: 1, harness: "scripted", tasks: tasks("one", "two") })
    const [turn] = await harness.waiting(1, new Set())
    await d.stop()
    // What a cancel records first, and all a daemon killed right after it leaves.
    const store = new SqliteBatchStore(join(d.data, "agents.db"))
    const cancelledAt = new Date().toISOString()
    await store.putBatch({ ...(await store.get(batch.id))!, cancelledAt })
    await store.close()

    const restarted = await daemon(harness, d.data)
    const done = await ended(restarted, batch.id)
    expect(done).toMatchObject({ cancelledAt, counts: { cancelled: 2 } })
    expect(done.tasks!.map((t) => [t.name, t.state, t.agent?.name])).toEqual([
      ["one", "cancelled", "one"],
      ["two", "cancelled", undefined],
    ])
    // The cut-short turn was not prompted again, and the queued task never started.
    expect(harness.turns).toEqual([turn])
    expect((await restarted.agents.list()).map((a) => a.name)).toEqual(["one"])
    expect(await restarted.batches.cancel(batch.id).catch((error: Error) => error.message)).toBe(`batch ${batch.id} already ended`)
  })
})
