// One agent's Codex session: a thread on the shared app-server (server.ts), in the agent's
// directory. The first prompt starts the thread (`thread/start`), whose id is reported through
// `resumable` once its first turn started; a session whose thread is not loaded in the running
// process (a new daemon, a crashed or idle-stopped app-server, a thread handed to Codex's TUI)
// loads it with `thread/resume`, which gives the model the whole conversation so far.
//
// A turn is `turn/start` until its `turn/completed`; a prompt sent while it runs is folded in with
// `turn/steer`. Abort is `turn/interrupt`. Every thread is started with the approval policy
// `untrusted` and the sandbox `danger-full-access`: Codex asks before every command (those that
// only read too) and before every file change, so iterate's permission policy is the gate, and a
// command it allowed runs as it would in a terminal.
import type { CrashPayload } from "../../protocol/agent-events.ts"
import type { AttachCommand, HarnessAgent, HarnessEvents, HarnessSession, PermissionAnswer, TurnEnd, TurnInput } from "../harness.ts"
import { type AppServer, CodexRequestError } from "./app-server.ts"
import { codexDecision, permissionAsk } from "./permissions.ts"
import { errorText } from "./transcript.ts"
import {
  type CodexEvent,
  type FileUpdateChange,
  NOTIFICATION,
  type RequestId,
  SERVER_REQUEST,
  type ServerMessage,
  type TextInput,
  type ThreadItem,
  type ThreadResponse,
  type ThreadResumeParams,
  type ThreadStartParams,
  type Turn,
  type TurnInterruptParams,
  type TurnStartParams,
  type TurnSteerParams,
} from "./protocol.ts"
import type { CodexServer, ServerMember } from "./server.ts"

export interface CodexSessionOptions {
  binary: string
  agent: HarnessAgent
  events: HarnessEvents
  server: CodexServer
  /** Codex's home folder (CODEX_HOME, ~/.codex by default): its config, logins and threads */
  codexHome: string
  /** how long an interrupt may take before the turn is ended here */
  abortTimeoutMs?: number
}

const POLICY = { approvalPolicy: "untrusted", sandbox: "danger-full-access" } as const satisfies Omit<ThreadStartParams, "cwd">

interface RunningTurn {
  server: AppServer
  /** known once turn/start answered (or turn/started came first) */
  id?: string
  aborting: boolean
  over: PromiseWithResolvers<void>
}

interface Ask {
  server: AppServer
  id: RequestId
  request: CodexEvent
}

/** How long attach waits for codex to let go of a thread. */
const ANSWER_MS = 5_000

const input = (text: string): TextInput[] => [{ type: "text", text, text_elements: [] }]

export class CodexSession implements HarnessSession, ServerMember {
  #threadId: string | undefined
  /** the thread last reported through `resumable` */
  #saved: string | undefined
  /** the process the thread is loaded in */
  #loadedIn: AppServer | undefined
  #loading: Promise<void> | undefined
  /** the model codex runs the thread with when the agent names none */
  #defaultModel: string | undefined
  #turn: RunningTurn | undefined
  /** the id of the last turn that ended */
  #ended: string | undefined
  /** requests codex waits on, by nativeId */
  readonly #asks = new Map<string, Ask>()
  /** file change items of the running turn, for what their approval is about */
  readonly #changes = new Map<string, FileUpdateChange[]>()
  #asked = 0
  #closed = false

  constructor(private readonly options: CodexSessionOptions) {
    this.#threadId = this.#saved = options.agent.resume?.threadId
  }

  get busy(): boolean {
    return this.#turn !== undefined || this.#asks.size > 0
  }

