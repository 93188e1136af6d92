// The daemon's agents: each one a record in the agent store, a stream `agents/<id>`, and an
// adapter that runs on the node holding the agent. Everything about an agent lives in those two
// stores; on start (or when a node adopts it) the adapter resumes where the previous one left off.
// Any node lists every agent and appends its actions; the holder's adapter reads them from the
// stream. Harnesses are known only by name, from the registry (src/harness/index.ts), through the
// Harness interface.
import { existsSync, statSync } from "node:fs"
import { isAbsolute } from "node:path"
import { type AttachCommand, type Harness, type HarnessCheck, type HarnessFactory, HarnessUnavailableError, ImportPathError } from "../harness/harness.ts"
import { createHarnesses } from "../harness/index.ts"
import {
  AGENT_EVENT,
  type AgentStatus,
  type ArchivePayload,
  PERMISSION_POLICIES,
  type PermissionDecision,
  type PermissionKind,
  type PermissionPolicy,
  type PermissionReplyPayload,
  type PromptPayload,
  type MergedPayload,
  type PushedPayload,
  type RevertedPayload,
  type TurnStatus,
  type WorktreeCreatedPayload,
} from "../protocol/agent-events.ts"
import { type Fleet, type FleetMember, type NodeView, PlacementError } from "./fleet/fleet.ts"
import type { EventInput, StreamEvent } from "../streams/events.ts"
import type { AppendFence, StreamStore } from "../streams/store.ts"
import { AgentAdapter, INTERRUPTED } from "./adapter.ts"
import type { DocumentKind } from "./archive/documents.ts"
import { ArchiveIndexer, type Indexing, indexedBy } from "./archive/indexer.ts"
import { type IndexLocation, IndexerThread } from "./archive/thread.ts"
import { parseQuery } from "./archive/query.ts"
import { snippet } from "./archive/snippet.ts"
import { AgentError } from "./errors.ts"
import { type ImportReport, SessionImporter } from "./import.ts"
import { agentNameProblem, defaultAgentName, nameFromText, newAgentId } from "./names.ts"
import { type AgentRecord, type AgentStore, type AgentWorktree, NameTakenError, type PermissionRecord } from "./store.ts"
import { AgentStreams, agentStream } from "./stream.ts"
import { type AgentChanges, agentChanges, revertTurn } from "./work/changes.ts"
import { mergeWork, pushWork } from "./work/merge.ts"
import { discardWorktree, pruneOrphanWorktrees, retireWorktree, reviveWorktree } from "./work/remove.ts"
import { snapshotTo, startRef } from "./work/snapshots.ts"
import { makeWorktree } from "./work/worktree.ts"
import { worktreeScripts } from "./work/config.ts"
import { budgetProblem } from "./usage/budget.ts"
import type { UsageReport } from "./usage/report.ts"
import type { UsageGroupBy } from "../protocol/usage.ts"

/** What clients see of an agent. */
export interface Agent {
  id: string
  name: string
  harness: string
  directory: string
  model?: string
  stream: string
  /**
   * the turn's status, `waiting` while a permission request of the running turn has no answer, and
   * `orphaned` while no node holds the agent (the one it was on stopped, and none can take it over),
   * `archived` once `agents rm` archived it
   */
  status: AgentStatus | "orphaned" | "archived"
  error?: string
  createdAt: string
  /** the harness's session, once the agent has one (when the harness resumes from a session id) */
  sessionId?: string
  permissions: PermissionPolicy
  /** tools an `always` answer allowed, whatever the policy */
  allowedTools: string[]
  /** the node that runs it (or ran it, while orphaned) */
  node: string
  /** when a session run outside iterate was last imported into it (`iterate import`) */
  importedAt?: string
  /** its own worktree and branch, when it was made with one */
  worktree?: AgentWorktree
  /** dollars its turns cost so far, as its harness reported them */
  spentUsd: number
  /** its prompts are refused once spentUsd reaches this */
  budgetUsd?: number
  /** when it was archived, while it is */
  archivedAt?: string
}

export interface NewAgent {
  harness?: string
  directory: string
  name?: string
  model?: string
  permissions?: string
  /** the node (id or URL) to run it on; this one by default */
  node?: string
  /** work in a new worktree of the directory's repository, on a new branch (src/agents/work/worktree.ts) */
  worktree?: boolean
  /** the worktree's branch: iterate/<name> by default */
  branch?: string
  /** the commit the worktree starts from: the checkout's HEAD by default */
  base?: string
  /** text to name the agent after when `name` is absent (a task's prompt): `add a --verbose flag` → verbose-flag */
  nameFrom?: string
  /** dollars it may spend; null: none, whatever the default */
  budgetUsd?: number | null
}

