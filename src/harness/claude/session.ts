// One agent's Claude Code session: the long-lived `claude -p` stream-json process that carries
// its turns (protocol.ts), started on the first prompt, closed after a quiet spell, started again
// with --resume on the next prompt after that, after a crash, or in a later daemon.
//
// A turn is every prompt since the last turn end: each prompt goes out with a uuid, and the turn
// is over once claude has reported each of them completed or cancelled (command_lifecycle), or
// answered in a result; the last result says how it went. Prompts sent while a turn runs wait in
// claude's queue and run in the same iterate turn.
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { type AttachCommand, type HarnessAgent, type HarnessEvents, type HarnessSession, HarnessUnavailableError, type PermissionAnswer, type TurnInput } from "../harness.ts"
import { describeExit } from "../process/exit.ts"
import { LineProcess as ClaudeProcess } from "../process/lines.ts"
import { claudeModel } from "./model.ts"
import { permissionKind, permissionResponse, permissionSummary } from "./permissions.ts"
import { type CanUseToolRequest, type ClaudeLine, isAborted, type ResultLine, resultError } from "./protocol.ts"

export interface ClaudeSessionOptions {
  binary: string
  agent: HarnessAgent
  events: HarnessEvents
  /** the complete environment of the claude process */
  env: Record<string, string | undefined>
  /** Claude Code's config folder (CLAUDE_CONFIG_DIR, ~/.claude by default), where its conversations are */
  configDir: string
  logFile: string
  /** how long a process may sit idle before it is closed */
  idleTimeoutMs: number
  /** how long an interrupt may take before the process is stopped instead; default 10 s */
  abortTimeoutMs?: number
  onClose?: () => void
}

export const CLAUDE_FLAGS = [
  "-p",
  "--input-format",
  "stream-json",
  "--output-format",
  "stream-json",
  "--verbose",
  "--include-partial-messages",
  "--permission-prompt-tool",
  "stdio",
  "--permission-mode",
  "default",
]

/** Set in the environment of every claude the daemon starts: a later daemon knows its orphans by it. */
export const AGENT_ENV = "ITERATE_CLAUDE_AGENT"

// After stdin closes an idle claude exits within milliseconds; this is for one that does not.
const EXIT_GRACE_MS = 5_000

type Control = { resolve: (response: Record<string, unknown>) => void; reject: (error: Error) => void; process: ClaudeProcess }

export class ClaudeSession implements HarnessSession {
  readonly sessionId: string
  private process: ClaudeProcess | undefined
  /** processes being stopped on purpose: their exit is no crash */
  private readonly stopping = new Set<ClaudeProcess>()
  /** uuids of this turn's prompts that claude has not finished with */
  private readonly outstanding = new Set<string>()
  private lastResult: ResultLine | undefined
  private aborting = false
  private readonly turnOver: Array<() => void> = []
  private readonly permissions = new Map<string, CanUseToolRequest>()
  private readonly controls = new Map<string, Control>()
  /** the model the running process uses (undefined: claude's default) */
  private processModel: string | undefined
  private idleTimer: Timer | undefined
  private reportedResumable: boolean
  private closed = false

  constructor(private readonly options: ClaudeSessionOptions) {
    this.sessionId = options.agent.resume?.sessionId ?? crypto.randomUUID()
    this.reportedResumable = options.agent.resume?.sessionId === this.sessionId
  }

  private get agentModel(): string | undefined {
    return this.options.agent.model ? claudeModel(this.options.agent.model.trim()) : undefined
  }

  async prompt(input: TurnInput): Promise<void> {
    if (this.closed) throw new Error("this Claude Code session is closed")
    // Before anything is awaited: an idle process must not be closed under this prompt.
    this.clearIdle()
    const process = await this.running()
    await this.useModel(process, input.model ? claudeModel(input.model.trim()) : this.agentModel)
    const uuid = crypto.randomUUID()
    if (this.outstanding.size === 0) this.lastResult = undefined
    this.outstanding.add(uuid)
    if (process.send({ type: "user", uuid, session_id: "", parent_tool_use_id: null, message: { role: "user", content: input.text } })) return
    // claude died before it could read the prompt (one that fails at start dies at once). Its exit,
    // still to be handled, ends the turn with what it said, like any crash during a turn; only when
    // it was handled already is the prompt refused here.
    if (this.process === process) return
    this.outstanding.delete(uuid)
    throw new Error(`claude exited before it took the prompt (${describeExit(await process.exited)})`)
  }

