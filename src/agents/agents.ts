// The daemon's agents: each one a record in agents.db, a stream `agents/<id>`, and an adapter
// that runs while the daemon does. Everything about an agent lives in those two files; on start
// the adapters resume where the previous daemon left off.
import { existsSync, statSync } from "node:fs"
import { isAbsolute } from "node:path"
import {
  type AttachCommand,
  type OpencodeCrash,
  OpencodeRuntimes,
  stopOrphanedServer,
} from "../harness/opencode/index.ts"
import { AGENT_EVENT, type TurnStatus, type PromptPayload } from "../protocol/agent-events.ts"
import type { StreamEvent } from "../streams/events.ts"
import type { StreamStore } from "../streams/store.ts"
import { HARNESS_NAMES, Harnesses, type HarnessSettings, HarnessUnavailableError } from "./harnesses.ts"
import { agentNameProblem, defaultAgentName, newAgentId } from "./names.ts"
import { INTERRUPTED, OpencodeAdapter } from "./opencode/adapter.ts"
import { SessionRouter } from "./opencode/router.ts"
import { type AgentRecord, AgentStore } from "./store.ts"
import { AgentStreams } from "./stream.ts"

export type AgentErrorCode = "agent_not_found" | "invalid_agent" | "name_taken" | "harness_unavailable" | "stream_missing"

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
  status: TurnStatus
  error?: string
  createdAt: string
  sessionId?: string
}

export interface NewAgent {
  harness?: string
  directory: string
  name?: string
  model?: string
}

export interface AgentsOptions {
  /** the SQLite file for agent records (agents.db in the data folder) */
  database: string
  /** where harness logs go */
  logDir: string
  streams: StreamStore
  harnesses: HarnessSettings
}

const MODEL = /^[^/\s]+\/\S+$/

function checkModel(model: string | undefined): void {
  if (model !== undefined && !MODEL.test(model))
    throw new AgentError("invalid_agent", `model ${JSON.stringify(model)} is not in the form provider/model`)
}

const view = (a: AgentRecord): Agent => ({
  id: a.id,
  name: a.name,
  harness: a.harness,
  directory: a.directory,
  ...(a.model !== undefined && { model: a.model }),
  stream: a.stream,
  status: a.status,
  ...(a.error !== undefined && { error: a.error }),
  createdAt: a.createdAt,
  ...(a.sessionId !== undefined && { sessionId: a.sessionId }),
})

export class Agents {
  readonly harnesses: Harnesses
  private readonly db: AgentStore
  private readonly streams: AgentStreams
  private readonly runtimes: OpencodeRuntimes
  private readonly routers = new Map<string, SessionRouter>()
  private readonly adapters = new Map<string, OpencodeAdapter>()

  constructor(options: AgentsOptions) {
    this.harnesses = new Harnesses(options.harnesses)
    this.db = new AgentStore(options.database)
    this.streams = new AgentStreams(options.streams)
    this.runtimes = new OpencodeRuntimes({
      binary: options.harnesses.opencodeBinary,
      logDir: options.logDir,
      onCrash: (crash) => this.crashed(crash),
    })
  }

  /** Stops the servers a killed daemon left behind, then resumes every agent's adapter. */
  async start(): Promise<void> {
    for (const { pid } of this.db.processes()) {
      if (await stopOrphanedServer(pid).catch(() => false)) console.log(`stopped opencode serve (pid ${pid}) left by a previous daemon`)
      this.db.removeProcess(pid)
    }
    for (const agent of this.db.list()) this.resume(agent)
  }

  /** Ends running turns (recorded as interrupted) and stops every harness process. */
  async stop(): Promise<void> {
    for (const adapter of this.adapters.values()) {
      adapter.interrupt(INTERRUPTED)
      adapter.stop()
    }
    this.adapters.clear()
    for (const router of this.routers.values()) router.stop()
    await this.runtimes.stopAll()
    for (const { pid } of this.db.processes()) this.db.removeProcess(pid)
    this.db.close()
  }

  list(): Agent[] {
    return this.db.list().map(view)
  }

  get(ref: string): Agent {
    return view(this.find(ref))
  }

