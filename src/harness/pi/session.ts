// One agent's Pi: a `pi --mode rpc` process in the agent's directory, started by the first prompt
// on the agent's session file, stopped after sitting idle, started again (same file, so Pi picks
// the conversation up) by the next prompt or after a crash. The protocol is in events.ts.
//
// A turn is everything from the prompt that started it until Pi is idle again: prompts sent while
// it runs are folded in as steering messages (Pi hands them to the model before its next call),
// and Pi's own retries of a failed model call stay inside the turn. When an agent_end arrives, a
// get_state barrier (sent once every prompt has been answered) tells whether anything follows:
// a retry, an overflow compaction, or a run for a prompt Pi took after the last one ended.
//
// Known gaps, both Pi's own: a prompt folded in during the moment between the model's last reply
// and agent_end stays in Pi's queue until the next prompt delivers it; and a prompt another
// extension's `input` handler swallows starts no run, so its turn waits for the next one (an
// extension's `/command` is handled: the barrier after its answer sees that no run started).
import type { CrashPayload } from "../../protocol/agent-events.ts"
import {
  type AttachCommand,
  type HarnessAgent,
  type HarnessEvents,
  type HarnessSession,
  HarnessUnavailableError,
  type PermissionAnswer,
  type TurnEnd,
  type TurnInput,
} from "../harness.ts"
import { firstLine, lastAssistant, type PiAssistantMessage, type PiEvent, permissionRequest, slim } from "./events.ts"
import type { PiLauncher } from "./launch.ts"
import { toolKind, toolSummary } from "./permissions.ts"
import { describeExit, type PiExit, PiProcess } from "./rpc-process.ts"

export interface PiSessionOptions {
  agent: HarnessAgent
  events: HarnessEvents
  launcher: PiLauncher
  sessionFile: string
  logFile: string
  idleTimeoutMs: number
  onClose?: () => void
}

interface Turn {
  /** Pi took the prompt that started it */
  started: boolean
  /** agent runs it has had */
  runs: number
  /** prompts sent and not answered yet */
  outstanding: number
  /** an agent_end came and nothing has started since: the turn may be over */
  ended: boolean
  /** the barrier whose answer decides; earlier ones are stale */
  barrier: number
  retrying: boolean
  compacting: boolean
  abortRequested: boolean
  /** how the last run ended */
  last?: PiAssistantMessage
  /** why it failed, when Pi said so outside a message (a retry or compaction that gave up) */
  error?: string
}

const newTurn = (): Turn => ({ started: false, runs: 0, outstanding: 0, ended: false, barrier: 0, retrying: false, compacting: false, abortRequested: false })

export class PiSession implements HarnessSession {
  #process: PiProcess | undefined
  /** processes this session stopped on purpose: their exit is no crash */
  readonly #stopping = new WeakSet<PiProcess>()
  #turn: Turn | undefined
  /** permission dialogs Pi waits on, by the extension_ui_request id */
  readonly #asks = new Set<string>()
  #idle: Timer | undefined
  /** the model the process runs with, as provider/model, when known */
  #model: string | undefined
  /** Pi's own choice, for an agent without a model whose turn picked another */
  #defaultModel: string | undefined
  #barriers = 0
  #resumable: boolean

  constructor(private readonly options: PiSessionOptions) {
    this.#resumable = options.agent.resume?.sessionFile === options.sessionFile
  }

