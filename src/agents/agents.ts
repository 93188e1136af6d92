// The daemon's agents: each one a record in agents.db, a stream `agents/<id>`, and an adapter
// that runs while the daemon does. Everything about an agent lives in those two files; on start
// the adapters resume where the previous daemon left off. Harnesses are known only by name, from
// the registry (src/harness/index.ts), through the Harness interface.
import { existsSync, statSync } from "node:fs"
import { isAbsolute } from "node:path"
import { type AttachCommand, type Harness, type HarnessCheck, type HarnessFactory, HarnessUnavailableError } from "../harness/harness.ts"
import { createHarnesses } from "../harness/index.ts"
import {
  AGENT_EVENT,
  type AgentStatus,
  PERMISSION_POLICIES,
  type PermissionDecision,
  type PermissionKind,
  type PermissionPolicy,
  type PermissionReplyPayload,
  type PromptPayload,
  type TurnStatus,
} from "../protocol/agent-events.ts"
import type { EventInput, StreamEvent } from "../streams/events.ts"
import type { StreamStore } from "../streams/store.ts"
import { AgentAdapter, INTERRUPTED } from "./adapter.ts"
import { agentNameProblem, defaultAgentName, newAgentId } from "./names.ts"
import { type AgentRecord, AgentStore, type PermissionRecord } from "./store.ts"
import { AgentStreams } from "./stream.ts"

export type AgentErrorCode =
  | "agent_not_found"
  | "invalid_agent"
  | "name_taken"
  | "harness_unavailable"
  | "stream_missing"
  | "permission_not_found"
  | "permission_answered"

/** A refusal to show the client: `code` picks the HTTP status. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** What clients see of an agent. */
export interface Agent {
  id: string
  name: string
  harness: string
  directory: string
  model?: string
  stream: string
  /** the turn's status, and `waiting` while a permission request of the running turn has no answer */
  status: AgentStatus
  error?: string
  createdAt: string
  /** the harness's session, once the agent has one (when the harness resumes from a session id) */
  sessionId?: string
  permissions: PermissionPolicy
  /** tools an `always` answer allowed, whatever the policy */
  allowedTools: string[]
}

export interface NewAgent {
  harness?: string
  directory: string
  name?: string
  model?: string
  permissions?: string
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
  /** the SQLite file for agent records (agents.db in the data folder) */
  database: string
  /** where harness logs go */
  logDir: string
  /** where harnesses keep files of their own (one folder each) */
  dataDir: string
  streams: StreamStore
  /** config.json's `harnesses` section: each harness gets its own part */
  config?: Record<string, unknown>
  /** why config.json could not be used, if it could not: no harness runs until it is fixed */
  configProblem?: string
  /** the environment harness processes start from */
  env?: Record<string, string | undefined>
  /** the harnesses by name; every registered one by default */
  harnesses?: Record<string, HarnessFactory>
}

const DEFAULT_HARNESS = "opencode"

/** The stand-in for a harness an agent was made with that this daemon does not have. */
function missingHarness(name: string): Harness {
  const unavailable = () => {
    throw new HarnessUnavailableError(`this daemon has no harness named ${name}`)
  }
  return { name, check: async () => ({ name, available: false, problems: [] }), modelProblem: () => undefined, open: unavailable, stopOrphan: async () => false, stop: async () => {} }
}

export class Agents {
  private readonly db: AgentStore
  private readonly streams: AgentStreams
  private readonly harnesses: Map<string, Harness>
  private readonly adapters = new Map<string, AgentAdapter>()

  constructor(private readonly options: AgentsOptions) {
    this.db = new AgentStore(options.database)
    this.streams = new AgentStreams(options.streams)
    this.harnesses = createHarnesses({ ...options, env: options.env ?? process.env }, options.harnesses)
  }

  /** Stops the processes a killed daemon left behind, then resumes every agent's adapter. */
  async start(): Promise<void> {
    for (const { pid, harness } of this.db.processes()) {
      if (await this.harness(harness).stopOrphan(pid).catch(() => false)) console.log(`stopped the ${harness} process ${pid} left by a previous daemon`)
      this.db.removeProcess(pid)
    }
    for (const agent of this.db.list()) this.adapt(agent).start()
  }

