// Batches of tasks (`iterate batch`): each task gets an agent of its own (in a worktree of its own,
// unless the batch says otherwise), at most `parallel` of them at work at once, each prompted once
// with its task. The batch lives in the daemon: its tasks are in the agent store and each step a
// task takes is stored before the next, so a daemon that stops (or is killed) mid-batch resumes it
// on start. A task whose agent's turn the stop cut short (that turn ends as interrupted) has its
// prompt sent again, to the same agent in the same worktree, whose harness session resumes where
// the harness keeps one. Every change of a task goes on the batch's stream (`batches/<id>`, see
// src/protocol/batch-events.ts), which clients follow the way they follow agents. A batch cancelled
// (`iterate batches cancel`) starts nothing more: its tasks that had not ended are cancelled, the
// turns of their agents aborted, and the agents kept for review; the cancellation is recorded
// before anything is done about it, so that a daemon stopped meanwhile finishes it on start.
// In a fleet, a batch is run by its node; when that node is gone (its heartbeat older than its
// lease TTL: killed, or stopped and not back), a living node claims the batch and runs it from
// where it got to, as its own node would have on start.
import { existsSync, statSync } from "node:fs"
import { isAbsolute } from "node:path"
import { checkoutOf } from "../../git/repo.ts"
import { AGENT_EVENT, HARNESS_EVENT, PERMISSION_POLICIES, type StatusPayload } from "../../protocol/agent-events.ts"
import { type Batch, BATCH_EVENT, type BatchTask, countTasks, isFinal } from "../../protocol/batch-events.ts"
import { StoreUnavailableError } from "../../storage/unavailable.ts"
import type { EventInput, StreamEvent } from "../../streams/events.ts"
import type { StreamStore } from "../../streams/store.ts"
import { INTERRUPTED } from "../adapter.ts"
import type { Agent, Agents } from "../agents.ts"
import { AgentError } from "../errors.ts"
import { numbered, readableId } from "../names.ts"
import type { Fleet } from "../fleet/fleet.ts"
import { AgentStreams } from "../stream.ts"
import { afterTurn, nameTasks, ranBefore, type TaskInput, taskLabel, toStart, type TurnEnd } from "./plan.ts"
import type { BatchRecord, BatchStore, TaskRecord } from "./store.ts"

export interface NewBatch {
  /** where the agents work: an absolute path (in a git checkout, for worktrees) */
  directory: string
  /** the task file's name, for listings */
  source?: string
  parallel?: number
  harness?: string
  model?: string
  permissions?: string
  /** each agent in a worktree of its own: true by default */
  worktree?: boolean
  tasks: TaskInput[]
}

export interface BatchesOptions {
  store: BatchStore
  agents: Agents
  streams: StreamStore
  /** which nodes there are: this one runs the batches made here, and those it takes over from nodes that are gone */
  fleet: Fleet
}

export const DEFAULT_PARALLEL = 4
export const MAX_PARALLEL = 64
export const MAX_TASKS = 1000
/**
 * An unattended task cannot wait for someone to allow each file it writes; it works on a branch of
 * its own, where every change is reviewed before it lands. Commands still ask (the task shows as
 * waiting until they are answered): `allow-all` lets them run too.
 */
export const DEFAULT_PERMISSIONS = "allow-edits"
const DEFAULT_HARNESS = "opencode"

// How often the files a running task changed are counted again, while its agent is at work.
const STATS_EVERY_MS = 2_000

/**
 * A turn cut short from outside: its daemon stopped (src/agents/adapter.ts, the fleet's takeover:
 * "node N stopped during the turn"), or its harness crashed or exited ("opencode crashed during the
 * turn: …", "claude exited during the turn (…)"); its harness is started again for the next prompt.
 */
const interrupted = (error: string) => error === INTERRUPTED || / (stopped|crashed|exited) during the turn\b/.test(error)

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** No agent by that name or id: undefined; any other failure (the store out of reach) stays one. */
function unlessGone(error: unknown): undefined {
  if (error instanceof AgentError && error.code === "agent_not_found") return undefined
  throw error
}