/** One place in a transcript that matches a search. */
export interface SearchHit {
  /** the agent's id and name */
  agent: string
  agentName: string
  harness: string
  archived: boolean
  kind: DocumentKind
  /** where `iterate events A --offset` opens the message that matches */
  offset: string
  createdAt: string
  snippet: string
  /** [start, end) of each match in `snippet` */
  highlights: Array<[number, number]>
}

export interface SearchInput {
  query: string
  /** an agent's id or name */
  agent?: string
  harness?: string
  since?: Date
  limit?: number
}

/** A permission request nobody has answered. */
export interface PendingPermission {
  id: string
  /** the agent's id and name */
  agent: string
  agentName: string
  tool: string
  kind: PermissionKind
  summary: string
  /** the harness's own request, verbatim */
  request: unknown
  createdAt: string
  /** a harness waits on it right now (false for one left by a harness that died; its answer applies when it is asked again) */
  waiting: boolean
}

export interface AgentsOptions {
  /** the agents' records */
  store: AgentStore
  /** which node runs which agent */
  fleet: Fleet
  /** where harness logs go */
  logDir: string
  /** where harnesses keep files of their own (one folder each) */
  dataDir: string
  /** where agents' worktrees are made: <data>/worktrees */
  worktreesDir: string
  streams: StreamStore
  /** config.json's `harnesses` section: each harness gets its own part */
  config?: Record<string, unknown>
  /** why config.json could not be used, if it could not: no harness runs until it is fixed */
  configProblem?: string
  /** the environment harness processes start from */
  env?: Record<string, string | undefined>
  /** the harnesses by name; every registered one by default */
  harnesses?: Record<string, HarnessFactory>
  /** the budget of an agent made without one (config.json's agents.budgetUsd) */
  budgetUsd?: number
  /** where the search indexer's own thread finds the store; without it, it runs on this thread */
  index?: IndexLocation
}

const DEFAULT_HARNESS = "opencode"
const HISTORY_PAGE = 1000

/** The stand-in for a harness an agent was made with that this daemon does not have. */
function missingHarness(name: string): Harness {
  const unavailable = () => {
    throw new HarnessUnavailableError(`this daemon has no harness named ${name}`)
  }
  return { name, check: async () => ({ name, available: false, problems: [] }), modelProblem: () => undefined, open: unavailable, stopOrphan: async () => false, stop: async () => {} }
}