  async abort(): Promise<void> {
    const process = this.process
    if (this.outstanding.size === 0 || !process) return
    this.aborting = true
    const over = new Promise<boolean>((resolve) => this.turnOver.push(() => resolve(true)))
    const timeout = this.options.abortTimeoutMs ?? 10_000
    await this.control(process, { subtype: "interrupt", cancel_queued: true }).catch(() => undefined)
    if (await Promise.race([over, Bun.sleep(timeout).then(() => false)])) return
    // claude did not stop the turn: stopping the process does (the exit ends the turn as aborted).
    await this.stop(process)
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    const request = this.permissions.get(nativeId)
    // Withdrawn already (its turn ended): nothing waits for the answer.
    if (!request) return
    this.permissions.delete(nativeId)
    this.process?.send({ type: "control_response", response: { subtype: "success", request_id: nativeId, response: permissionResponse(request, answer) } })
  }

  async attach(): Promise<AttachCommand> {
    // Claude's own TUI on the conversation; before the first prompt there is none to resume.
    const session = this.hasConversation() ? ["--resume", this.sessionId] : ["--session-id", this.sessionId]
    const configDir = this.options.env.CLAUDE_CONFIG_DIR
    const env: Record<string, string> = configDir ? { CLAUDE_CONFIG_DIR: configDir } : {}
    return { argv: [this.options.binary, ...session], env, cwd: this.options.agent.directory }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.clearIdle()
    const process = this.process
    if (process) await this.stop(process)
    // One closing after a quiet spell may still be finishing: it is not waited out.
    await Promise.all([...this.stopping].map((p) => p.kill()))
    this.options.onClose?.()
  }

  /** The pid of the running claude, if one is up. */
  get pid(): number | undefined {
    return this.process?.pid
  }

  // ---- the process

  private async running(): Promise<ClaudeProcess> {
    if (this.process) return this.process
    // An idle one that is closing must be gone before another opens the same conversation.
    await Promise.all([...this.stopping].map((p) => p.exited))
    if (this.process) return this.process
    const { agent, binary, env, events, logFile } = this.options
    const model = this.agentModel
    const argv = [
      binary,
      ...CLAUDE_FLAGS,
      ...(this.hasConversation() ? ["--resume", this.sessionId] : ["--session-id", this.sessionId]),
      ...(model ? ["--model", model] : []),
    ]
    let process: ClaudeProcess
    try {
      process = new ClaudeProcess({ argv, cwd: agent.directory, env, logFile, onLine: (line) => this.receive(process, line) })
    } catch (error) {
      throw new HarnessUnavailableError((error as Error).message)
    }
    this.process = process
    this.processModel = model
    events.processStarted(process.pid)
    if (!this.reportedResumable) {
      this.reportedResumable = true
      events.resumable({ sessionId: this.sessionId })
    }
    void process.exited.then((exit) => this.exited(process, describeExit(exit)))
    return process
  }

  private hasConversation(): boolean {
    const projects = join(this.options.configDir, "projects")
    try {
      return readdirSync(projects).some((dir) => existsSync(join(projects, dir, `${this.sessionId}.jsonl`)))
    } catch {
      return false
    }
  }

  private async useModel(process: ClaudeProcess, model: string | undefined): Promise<void> {
    if (model === this.processModel) return
    await this.control(process, { subtype: "set_model", ...(model && { model }) })
    this.processModel = model
  }

  private control(process: ClaudeProcess, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = crypto.randomUUID()
    return new Promise((resolve, reject) => {
      this.controls.set(id, { resolve, reject, process })
      if (!process.send({ type: "control_request", request_id: id, request })) {
        this.controls.delete(id)
        reject(new Error("claude is not running"))
      }
    })
  }

  /** Stops a process on purpose: its exit is no crash. */
  private async stop(process: ClaudeProcess): Promise<void> {
    if (this.process === process) this.process = undefined
    this.stopping.add(process)
    await process.kill()
  }

  private closeIdle(): void {
    const process = this.process
    if (!process || this.outstanding.size > 0 || this.permissions.size > 0) return
    this.process = undefined
    this.stopping.add(process)
    process.endInput()
    void Promise.race([process.exited, Bun.sleep(EXIT_GRACE_MS)]).then(() => process.kill())
  }

