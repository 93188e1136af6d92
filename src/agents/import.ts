// `iterate import <harness> [PATH]`: the sessions a person ran in a harness directly become
// agents. The harness's importer (HarnessImporter) reads them as turns; here each turn becomes the
// events a live agent's stream holds for it — the prompt action, a busy status, the harness's
// native events, the status it ended with — each marked `imported` in its metadata, so the adapter
// carries out none of its actions. A session is keyed on the harness's session id:
//   - not imported yet: a new agent named from its directory, resuming from the session, whose
//     stream gets every event in one append; a session an agent of iterate's own resumes from
//     (iterate ran it) is not imported;
//   - imported before: only what it gained since the cursor stored with it, in one append; turns
//     that iterate ran itself on the agent (the time of their prompt lies in a turn of the agent's
//     own since the last import) are on the stream already and left out.
// Sessions are read and written in batches: each batch's streams in one group commit, their
// records in one commit of the agent store.
import { AGENT_EVENT, harnessEventType, type StatusPayload, type UsageRecordedPayload } from "../protocol/agent-events.ts"
import { type Harness, ImportFormatError, type ImportedSession, type ImportedTurn, ImportPathError, type ImportSource, type SessionSource } from "../harness/harness.ts"
import type { LinkedInput, StreamEvent } from "../streams/events.ts"
import { defaultAgentName, newAgentId } from "./names.ts"
import type { AgentRecord, AgentStore, ImportedAgentRecord, ImportRecord } from "./store.ts"
import type { AgentStreams } from "./stream.ts"
import type { LedgerTurn } from "./usage/ledger.ts"
import { TurnUsage } from "./usage/turn.ts"

export type ImportOutcome = "new" | "updated" | "skipped"

/** What became of one session. */
export interface SessionImport {
  sessionId: string
  /** where it was read from */
  location: string
  outcome: ImportOutcome
  /** skipped: why */
  reason?: string
  /** the agent that holds it (none for a session skipped before it had one) */
  agent?: string
  name?: string
  directory?: string
  /** events appended to the agent's stream now */
  events: number
}

export interface ImportReport {
  harness: string
  /** what was read: the path asked for, or the harness's default */
  path: string
  sessions: SessionImport[]
  /** one line per file that could not be imported (not in the harness's format) */
  warnings: string[]
}

export interface ImportContext {
  store: AgentStore
  streams: AgentStreams
  /** the node imported agents run on: this one */
  node: string
  /** an agent just recorded: its adapter starts here */
  run(agent: AgentRecord): void
  /** appends to an agent's stream after what its adapter has to append */
  append(agent: AgentRecord, events: LinkedInput[]): Promise<StreamEvent[] | undefined>
}

/** Sessions read at once: their streams share a group commit, their records one commit. */
const BATCH = 64

// A prompt iterate sent reaches the harness within moments of the busy status, and the harness
// writes the turn down before iterate hears it ended: times within this of a turn's ends count as in it.
const TURN_SLACK_MS = 1_000

/**
 * The events a live agent's stream holds for these turns, marked imported: with each turn's spend,
 * as the adapter records it at a turn's end (usage/turn.ts), keyed by the offset of the turn's
 * prompt (of its busy status, for the rest of a turn).
 */
export function importedEvents(harness: string, turns: ImportedTurn[]): LinkedInput[] {
  const type = harnessEventType(harness)
  const events: LinkedInput[] = []
  for (const turn of turns) {
    const metadata = { imported: true, at: turn.at }
    const start = events.length
    if (turn.prompt !== undefined) events.push({ type: AGENT_EVENT.prompt, payload: { text: turn.prompt }, metadata })
    events.push({ type: AGENT_EVENT.status, payload: { status: "busy" } satisfies StatusPayload, metadata })
    const usage = new TurnUsage(harness)
    for (const payload of turn.events) {
      events.push({ type, payload, metadata })
      usage.push(payload)
    }
    for (const entry of usage.entries("", undefined))
      events.push((offsetOf) => ({ type: AGENT_EVENT.usage, payload: { ...entry, prompt: offsetOf(start) } satisfies UsageRecordedPayload, metadata }))
    const { status, error, aborted } = turn.end
    events.push({ type: AGENT_EVENT.status, payload: { status, ...(error !== undefined && { error }), ...(aborted && { aborted: true }) } satisfies StatusPayload, metadata })
  }
  return events
}

