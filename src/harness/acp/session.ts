// One agent's session with an ACP agent: the agent's process, started by the first prompt in the
// agent's directory, `initialize`d, and an ACP session in it: new the first time, restored after
// that (a respawn after a crash or an idle close, a later daemon) from the session id reported
// through `resumable` — by session/resume when the agent offers it, else by session/load (whose
// replay of the conversation is not appended again: the stream has it), else not at all: then a
// new session, and the stream says plainly that the agent lost its context. ACP has an agent
// replay the conversation before it answers session/load, but not every agent does (Gemini CLI
// 0.61.0 answers, then replays): what the agent sends between the load and the first prompt is
// left out, and that prompt goes out once the agent has been quiet for REPLAY_QUIET_MS.
//
// A turn is every prompt since the last turn end. ACP runs one session/prompt at a time, so a
// prompt sent while one runs waits here and goes out when the one before it has its result; the
// turn is over when the last has. session/cancel aborts it (and answers the agent's open permission
// requests "cancelled", as ACP asks); an agent that does not stop within ABORT_TIMEOUT_MS is stopped.
import type { InitializeResponse, NewSessionResponse, PermissionOption, ReadTextFileRequest, ReadTextFileResponse, RequestPermissionRequest, RequestPermissionResponse, SessionConfigOption, SessionModeState, StopReason, WriteTextFileRequest } from "@agentclientprotocol/sdk"
import { PROTOCOL_VERSION, RequestError } from "@agentclientprotocol/sdk"
import { VERSION } from "../../version.ts"
import { type AttachCommand, type HarnessAgent, type HarnessEvents, type HarnessSession, HarnessUnavailableError, type PermissionAnswer, type TurnEnd, type TurnInput } from "../harness.ts"
import { describeExit, type ProcessExit } from "../process/exit.ts"
import { AcpClient, type AgentPeer, AgentRequestError } from "./connection.ts"
import { insideDirectory, readText, writeText } from "./files.ts"
import { pathOf, permissionKind, permissionResponse, permissionSummary, relative, type ToolCallFields, toolOf } from "./permissions.ts"

export interface AcpSessionOptions {
  /** the harness's name, as the stream and every message call it */
  name: string
  agent: HarnessAgent
  events: HarnessEvents
  /** starts the agent; throws when it cannot be started at all */
  spawn: () => AgentPeer
  /** where its stderr goes, for crash reports */
  logFile: string
  /** what a message about a broken start tells the user to do */
  fix: string
  idleTimeoutMs: number
  /** how long the agent may take to answer initialize */
  startTimeoutMs: number
  onClose?: () => void
}

const ABORT_TIMEOUT_MS = 10_000
// The mode in which ACP agents ask before they act (Claude's, Gemini CLI's and Qwen Code's id for it).
const ASKING_MODE = "default"
// Nothing tells a replay that goes on after the session/load answer from the next turn's updates
// but time: the replay is over once the agent has said nothing for this long (its updates come
// back to back), or, from an agent that never falls quiet, after REPLAY_MAX_MS.
const REPLAY_QUIET_MS = 300
const REPLAY_MAX_MS = 10_000
// After its input closes an idle agent exits on its own; this is for one that does not.
const EXIT_GRACE_MS = 5_000

/** The agent process with its ACP session open. */
interface Live {
  client: AcpClient
  sessionId: string
  capabilities: InitializeResponse
  configOptions: SessionConfigOption[]
  /** the unstable `models` of session/new: a session/set_model target */
  models?: { currentModelId?: string }
  /** the model set on this session by iterate, when one was */
  model?: string
}

interface Turn {
  queue: TurnInput[]
  aborting: boolean
  /** why the last prompt stopped */
  stop?: StopReason
  error?: string
  /** paths the person allowed edits of in this turn: the agent's own fs writes to them ask nothing more */
  allowedPaths: Set<string>
}

interface Ask {
  respond: (response: RequestPermissionResponse) => void
  options: readonly PermissionOption[]
  /** what an allow lets the agent write without asking again */
  paths: string[]
}

export class AcpSession implements HarnessSession {
  #live: Promise<Live> | undefined
  #peer: AgentPeer | undefined
  /** peers stopped on purpose: their exit is no crash */
  readonly #stopping = new WeakSet<AgentPeer>()
  /** peers on their way out: the next one waits for them, so that two never hold one session */
  readonly #leaving = new Set<AgentPeer>()
  #sessionId: string | undefined
  #turn: Turn | undefined
  readonly #turnOver: Array<() => void> = []
  readonly #asks = new Map<string, Ask>()
  #asked = 0
  /** what the agent has said about each tool call of the running turn */
  readonly #toolCalls = new Map<string, ToolCallFields>()
  /** updates of a session/load replay are the conversation the stream holds already */
  #replaying = false
  /** when the agent last sent something while it replayed */
  #replayHeard = 0
  #foreign: string | undefined
  /** why the last restore failed, for the warning */
  #lost = ""
  #idle: Timer | undefined
  #closed = false