  private exited(process: ClaudeProcess, how: string): void {
    const { events, logFile } = this.options
    if (this.process === process) this.process = undefined
    const onPurpose = this.stopping.delete(process)
    events.processExited(process.pid)
    for (const [id, control] of this.controls) {
      if (control.process !== process) continue
      this.controls.delete(id)
      control.reject(new Error(`claude exited (${how})`))
    }
    // Its requests died with it, but they are not withdrawn: the agents layer keeps them
    // answerable, and applies the answer when the respawned claude asks the same call again.
    this.permissions.clear()
    if (!onPurpose) events.crashed({ pid: process.pid, reason: `exited (${how})`, logFile })
    if (this.outstanding.size === 0) return
    this.outstanding.clear()
    if (onPurpose && this.aborting) this.endTurn()
    else if (!this.closed) this.endTurn(`claude exited during the turn (${how})`)
  }

  // ---- what claude says

  private receive(process: ClaudeProcess, line: string): void {
    let message: ClaudeLine
    try {
      message = JSON.parse(line)
    } catch {
      return // not protocol: claude prints nothing else on stdout in this mode, but a wrapper might
    }
    // A closing process may still speak; only the current one's lines belong to the session.
    if (process !== this.process && !this.stopping.has(process)) return
    try {
      this.options.events.event(message)
      this.handle(process, message)
    } catch (error) {
      // The events sink failing must not stop the reader: the next line may still get through.
      console.error(`claude session ${this.sessionId}: ${(error as Error).message}`)
    }
  }

  private handle(process: ClaudeProcess, message: ClaudeLine): void {
    switch (message.type) {
      case "control_request":
        return this.controlRequest(process, message)
      case "control_cancel_request": {
        const id = String(message.request_id)
        if (this.permissions.delete(id)) this.options.events.permissionWithdrawn(id)
        return
      }
      case "control_response": {
        const response = (message.response ?? {}) as Record<string, unknown>
        const control = this.controls.get(String(response.request_id))
        if (!control) return
        this.controls.delete(String(response.request_id))
        if (response.subtype === "error") control.reject(new Error(String(response.error ?? "claude refused the request")))
        else control.resolve((response.response ?? {}) as Record<string, unknown>)
        return
      }
      case "command_lifecycle":
        if (message.state === "completed" || message.state === "cancelled") this.settle([String(message.command_uuid)])
        return
      case "result": {
        const result = message as unknown as ResultLine
        if (this.outstanding.size === 0) return
        this.lastResult = result
        // An older claude names no prompts: its result ends everything sent so far.
        this.settle(Array.isArray(result.user_message_uuids) ? result.user_message_uuids : [...this.outstanding])
        return
      }
    }
  }

  private controlRequest(process: ClaudeProcess, message: ClaudeLine): void {
    const id = String(message.request_id)
    const request = (message.request ?? {}) as CanUseToolRequest
    if (request.subtype !== "can_use_tool") {
      process.send({ type: "control_response", response: { subtype: "error", request_id: id, error: `iterate does not handle ${String(request.subtype)}` } })
      return
    }
    this.permissions.set(id, request)
    this.options.events.permission({
      nativeId: id,
      tool: request.tool_name,
      kind: permissionKind(request.tool_name),
      summary: permissionSummary(request, this.options.agent.directory),
      request: message,
      input: request.input,
    })
  }

  private settle(uuids: string[]): void {
    if (this.outstanding.size === 0) return
    for (const uuid of uuids) this.outstanding.delete(uuid)
    if (this.outstanding.size === 0) this.endTurn()
  }

  private endTurn(crash?: string): void {
    const result = this.lastResult
    const aborted = this.aborting || (result !== undefined && isAborted(result))
    this.lastResult = undefined
    this.aborting = false
    this.withdrawPermissions()
    const error = crash ?? (result && !aborted ? resultError(result) : undefined)
    this.options.events.turnEnded(error ? { status: "error", error } : { status: "idle", ...(aborted && { aborted: true }) })
    for (const resolve of this.turnOver.splice(0)) resolve()
    this.armIdle()
  }

  private withdrawPermissions(): void {
    for (const id of [...this.permissions.keys()]) {
      this.permissions.delete(id)
      this.options.events.permissionWithdrawn(id)
    }
  }

  private armIdle(): void {
    this.clearIdle()
    if (this.closed || !this.process) return
    this.idleTimer = setTimeout(() => this.closeIdle(), this.options.idleTimeoutMs)
    this.idleTimer.unref?.()
  }

  private clearIdle(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }
}