/** The ledger's turns among an agent's imported events: their spend, at the time each turn started. */
function ledgerTurns(agentId: string, events: StreamEvent[]): LedgerTurn[] {
  const turns = new Map<string, LedgerTurn>()
  for (const event of events) {
    if (event.type !== AGENT_EVENT.usage) continue
    const at = String(event.metadata?.at)
    const turn = turns.get(at) ?? { agentId, at, entries: [] }
    turn.entries.push(event.payload as UsageRecordedPayload)
    turns.set(at, turn)
  }
  return [...turns.values()]
}

/** What a session's write did: an agent to record, or how far a recorded one was read now. */
interface Written {
  created?: ImportedAgentRecord
  moved?: ImportRecord
  /** what the events written now spent */
  spent: LedgerTurn[]
  result: SessionImport
}

/** A read session and what to do with it. */
type Plan =
  | { kind: "new"; source: SessionSource; read: ImportedSession; directory: string }
  | { kind: "update"; source: SessionSource; read: ImportedSession; agent: AgentRecord; record: ImportRecord; turns: ImportedTurn[] }
  | { kind: "done"; result: SessionImport }
  | { kind: "warning"; message: string }

export class SessionImporter {
  readonly #harness: Harness
  readonly #ctx: ImportContext
  #taken = new Set<string>()
  #agents = new Map<string, AgentRecord>()
  #imports = new Map<string, ImportRecord>()
  /** session id → an agent of iterate's own (not imported) that resumes from it */
  #holders = new Map<string, AgentRecord>()

  constructor(harness: Harness, ctx: ImportContext) {
    this.#harness = harness
    this.#ctx = ctx
  }

