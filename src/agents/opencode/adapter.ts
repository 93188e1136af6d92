// The adapter of one opencode agent. It reads the agent's stream in order from the offset it
// stored, carries out each action (a prompt becomes a session prompt, an abort a session abort),
// and appends what opencode emits for the agent's session back onto the stream, unchanged, along
// with the agent's status as turns start and end. Its progress (the last action handled, the
// session) is stored before the action is carried out: a daemon that dies mid-action does not
// repeat the prompt on restart, it reports the turn as interrupted instead.
import {
  OpencodeApiError,
  type OpencodeCrash,
  type OpencodeEvent,
  turnError,
  turnStatus,
} from "../../harness/opencode/index.ts"
import {
  AGENT_EVENT,
  type CrashPayload,
  type ErrorPayload,
  harnessCrashType,
  harnessEventType,
  type PromptPayload,
  type StatusPayload,
} from "../../protocol/agent-events.ts"
import type { EventInput, StreamEvent } from "../../streams/events.ts"
import type { AgentRecord, AgentStore } from "../store.ts"
import type { AgentStreams } from "../stream.ts"
import type { SessionListener, SessionRouter } from "./router.ts"

export interface AdapterContext {
  store: AgentStore
  streams: AgentStreams
  /** The router of a directory's opencode; throws when opencode is not available. */
  router(directory: string): SessionRouter
}

interface Turn {
  /** offset of the prompt opencode works on */
  prompt: string
  /** opencode reported this turn (busy, retry or an error): its next idle ends it */
  started: boolean
  error?: string
  aborted: boolean
  /** an abort came before opencode had started the turn: send it again once it has */
  abortPending: boolean
  /** a prompt of this turn is on its way to opencode, which will retry it on a restarted server */
  sending: boolean
}

export const INTERRUPTED = "the daemon stopped during the turn"

export class OpencodeAdapter implements SessionListener {
  private sessionId: string | undefined
  private turn: Turn | undefined
  private pending: EventInput[] = []
  private flushTimer: ReturnType<typeof setImmediate> | undefined
  private stopped = false
  private appended = true
  private wake: (() => void) | undefined
  private unsubscribe: () => void = () => {}
  private creating: Promise<string> | undefined

  constructor(
    readonly agent: AgentRecord,
    private readonly ctx: AdapterContext,
  ) {
    this.sessionId = agent.sessionId
  }

  /** Resumes from the stored offset; a turn the previous daemon left running is reported interrupted. */
  start(): void {
    if (this.agent.status === "busy") this.setStatus({ status: "error", error: INTERRUPTED, prompt: this.agent.consumed })
    this.unsubscribe = this.ctx.streams.subscribe(this.agent.stream, () => {
      this.appended = true
      this.wake?.()
    })
    this.run(this.agent.consumed).catch((error) => console.error(`agent ${this.agent.id}: its adapter stopped:`, error))
  }

  /** Ends a running turn as failed, e.g. because the daemon stops. */
  interrupt(reason: string): void {
    if (this.turn) this.endTurn({ status: "error", error: reason })
    this.flush()
  }

  /** Stops reading and writing; whatever was emitted is on the stream. */
  stop(): void {
    this.flush()
    this.stopped = true
    this.unsubscribe()
    this.wake?.()
  }

  /** The agent's session on its directory's opencode, made on first use. */
  async session(): Promise<{ router: SessionRouter; sessionId: string }> {
    const router = this.ctx.router(this.agent.directory)
    await router.ready()
    if (!this.sessionId) {
      // A prompt and an attach may both get here first; they must end up in one session.
      this.creating ??= router.runtime.session(this.agent.name).then((session) => session.id)
      try {
        const id = await this.creating
        if (!this.sessionId && !this.stopped) this.ctx.store.setSession(this.agent.id, (this.sessionId = id))
      } finally {
        this.creating = undefined
      }
    }
    if (!this.sessionId) throw new Error(`the adapter of agent ${this.agent.name} has stopped`)
    router.listen(this.sessionId, this)
    return { router, sessionId: this.sessionId }
  }

  event(event: OpencodeEvent): void {
    this.emit({ type: harnessEventType("opencode"), payload: event })
    const turn = this.turn
    if (!turn) return
    const failed = turnError(event)
    if (failed) {
      turn.started = true
      if (failed.aborted) turn.aborted = true
      else turn.error ??= failed.message
    }
    const status = turnStatus(event)
    if (status === "busy" || status === "retry") {
      turn.started = true
      if (turn.abortPending) {
        turn.abortPending = false
        this.abortTurn().catch((error) => this.report({ message: message(error) }))
      }
    }
    // opencode repeats its idle (and a late error) after a turn; only a started turn ends on one.
    if (status === "idle" && turn.started)
      this.endTurn(turn.error ? { status: "error", error: turn.error } : { status: "idle", ...(turn.aborted && { aborted: true }) })
  }