export class Agents implements FleetMember {
  private readonly db: AgentStore
  private readonly fleet: Fleet
  private readonly streams: AgentStreams
  private readonly harnesses: Map<string, Harness>
  private readonly adapters = new Map<string, AgentAdapter>()
  private readonly indexer: Indexing
  private unwatch: () => void = () => {}
  /** the import running now: one at a time, so two never make an agent of the same session */
  private importing: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: AgentsOptions) {
    this.db = options.store
    this.fleet = options.fleet
    this.streams = new AgentStreams(options.streams)
    this.harnesses = createHarnesses({ ...options, env: options.env ?? process.env }, options.harnesses)
    this.indexer = options.index
      ? new IndexerThread(options.index)
      : new ArchiveIndexer({
          index: this.db.index,
          streams: this.streams,
          agent: (id) => this.db.find(id),
          agents: () => this.db.list(),
          indexes: indexedBy(this.fleet.nodeId),
        })
  }

  /**
   * Stops the processes a killed daemon left behind, removes the worktrees whose agent is gone,
   * then runs the agents this node holds (as `node`).
   */
  async start(node: { url: string; roots: string[]; version: string; startedAt: string }): Promise<void> {
    for (const { pid, harness } of await this.db.processes()) {
      if (await this.harness(harness).stopOrphan(pid).catch(() => false)) console.log(`stopped the ${harness} process ${pid} left by a previous daemon`)
      await this.db.removeProcess(pid)
    }
    const kept = new Set((await this.db.list()).flatMap((a) => (a.worktree ? [a.worktree.path] : [])))
    for (const path of await pruneOrphanWorktrees(this.options.worktreesDir, kept)) console.log(`removed the worktree ${path}: its agent is gone`)
    await this.fleet.start(this, { id: this.fleet.nodeId, ...node })
    this.unwatch = this.streams.watchAgents((id, change) => this.indexer.changed(id, change))
    this.indexer.start()
  }

  /** Resolves once the search index holds every stream's events heard of so far. */
  indexed(): Promise<void> {
    return this.indexer.caughtUp()
  }

  /** Ends running turns (recorded as interrupted) and stops every harness process. */
  async stop(): Promise<void> {
    this.unwatch()
    await this.indexer.stop()
    await this.fleet.stop()
    await Promise.all([...this.adapters.values()].map((adapter) => adapter.interrupt(INTERRUPTED).catch(() => {})))
    await Promise.all([...this.adapters.values()].map((adapter) => adapter.stop().catch(() => {})))
    this.adapters.clear()
    await Promise.all([...this.harnesses.values()].map((harness) => harness.stop().catch(() => {})))
    for (const { pid } of await this.db.processes().catch(() => [])) await this.db.removeProcess(pid).catch(() => {})
  }

  /** The agents, without the archived ones unless `all`. */
  async list(options: { all?: boolean } = {}): Promise<Agent[]> {
    return (await this.db.list()).filter((a) => options.all || !a.archivedAt).map((a) => this.view(a))
  }

  async get(ref: string): Promise<Agent> {
    return this.view(await this.find(ref))
  }

  /** The nodes of the fleet (this one alone on SQLite). */
  nodes(): Promise<NodeView[]> {
    return this.fleet.nodes()
  }

  // ---- FleetMember: what runs here

  run(agent: AgentRecord, fence: AppendFence | undefined, from?: string): void {
    if (this.adapters.has(agent.id)) return
    if (from) console.log(`agent ${agent.id} (${agent.name}): taken over from node ${from}`)
    this.adapt(agent, fence).start(from ? `node ${from} stopped during the turn` : INTERRUPTED)
  }

  lost(agentId: string, reason: string): void {
    const adapter = this.adapters.get(agentId)
    if (!adapter) return
    this.adapters.delete(agentId)
    console.log(`agent ${agentId}: no longer runs on this node: ${reason}`)
    adapter.abandon().catch((error) => console.error(`agent ${agentId}: could not stop its harness: ${(error as Error).message}`))
  }

  running(): string[] {
    return [...this.adapters.keys()]
  }

  refusal(agent: AgentRecord): string | undefined {
    if (!this.harnesses.has(agent.harness)) return `this node has no harness named ${agent.harness}`
    if (this.options.configProblem) return this.options.configProblem
    return directoryProblem(agent.directory)
  }

  /** Every harness's check: binary, version, and what is missing with the command that fixes it. */
  async checks(): Promise<HarnessCheck[]> {
    return Promise.all(
      [...this.harnesses.values()].map(async (harness) => {
        const problem = this.options.configProblem
        if (problem) return { name: harness.name, available: false, problems: [{ problem, fix: "iterate config edit && iterate server restart" }] }
        return harness.check()
      }),
    )
  }

  /** Why no agent of `harness` (with `model`) can be made here, asked before anything is made (a batch's tasks); undefined when one can. */
  harnessProblem(harness: string, model?: string): string | undefined {
    const found = this.harnesses.get(harness)
    if (!found) return `unknown harness ${harness}; available: ${[...this.harnesses.keys()].join(", ")}`
    return model === undefined ? undefined : found.modelProblem(model)
  }

  async create(input: NewAgent): Promise<Agent> {
    const harnessName = input.harness ?? DEFAULT_HARNESS
    const harness = this.harnesses.get(harnessName)
    if (!harness) throw new AgentError("invalid_agent", `unknown harness ${harnessName}; available: ${[...this.harnesses.keys()].join(", ")}`)
    const directory = input.directory
    if (!isAbsolute(directory)) throw new AgentError("invalid_agent", `the working directory must be an absolute path, not ${directory}`)
    const node = await this.fleet.target(input.node, directory).catch((error) => {
      throw error instanceof PlacementError ? new AgentError("invalid_agent", error.message) : error
    })
    const here = node === this.fleet.nodeId
    const problem = here ? directoryProblem(directory) : undefined
    if (problem) throw new AgentError("invalid_agent", problem)
    this.checkModel(harness, input.model)
    const permissions = this.checkPolicy(input.permissions ?? "ask")
    if (!input.worktree && (input.branch !== undefined || input.base !== undefined))
      throw new AgentError("invalid_agent", "a branch and a base go with a worktree (--worktree)")
    if (input.worktree && !here) throw new AgentError("invalid_agent", `a worktree agent runs on the node that makes its worktree: ask node ${node} itself (--server)`)
    const budgetUsd = input.budgetUsd === undefined ? this.options.budgetUsd : (checkBudget(input.budgetUsd) ?? undefined)
    const taken = new Set((await this.db.list()).flatMap((a) => [a.id, a.name]))
    if (input.name !== undefined) {
      const problem = agentNameProblem(input.name)
      if (problem) throw new AgentError("invalid_agent", problem)
      if (taken.has(input.name)) throw nameTaken(input.name, await this.db.find(input.name))
    }
    if (here && this.options.configProblem) throw new AgentError("harness_unavailable", this.options.configProblem)
    const isTaken = (name: string) => taken.has(name)
    const name = input.name ?? (input.nameFrom?.trim() ? nameFromText(input.nameFrom, isTaken) : defaultAgentName(directory, isTaken))
    const made = input.worktree
      ? await makeWorktree({ directory, name, branch: input.branch, base: input.base, under: this.options.worktreesDir })
      : undefined

    let id: string
    do id = newAgentId()
    while (taken.has(id) || !(await this.streams.create(agentStream(id))))
    const record: AgentRecord = {
      id,
      name,
      harness: harnessName,
      directory: made?.directory ?? directory,
      model: input.model,
      stream: agentStream(id),
      status: "idle",
      error: undefined,
      createdAt: new Date().toISOString(),
      consumed: undefined,
      resume: undefined,
      permissions,
      allowedTools: [],
      node,
      leaseExpired: false,
      asking: false,
      importedAt: undefined,
      worktree: made?.worktree,
      spentUsd: 0,
      budgetUsd,
      archivedAt: undefined,
    }
    // Nothing of an agent that could not be made stays behind.
    const undo = async () => {
      await this.streams.remove(record.stream)
      if (made) await discardWorktree(made.worktree).catch((error) => console.error(`could not remove the worktree ${made.worktree.path}: ${(error as Error).message}`))
    }
    const adapter = here ? this.adapterFor(record, this.fleet.created(record)) : undefined
    try {
      adapter?.open()
    } catch (error) {
      await undo()
      throw error instanceof HarnessUnavailableError ? new AgentError("harness_unavailable", error.message) : error
    }
    let agent: AgentRecord
    try {
      agent = await this.db.insert(record)
    } catch (error) {
      await undo()
      throw error instanceof NameTakenError ? nameTaken(record.name) : error
    }
    if (made) {
      const { root, path, branch, base, baseCommit } = made.worktree
      await this.streams.append(record.stream, [{ type: AGENT_EVENT.worktreeCreated, payload: { root, path, branch, base, baseCommit } satisfies WorktreeCreatedPayload }])
    } else if (here) {
      await snapshotTo(directory, startRef(id), `iterate: agent ${id} when it was made`).catch((error) =>
        console.error(`agent ${id}: no snapshot of its files at its start: ${(error as Error).message}`),
      )
    }
    if (budgetUsd !== undefined) {
      await this.db.usage.setBudget(id, budgetUsd)
      agent = { ...agent, budgetUsd }
    }
    if (adapter) {
      this.adapters.set(id, adapter)
      adapter.start()
    } else await this.placeElsewhere(record, node)
    return this.view(agent)
  }

  /**
   * Changes the agent's permission policy (requests from now on are decided by it, on whichever
   * node runs it) and its budget (null removes it; its next prompt is checked against it).
   */
  async update(ref: string, changes: { permissions?: string; budgetUsd?: number | null }): Promise<Agent> {
    const agent = await this.find(ref)
    const budget = changes.budgetUsd === undefined ? undefined : checkBudget(changes.budgetUsd)
    if (changes.permissions !== undefined) {
      const policy = this.checkPolicy(changes.permissions)
      const adapter = this.adapters.get(agent.id)
      await (adapter ? adapter.setPolicy(policy) : this.db.setPolicy(agent.id, policy))
    }
    if (budget !== undefined) await this.db.usage.setBudget(agent.id, budget)
    return this.get(agent.id)
  }

  /** The ledger of one agent or of all, from `since` on, grouped `by`. */
  async usage(query: { agent?: string; since?: Date; by: UsageGroupBy }): Promise<UsageReport> {
    const agentId = query.agent === undefined ? undefined : (await this.find(query.agent)).id
    return this.db.usage.report({ agentId, since: query.since?.toISOString() }, query.by)
  }

  /**
   * `agents rm`: stops the agent wherever it runs, then archives it (its stream stays: readable,
   * searchable, restorable), or with `purge` deletes it and its stream for good. A worktree agent's
   * worktree and branch go either way (src/agents/work/remove.ts), its last state kept under
   * refs/iterate/<agent>/final: archiving loses nothing (restore makes the worktree again from
   * there), purging is refused while the branch holds work not merged into its base, unless `force`.
   */
  async remove(ref: string, options: { purge?: boolean; force?: boolean } = {}): Promise<void> {
    const agent = await this.find(ref)
    if (!options.purge && agent.archivedAt) throw new AgentError("archived", `agent ${agent.name} is archived already; delete it for good with: iterate agents rm --purge ${agent.name}`)
    let here = false
    const stop = async () => void (here = await this.halt(agent))
    if (agent.worktree && !agent.archivedAt) await this.retire(agent, agent.worktree, { force: !options.purge || options.force, stop })
    else await stop()
    await (options.purge ? this.purge(agent) : this.archive(agent))
    // The node running it finds its lease gone (or fenced off) and stops its harness.
    if (!here && agent.node) this.fleet.poke(agent.node)
  }

  /**
   * Brings an archived agent back: it runs on this node again (a worktree agent in its worktree,
   * made again from where `agents rm` kept its last state), and its next prompt resumes its harness session.
   */
  async restore(ref: string): Promise<Agent> {
    const agent = await this.find(ref)
    if (!agent.archivedAt) throw new AgentError("not_archived", `agent ${agent.name} is not archived`)
    const cannot = (why: string) =>
      new AgentError("cannot_restore", `agent ${agent.name} cannot run here: ${why}; it stays archived, and iterate events ${agent.name} and iterate export ${agent.name} still read it`)
    if (agent.worktree) {
      const problem = await reviveWorktree({ ...agent, worktree: agent.worktree })
      if (problem) throw cannot(problem)
      // What the setup command made (ignored files) was not kept: it runs again before the next turn.
      const worktree: AgentWorktree = { ...agent.worktree, setup: worktreeScripts(agent.worktree.root).setup ? "pending" : "done" }
      await this.db.setWorktree(agent.id, worktree)
    }
    const problem = this.refusal(agent)
    if (problem) throw cannot(existsSync(agent.directory) ? problem : `its directory ${agent.directory} is gone`)
    await this.db.unarchive(agent.id)
    await this.streams.append(agent.stream, [{ type: AGENT_EVENT.archive, payload: { archived: false } satisfies ArchivePayload }])
    await this.fleet.restored((await this.db.find(agent.id))!)
    return this.get(agent.id)
  }

  /**
   * Keeps the stopped agent's record and stream, marked archived. The stream says so too: that
   * tells whoever watches it (the web page's list, the search index) at once.
   */
  private async archive(agent: AgentRecord): Promise<void> {
    await this.db.archive(agent.id, new Date().toISOString())
    await this.streams.append(agent.stream, [{ type: AGENT_EVENT.archive, payload: { archived: true } satisfies ArchivePayload }])
  }

  /** Stops the agent's turn and adapter if it runs here; true if it did. */
  private async halt(agent: AgentRecord): Promise<boolean> {
    const adapter = this.adapters.get(agent.id)
    if (!adapter) return false
    this.adapters.delete(agent.id)
    if (adapter.busy) await adapter.open().abort().catch(() => {})
    await adapter.stop().catch(() => {})
    return true
  }

  /** The end of the agent's worktree (src/agents/work/remove.ts); its archive command's output goes on the stream in order. */
  private async retire(agent: AgentRecord, worktree: AgentWorktree, options: { force?: boolean; stop: () => Promise<void> }): Promise<void> {
    let appended = Promise.resolve()
    const emit = (event: EventInput) => void (appended = appended.then(() => this.streams.append(agent.stream, [event])).then(() => {}, () => {}))
    await retireWorktree({ ...agent, worktree }, { ...options, emit, env: this.options.env })
    await appended
  }

  /** Deletes the agent, its stream and its part of the search index. */
  private async purge(agent: AgentRecord): Promise<void> {
    await this.streams.remove(agent.stream)
    await this.db.remove(agent.id)
  }

  /** The agent's events from the start, a page at a time (an archived agent's too). */
  async *history(ref: string): AsyncGenerator<StreamEvent[]> {
    const agent = await this.find(ref)
    let offset: string | undefined
    for (;;) {
      const page = await this.streams.read(agent.stream, offset, HISTORY_PAGE)
      if (!page) throw new AgentError("stream_missing", `the stream of agent ${agent.name} (${agent.stream}) was deleted`)
      if (page.length > 0) yield page
      if (page.length < HISTORY_PAGE) return
      offset = page.at(-1)!.offset
    }
  }

  /** The best matches first, newest first among equals; one hit per message. */
  async search(input: SearchInput): Promise<SearchHit[]> {
    const terms = parseQuery(input.query)
    if (terms.length === 0) throw new AgentError("invalid_search", "the query has no word to search for")
    if (input.harness !== undefined && !this.harnesses.has(input.harness))
      throw new AgentError("invalid_search", `unknown harness ${input.harness}; available: ${[...this.harnesses.keys()].join(", ")}`)
    const agent = input.agent === undefined ? undefined : (await this.find(input.agent)).id
    const limit = input.limit ?? 20
    // Several parts of one message may match (a write's input and its diff): the best stands for it.
    const rows = await this.db.index.search({ terms, agent, harness: input.harness, since: input.since?.toISOString(), limit: Math.min(limit * 3, 300) })
    const seen = new Set<string>()
    const hits: SearchHit[] = []
    for (const row of rows) {
      if (seen.has(`${row.agentId} ${row.offset}`) || hits.length === limit) continue
      seen.add(`${row.agentId} ${row.offset}`)
      const { text, highlights } = snippet(row.text, terms)
      hits.push({
        agent: row.agentId,
        agentName: row.agentName,
        harness: row.harness,
        archived: row.archivedAt !== null,
        kind: row.kind,
        offset: row.offset,
        createdAt: row.createdAt,
        snippet: text,
        highlights,
      })
    }
    return hits
  }

  /** The agent's change (see src/agents/work/changes.ts): since its base or start, or (`last`) since its last turn started. */
  async diff(ref: string, options: { last?: boolean; stat?: boolean } = {}): Promise<AgentChanges & { agent: string }> {
    const agent = this.local(await this.find(ref))
    return { agent: agent.id, ...(await agentChanges(agent, options)) }
  }

  /** Puts the agent's files back as they were when turn `turn` (default: the last) started; refused while it is busy. */
  async revert(ref: string, options: { turn?: number } = {}): Promise<RevertedPayload> {
    const agent = this.idle(this.local(await this.find(ref)), "revert")
    const reverted = await revertTurn(agent, options.turn)
    await this.append(agent, { type: AGENT_EVENT.reverted, payload: reverted })
    return reverted
  }

  /** Merges the worktree agent's branch into its base in the checkout it was made from (src/agents/work/merge.ts). */
  async merge(ref: string, options: { squash?: boolean; message?: string } = {}): Promise<MergedPayload> {
    const agent = this.withWorktree(this.idle(this.local(await this.find(ref)), "merge"))
    const merged = await mergeWork(agent, { squash: options.squash, message: options.message ?? (await this.firstPrompt(agent)) })
    if (merged.files > 0) await this.append(agent, { type: AGENT_EVENT.merged, payload: merged })
    return merged
  }

  /** Pushes the worktree agent's branch (after committing its uncommitted work); with `pr`, opens a pull request. */
  async push(ref: string, options: { remote?: string; pr?: boolean; message?: string } = {}): Promise<PushedPayload> {
    const agent = this.withWorktree(this.idle(this.local(await this.find(ref)), "push"))
    const env = this.options.env ?? process.env
    const pushed = await pushWork(agent, { remote: options.remote, pr: options.pr, message: options.message ?? (await this.firstPrompt(agent)) }, env)
    await this.append(agent, { type: AGENT_EVENT.pushed, payload: pushed })
    return pushed
  }

  /** Appends a prompt action; the adapter carries it out, on whichever node runs the agent. */
  async prompt(ref: string, prompt: PromptPayload): Promise<StreamEvent> {
    const agent = await this.live(ref)
    const overBudget = budgetProblem(agent)
    if (overBudget) throw new AgentError("budget_exceeded", overBudget)
    this.checkModel(this.harness(agent.harness), prompt.model)
    return this.append(agent, { type: AGENT_EVENT.prompt, payload: prompt })
  }

  /** Appends an abort action; returns it with the status the agent had when it was appended. */
  async abort(ref: string): Promise<{ event: StreamEvent; status: TurnStatus }> {
    const agent = await this.live(ref)
    const status = agent.status
    return { event: await this.append(agent, { type: AGENT_EVENT.abort, payload: {} }), status }
  }

  /** The command that opens the harness's own TUI on the agent's session (made now if it has none). */
  async attach(ref: string): Promise<AttachCommand> {
    const agent = await this.live(ref)
    const adapter = this.adapters.get(agent.id)
    if (!adapter) {
      const node = (await this.fleet.nodes()).find((n) => n.id === agent.node)
      const where = node?.alive ? `node ${node.id}; attach there: iterate --server ${node.url} attach ${agent.name}` : `no node (it is orphaned)`
      throw new AgentError("elsewhere", `agent ${agent.name} runs on ${where}`)
    }
    try {
      return await adapter.open().attach()
    } catch (error) {
      throw error instanceof HarnessUnavailableError ? new AgentError("harness_unavailable", error.message) : error
    }
  }

  /**
   * Makes agents of the sessions a person ran in `harness` directly, read from `path` (a file or
   * folder on this machine; where the harness keeps them by default), and adds to agents imported
   * before what their sessions gained since.
   */
  async import(harness: string, path?: string): Promise<ImportReport> {
    const found = this.harnesses.get(harness)
    const importable = [...this.harnesses.values()].filter((h) => h.importer).map((h) => h.name)
    if (!found?.importer) throw new AgentError("invalid_import", `iterate imports the sessions of ${importable.join(", ")}, not ${harness}`)
    if (path !== undefined && !isAbsolute(path)) throw new AgentError("invalid_import", `the path to import from must be absolute, not ${path}`)
    const run = this.importing.then(() =>
      new SessionImporter(found, {
        store: this.db,
        streams: this.streams,
        node: this.fleet.nodeId,
        run: (agent) => this.run(agent, this.fleet.created(agent)),
        append: (agent, events) => this.adapters.get(agent.id)?.append(events) ?? this.streams.append(agent.stream, events),
      }).run(path),
    )
    this.importing = run.catch(() => {})
    try {
      return await run
    } catch (error) {
      throw error instanceof ImportPathError ? new AgentError("no_sessions", error.message) : error
    }
  }

  /** Requests nobody has answered, of one agent or of all, oldest first. */
  async permissions(ref?: string): Promise<PendingPermission[]> {
    const agents = new Map((await this.db.list()).filter((a) => !a.archivedAt).map((a) => [a.id, a]))
    const only = ref === undefined ? undefined : (await this.find(ref)).id
    return (await this.db.pendingPermissions())
      .filter((p) => (only === undefined || p.agentId === only) && agents.has(p.agentId))
      .map((p) => this.pendingView(p, agents.get(p.agentId)!))
  }

  /** Appends the answer to a pending request; refused when there is no such request or it was answered. */
  async reply(ref: string, id: string, answer: { decision: PermissionDecision; message?: string }): Promise<StreamEvent> {
    const agent = await this.live(ref)
    const request = await this.db.permission(id)
    if (!request || request.agentId !== agent.id) throw new AgentError("permission_not_found", `agent ${agent.name} has no permission request ${id} (see: iterate permissions ${agent.name})`)
    if (request.state !== "pending") {
      const outcome = request.state === "withdrawn" ? "was withdrawn: nobody waits for an answer any more" : `was answered already (${request.decision})`
      throw new AgentError("permission_answered", `permission request ${id} ${outcome}`)
    }
    const payload: PermissionReplyPayload = { id, decision: answer.decision, ...(answer.message && { message: answer.message }) }
    return this.append(agent, { type: AGENT_EVENT.permissionReply, payload })
  }

  /** Waits until the other node runs the new agent; removes it again when that node refuses it. */
  private async placeElsewhere(record: AgentRecord, node: string): Promise<void> {
    try {
      await this.fleet.placed(record, node)
    } catch (error) {
      await this.db.remove(record.id).catch(() => {})
      await this.streams.remove(record.stream).catch(() => {})
      throw error instanceof PlacementError ? new AgentError("invalid_agent", error.message) : error
    }
  }

  private view(a: AgentRecord): Agent {
    const adapter = this.adapters.get(a.id)
    // The node running it knows which requests its harness waits on; elsewhere, a pending one of a running turn does.
    const waiting = a.status === "busy" && (adapter ? adapter.waiting : a.asking)
    const orphaned = !adapter && a.leaseExpired
    return {
      id: a.id,
      name: a.name,
      harness: a.harness,
      directory: a.directory,
      ...(a.model !== undefined && { model: a.model }),
      stream: a.stream,
      status: a.archivedAt ? "archived" : orphaned ? "orphaned" : waiting ? "waiting" : a.status,
      ...(a.error !== undefined && { error: a.error }),
      createdAt: a.createdAt,
      ...(a.resume?.sessionId !== undefined && { sessionId: a.resume.sessionId }),
      permissions: a.permissions,
      allowedTools: a.allowedTools,
      node: a.node ?? this.fleet.nodeId,
      ...(a.importedAt !== undefined && { importedAt: a.importedAt }),
      ...(a.worktree && { worktree: a.worktree }),
      spentUsd: a.spentUsd,
      ...(a.budgetUsd !== undefined && { budgetUsd: a.budgetUsd }),
      ...(a.archivedAt !== undefined && { archivedAt: a.archivedAt }),
    }
  }

  private pendingView(p: PermissionRecord, agent: AgentRecord): PendingPermission {
    const adapter = this.adapters.get(agent.id)
    const waiting = adapter ? adapter.isLive(p.id) : agent.status === "busy" && !agent.leaseExpired
    return {
      id: p.id,
      agent: agent.id,
      agentName: agent.name,
      tool: p.tool,
      kind: p.kind,
      summary: p.summary,
      request: p.request,
      createdAt: p.createdAt,
      waiting,
    }
  }

  /** The agent, when its files are on this machine (git runs where they are). */
  private local(agent: AgentRecord): AgentRecord {
    if (!existsSync(agent.worktree?.path ?? agent.directory))
      throw new AgentError("elsewhere", `the files of agent ${agent.name} are not on this machine: ask the node that runs it (${agent.node ?? "see: iterate nodes"})`)
    return agent
  }

  /** The agent, when no turn of it runs: its files do not change under `what`. */
  private idle(agent: AgentRecord, what: string): AgentRecord {
    if (agent.status === "busy" || this.adapters.get(agent.id)?.busy)
      throw new AgentError("agent_busy", `agent ${agent.name} is busy: ${what} once its turn is over (or stop it: iterate abort ${agent.name})`)
    return agent
  }

  private withWorktree(agent: AgentRecord): AgentRecord & { worktree: AgentWorktree } {
    if (!agent.worktree) throw new AgentError("no_worktree", `agent ${agent.name} has no worktree of its own: it works in ${agent.directory} (make one with --worktree)`)
    return agent as AgentRecord & { worktree: AgentWorktree }
  }

  /** The text of the agent's first prompt: the message its work is committed with by default. */
  private async firstPrompt(agent: AgentRecord): Promise<string> {
    let offset: string | undefined
    for (;;) {
      const events = await this.streams.read(agent.stream, offset)
      if (!events || events.length === 0) return `Work of the iterate agent ${agent.name}`
      const prompt = events.find((e) => e.type === AGENT_EVENT.prompt && typeof (e.payload as PromptPayload | undefined)?.text === "string")
      if (prompt) return (prompt.payload as PromptPayload).text
      offset = events.at(-1)!.offset
    }
  }

  private async find(ref: string): Promise<AgentRecord> {
    const agent = await this.db.find(ref)
    if (!agent) throw new AgentError("agent_not_found", `no agent named ${ref}`)
    return agent
  }

  /** The agent, refused when it is archived: nothing runs it. */
  private async live(ref: string): Promise<AgentRecord> {
    const agent = await this.find(ref)
    if (agent.archivedAt)
      throw new AgentError("archived", `agent ${agent.name} is archived; bring it back with: iterate agents restore ${agent.name}`)
    return agent
  }

  private harness(name: string): Harness {
    return this.harnesses.get(name) ?? missingHarness(name)
  }

  private checkModel(harness: Harness, model: string | undefined): void {
    const problem = model === undefined ? undefined : harness.modelProblem(model)
    if (problem) throw new AgentError("invalid_agent", problem)
  }

  private checkPolicy(policy: string): PermissionPolicy {
    if (!(PERMISSION_POLICIES as readonly string[]).includes(policy))
      throw new AgentError("invalid_agent", `permissions must be one of ${PERMISSION_POLICIES.join(", ")}, not ${policy}`)
    return policy as PermissionPolicy
  }

  /** Through the adapter when it runs here, so that a reply follows its request; straight onto the stream otherwise. */
  private async append(agent: AgentRecord, event: EventInput): Promise<StreamEvent> {
    const adapter = this.adapters.get(agent.id)
    const [stored] = (await (adapter ? adapter.append([event]) : this.streams.append(agent.stream, [event]))) ?? []
    if (!stored) throw new AgentError("stream_missing", `the stream of agent ${agent.name} (${agent.stream}) was deleted; remove the agent with: iterate agents rm ${agent.id}`)
    return stored
  }

  private adapt(agent: AgentRecord, fence: AppendFence | undefined): AgentAdapter {
    const adapter = this.adapterFor(agent, fence)
    this.adapters.set(agent.id, adapter)
    return adapter
  }

  private adapterFor(agent: AgentRecord, fence: AppendFence | undefined): AgentAdapter {
    const lost = (reason: string) => this.lost(agent.id, reason)
    return new AgentAdapter(agent, { store: this.db, streams: this.streams, harness: this.harness(agent.harness), fence, lost, env: this.options.env })
  }
}

const nameTaken = (name: string, holder?: AgentRecord) =>
  new AgentError(
    "name_taken",
    holder?.archivedAt
      ? `an archived agent is named ${name}; bring it back with: iterate agents restore ${name}, or free the name with: iterate agents rm --purge ${name}`
      : `an agent named ${name} exists already`,
  )

/** A budget as given (null: none); refused unless it is a number of dollars ≥ 0. */
function checkBudget(budget: number | null): number | null {
  if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) throw new AgentError("invalid_agent", `a budget is a number of dollars ≥ 0, not ${budget}`)
  return budget
}

function directoryProblem(directory: string): string | undefined {
  if (!existsSync(directory)) return `the working directory ${directory} does not exist`
  if (!statSync(directory).isDirectory()) return `${directory} is not a directory`
  return undefined
}