  async prompt(input: TurnInput): Promise<void> {
    this.#clearIdle()
    const pi = this.#ensureProcess()
    try {
      await this.#selectModel(pi, input.model ?? this.options.agent.model ?? this.#defaultModel)
    } catch (error) {
      this.#armIdle()
      throw error
    }
    const turn = (this.#turn ??= newTurn())
    turn.outstanding++
    const refused = (error: Error) => {
      if (this.#turn === turn && !turn.started) {
        this.#turn = undefined
        this.#armIdle()
      } else this.#maybeBarrier(turn)
      return error
    }
    let response
    try {
      // "steer" is ignored when Pi is idle, so it starts a run then and folds into one otherwise.
      response = await pi.request({ type: "prompt", message: input.text, streamingBehavior: "steer" })
    } catch (error) {
      throw refused(error as Error)
    } finally {
      turn.outstanding--
    }
    if (!response.success) throw refused(new Error(firstLine(response.error ?? "pi refused the prompt")))
    turn.started = true
    if (turn.abortRequested) pi.send({ type: "abort" })
    // An extension's command (`/name …`) may be handled without any run: ask whether one started.
    if (input.text.startsWith("/") && !turn.runs) turn.ended = true
    this.#maybeBarrier(turn)
  }

  async abort(): Promise<void> {
    const turn = this.#turn
    if (!turn) return
    turn.abortRequested = true
    if (turn.started) await this.#process?.request({ type: "abort" }).catch(() => undefined)
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    if (!this.#asks.delete(nativeId)) return
    this.#process?.send({ type: "extension_ui_response", id: nativeId, confirmed: answer.decision !== "deny" })
    this.#armIdle()
  }

  async attach(): Promise<AttachCommand> {
    // Pi keeps a session in memory and appends to its file: while the agent is idle, the TUI gets
    // the file to itself, and the next prompt reads back what happened there.
    if (!this.#turn && this.#process) await this.#stop(this.#process)
    this.#reportResumable()
    const command = this.options.launcher.interactive(["--session", this.options.sessionFile])
    return { ...command, cwd: this.options.agent.directory }
  }

  async close(): Promise<void> {
    this.options.onClose?.()
    this.#clearIdle()
    this.#turn = undefined
    this.#asks.clear()
    if (this.#process) await this.#stop(this.#process)
  }

  // ---- the process

  #ensureProcess(): PiProcess {
    if (this.#process?.running) return this.#process
    const { agent, launcher, sessionFile, logFile } = this.options
    let launch
    try {
      launch = launcher.rpc(["--session", sessionFile, ...(agent.model ? ["--model", agent.model] : [])])
    } catch (error) {
      throw new HarnessUnavailableError((error as Error).message)
    }
    const pi = new PiProcess({
      ...launch,
      cwd: agent.directory,
      logFile,
      onLine: (event) => this.#onLine(pi, event),
    })
    this.#process = pi
    this.#model = agent.model
    this.options.events.processStarted(pi.pid)
    this.#reportResumable()
    void pi.exited.then((exit) => this.#exited(pi, exit))
    return pi
  }

  #reportResumable(): void {
    if (this.#resumable) return
    this.#resumable = true
    this.options.events.resumable({ sessionFile: this.options.sessionFile })
  }

  /** Stops `pi` on purpose; from now on it reports nothing, and a prompt starts another. */
  async #stop(pi: PiProcess): Promise<void> {
    this.#stopping.add(pi)
    if (this.#process === pi) this.#process = undefined
    await pi.kill()
  }

  #exited(pi: PiProcess, exit: PiExit): void {
    if (this.#process === pi) this.#process = undefined
    this.options.events.processExited(pi.pid)
    if (this.#stopping.has(pi)) return
    const reason = `exited (${describeExit(exit)})`
    const crash: CrashPayload = { pid: pi.pid, reason, logFile: this.options.logFile }
    this.options.events.crashed(crash)
    // Its permission dialogs died with it, but they are not withdrawn: the agents layer keeps them
    // answerable, and applies the answer when the respawned pi asks the same call again.
    this.#asks.clear()
    // A turn whose first prompt was not taken yet fails through that prompt instead.
    if (this.#turn?.started) this.#finish({ status: "error", error: `pi ${reason}` })
  }

  #armIdle(): void {
    this.#clearIdle()
    const pi = this.#process
    if (!pi || this.#turn || this.#asks.size > 0) return
    this.#idle = setTimeout(() => {
      if (this.#process === pi && !this.#turn && this.#asks.size === 0) void this.#stop(pi)
    }, this.options.idleTimeoutMs)
    this.#idle.unref?.()
  }

  #clearIdle(): void {
    clearTimeout(this.#idle)
    this.#idle = undefined
  }

  async #selectModel(pi: PiProcess, wanted: string | undefined): Promise<void> {
    if (!wanted || wanted === this.#model) return
    if (!this.#model) {
      // Pi chose the model itself: remember which, to go back to it after this turn.
      const state = await pi.request({ type: "get_state" })
      const model = (state.data as { model?: { provider?: string; id?: string } } | undefined)?.model
      this.#model = this.#defaultModel = model?.provider && model.id ? `${model.provider}/${model.id}` : undefined
      if (wanted === this.#model) return
    }
    const slash = wanted.indexOf("/")
    const response = await pi.request({ type: "set_model", provider: wanted.slice(0, slash), modelId: wanted.slice(slash + 1) })
    if (!response.success) throw new Error(firstLine(response.error ?? `pi cannot use ${wanted}`))
    this.#model = wanted
  }

  // ---- what Pi says

  #onLine(pi: PiProcess, event: PiEvent): void {
    // Responses answer our own commands (the prompt's refusal reaches the caller of prompt()).
    if (event.type === "response" || pi !== this.#process) return
    this.options.events.event(slim(event))
    const turn = this.#turn
    switch (event.type) {
      case "agent_start":
        if (!turn) return
        turn.runs++
        turn.ended = false
        turn.retrying = false
        return
      case "agent_end":
        if (!turn) return
        turn.last = lastAssistant(event)
        turn.ended = true
        this.#maybeBarrier(turn)
        return
      case "auto_retry_start":
        if (turn) turn.retrying = true
        return
      case "auto_retry_end":
        if (!turn || event.success) return
        turn.retrying = false
        turn.error = typeof event.finalError === "string" ? firstLine(event.finalError) : undefined
        this.#maybeBarrier(turn)
        return
      case "compaction_start":
        if (turn && event.reason === "overflow") turn.compacting = true
        return
      case "compaction_end":
        if (!turn || !turn.compacting) return
        turn.compacting = false
        if (event.willRetry) turn.retrying = true
        else if (typeof event.errorMessage === "string") turn.error = firstLine(event.errorMessage)
        this.#maybeBarrier(turn)
        return
      case "extension_ui_request":
        this.#uiRequest(pi, event)
        return
    }
  }

  #maybeBarrier(turn: Turn): void {
    const pi = this.#process
    if (!pi || !turn.ended || turn.outstanding > 0) return
    const barrier = (turn.barrier = ++this.#barriers)
    void pi.request({ type: "get_state" }).then(
      (response) => {
        if (this.#turn !== turn || turn.barrier !== barrier || !turn.ended) return
        const state = response.data as { isStreaming?: boolean } | undefined
        // A run Pi started for a prompt it took after the last one ended; its agent_start is on the way.
        if (state?.isStreaming) turn.ended = false
        else if (!turn.retrying && !turn.compacting) this.#finish(this.#outcome(turn))
      },
      () => undefined, // the process died: #exited ends the turn
    )
  }

  #outcome(turn: Turn): TurnEnd {
    const stop = turn.last?.stopReason
    if (stop === "aborted" || (turn.abortRequested && turn.error === "Retry cancelled")) return { status: "idle", aborted: true }
    if (stop === "error") return { status: "error", error: firstLine(turn.last?.errorMessage ?? turn.error ?? "the model call failed") }
    if (turn.error) return { status: "error", error: turn.error }
    return { status: "idle" }
  }

  #finish(end: TurnEnd): void {
    this.#turn = undefined
    this.#withdrawAsks()
    this.options.events.turnEnded(end)
    this.#armIdle()
  }

  #withdrawAsks(): void {
    for (const id of this.#asks) this.options.events.permissionWithdrawn(id)
    this.#asks.clear()
  }

  #uiRequest(pi: PiProcess, event: PiEvent): void {
    const id = String(event.id)
    if (event.method === "confirm") {
      const body = permissionRequest(event)
      this.#asks.add(id)
      this.#clearIdle()
      if (body) {
        const { toolName: tool, input } = body
        this.options.events.permission({ nativeId: id, tool, kind: toolKind(tool), summary: toolSummary(tool, input), request: event, input })
      } else {
        // Another extension's question: the same yes or no.
        const summary = firstLine([event.title, event.message].filter((s) => typeof s === "string" && s).join(": "))
        this.options.events.permission({ nativeId: id, tool: "confirm", kind: "question", summary, request: event })
      }
    } else if (event.method === "select" || event.method === "input" || event.method === "editor") {
      // Nobody here can pick an option or type text for another extension: dismiss it.
      pi.send({ type: "extension_ui_response", id, cancelled: true })
    }
  }
}