  crash(crash: OpencodeCrash): void {
    const payload: CrashPayload = { pid: crash.pid, reason: crash.reason, restartInMs: crash.restartInMs, logFile: crash.logFile }
    this.emit({ type: harnessCrashType("opencode"), payload })
    // A prompt still on its way goes to the restarted server; only a delivered one died with it.
    if (this.turn && !this.turn.sending) this.endTurn({ status: "error", error: `opencode crashed during the turn: ${crash.reason}` })
  }

  private async run(from: string | undefined): Promise<void> {
    let cursor = from
    while (!this.stopped) {
      if (!this.appended) {
        await new Promise<void>((resolve) => (this.wake = resolve))
        this.wake = undefined
        continue
      }
      this.appended = false
      const events = await this.ctx.streams.read(this.agent.stream, cursor)
      // The stream was deleted underneath: there is nothing left to adapt.
      if (!events) return
      if (events.length > 0) this.appended = true
      for (const event of events) {
        if (this.stopped) return
        cursor = event.offset
        if (event.type === AGENT_EVENT.prompt) await this.prompt(event)
        else if (event.type === AGENT_EVENT.abort) await this.abort(event)
      }
    }
  }

  private async prompt(action: StreamEvent): Promise<void> {
    const payload = action.payload as Partial<PromptPayload> | undefined
    if (typeof payload?.text !== "string" || payload.text.trim() === "") {
      this.ctx.store.setConsumed(this.agent.id, action.offset)
      return this.report({ message: "a prompt needs a non-empty text", action: action.offset })
    }
    const turn = (this.turn ??= { prompt: action.offset, started: false, aborted: false, abortPending: false, sending: false })
    turn.prompt = action.offset
    this.setStatus({ status: "busy", prompt: action.offset }, action.offset)
    const model = typeof payload.model === "string" ? payload.model : this.agent.model
    turn.sending = true
    try {
      await untilConnected(async () => {
        const { router, sessionId } = await this.session()
        await router.runtime.prompt(sessionId, { text: payload.text!, model })
      })
    } catch (error) {
      this.fail(error, action.offset)
    } finally {
      turn.sending = false
    }
  }

  private async abort(action: StreamEvent): Promise<void> {
    this.ctx.store.setConsumed(this.agent.id, action.offset)
    const turn = this.turn
    if (!turn) return
    if (!turn.started) turn.abortPending = true
    try {
      await this.abortTurn()
    } catch (error) {
      this.report({ message: message(error), action: action.offset })
    }
  }

  /** Asks opencode to stop the session's turn now. */
  async abortTurn(): Promise<void> {
    const { router, sessionId } = await this.session()
    await router.runtime.abort(sessionId)
  }

  private fail(error: unknown, action: string): void {
    const text = message(error)
    this.report({ message: text, action })
    if (this.turn) this.endTurn({ status: "error", error: text })
  }

  private report(payload: ErrorPayload): void {
    this.emit({ type: AGENT_EVENT.error, payload })
  }

  private endTurn(payload: Omit<StatusPayload, "prompt">): void {
    const prompt = this.turn?.prompt
    this.turn = undefined
    this.setStatus({ ...payload, prompt })
  }

  private setStatus(payload: StatusPayload, consumed?: string): void {
    if (this.stopped) return
    this.ctx.store.setProgress(this.agent.id, { status: payload.status, error: payload.error, consumed })
    this.emit({ type: AGENT_EVENT.status, payload })
  }

  // Harness events come in bursts (one per streamed token); appending each burst in one commit
  // keeps the cost per event low without reordering anything.
  private emit(event: EventInput): void {
    if (this.stopped) return
    this.pending.push(event)
    this.flushTimer ??= setImmediate(() => this.flush())
  }

  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer)
    this.flushTimer = undefined
    if (this.stopped || this.pending.length === 0) return
    const events = this.pending
    this.pending = []
    // Batches commit in the order they were submitted; one that fails (the stream was deleted or
    // closed by hand) is logged rather than left as an unhandled rejection.
    this.ctx.streams.append(this.agent.stream, events).catch((error) => console.error(`agent ${this.agent.id}: could not append to ${this.agent.stream}: ${message(error)}`))
  }
}

const CONNECTION_ERRORS = /^(ECONNREFUSED|ECONNRESET|ConnectionRefused|ConnectionClosed)$/
const ATTEMPTS = 4

/**
 * Runs `call` again when it could not reach opencode at all: a server that just died is noticed
 * (and restarted) a moment after its port closes, and the next attempt waits for the new one.
 */
async function untilConnected(call: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (error instanceof OpencodeApiError || typeof code !== "string" || !CONNECTION_ERRORS.test(code) || attempt === ATTEMPTS)
        throw error
      await Bun.sleep(250 * attempt)
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