  async create(input: NewAgent): Promise<Agent> {
    const harness = input.harness ?? "opencode"
    if (!(HARNESS_NAMES as readonly string[]).includes(harness))
      throw new AgentError("invalid_agent", `unknown harness ${harness}; available: ${HARNESS_NAMES.join(", ")}`)
    const directory = input.directory
    if (!isAbsolute(directory)) throw new AgentError("invalid_agent", `the working directory must be an absolute path, not ${directory}`)
    if (!existsSync(directory)) throw new AgentError("invalid_agent", `the working directory ${directory} does not exist`)
    if (!statSync(directory).isDirectory()) throw new AgentError("invalid_agent", `${directory} is not a directory`)
    checkModel(input.model)
    if (input.name !== undefined) {
      const problem = agentNameProblem(input.name)
      if (problem) throw new AgentError("invalid_agent", problem)
      if (this.db.taken(input.name)) throw new AgentError("name_taken", `an agent named ${input.name} exists already`)
    }
    try {
      this.harnesses.opencodeBinary()
    } catch (error) {
      throw new AgentError("harness_unavailable", (error as Error).message)
    }

    let id: string
    do id = newAgentId()
    while (this.db.taken(id) || !(await this.streams.create(`agents/${id}`)))
    const agent = this.db.insert({
      id,
      name: input.name ?? defaultAgentName(directory, (name) => this.db.taken(name)),
      harness,
      directory,
      model: input.model,
      stream: `agents/${id}`,
      createdAt: new Date().toISOString(),
    })
    this.resume(agent)
    return view(agent)
  }

  /** Stops the agent's turn if one runs, then deletes the agent and its stream. */
  async remove(ref: string): Promise<void> {
    const agent = this.find(ref)
    const adapter = this.adapters.get(agent.id)
    this.adapters.delete(agent.id)
    if (adapter) {
      if (agent.status === "busy") await adapter.abortTurn().catch(() => {})
      adapter.stop()
    }
    if (agent.sessionId) this.routers.forEach((router) => router.forget(agent.sessionId!))
    await this.streams.remove(agent.stream)
    this.db.remove(agent.id)
  }

  /** Appends a prompt action; the adapter carries it out. */
  prompt(ref: string, prompt: PromptPayload): Promise<StreamEvent> {
    checkModel(prompt.model)
    return this.append(this.find(ref), { type: AGENT_EVENT.prompt, payload: prompt })
  }

  /** Appends an abort action; returns it with the status the agent had when it was appended. */
  async abort(ref: string): Promise<{ event: StreamEvent; status: TurnStatus }> {
    const agent = this.find(ref)
    const status = agent.status
    return { event: await this.append(agent, { type: AGENT_EVENT.abort, payload: {} }), status }
  }

  /** The command that opens opencode's TUI on the agent's session (made now if it has none). */
  async attach(ref: string): Promise<AttachCommand> {
    const agent = this.find(ref)
    const adapter = this.adapters.get(agent.id)!
    const { router, sessionId } = await adapter.session().catch((error) => {
      throw error instanceof HarnessUnavailableError ? new AgentError("harness_unavailable", error.message) : error
    })
    return router.runtime.attach(sessionId)
  }

  private find(ref: string): AgentRecord {
    const agent = this.db.find(ref)
    if (!agent) throw new AgentError("agent_not_found", `no agent named ${ref}`)
    return agent
  }

  private async append(agent: AgentRecord, event: { type: string; payload: unknown }): Promise<StreamEvent> {
    const [stored] = (await this.streams.append(agent.stream, [event])) ?? []
    if (!stored) throw new AgentError("stream_missing", `the stream of agent ${agent.name} (${agent.stream}) was deleted; remove the agent with: iterate agents rm ${agent.id}`)
    return stored
  }

  private resume(agent: AgentRecord): void {
    const adapter = new OpencodeAdapter(agent, { store: this.db, streams: this.streams, router: (directory) => this.router(directory) })
    this.adapters.set(agent.id, adapter)
    adapter.start()
  }

  private router(directory: string): SessionRouter {
    this.harnesses.opencodeBinary()
    const runtime = this.runtimes.for(directory)
    let router = this.routers.get(runtime.directory)
    if (!router) {
      router = new SessionRouter(runtime, { serverUp: (pid) => this.db.addProcess(pid, "opencode") })
      this.routers.set(runtime.directory, router)
    }
    return router
  }

  private crashed(crash: OpencodeCrash): void {
    const next = crash.restartInMs === undefined ? "given up on until the next prompt" : `restarting in ${crash.restartInMs} ms`
    console.warn(`opencode for ${crash.directory} ${crash.reason}; ${next} (log: ${crash.logFile})`)
    if (crash.pid !== undefined) this.db.removeProcess(crash.pid)
    this.routers.get(crash.directory)?.crashed(crash)
  }
}