  async prompt(turnInput: TurnInput): Promise<void> {
    if (this.#closed) throw new Error("this Codex session is closed")
    const { server: shared } = this.options
    shared.join(this)
    const server = await shared.ready()
    await this.#load(server)
    const running = this.#turn
    if (running?.server === server && (await this.#steer(running, turnInput.text))) return
    await this.#start(server, turnInput)
  }

  async abort(): Promise<void> {
    const turn = this.#turn
    if (!turn) return
    turn.aborting = true
    if (turn.id) this.#interrupt(turn)
    const timeout = this.options.abortTimeoutMs ?? 10_000
    const over = await Promise.race([turn.over.promise.then(() => true), Bun.sleep(timeout).then(() => false)])
    // codex did not end the turn: it is over here, whatever codex still does with it.
    if (!over && this.#turn === turn) this.#endTurn({ status: "idle", aborted: true })
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    const ask = this.#asks.get(nativeId)
    // Withdrawn already (its turn ended, codex answered it elsewhere, its process died).
    if (!ask) return
    this.#asks.delete(nativeId)
    if (ask.server.running) ask.server.respond(ask.id, { decision: codexDecision(ask.request, answer) })
    this.options.server.activity()
  }

  async attach(): Promise<AttachCommand> {
    // A thread is on disk, where the TUI reads it, once its first turn started.
    const threadId = this.#saved
    if (!threadId) throw new Error(`${this.options.agent.name} has no Codex thread yet: prompt it once, then attach`)
    // While the agent is idle Codex's TUI gets the thread to itself: it is let go of here (codex
    // unloads it), and the next prompt loads it back with what happened in the TUI.
    const loaded = this.#loadedIn
    if (!this.busy && loaded) {
      this.#unload()
      await Promise.race([loaded.request("thread/unsubscribe", { threadId }).catch(() => undefined), Bun.sleep(ANSWER_MS)])
    }
    // Without daemon_auto_start the TUI runs codex in its own process, which ends with it: a
    // background app-server of codex's own would keep the thread (its writer) for half an hour.
    return { argv: [this.options.binary, "resume", threadId, "--disable", "daemon_auto_start"], env: { CODEX_HOME: this.options.codexHome }, cwd: this.options.agent.directory }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const turn = this.#turn
    const loaded = this.#loadedIn
    this.#turn = undefined
    this.#asks.clear()
    this.#unload()
    this.options.server.leave(this)
    // Said, not awaited: a daemon stopping does not wait on codex, and stops the process next.
    if (turn?.id) this.#interrupt(turn)
    if (loaded?.running && this.#threadId) void loaded.request("thread/unsubscribe", { threadId: this.#threadId }).catch(() => undefined)
  }

  // ---- ServerMember

  processStarted(pid: number): void {
    this.options.events.processStarted(pid)
  }

  processExited(pid: number): void {
    this.options.events.processExited(pid)
  }

  crashed(server: AppServer, crash: CrashPayload): void {
    if (this.#loadedIn !== server) return
    this.#unload()
    this.options.events.crashed(crash)
    // Its requests died with it, but they are not withdrawn: the agents layer keeps them
    // answerable, and applies the answer when codex asks the same call again.
    this.#asks.clear()
    if (this.#turn?.server === server) this.#endTurn({ status: "error", error: `codex app-server ${crash.reason}` })
  }

  message(server: AppServer, message: ServerMessage & { method: string }): void {
    if (server !== this.#loadedIn || this.#closed) return
    const event: CodexEvent = { method: message.method, params: message.params ?? {}, ...(message.id !== undefined && { id: message.id }) }
    this.options.events.event(event)
    if (message.id !== undefined) return this.#request(server, event as CodexEvent & { id: RequestId })
    const params = event.params
    switch (message.method) {
      case NOTIFICATION.turnStarted: {
        const turn = this.#turn
        if (turn && !turn.id) turn.id = (params.turn as Turn).id
        return
      }
      case NOTIFICATION.turnCompleted: {
        const done = params.turn as Turn
        const turn = this.#turn
        // A turn ended here already (an interrupt codex took too long to finish) may end late.
        if (!turn || done.id === this.#ended || (turn.id !== undefined && turn.id !== done.id)) return
        if (done.status === "interrupted") return this.#endTurn({ status: "idle", aborted: true })
        if (done.status === "failed") return this.#endTurn({ status: "error", error: errorText(done.error) })
        return this.#endTurn({ status: "idle", ...(turn.aborting && { aborted: true }) })
      }
      case NOTIFICATION.itemStarted: {
        const item = params.item as ThreadItem
        if (item.type === "fileChange") this.#changes.set(item.id, item.changes)
        return
      }
      case NOTIFICATION.threadClosed:
        // codex unloaded the thread on its own: the next prompt loads it again.
        this.#unload()
        if (this.#turn) this.#endTurn({ status: "error", error: "codex closed the thread during the turn" })
        return
      case NOTIFICATION.requestResolved:
        for (const [nativeId, ask] of this.#asks)
          if (ask.server === server && ask.id === params.requestId) {
            this.#asks.delete(nativeId)
            this.options.events.permissionWithdrawn(nativeId)
          }
        return
    }
  }

  // ---- the thread

  /** Loads the thread in `server`: resumed if it has one, started otherwise. */
  async #load(server: AppServer): Promise<void> {
    while (this.#loadedIn !== server) {
      if (!this.#loading) {
        const loading = this.#open(server).finally(() => this.#loading === loading && (this.#loading = undefined))
        this.#loading = loading
      }
      await this.#loading
    }
  }

  async #open(server: AppServer): Promise<void> {
    const { agent } = this.options
    const params: ThreadStartParams = { cwd: agent.directory, ...POLICY, ...(agent.model && { model: agent.model }) }
    // Loaded as soon as codex answers: the thread's notifications right behind the answer are ours.
    const loaded = (response: ThreadResponse) => {
      this.#threadId = response.thread.id
      this.#defaultModel = response.model
      this.options.server.route(response.thread.id, this)
      this.#loadedIn = server
    }
    const resumed = this.#threadId
    if (!resumed) return void (await server.request<ThreadResponse>("thread/start", params, loaded))
    try {
      await server.request<ThreadResponse>("thread/resume", { ...params, threadId: resumed, excludeTurns: true } satisfies ThreadResumeParams, loaded)
    } catch (error) {
      if (error instanceof CodexRequestError && /active writer/i.test(error.message))
        throw new Error(`another codex has this agent's thread ${resumed} open (a TUI, or codex's own background app-server): close it, then prompt again`)
      if (!(error instanceof CodexRequestError && /no rollout found/i.test(error.message))) throw error
      // Codex keeps its threads in CODEX_HOME: another one (this daemon's environment changed, a
      // node that does not share the folder) has not got this one. Said once; the next prompt
      // starts a new thread.
      this.#threadId = undefined
      throw new Error(`Codex has no thread ${resumed} in ${this.options.codexHome}, so the conversation so far cannot go on here; the next prompt starts a new thread`)
    }
  }

  #unload(): void {
    if (this.#threadId) this.options.server.unroute(this.#threadId)
    this.#loadedIn = undefined
  }

  // ---- turns

  async #start(server: AppServer, turnInput: TurnInput): Promise<void> {
    const turn: RunningTurn = { server, aborting: false, over: Promise.withResolvers() }
    this.#turn = turn
    this.options.server.activity()
    // The model is codex's for this turn and the ones after it: each turn names its own.
    const model = turnInput.model ?? this.options.agent.model ?? this.#defaultModel
    let started: { turn: Turn }
    try {
      const params: TurnStartParams = { threadId: this.#threadId!, input: input(turnInput.text), ...(model && { model }) }
      started = await server.request<{ turn: Turn }>("turn/start", params)
    } catch (error) {
      if (this.#turn === turn) {
        this.#turn = undefined
        this.options.server.activity()
      }
      throw error
    }
    // Saved once a turn ran: codex writes a thread to disk with its first turn, not before.
    if (this.#saved !== this.#threadId) {
      this.#saved = this.#threadId
      this.options.events.resumable({ threadId: this.#threadId! })
    }
    if (this.#turn !== turn) return
    turn.id ??= started.turn.id
    if (turn.aborting) this.#interrupt(turn)
  }

  /** Folds `text` into the running turn; false when that turn is over by now. */
  async #steer(turn: RunningTurn, text: string): Promise<boolean> {
    const turnId = turn.id ?? (await this.#turnId(turn))
    if (!turnId || this.#turn !== turn) return false
    try {
      await turn.server.request("turn/steer", { threadId: this.#threadId!, input: input(text), expectedTurnId: turnId } satisfies TurnSteerParams)
      return true
    } catch (error) {
      if (this.#turn !== turn) return false
      throw error
    }
  }

  /** The running turn's id once codex has said it; undefined when the turn ended first. */
  async #turnId(turn: RunningTurn): Promise<string | undefined> {
    while (!turn.id && this.#turn === turn) await Promise.race([turn.over.promise, Bun.sleep(20)])
    return turn.id
  }

  /** Asks codex to stop the turn; its end comes as turn/completed. */
  #interrupt(turn: RunningTurn): void {
    void turn.server.request("turn/interrupt", { threadId: this.#threadId!, turnId: turn.id! } satisfies TurnInterruptParams).catch(() => undefined)
  }

  #endTurn(end: TurnEnd): void {
    const turn = this.#turn
    this.#turn = undefined
    this.#ended = turn?.id
    this.#changes.clear()
    for (const nativeId of [...this.#asks.keys()]) {
      this.#asks.delete(nativeId)
      this.options.events.permissionWithdrawn(nativeId)
    }
    this.options.events.turnEnded(end)
    turn?.over.resolve()
    this.options.server.activity()
  }

  // ---- codex's requests

  #request(server: AppServer, request: CodexEvent & { id: RequestId }): void {
    if (request.method !== SERVER_REQUEST.commandApproval && request.method !== SERVER_REQUEST.fileChangeApproval) {
      // Questions to a person in codex's own UI (request_user_input, MCP elicitations, extra
      // permissions): nobody answers them here.
      server.refuse(request.id, `iterate does not handle ${request.method}`)
      return
    }
    const nativeId = `codex-${++this.#asked}`
    this.#asks.set(nativeId, { server, id: request.id, request })
    const changes = this.#changes.get(String(request.params.itemId))
    this.options.events.permission(permissionAsk(nativeId, request, changes, this.options.agent.directory))
  }
}