  /** Ends running turns (recorded as interrupted) and stops every harness process. */
  async stop(): Promise<void> {
    for (const adapter of this.adapters.values()) adapter.interrupt(INTERRUPTED)
    await Promise.all([...this.adapters.values()].map((adapter) => adapter.stop().catch(() => {})))
    this.adapters.clear()
    await Promise.all([...this.harnesses.values()].map((harness) => harness.stop().catch(() => {})))
    for (const { pid } of this.db.processes()) this.db.removeProcess(pid)
    this.db.close()
  }

  list(): Agent[] {
    return this.db.list().map((a) => this.view(a))
  }

  get(ref: string): Agent {
    return this.view(this.find(ref))
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

  async create(input: NewAgent): Promise<Agent> {
    const name = input.harness ?? DEFAULT_HARNESS
    const harness = this.harnesses.get(name)
    if (!harness) throw new AgentError("invalid_agent", `unknown harness ${name}; available: ${[...this.harnesses.keys()].join(", ")}`)
    const directory = input.directory
    if (!isAbsolute(directory)) throw new AgentError("invalid_agent", `the working directory must be an absolute path, not ${directory}`)
    if (!existsSync(directory)) throw new AgentError("invalid_agent", `the working directory ${directory} does not exist`)
    if (!statSync(directory).isDirectory()) throw new AgentError("invalid_agent", `${directory} is not a directory`)
    this.checkModel(harness, input.model)
    const permissions = this.checkPolicy(input.permissions ?? "ask")
    if (input.name !== undefined) {
      const problem = agentNameProblem(input.name)
      if (problem) throw new AgentError("invalid_agent", problem)
      if (this.db.taken(input.name)) throw new AgentError("name_taken", `an agent named ${input.name} exists already`)
    }
    if (this.options.configProblem) throw new AgentError("harness_unavailable", this.options.configProblem)

    let id: string
    do id = newAgentId()
    while (this.db.taken(id) || !(await this.streams.create(`agents/${id}`)))
    const record: AgentRecord = {
      id,
      name: input.name ?? defaultAgentName(directory, (taken) => this.db.taken(taken)),
      harness: name,
      directory,
      model: input.model,
      stream: `agents/${id}`,
      status: "idle",
      error: undefined,
      createdAt: new Date().toISOString(),
      consumed: undefined,
      resume: undefined,
      permissions,
      allowedTools: [],
    }
    const adapter = new AgentAdapter(record, { store: this.db, streams: this.streams, harness })
    try {
      adapter.open()
    } catch (error) {
      this.streams.remove(record.stream)
      throw error instanceof HarnessUnavailableError ? new AgentError("harness_unavailable", error.message) : error
    }
    const agent = this.db.insert(record)
    this.adapters.set(id, adapter)
    adapter.start()
    return this.view(agent)
  }

  /** Changes the agent's permission policy; requests from now on are decided by it. */
  update(ref: string, changes: { permissions?: string }): Agent {
    const agent = this.find(ref)
    if (changes.permissions !== undefined) this.adapters.get(agent.id)!.setPolicy(this.checkPolicy(changes.permissions))
    return this.get(agent.id)
  }

  /** Stops the agent's turn if one runs, then deletes the agent and its stream. */
  async remove(ref: string): Promise<void> {
    const agent = this.find(ref)
    const adapter = this.adapters.get(agent.id)
    this.adapters.delete(agent.id)
    if (adapter) {
      if (adapter.busy) await adapter.open().abort().catch(() => {})
      await adapter.stop().catch(() => {})
    }
    await this.streams.remove(agent.stream)
    this.db.remove(agent.id)
  }

  /** Appends a prompt action; the adapter carries it out. */
  prompt(ref: string, prompt: PromptPayload): Promise<StreamEvent> {
    const agent = this.find(ref)
    this.checkModel(this.harness(agent.harness), prompt.model)
    return this.append(agent, { type: AGENT_EVENT.prompt, payload: prompt })
  }

  /** Appends an abort action; returns it with the status the agent had when it was appended. */
  async abort(ref: string): Promise<{ event: StreamEvent; status: TurnStatus }> {
    const agent = this.find(ref)
    const status = agent.status
    return { event: await this.append(agent, { type: AGENT_EVENT.abort, payload: {} }), status }
  }

  /** The command that opens the harness's own TUI on the agent's session (made now if it has none). */
  async attach(ref: string): Promise<AttachCommand> {
    const agent = this.find(ref)
    try {
      return await this.adapters.get(agent.id)!.open().attach()
    } catch (error) {
      throw error instanceof HarnessUnavailableError ? new AgentError("harness_unavailable", error.message) : error
    }
  }

  /** Requests nobody has answered, of one agent or of all, oldest first. */
  permissions(ref?: string): PendingPermission[] {
    const agents = new Map(this.db.list().map((a) => [a.id, a]))
    const only = ref === undefined ? undefined : this.find(ref).id
    return this.db
      .pendingPermissions()
      .filter((p) => only === undefined || p.agentId === only)
      .map((p) => this.pendingView(p, agents.get(p.agentId)!))
  }

  /** Appends the answer to a pending request; refused when there is no such request or it was answered. */
  async reply(ref: string, id: string, answer: { decision: PermissionDecision; message?: string }): Promise<StreamEvent> {
    const agent = this.find(ref)
    const request = this.db.permission(id)
    if (!request || request.agentId !== agent.id) throw new AgentError("permission_not_found", `agent ${agent.name} has no permission request ${id} (see: iterate permissions ${agent.name})`)
    if (request.state !== "pending") {
      const outcome = request.state === "withdrawn" ? "was withdrawn: nobody waits for an answer any more" : `was answered already (${request.decision})`
      throw new AgentError("permission_answered", `permission request ${id} ${outcome}`)
    }
    const payload: PermissionReplyPayload = { id, decision: answer.decision, ...(answer.message && { message: answer.message }) }
    return this.append(agent, { type: AGENT_EVENT.permissionReply, payload })
  }

  private view(a: AgentRecord): Agent {
    const waiting = a.status === "busy" && this.adapters.get(a.id)?.waiting
    return {
      id: a.id,
      name: a.name,
      harness: a.harness,
      directory: a.directory,
      ...(a.model !== undefined && { model: a.model }),
      stream: a.stream,
      status: waiting ? "waiting" : a.status,
      ...(a.error !== undefined && { error: a.error }),
      createdAt: a.createdAt,
      ...(a.resume?.sessionId !== undefined && { sessionId: a.resume.sessionId }),
      permissions: a.permissions,
      allowedTools: a.allowedTools,
    }
  }

  private pendingView(p: PermissionRecord, agent: AgentRecord): PendingPermission {
    const adapter = this.adapters.get(agent.id)
    return {
      id: p.id,
      agent: agent.id,
      agentName: agent.name,
      tool: p.tool,
      kind: p.kind,
      summary: p.summary,
      request: p.request,
      createdAt: p.createdAt,
      waiting: adapter?.isLive(p.id) ?? false,
    }
  }

  private find(ref: string): AgentRecord {
    const agent = this.db.find(ref)
    if (!agent) throw new AgentError("agent_not_found", `no agent named ${ref}`)
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

  private async append(agent: AgentRecord, event: EventInput): Promise<StreamEvent> {
    const [stored] = (await this.adapters.get(agent.id)!.append([event])) ?? []
    if (!stored) throw new AgentError("stream_missing", `the stream of agent ${agent.name} (${agent.stream}) was deleted; remove the agent with: iterate agents rm ${agent.id}`)
    return stored
  }

  private adapt(agent: AgentRecord): AgentAdapter {
    const adapter = new AgentAdapter(agent, { store: this.db, streams: this.streams, harness: this.harness(agent.harness) })
    this.adapters.set(agent.id, adapter)
    return adapter
  }
}