  /** Imports the sessions under `path` (the harness's default place when undefined). ImportPathError when there are none. */
  async run(path: string | undefined): Promise<ImportReport> {
    const importer = this.#harness.importer!
    const where = path ?? importer.defaultPath
    const source = await importer.open(where)
    const report: ImportReport = { harness: this.#harness.name, path: where, sessions: [], warnings: [] }
    try {
      const agents = await this.#ctx.store.list()
      this.#agents = new Map(agents.map((a) => [a.id, a]))
      this.#taken = new Set(agents.flatMap((a) => [a.id, a.name]))
      this.#imports = new Map((await this.#ctx.store.imports(this.#harness.name)).map((r) => [r.sessionId, r]))
      const imported = new Set([...this.#imports.values()].map((r) => r.agentId))
      for (const agent of agents)
        if (agent.harness === this.#harness.name && !imported.has(agent.id)) for (const id of Object.values(agent.resume ?? {})) this.#holders.set(id, agent)
      for (let at = 0; at < source.sessions.length; at += BATCH) {
        const plans = await Promise.all(source.sessions.slice(at, at + BATCH).map((session) => this.#plan(source, session)))
        for (const plan of plans) if (plan.kind === "warning") report.warnings.push(plan.message)
        report.sessions.push(...(await this.#write(plans, report.warnings)))
      }
    } finally {
      source.close()
    }
    if (report.sessions.length === 0) throw new ImportPathError(`no ${this.#harness.name} session could be imported from ${where}: ${report.warnings.join("; ")}`)
    // The daemon's harness finds a session it resumes only where it keeps its own.
    if (where !== importer.defaultPath && !where.startsWith(`${importer.defaultPath}/`))
      report.warnings.push(`${where} is not where the daemon's ${this.#harness.name} keeps its sessions (${importer.defaultPath}): a prompt to an agent imported from there starts a new conversation`)
    return report
  }

  async #plan(source: ImportSource, session: SessionSource): Promise<Plan> {
    const record = this.#imports.get(session.sessionId)
    const agent = record && this.#agents.get(record.agentId)
    const skipped = (reason: string, holder?: AgentRecord, events = 0): Plan => ({
      kind: "done",
      result: { sessionId: session.sessionId, location: session.location, outcome: "skipped", reason, events, ...(holder && view(holder)) },
    })
    if (!agent) {
      const holder = this.#holders.get(session.sessionId)
      if (holder) return skipped(`iterate runs this session as agent ${holder.name}`, holder)
    }
    // Its harness writes the running turn down as it goes: it is read once the turn is over.
    if (agent?.status === "busy") return skipped("a turn of it runs in iterate now; import again once it is over", agent)
    let read: ImportedSession
    try {
      read = await source.read(session, agent ? record.cursor : undefined)
    } catch (error) {
      if (error instanceof ImportFormatError) return { kind: "warning", message: error.message }
      throw error
    }
    if (!agent) {
      if (read.turns.length === 0) return skipped("no conversation in it")
      if (!read.directory) return { kind: "warning", message: `${session.location}: the session does not say which directory it ran in` }
      return { kind: "new", source: session, read, directory: read.directory }
    }
    const turns = await this.#notRunHere(agent, record, read.turns)
    if (turns.length === 0 && read.cursor === record.cursor) return skipped("nothing new", agent)
    return { kind: "update", source: session, read, agent, record, turns }
  }

  /** The turns that are not the agent's own since the last import: iterate ran those, and the stream holds them already. */
  async #notRunHere(agent: AgentRecord, record: ImportRecord, turns: ImportedTurn[]): Promise<ImportedTurn[]> {
    // Every turn of its own starts with an action the adapter took (offsets compare as strings),
    // and none ran during the import (see #plan): no action since, no turn of its own to look for.
    if (turns.length === 0 || agent.consumed === undefined || agent.consumed <= record.offset) return turns
    const windows: Array<[number, number]> = []
    let started: number | undefined
    for (let after: string | undefined = record.offset; ; ) {
      const events = await this.#ctx.streams.read(agent.stream, after)
      if (!events || events.length === 0) break
      for (const event of events) {
        if (event.type !== AGENT_EVENT.status || event.metadata?.imported) continue
        const time = Date.parse(event.createdAt)
        const status = (event.payload as StatusPayload | undefined)?.status
        if (status === "busy") started ??= time
        else if (started !== undefined) {
          windows.push([started, time])
          started = undefined
        }
      }
      after = events.at(-1)!.offset
    }
    if (started !== undefined) windows.push([started, Infinity])
    if (windows.length === 0) return turns
    return turns.filter((turn) => {
      const at = Date.parse(turn.at)
      return !windows.some(([from, to]) => at >= from - TURN_SLACK_MS && at <= to + TURN_SLACK_MS)
    })
  }

  async #write(plans: Plan[], warnings: string[]): Promise<SessionImport[]> {
    const now = new Date().toISOString()
    const harness = this.#harness.name
    const written = await Promise.all(
      plans.map(async (plan): Promise<Written | undefined> => {
        if (plan.kind === "new") return this.#create(plan, now)
        if (plan.kind !== "update") return undefined
        const events = importedEvents(harness, plan.turns)
        const stored = events.length > 0 ? await this.#ctx.append(plan.agent, events) : []
        // Its stream was deleted underneath: nothing to import into.
        if (!stored) return undefined
        const record: ImportRecord = { ...plan.record, location: plan.source.location, cursor: plan.read.cursor, offset: stored.at(-1)?.offset ?? plan.record.offset, importedAt: now }
        const result: SessionImport = {
          sessionId: plan.source.sessionId,
          location: plan.source.location,
          outcome: stored.length > 0 ? "updated" : "skipped",
          ...(stored.length === 0 && { reason: "nothing new" }),
          ...view(plan.agent),
          events: stored.length,
        }
        return { moved: record, spent: ledgerTurns(plan.agent.id, stored), result }
      }),
    )
    const fresh = written.filter((w) => w?.created !== undefined)
    const recorded = await this.#ctx.store.recordImports(
      fresh.map((w) => w!.created!),
      written.flatMap((w) => (w?.moved ? [w.moved] : [])),
    )
    const results: SessionImport[] = []
    const spent: LedgerTurn[] = []
    let next = 0
    for (const [i, plan] of plans.entries()) {
      const w = written[i]
      if (plan.kind === "done") results.push(plan.result)
      else if (w?.created) {
        if (recorded[next++]) {
          spent.push(...w.spent)
          const agent = recordOf(w.created, w.spent)
          this.#agents.set(agent.id, agent)
          this.#ctx.run(agent)
          results.push(w.result)
        } else {
          await this.#ctx.streams.remove(w.created.agent.stream)
          warnings.push(`${w.result.location}: another import or agent took its name or session meanwhile; import again`)
        }
      } else if (w) {
        spent.push(...w.spent)
        results.push(w.result)
      }
    }
    // In the ledger once the agents are recorded, as the adapter records a turn's spend; the events
    // that say it are on their streams already.
    await this.#ctx.store.usage.record(spent).catch((error) => warnings.push(`the spend of the sessions imported could not be recorded: ${(error as Error).message}`))
    return results
  }

  async #create(plan: Extract<Plan, { kind: "new" }>, now: string): Promise<Written> {
    const harness = this.#harness.name
    const { read, source } = plan
    const events = importedEvents(harness, read.turns)
    let id: string
    let stored: StreamEvent[] | undefined
    do {
      id = newAgentId()
      // The stream and every event of the session in one commit: nothing is half-imported.
      if (!this.#taken.has(id)) stored = await this.#ctx.streams.createWith(`agents/${id}`, events)
    } while (!stored)
    this.#taken.add(id)
    const name = defaultAgentName(plan.directory, (n) => this.#taken.has(n))
    this.#taken.add(name)
    const stream = `agents/${id}`
    const offset = stored.at(-1)!.offset
    const last = read.turns.at(-1)!.end
    const created: ImportedAgentRecord = {
      agent: { id, name, harness, directory: plan.directory, model: undefined, stream, createdAt: read.startedAt ?? read.turns[0]!.at, permissions: "ask", node: this.#ctx.node },
      resume: read.resume,
      status: last.status,
      ...(last.error !== undefined && { error: last.error }),
      consumed: offset,
      import: { harness, sessionId: source.sessionId, agentId: id, location: source.location, cursor: read.cursor, offset, importedAt: now },
    }
    const result: SessionImport = { sessionId: source.sessionId, location: source.location, outcome: "new", agent: id, name, directory: plan.directory, events: stored.length }
    return { created, spent: ledgerTurns(id, stored), result }
  }
}

/** The record of an agent just recorded, as the store has it. */
function recordOf(created: ImportedAgentRecord, spent: LedgerTurn[]): AgentRecord {
  const { agent, resume, status, error, consumed } = created
  return {
    ...agent,
    status,
    error,
    consumed,
    resume,
    archivedAt: undefined,
    allowedTools: [],
    node: agent.node,
    leaseExpired: false,
    asking: false,
    worktree: undefined,
    spentUsd: spent.reduce((sum, turn) => sum + turn.entries.reduce((usd, entry) => usd + entry.costUsd, 0), 0),
    budgetUsd: undefined,
    importedAt: created.import.importedAt,
  }
}

const view = (agent: AgentRecord) => ({ agent: agent.id, name: agent.name, directory: agent.directory })