export class Batches {
  readonly #runs = new Map<string, BatchRun>()
  readonly #streams: AgentStreams
  #timer: ReturnType<typeof setInterval> | undefined
  #checking: Promise<void> | undefined
  /** batches this node claimed and has not run yet, and the node each was taken from */
  readonly #claimed = new Map<string, string>()
  #stopped = false

  constructor(private readonly options: BatchesOptions) {
    this.#streams = new AgentStreams(options.streams)
  }

  get #node(): string {
    return this.options.fleet.nodeId
  }

  /**
   * Resumes the batches of this node that had not ended; those whose cancellation a stop cut short
   * are cancelled. In a fleet, from now on it also looks for batches to take over, as often as the
   * fleet looks for agents to.
   */
  async start(): Promise<void> {
    for (const batch of await this.options.store.unfinished(this.#node)) await this.#resume(batch)
    const every = this.options.fleet.checkEveryMs
    if (every !== undefined) this.#timer = setInterval(() => void (this.#checking ??= this.#check().finally(() => (this.#checking = undefined))), every)
  }

  /** Stops following the tasks; they stay where they are, for the next start (or another node) to resume. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#checking
    await Promise.all([...this.#runs.values()].map((run) => run.stop()))
    this.#runs.clear()
  }

  /** Runs the batch from where it got to: its tasks under way followed, the rest started; or its cancellation finished. */
  async #resume(batch: BatchRecord, from?: string): Promise<void> {
    const tasks = await this.options.store.tasks(batch.id)
    const unfinished = tasks.filter((t) => !isFinal(t.state)).length
    const run = this.#run(batch, tasks)
    if (from !== undefined) await run.moved(from)
    if (batch.cancelledAt) {
      console.log(`batch ${batch.id}: cancelled before its daemon stopped; ${unfinished} of ${tasks.length} tasks cancelled now`)
      void run.cancel().catch((error) => console.error(`batch ${batch.id}: could not finish its cancellation: ${message(error)}`))
    } else {
      console.log(`batch ${batch.id}: resumed, ${unfinished} of ${tasks.length} tasks not ended`)
      run.begin()
    }
  }

  /**
   * Lets go of the batches another node claimed (this one was cut off from the store for longer
   * than its lease TTL), then takes over those of the nodes that are gone.
   */
  async #check(): Promise<void> {
    const { store, fleet } = this.options
    try {
      for (const [id, run] of this.#runs) {
        const now = await store.get(id)
        if (this.#stopped) return
        if (now && now.node !== this.#node && this.#runs.get(id) === run) {
          console.log(`batch ${id}: node ${now.node} runs it now; this node no longer follows it`)
          this.#runs.delete(id)
          await run.stop()
        }
      }
      for (const node of await fleet.gone()) {
        for (const batch of await store.unfinished(node)) {
          if (this.#stopped || !(await store.claim(batch.id, node, this.#node))) continue
          console.log(`batch ${batch.id}: taken over from node ${node} (not alive)`)
          this.#claimed.set(batch.id, node)
        }
      }
      // Kept until it runs: the store out of reach between its claim and its resumption, the next check resumes it.
      for (const [id, from] of this.#claimed) {
        const batch = await store.get(id)
        if (this.#stopped) return
        if (batch?.node === this.#node && !batch.endedAt && !this.#runs.has(id)) await this.#resume(batch, from)
        this.#claimed.delete(id)
      }
    } catch (error) {
      // The store is out of reach (logged by its guard) or a query failed: the next check tries again.
      if (!this.#stopped && !(error instanceof StoreUnavailableError)) console.error(`batches: could not look for batches to take over: ${message(error)}`)
    }
  }

  async create(input: NewBatch): Promise<Batch> {
    const { agents, store } = this.options
    const tasks = input.tasks
    if (tasks.length === 0) throw invalid("a batch needs at least one task")
    if (tasks.length > MAX_TASKS) throw invalid(`a batch holds at most ${MAX_TASKS} tasks, not ${tasks.length}`)
    const parallel = input.parallel ?? DEFAULT_PARALLEL
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL) throw invalid(`parallel must be a whole number from 1 to ${MAX_PARALLEL}, not ${parallel}`)
    const permissions = input.permissions ?? DEFAULT_PERMISSIONS
    if (!(PERMISSION_POLICIES as readonly string[]).includes(permissions)) throw invalid(`permissions must be one of ${PERMISSION_POLICIES.join(", ")}, not ${permissions}`)
    const { directory } = input
    if (!isAbsolute(directory)) throw invalid(`the directory must be an absolute path, not ${directory}`)
    if (!existsSync(directory) || !statSync(directory).isDirectory()) throw invalid(`the directory ${directory} does not exist`)
    const worktree = input.worktree ?? true
    if (worktree) await checkRepository(directory)
    const harness = input.harness ?? DEFAULT_HARNESS
    tasks.forEach((task, index) => {
      if (task.prompt.trim() === "") throw invalid(`${taskLabel(task, index)} has no prompt`)
      const problem = agents.harnessProblem(task.harness ?? harness, task.model ?? input.model)
      if (problem) throw invalid(`${taskLabel(task, index)}: ${problem}`)
    })
    let names: string[]
    try {
      names = nameTasks(tasks)
    } catch (error) {
      throw invalid(message(error))
    }

    const earlier = ranBefore(await store.ran(directory), new Set((await agents.list()).map((a) => a.id)))
    let id: string
    do id = `b${readableId(6)}`
    while ((await store.get(id)) || !(await this.#streams.create(`batches/${id}`)))
    const batch: BatchRecord = {
      id,
      directory,
      ...(input.source !== undefined && { source: input.source }),
      parallel,
      harness,
      ...(input.model !== undefined && { model: input.model }),
      permissions,
      worktree,
      node: this.#node,
      createdAt: new Date().toISOString(),
    }
    const records = tasks.map((task, index): TaskRecord => {
      const base = {
        batch: id,
        index,
        ...(task.line !== undefined && { line: task.line }),
        name: names[index]!,
        prompt: task.prompt,
        harness: task.harness ?? harness,
        ...((task.model ?? input.model) !== undefined && { model: task.model ?? input.model }),
        attempts: 0,
      }
      const ran = earlier.get(names[index]!)
      if (!ran) return { ...base, state: "queued" }
      const { agent, files, additions, deletions, error, startedAt, endedAt } = ran
      // Cancelled with an agent, it ran (as far as it got): that agent's work is there to review.
      const state = ran.state === "done" || ran.state === "failed" || ran.state === "cancelled" ? ran.state : "running"
      return { ...base, state: "skipped", agent, files, additions, deletions, error, startedAt, endedAt, earlier: { batch: ran.batch, state } }
    })
    await store.create(batch, records)
    const run = this.#run(batch, records)
    await run.announce()
    const made = run.view()
    run.begin()
    return made
  }

  async list(): Promise<Batch[]> {
    const { store } = this.options
    const tasks = new Map<string, TaskRecord[]>()
    for (const task of await store.allTasks()) tasks.set(task.batch, [...(tasks.get(task.batch) ?? []), task])
    return (await store.list()).map((batch) => this.#runs.get(batch.id)?.view(false) ?? view(batch, tasks.get(batch.id) ?? [], new Set(), false))
  }

  async get(id: string): Promise<Batch> {
    const running = this.#runs.get(id)
    if (running) return running.view()
    const batch = await this.options.store.get(id)
    if (!batch) throw new AgentError("batch_not_found", `no batch ${id} (see: iterate batches)`)
    return view(batch, await this.options.store.tasks(id), new Set())
  }

  /**
   * Cancels the batch: nothing more starts, its tasks that had not ended are cancelled (the turns
   * of their agents aborted; the agents stay), and it ends. The batch as it ended.
   */
  async cancel(id: string): Promise<Batch> {
    const running = this.#runs.get(id)
    if (running) return running.cancel()
    const batch = await this.options.store.get(id)
    if (!batch) throw new AgentError("batch_not_found", `no batch ${id} (see: iterate batches)`)
    if (batch.endedAt) throw ended(batch)
    if (batch.node !== this.#node) {
      // Its node follows its tasks; this one would only race it.
      const node = (await this.options.agents.nodes()).find((n) => n.id === batch.node)
      const where = node?.alive
        ? `node ${node.id}; cancel it there: iterate --server ${node.url} batches cancel ${id}`
        : `node ${batch.node}, which is not running: it goes on when that node starts again, or on another node once its lease TTL has passed`
      throw new AgentError("elsewhere", `batch ${id} runs on ${where}`)
    }
    // This node's, not taken up yet (its start is under way): cancelled from where it stands.
    return this.#run(batch, await this.options.store.tasks(id)).cancel()
  }

  #run(batch: BatchRecord, tasks: TaskRecord[]): BatchRun {
    const { store, agents } = this.options
    const run = new BatchRun(batch, tasks, { store, agents, streams: this.#streams, ended: () => this.#runs.delete(batch.id) })
    this.#runs.set(batch.id, run)
    return run
  }
}

/** A batch and its tasks as clients see them; a task whose agent waits for a permission answer is `waiting`. */
function view(batch: BatchRecord, tasks: TaskRecord[], waiting: Set<number>, withTasks = true): Batch {
  const shown = tasks.map((task) => taskView(task, waiting.has(task.index)))
  return { ...batch, stream: `batches/${batch.id}`, counts: countTasks(shown), ...(withTasks && { tasks: shown }) }
}

function taskView(task: TaskRecord, waiting: boolean): BatchTask {
  const { batch: _batch, promptOffset: _prompt, agentName: _name, ...shown } = task
  return { ...shown, state: waiting && task.state === "running" ? "waiting" : task.state }
}

async function checkRepository(directory: string): Promise<void> {
  const checkout = await checkoutOf(directory)
  if (checkout === "not-a-repository") throw new AgentError("not_a_repository", `${directory} is not in a git repository: a batch's worktrees need one (or run it without: --no-worktree)`)
  if (checkout === "bare") throw new AgentError("bare_repository", `${directory} is in a bare repository: a batch's worktrees need a checkout to branch from`)
  if (checkout === "no-git") throw new AgentError("not_a_repository", "git is not installed where the daemon runs (not found on PATH): a batch's worktrees need it (or run it without: --no-worktree)")
  if (!checkout.branch) throw new AgentError("detached_head", `the checkout at ${checkout.root} has a detached HEAD: a batch's worktrees branch from a branch; check one out`)
  if (!checkout.head) throw new AgentError("unknown_ref", `branch ${checkout.branch} of ${checkout.root} has no commit yet: commit something first`)
}

const invalid = (text: string) => new AgentError("invalid_batch", text)
const ended = (batch: Pick<BatchRecord, "id">) => new AgentError("batch_ended", `batch ${batch.id} already ended`)

interface RunContext {
  store: BatchStore
  agents: Agents
  streams: AgentStreams
  /** the batch ended: it is no longer run */
  ended: () => void
}

/** One batch at work: its tasks started in turn, each followed until it ends. */
class BatchRun {
  /** tasks whose agent waits for a permission answer */
  private readonly waiting = new Set<number>()
  /** running tasks whose agent did something since their files were last counted */
  private readonly touched = new Set<number>()
  /** what to do to stop following each running task's agent, by the task's index */
  private readonly watchers = new Map<number, () => void>()
  private readonly driving = new Set<Promise<void>>()
  /** agents are made one at a time: their worktrees are added to the same repository */
  private making: Promise<unknown> = Promise.resolve()
  /** appends to the batch's stream, in order */
  private appending: Promise<unknown> = Promise.resolve()
  private timer: ReturnType<typeof setInterval> | undefined
  private counting = false
  private stopped = false
  private ending: Promise<void> | undefined
  private cancelling: Promise<Batch> | undefined

  constructor(
    private readonly batch: BatchRecord,
    private readonly tasks: TaskRecord[],
    private readonly ctx: RunContext,
  ) {}

  get stream(): string {
    return `batches/${this.batch.id}`
  }

  view(withTasks = true): Batch {
    return view(this.batch, this.tasks, this.waiting, withTasks)
  }

  /** The batch's first event. */
  async announce(): Promise<void> {
    await this.emit({ type: BATCH_EVENT.created, payload: { batch: this.view() } })
  }

  /** Taken over from the node `from`: its readers learn which node runs it now. */
  async moved(from: string): Promise<void> {
    await this.emit({ type: BATCH_EVENT.moved, payload: { from, to: this.batch.node } })
  }

  /** Takes up the tasks that were under way (after a restart), then starts what there is room for. */
  begin(): void {
    for (const task of this.tasks) if (task.state === "starting" || task.state === "running") this.drive(task)
    this.timer = setInterval(() => void this.count(), STATS_EVERY_MS)
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    for (const unwatch of [...this.watchers.values()]) unwatch()
    await Promise.allSettled([...this.driving])
    await this.ending
    await this.appending
  }

  /**
   * Cancels what has not ended: queued tasks never start, the turns of those at work are aborted
   * (a turn that ends because of it changes nothing), then the batch ends. The batch as it ended.
   */
  cancel(): Promise<Batch> {
    // Ended (a cancellation too, while its run is being let go): a second cancel has nothing to do.
    if (this.batch.endedAt || (this.ending && !this.cancelling)) return Promise.reject(ended(this.batch))
    return (this.cancelling ??= (async () => {
      if (!this.batch.cancelledAt) {
        // Set first: nothing starts meanwhile. Recorded before anything is done, for a restart to finish it.
        this.batch.cancelledAt = new Date().toISOString()
        await this.ctx.store.putBatch(this.batch)
      }
      clearInterval(this.timer)
      const cancelled = this.tasks.filter((t) => !isFinal(t.state))
      const endedAt = new Date().toISOString()
      for (const task of cancelled) {
        // Settled at once, before any await: whatever its work or its turn does next sees it ended.
        task.state = "cancelled"
        task.endedAt = endedAt
        this.watchers.get(task.index)?.()
        this.touched.delete(task.index)
        this.waiting.delete(task.index)
      }
      await Promise.all(cancelled.map((task) => this.cancelTask(task)))
      // Agents being made are recorded on their tasks before the batch's stream closes.
      await Promise.allSettled([...this.driving])
      await this.end()
      return this.view()
    })())
  }

  /** A task just cancelled: its agent's turn aborted and its files counted one last time, when it has an agent. */
  private async cancelTask(task: TaskRecord): Promise<void> {
    if (!task.agent) {
      // Made already (and maybe prompted), not yet recorded on the task: by this daemon now, or one that stopped then.
      const made = await this.madeFor(task)
      if (made) task.agent = { id: made.id, name: made.name }
    }
    if (task.agent) {
      await this.abort(task.agent.id)
      await this.countFiles(task, task.agent.id)
    }
    await this.save(task)
    await this.changed(task)
  }

  /** Aborts the agent's turn, if it has one; an agent removed meanwhile has none. */
  private async abort(agent: string): Promise<void> {
    await this.ctx.agents.abort(agent).catch((error) => console.error(`batch ${this.batch.id}: could not abort the turn of agent ${agent}: ${message(error)}`))
  }

  /** Whether the task's work goes no further: the batch stopped following it, or it was cancelled. */
  private done(task: TaskRecord): boolean {
    return this.stopped || task.state === "cancelled"
  }

  private schedule(): void {
    if (this.stopped || this.ending || this.batch.cancelledAt) return
    for (const index of toStart(this.tasks, this.batch.parallel)) {
      const task = this.tasks[index]!
      task.state = "starting"
      task.startedAt = new Date().toISOString()
      this.drive(task)
    }
    if (this.tasks.every((t) => isFinal(t.state))) void this.end()
  }

  private drive(task: TaskRecord): void {
    const work = this.work(task)
      .catch(async (error) => {
        if (!this.stopped) await this.finish(task, { state: "failed", error: message(error) })
      })
      .finally(() => {
        this.driving.delete(work)
        this.schedule()
      })
    this.driving.add(work)
  }

  /** A task from wherever it got to, until it ends: its agent, its prompt, its turn. */
  private async work(task: TaskRecord): Promise<void> {
    await this.save(task)
    await this.changed(task)
    const agent = await this.agentFor(task)
    // Cancelled while its agent was being made: that agent is never prompted.
    if (!agent || this.done(task)) return
    if (task.promptOffset === undefined) {
      // A prompt sent before the daemon could record it is on the agent's stream.
      task.promptOffset = await this.firstPrompt(agent)
      if (task.promptOffset === undefined) {
        if (!(await this.prompted(task, agent))) return
      } else {
        task.attempts = Math.max(task.attempts, 1)
        await this.save(task)
      }
    }
    return this.follow(task, agent)
  }

  /** Sends the task's prompt; whether its work goes on. */
  private async prompted(task: TaskRecord, agent: Agent): Promise<boolean> {
    await this.prompt(task, agent)
    if (task.state !== "cancelled") return !this.stopped
    // Cancelled while the prompt was on its way: the abort sent then may have come before it, and found no turn.
    await this.abort(agent.id)
    return false
  }

  private async follow(task: TaskRecord, agent: Agent): Promise<void> {
    for (;;) {
      const end = await this.turnEnd(task, agent)
      if (!end || this.done(task)) return
      const outcome = afterTurn(end, task.attempts, interrupted)
      if (outcome.next === "again") {
        console.log(`batch ${this.batch.id}: the turn of task ${task.name} was cut short (${end.error}); its prompt is sent again`)
        if (!(await this.prompted(task, agent))) return
        continue
      }
      return this.finish(task, outcome.next === "done" ? { state: "done" } : { state: "failed", error: outcome.error }, agent)
    }
  }

  /**
   * The task's agent: the one it has, the one it was making when the daemon stopped, or a new one;
   * none when the task was cancelled before its turn to be made came.
   */
  private async agentFor(task: TaskRecord): Promise<Agent | undefined> {
    const { agents } = this.ctx
    if (task.agent) {
      const agent = await agents.get(task.agent.id).catch(unlessGone)
      if (!agent) throw new Error(`its agent ${task.agent.name} was removed`)
      return agent
    }
    const made = await this.madeFor(task)
    if (made) return this.adopt(task, made)
    const turn = this.making.then(() => (this.done(task) ? undefined : this.make(task)))
    this.making = turn.catch(() => {})
    return turn
  }

  /** The agent made for the task under the name it recorded (by this daemon, or one stopped meanwhile), if any. */
  private async madeFor(task: TaskRecord): Promise<Agent | undefined> {
    if (!task.agentName) return undefined
    const made = await this.ctx.agents.get(task.agentName).catch(unlessGone)
    return made && task.startedAt && made.createdAt >= task.startedAt ? made : undefined
  }

  private async make(task: TaskRecord): Promise<Agent> {
    const { agents } = this.ctx
    for (let tries = 1; ; tries++) {
      const taken = new Set((await agents.list()).flatMap((a) => [a.id, a.name]))
      task.agentName = numbered(task.name, (name) => taken.has(name))
      await this.save(task)
      try {
        const agent = await agents.create({
          harness: task.harness,
          directory: this.batch.directory,
          name: task.agentName,
          ...(task.model !== undefined && { model: task.model }),
          permissions: this.batch.permissions,
          worktree: this.batch.worktree,
          node: this.batch.node,
        })
        return this.adopt(task, agent)
      } catch (error) {
        // Another agent took the name meanwhile: the next free one.
        if (!(error instanceof AgentError && error.code === "name_taken") || tries >= 3) throw error
      }
    }
  }

  private async adopt(task: TaskRecord, agent: Agent): Promise<Agent> {
    task.agent = { id: agent.id, name: agent.name }
    await this.save(task)
    await this.changed(task)
    return agent
  }

  /** The task's harness took its prompt (its first event came, or its turn ended): the next task may start. */
  private async started(task: TaskRecord): Promise<void> {
    if (task.state !== "starting") return
    task.state = "running"
    await this.save(task)
    await this.changed(task)
    this.schedule()
  }

  private async prompt(task: TaskRecord, agent: Agent): Promise<void> {
    const event = await this.ctx.agents.prompt(agent.id, { text: task.prompt })
    task.promptOffset = event.offset
    task.attempts++
    await this.save(task)
    await this.changed(task)
  }

  private async firstPrompt(agent: Agent): Promise<string | undefined> {
    let offset: string | undefined
    for (;;) {
      const events = await this.ctx.streams.read(agent.stream, offset)
      if (!events || events.length === 0) return undefined
      const prompt = events.find((e) => e.type === AGENT_EVENT.prompt)
      if (prompt) return prompt.offset
      offset = events.at(-1)!.offset
    }
  }

  /**
   * Follows the agent's stream from the task's prompt until that turn ends; undefined when the
   * batch stops following first. Meanwhile it notes the agent waiting for a permission answer,
   * and that its files may have changed.
   */
  private turnEnd(task: TaskRecord, agent: Agent): Promise<TurnEnd | undefined> {
    const { streams } = this.ctx
    return new Promise((resolve, reject) => {
      let cursor = task.promptOffset
      let reading = false
      let again = false
      let caughtUp = false
      let taken = false
      const asked = new Set<string>()
      const finish = () => {
        unsubscribe()
        if (this.watchers.get(task.index) === stop) this.watchers.delete(task.index)
      }
      const stop = () => (finish(), resolve(undefined))
      const read = async () => {
        if (reading) return void (again = true)
        reading = true
        try {
          do {
            again = false
            for (;;) {
              const events = await streams.read(agent.stream, cursor)
              if (this.watchers.get(task.index) !== stop) return
              if (!events) return finish(), reject(new Error(`its agent ${agent.name} was removed`))
              if (events.length === 0) {
                // A daemon killed between recording a turn's end and appending it leaves the end in
                // the agent's record only (and a restart then sees no turn to interrupt): once, on
                // catching up after a start, the record is asked.
                const end = caughtUp || !taken ? undefined : await this.recordedEnd(agent)
                caughtUp = true
                if (end) return finish(), resolve(end)
                break
              }
              for (const event of events) {
                cursor = event.offset
                if (event.type === AGENT_EVENT.status && (event.payload as StatusPayload).status === "busy") taken = true
                const end = this.note(task, event, asked)
                if (end) return finish(), resolve(end)
              }
              // After the whole read: a request the policy answered at once comes with its answer, and never shows as waiting.
              this.setWaiting(task, asked.size > 0)
            }
          } while (again)
        } catch (error) {
          finish()
          reject(error)
        } finally {
          reading = false
        }
      }
      this.watchers.set(task.index, stop)
      const unsubscribe = streams.subscribe(agent.stream, () => void read())
    })
  }

  /** How the agent's last turn ended, by its record, once it is no longer at work. */
  private async recordedEnd(agent: Agent): Promise<TurnEnd | undefined> {
    const now = await this.ctx.agents.get(agent.id).catch(unlessGone)
    if (!now || now.status === "busy" || now.status === "waiting" || now.status === "orphaned") return undefined
    // Archived (agents rm) while the task ran: its turn will not end by itself.
    if (now.status === "archived") return { status: "error", error: `agent ${now.name} was archived` }
    return { status: now.status, ...(now.error !== undefined && { error: now.error }) }
  }

  /** What an event of the task's agent tells: the end of its turn, a permission asked or answered, work done. */
  private note(task: TaskRecord, event: StreamEvent, asked: Set<string>): TurnEnd | undefined {
    const payload = event.payload as { id?: string } & Partial<StatusPayload>
    if (event.type === AGENT_EVENT.status && payload.status !== "busy" && payload.status !== undefined) {
      this.setWaiting(task, false)
      return { status: payload.status, ...(payload.error !== undefined && { error: payload.error }), ...(payload.aborted && { aborted: true }) }
    }
    if (HARNESS_EVENT.test(event.type) || event.type === AGENT_EVENT.permissionRequested) void this.started(task)
    if (event.type === AGENT_EVENT.permissionRequested && payload.id) asked.add(payload.id)
    else if ((event.type === AGENT_EVENT.permissionReply || event.type === AGENT_EVENT.permissionWithdrawn) && payload.id) asked.delete(payload.id)
    else this.touched.add(task.index)
    return undefined
  }

  private setWaiting(task: TaskRecord, waiting: boolean): void {
    if (this.waiting.has(task.index) === waiting) return
    if (waiting) this.waiting.add(task.index)
    else this.waiting.delete(task.index)
    void this.changed(task)
  }

  /** Counts again what the running tasks whose agents worked have changed. */
  private async count(): Promise<void> {
    if (this.counting || this.touched.size === 0) return
    this.counting = true
    try {
      for (const index of [...this.touched]) {
        this.touched.delete(index)
        const task = this.tasks[index]!
        if ((task.state === "starting" || task.state === "running") && task.agent && (await this.countFiles(task, task.agent.id))) {
          await this.save(task)
          await this.changed(task)
        }
      }
    } finally {
      this.counting = false
    }
  }

  /** The agent's change so far onto the task; whether the figures changed. Unknown (no snapshot to count from) leaves them out. */
  private async countFiles(task: TaskRecord, agent: string): Promise<boolean> {
    const diff = await this.ctx.agents.diff(agent, { stat: true }).catch(() => undefined)
    if (!diff) return false
    const before = [task.files, task.additions, task.deletions].join()
    task.files = diff.files.length
    task.additions = diff.additions
    task.deletions = diff.deletions
    return before !== [task.files, task.additions, task.deletions].join()
  }

  private async finish(task: TaskRecord, outcome: { state: "done" } | { state: "failed"; error: string }, agent?: Agent): Promise<void> {
    // Cancelled meanwhile: its end was settled then (an agent that failed to be made, a turn ended by the abort).
    if (isFinal(task.state)) return
    this.touched.delete(task.index)
    this.waiting.delete(task.index)
    if (agent) await this.countFiles(task, agent.id)
    task.state = outcome.state
    if (outcome.state === "failed") task.error = outcome.error
    task.endedAt = new Date().toISOString()
    await this.save(task)
    await this.changed(task)
  }

  /** Records the end, then says so on the stream and closes it; the batch shows as ended once its stream says so. */
  private end(): Promise<void> {
    return (this.ending ??= (async () => {
      clearInterval(this.timer)
      const endedAt = new Date().toISOString()
      await this.ctx.store.end(this.batch.id, endedAt)
      await this.emit({ type: BATCH_EVENT.ended, payload: { batch: { ...this.view(), endedAt } } })
      this.batch.endedAt = endedAt
      // Nothing more comes: readers following the stream end here.
      await this.ctx.streams.close(this.stream)
      this.ctx.ended()
    })())
  }

  private save(task: TaskRecord): Promise<void> {
    return this.ctx.store.putTask(task)
  }

  private changed(task: TaskRecord): Promise<unknown> {
    return this.emit({ type: BATCH_EVENT.taskChanged, payload: { task: taskView(task, this.waiting.has(task.index)) } })
  }

  private emit(event: EventInput): Promise<unknown> {
    this.appending = this.appending
      .then(() => this.ctx.streams.append(this.stream, [event]))
      .catch((error) => console.error(`batch ${this.batch.id}: could not append to ${this.stream}: ${message(error)}`))
    return this.appending
  }
}