  constructor(private readonly options: AcpSessionOptions) {
    this.#sessionId = options.agent.resume?.sessionId
  }

  async prompt(input: TurnInput): Promise<void> {
    if (this.#closed) throw new Error(`this ${this.options.name} session is closed`)
    this.#clearIdle()
    // A prompt after an abort is a turn of its own, once the aborted one is over.
    while (this.#turn?.aborting) await new Promise<void>((resolve) => this.#turnOver.push(resolve))
    let live: Live
    try {
      live = await this.#ready()
    } catch (error) {
      this.#armIdle()
      throw error
    }
    if (this.#turn) {
      this.#turn.queue.push(input)
      return
    }
    const turn: Turn = { queue: [], aborting: false, allowedPaths: new Set() }
    this.#turn = turn
    try {
      await this.#useModel(live, input.model ?? this.options.agent.model)
    } catch (error) {
      this.#turn = undefined
      this.#armIdle()
      throw error
    }
    void this.#run(live, turn, input.text)
  }

  async abort(): Promise<void> {
    const turn = this.#turn
    const peer = this.#peer
    if (!turn || !peer) return
    turn.aborting = true
    turn.queue = []
    const over = new Promise<boolean>((resolve) => this.#turnOver.push(() => resolve(true)))
    const live = await this.#live?.catch(() => undefined)
    live?.client.notify("session/cancel", { sessionId: live.sessionId })
    for (const id of [...this.#asks.keys()]) this.#withdraw(id, { outcome: { outcome: "cancelled" } })
    if (await Promise.race([over, Bun.sleep(ABORT_TIMEOUT_MS).then(() => false)])) return
    // The agent did not stop the turn: stopping the agent does (its exit ends the turn as aborted).
    await this.#stop(peer)
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    const ask = this.#asks.get(nativeId)
    // Withdrawn already (its turn ended): nothing waits for the answer.
    if (!ask) return
    this.#asks.delete(nativeId)
    if (answer.decision !== "deny") for (const path of ask.paths) this.#turn?.allowedPaths.add(path)
    ask.respond(permissionResponse(ask.options, answer))
  }

  async attach(): Promise<AttachCommand> {
    throw new HarnessUnavailableError(`${this.options.name} is an ACP agent: it has no terminal UI of its own to attach to; follow the agent with iterate events --follow, or in the web UI (iterate web)`)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#clearIdle()
    const peer = this.#peer
    if (peer) await this.#stop(peer)
    // One closing after a quiet spell may still be finishing: it is not waited out.
    await Promise.all([...this.#leaving].map((p) => p.kill()))
    this.options.onClose?.()
  }

  // ---- the agent process and its session

  #ready(): Promise<Live> {
    if (!this.#live) {
      const live = this.#start()
      this.#live = live
      // A start that failed leaves nothing behind: the next prompt starts afresh.
      live.catch(() => {
        if (this.#live === live) this.#live = undefined
      })
    }
    return this.#live
  }

  async #start(): Promise<Live> {
    const { name, agent, events, fix } = this.options
    await Promise.all([...this.#leaving].map((p) => p.exited))
    let peer: AgentPeer
    try {
      peer = this.options.spawn()
    } catch (error) {
      throw new HarnessUnavailableError(`${(error as Error).message}; ${fix}`)
    }
    this.#peer = peer
    this.#foreign = undefined
    events.processStarted(peer.pid)
    void peer.exited.then((exit) => this.#exited(peer, exit))
    const client = new AcpClient(peer, {
      onNative: (native) => this.#native(native),
      onForeign: (line) => (this.#foreign ??= line),
      requestPermission: (params, signal) => this.#requestPermission(params, signal),
      readTextFile: (params) => this.#readTextFile(params),
      writeTextFile: (params) => this.#writeTextFile(params),
    })
    const failed = (what: string) => (error: unknown) => {
      void this.#stop(peer)
      const said = this.#foreign ? `; it wrote "${this.#foreign.slice(0, 120)}", which is no ACP` : ""
      throw new Error(`${name} could not ${what}: ${(error as Error).message}${said}; ${fix}`)
    }
    const capabilities = await client
      .request<InitializeResponse>(
        "initialize",
        {
          protocolVersion: PROTOCOL_VERSION,
          clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
          clientInfo: { name: "iterate", title: "iterate", version: VERSION },
        },
        this.options.startTimeoutMs,
      )
      .catch(failed("start (initialize)"))
    if (capabilities.protocolVersion !== PROTOCOL_VERSION)
      failed("start (initialize)")(new Error(`it speaks ACP version ${capabilities.protocolVersion}, iterate version ${PROTOCOL_VERSION}`))
    const restored = this.#sessionId ? await this.#restore(client, capabilities, this.#sessionId) : undefined
    if (restored) return restored
    const made = await client
      .request<NewSessionResponse & { models?: Live["models"] }>("session/new", { cwd: agent.directory, mcpServers: [] })
      .catch((error: unknown) => {
        if ((error as AgentRequestError).code !== AUTH_REQUIRED) return failed("open a session")(error)
        void this.#stop(peer)
        throw new Error(loginProblem(name, capabilities))
      })
    if (this.#sessionId) events.warn(`${name} could not restore its context (${this.#lost}): this turn starts a new conversation; the turns before it are in this transcript only`)
    this.#sessionId = made.sessionId
    events.resumable({ sessionId: made.sessionId })
    await this.#askingMode(client, made.sessionId, made.modes)
    return { client, sessionId: made.sessionId, capabilities, configOptions: made.configOptions ?? [], ...(made.models && { models: made.models }) }
  }

  async #restore(client: AcpClient, capabilities: InitializeResponse, sessionId: string): Promise<Live | undefined> {
    const offers = capabilities.agentCapabilities
    const params = { sessionId, cwd: this.options.agent.directory, mcpServers: [] }
    const methods = [...(offers?.sessionCapabilities?.resume ? ["session/resume"] : []), ...(offers?.loadSession ? ["session/load"] : [])]
    this.#lost = "it can neither resume nor load a session"
    for (const method of methods) {
      this.#replaying = method === "session/load"
      try {
        const restored = await client.request<{ configOptions?: SessionConfigOption[] | null; models?: Live["models"]; modes?: SessionModeState | null } | null>(method, params)
        if (this.#replaying) await this.#replayOver()
        await this.#askingMode(client, sessionId, restored?.modes)
        return { client, sessionId, capabilities, configOptions: restored?.configOptions ?? [], ...(restored?.models && { models: restored.models }) }
      } catch (error) {
        // The process died: that is no answer about the session.
        if (!this.#peer) throw error
        this.#lost = `${method} ${sessionId} failed: ${(error as Error).message}`
      } finally {
        this.#replaying = false
      }
    }
    return undefined
  }

  /**
   * iterate's permission policy answers for the person, so the agent must ask it whatever it would
   * ask a person: a session that starts in another mode is put in the agent's `default` one, when it
   * has one. Qwen Code starts in `auto`, where a model of its own approves commands unasked.
   */
  async #askingMode(client: AcpClient, sessionId: string, modes: SessionModeState | null | undefined): Promise<void> {
    if (!modes || modes.currentModeId === ASKING_MODE || !modes.availableModes.some((m) => m.id === ASKING_MODE)) return
    await client.request("session/set_mode", { sessionId, modeId: ASKING_MODE }).catch((error: unknown) => {
      this.options.events.warn(`${this.options.name} stayed in its ${modes.currentModeId} mode (session/set_mode ${ASKING_MODE} failed: ${(error as Error).message}): it may run tools without asking`)
    })
  }

  /** Once the agent has been quiet since session/load's answer: the replay it sent after that is over. */
  async #replayOver(): Promise<void> {
    const started = Date.now()
    this.#replayHeard = started
    for (;;) {
      const wait = Math.min(this.#replayHeard + REPLAY_QUIET_MS, started + REPLAY_MAX_MS) - Date.now()
      if (wait <= 0 || !this.#peer) return
      await Bun.sleep(wait)
    }
  }

  /** Sets the model the next prompt runs with, when it is not the one set already. */
  async #useModel(live: Live, model: string | undefined): Promise<void> {
    const wanted = model?.trim()
    if (!wanted || wanted === live.model) return
    const { name } = this.options
    const option = live.configOptions.find((o) => o.category === "model" || o.id === "model")
    try {
      if (option) await live.client.request("session/set_config_option", { sessionId: live.sessionId, configId: option.id, value: wanted })
      else if (live.models) await live.client.request("session/set_model", { sessionId: live.sessionId, modelId: wanted })
      else throw new Error(`${name} does not let a client choose its model: leave --model out, or pick the model in ${name}'s own settings`)
    } catch (error) {
      if (error instanceof AgentRequestError) throw new Error(`${name} cannot use the model ${wanted}: ${error.message}`)
      throw error
    }
    live.model = wanted
  }

  async #run(live: Live, turn: Turn, first: string): Promise<void> {
    let text: string | undefined = first
    // An abort that came before the first prompt went out leaves nothing to send.
    while (text !== undefined && !turn.aborting) {
      try {
        const result = await live.client.request<{ stopReason: StopReason }>("session/prompt", { sessionId: live.sessionId, prompt: [{ type: "text", text }] })
        turn.stop = result.stopReason
        turn.error = undefined
      } catch (error) {
        // The agent exited: #exited ends the turn.
        if (this.#peer !== live.client.peer || this.#turn !== turn) return
        turn.error = `${this.options.name}: ${(error as Error).message}`
        turn.queue = []
      }
      if (this.#turn !== turn) return
      const next = turn.aborting ? undefined : turn.queue.shift()
      if (next) {
        try {
          await this.#useModel(live, next.model ?? this.options.agent.model)
        } catch (error) {
          turn.error = (error as Error).message
          break
        }
      }
      text = next?.text
    }
    const end = this.#outcome(turn)
    // What a cancelled turn leaves behind differs between agents (claude-agent-acp 0.23.1 answers
    // the next prompt at once with the cancelled one's end): one that can restore its session
    // starts afresh on the next prompt, with nothing of the aborted turn running.
    const caps = live.capabilities.agentCapabilities
    if (end.aborted && (caps?.loadSession || caps?.sessionCapabilities?.resume) && this.#peer === live.client.peer) void this.#stop(live.client.peer)
    this.#endTurn(end)
  }

  #outcome(turn: Turn): TurnEnd {
    // An agent may answer a cancelled prompt with an error rather than its stop reason.
    if (turn.aborting || turn.stop === "cancelled") return { status: "idle", aborted: true }
    if (turn.error) return { status: "error", error: turn.error }
    const { name } = this.options
    if (turn.stop === "max_tokens") return { status: "error", error: `${name} stopped: the reply reached the model's token limit` }
    if (turn.stop === "max_turn_requests") return { status: "error", error: `${name} stopped: the turn reached its limit of model requests` }
    if (turn.stop === "refusal") return { status: "error", error: `${name} refused to go on with this turn` }
    return { status: "idle" }
  }

  #endTurn(end: TurnEnd): void {
    this.#turn = undefined
    this.#toolCalls.clear()
    for (const id of [...this.#asks.keys()]) this.#withdraw(id, { outcome: { outcome: "cancelled" } })
    this.options.events.turnEnded(end)
    for (const resolve of this.#turnOver.splice(0)) resolve()
    this.#armIdle()
  }

  /** Stops a peer on purpose: its exit is no crash. */
  async #stop(peer: AgentPeer): Promise<void> {
    this.#stopping.add(peer)
    this.#leaving.add(peer)
    if (this.#peer === peer) this.#forget()
    await peer.kill()
  }

  #forget(): void {
    this.#peer = undefined
    this.#live = undefined
  }

  #exited(peer: AgentPeer, exit: ProcessExit): void {
    const { events, logFile, name } = this.options
    if (this.#peer === peer) this.#forget()
    this.#leaving.delete(peer)
    events.processExited(peer.pid)
    const onPurpose = this.#stopping.has(peer)
    const how = describeExit(exit)
    // Its requests died with it, but they are not withdrawn: the agents layer keeps them
    // answerable, and applies the answer when the respawned agent asks the same call again.
    this.#asks.clear()
    // What it ran (Claude Code under claude-agent-acp, a tool's command) would go on without it.
    peer.killLeftovers()
    if (!onPurpose) events.crashed({ pid: peer.pid, reason: `exited (${how})`, logFile })
    const turn = this.#turn
    if (!turn) return
    if (turn.aborting) this.#endTurn({ status: "idle", aborted: true })
    else if (!this.#closed) this.#endTurn({ status: "error", error: `${name} exited during the turn (${how})` })
  }

  #armIdle(): void {
    this.#clearIdle()
    if (this.#closed || !this.#peer || this.#turn) return
    this.#idle = setTimeout(() => this.#closeIdle(), this.options.idleTimeoutMs)
    this.#idle.unref?.()
  }

  #clearIdle(): void {
    clearTimeout(this.#idle)
    this.#idle = undefined
  }

  #closeIdle(): void {
    const peer = this.#peer
    if (!peer || this.#turn || this.#asks.size > 0) return
    this.#stopping.add(peer)
    this.#leaving.add(peer)
    this.#forget()
    peer.endInput()
    void Promise.race([peer.exited, Bun.sleep(EXIT_GRACE_MS)]).then(() => peer.kill())
  }

  // ---- what the agent says and asks

  #native(native: Record<string, unknown>): void {
    if (this.#replaying) {
      this.#replayHeard = Date.now()
      return
    }
    const update = native.update as Record<string, unknown> | undefined
    if (update && (update.sessionUpdate === "tool_call" || update.sessionUpdate === "tool_call_update") && typeof update.toolCallId === "string")
      this.#toolCalls.set(update.toolCallId, merge(this.#toolCalls.get(update.toolCallId), update as ToolCallFields))
    try {
      this.options.events.event(native)
    } catch (error) {
      // The events sink failing must not stop the reader: the next message may still get through.
      console.error(`${this.options.name} session ${this.#sessionId}: ${(error as Error).message}`)
    }
  }

  #requestPermission(params: RequestPermissionRequest, signal: AbortSignal): Promise<RequestPermissionResponse> {
    const call = merge(this.#toolCalls.get(params.toolCall.toolCallId), params.toolCall as ToolCallFields)
    const { directory } = this.options.agent
    const path = pathOf(call)
    return this.#ask({ tool: toolOf(call), kind: permissionKind(toolOf(call)), summary: permissionSummary(call, directory), request: params, input: call.rawInput ?? call.title, options: params.options, paths: path ? [path] : [], signal })
  }

  async #readTextFile(params: ReadTextFileRequest): Promise<ReadTextFileResponse> {
    return { content: readText(params.path, this.options.agent.directory, params.line, params.limit) }
  }

  async #writeTextFile(params: WriteTextFileRequest): Promise<void> {
    const { directory } = this.options.agent
    insideDirectory(params.path, directory)
    // A write the person allowed as a tool call of this turn is not asked about twice.
    if (!this.#turn?.allowedPaths.has(params.path)) {
      const options: PermissionOption[] = [
        { optionId: "allow", name: "Allow", kind: "allow_once" },
        { optionId: "deny", name: "Deny", kind: "reject_once" },
      ]
      const answer = await this.#ask({ tool: "edit", kind: "edit", summary: `write ${relative(params.path, directory)}`, request: params, input: { path: params.path }, options, paths: [], signal: undefined })
      if (answer.outcome.outcome !== "selected" || answer.outcome.optionId !== "allow")
        throw RequestError.internalError(undefined, `the user refused to let ${this.options.name} write ${params.path}`)
    }
    writeText(params.path, directory, params.content)
  }

  #ask(ask: { tool: string; kind: ReturnType<typeof permissionKind>; summary: string; request: unknown; input: unknown; options: readonly PermissionOption[]; paths: string[]; signal: AbortSignal | undefined }): Promise<RequestPermissionResponse> {
    const nativeId = `ask-${++this.#asked}`
    return new Promise((respond) => {
      this.#asks.set(nativeId, { respond, options: ask.options, paths: ask.paths })
      this.#clearIdle()
      // The agent took its request back ($/cancel_request).
      ask.signal?.addEventListener("abort", () => this.#withdraw(nativeId, { outcome: { outcome: "cancelled" } }), { once: true })
      this.options.events.permission({ nativeId, tool: ask.tool, kind: ask.kind, summary: ask.summary, request: ask.request, input: ask.input })
    })
  }

  #withdraw(nativeId: string, response: RequestPermissionResponse): void {
    const ask = this.#asks.get(nativeId)
    if (!ask) return
    this.#asks.delete(nativeId)
    ask.respond(response)
    // Closed (its daemon stopping): what an agent takes back as it shuts down (Qwen Code does) is
    // not withdrawn, as with an agent that died: the agents layer keeps it answerable for the next.
    if (!this.#closed) this.options.events.permissionWithdrawn(nativeId)
  }
}

/** A tool call's fields with an update's on top: ACP updates name only what changed. */
function merge(known: ToolCallFields | undefined, update: ToolCallFields): ToolCallFields {
  const fields = Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined && value !== null))
  return { ...known, ...fields } as ToolCallFields
}

// ACP's error code for "authenticate first".
const AUTH_REQUIRED = -32000

function loginProblem(name: string, capabilities: InitializeResponse): string {
  const methods = (capabilities.authMethods ?? []).map((m) => m.name).join(", ")
  return `${name} wants you to log in first${methods ? ` (${methods})` : ""}: log in with the agent itself in a terminal, or give it an API key in the daemon's environment or in harnesses.${name}.env (then: iterate server restart)`
}
