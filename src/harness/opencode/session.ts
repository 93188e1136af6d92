// One agent's opencode session on the shared server: its prompts and aborts go to opencode's API,
// and its native events come back from the server's event stream. Here opencode's way of
// reporting a turn (events.ts) becomes turnEnded, its permission requests (permissions.ts)
// become permission, and the session id is what the agent resumes from.
import { realpathSync } from "node:fs"
import { within } from "../../os/process.ts"
import type { AttachCommand, HarnessAgent, HarnessEvents, HarnessSession, PermissionAnswer, TurnEnd, TurnInput } from "../harness.ts"
import { attachCommand } from "./attach.ts"
import { OpencodeApiError, type OpencodeClient } from "./client.ts"
import { assistantUpdate, type OpencodeEvent, sessionIdOf, turnError, turnStatus } from "./events.ts"
import { ASK_RULES, permissionAsk, permissionReplied } from "./permissions.ts"
import type { OpencodeServer, ServerListener } from "./server.ts"
import type { OpencodeCrash } from "./supervisor.ts"

interface Turn {
  /** opencode reported this turn (busy, retry or an error): its next idle ends it */
  started: boolean
  /** settled once started */
  begun: PromiseWithResolvers<void>
  /** settled when the turn ends */
  over: PromiseWithResolvers<void>
  error?: string
  /** opencode reported the turn cut short by an abort */
  aborted: boolean
  /** the turn's latest assistant message is a complete final reply: an abort now comes too late */
  replied: boolean
  /** an abort was asked for; opencode's is sent once the turn runs there */
  abort: boolean
  /** opencode's abort for this turn, once sent */
  cancel?: Promise<void>
  /** the next idle ends the turn, though opencode never reported it running */
  endOnIdle: boolean
  /** a prompt of this turn is on its way to opencode, which will retry it on a restarted server */
  sending: boolean
}

// From taking a prompt to running it, opencode writes the user message (slowly on a loaded
// machine). An abort that arrives meanwhile ends nothing (the prompt runs anyway) or stops the
// prompt before it reports anything, so it is sent once the turn runs, or after this long.
const ABORT_GRACE_MS = 10_000
// opencode's abort ends the turn at once; without word of it by then the turn is ended here.
const ABORT_CONFIRM_MS = 10_000

export class OpencodeSession implements HarnessSession, ServerListener {
  /** the real path: opencode keeps one project per directory string */
  readonly directory: string
  private sessionId: string | undefined
  private creating: Promise<string> | undefined
  private joined = false
  /** the session's permission rules are set (on a session made before iterate set them, too) */
  private rulesSet = false
  private turn: Turn | undefined
  /** the latest abort sent to opencode, which ends whatever runs in the session when it arrives */
  private cancelling: Promise<void> | undefined
  /** permission requests opencode waits on */
  private readonly asked = new Set<string>()
  /** requests this session answered, so their `permission.replied` is no news */
  private readonly answering = new Set<string>()
  private closed = false

  constructor(
    private readonly server: OpencodeServer,
    private readonly agent: HarnessAgent,
    private readonly events: HarnessEvents,
  ) {
    this.directory = realDirectory(agent.directory)
    this.sessionId = agent.resume?.sessionId
    if (this.sessionId) server.route(this.sessionId, this)
  }

  get busy(): boolean {
    return this.turn !== undefined
  }

  async prompt(input: TurnInput): Promise<void> {
    // An abort still on its way would stop this prompt's turn instead of the one it was sent for.
    await this.cancelling?.catch(() => {})
    const turn = (this.turn ??= newTurn())
    turn.sending = true
    try {
      await untilConnected(async () => {
        const { client, sessionId } = await this.ready()
        await client.prompt(this.directory, sessionId, { text: input.text, model: input.model ?? this.agent.model })
      })
    } catch (error) {
      // opencode never took it: there is no turn to wait for.
      if (this.turn === turn && !turn.started) this.turn = undefined
      throw error
    } finally {
      turn.sending = false
    }
  }

  /** Resolves once the turn is over: a prompt after it starts a new one. */
  async abort(): Promise<void> {
    const turn = this.turn
    if (!turn) return
    turn.abort = true
    if (!turn.started) {
      await within(Promise.race([turn.begun.promise, turn.over.promise]), ABORT_GRACE_MS)
      if (this.turn !== turn) return
      // opencode never reported it running: whatever runs is stopped, and the idle that follows ends it.
      if (!turn.started) turn.endOnIdle = true
    }
    await this.cancel(turn)
    if ((await within(turn.over.promise, ABORT_CONFIRM_MS)) || this.turn !== turn) return
    console.warn(`opencode session ${this.sessionId}: no word of the aborted turn's end after ${ABORT_CONFIRM_MS} ms; it is ended here`)
    this.endTurn({ status: "idle", aborted: true })
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    const { client } = await this.ready()
    this.answering.add(nativeId)
    // iterate remembers `always` itself, so opencode keeps asking and each answer is on the stream.
    await client.replyPermission(this.directory, nativeId, answer.decision === "deny" ? "reject" : "once", answer.message)
  }

  async attach(): Promise<AttachCommand> {
    this.server.pin(this.directory)
    const { client, sessionId } = await this.ready()
    return { ...attachCommand(this.server.binary, { url: client.url, directory: this.directory, credentials: this.server.credentials }, sessionId), cwd: this.directory }
  }

  async close(): Promise<void> {
    this.closed = true
    this.server.leave(this)
  }

  // ---- from the server

  event(event: OpencodeEvent): void {
    this.events.event(event)
    const ask = permissionAsk(event, this.directory)
    if (ask) {
      this.asked.add(ask.nativeId)
      this.events.permission(ask)
      return
    }
    const replied = permissionReplied(event)
    if (replied) {
      this.asked.delete(replied)
      // Answered by someone else, e.g. in opencode's own TUI: nobody needs to answer it here.
      if (!this.answering.delete(replied)) this.events.permissionWithdrawn(replied)
      return
    }
    // A subagent's session reports its own turns, which are steps of this one.
    const turn = this.turn
    if (!turn || sessionIdOf(event) !== this.sessionId) return
    const failed = turnError(event)
    if (failed) {
      this.begin(turn)
      if (failed.aborted) turn.aborted = true
      else turn.error ??= failed.message
    }
    const assistant = turn.started ? assistantUpdate(event) : undefined
    if (assistant) {
      turn.replied = assistant.final
      if (assistant.aborted) turn.aborted = true
    }
    const status = turnStatus(event)
    if (status === "busy" || status === "retry") this.begin(turn)
    // opencode repeats its idle (and a late error) after a turn; only a started turn ends on one.
    if (status === "idle" && (turn.started || turn.endOnIdle)) {
      const aborted = turn.aborted || (turn.cancel !== undefined && !turn.replied)
      this.endTurn(turn.error ? { status: "error", error: turn.error } : { status: "idle", ...(aborted && { aborted: true }) })
    }
  }

  crash(crash: OpencodeCrash): void {
    this.events.crashed({ pid: crash.pid, reason: crash.reason, restartInMs: crash.restartInMs, logFile: crash.logFile })
    // Its requests died with it; the agents layer keeps them for when opencode asks again.
    this.asked.clear()
    this.answering.clear()
    // A prompt still on its way goes to the restarted server; only a delivered one died with it.
    if (this.turn && !this.turn.sending) {
      this.turn.over.resolve()
      this.turn = undefined
      this.events.turnEnded({ status: "error", error: `opencode crashed during the turn: ${crash.reason}` })
    }
  }

  processStarted(pid: number): void {
    this.events.processStarted(pid)
  }

  processExited(pid: number): void {
    this.events.processExited(pid)
  }

  /** opencode runs the turn: an abort asked for before is sent now. */
  private begin(turn: Turn): void {
    if (turn.started) return
    turn.started = true
    turn.begun.resolve()
    if (turn.abort) this.cancel(turn).catch((error) => console.error(`opencode session ${this.sessionId}: abort failed: ${(error as Error).message}`))
  }

  /** Sends opencode's abort for `turn`, once; one that failed is sent again by the next abort. */
  private cancel(turn: Turn): Promise<void> {
    if (!turn.cancel) {
      const sent = this.ready().then(({ client, sessionId }) => client.abort(this.directory, sessionId).then(() => {}))
      turn.cancel = sent
      this.cancelling = sent
      sent.catch(() => turn.cancel === sent && (turn.cancel = undefined))
    }
    return turn.cancel
  }

  private endTurn(end: TurnEnd): void {
    this.turn?.over.resolve()
    this.turn = undefined
    // An aborted turn leaves its requests waiting in opencode: refuse them, nobody will answer.
    for (const id of this.asked) {
      this.answering.add(id)
      this.events.permissionWithdrawn(id)
      void this.server.client().then((client) => client.replyPermission(this.directory, id, "reject")).catch(() => {})
    }
    this.asked.clear()
    this.events.turnEnded(end)
  }

  /** The server (started and listening) and this agent's session on it, made on first use. */
  private async ready(): Promise<{ client: OpencodeClient; sessionId: string }> {
    if (this.closed) throw new Error(`the opencode session of agent ${this.agent.name} is closed`)
    if (!this.joined) {
      this.server.join(this)
      this.joined = true
    }
    const client = await this.server.client()
    this.server.used(this.directory)
    if (this.sessionId && !this.rulesSet) {
      try {
        await client.setPermissions(this.directory, this.sessionId, ASK_RULES)
        this.rulesSet = true
      } catch (error) {
        // opencode lost the session (its data was removed): the agent starts a new one.
        if (!(error instanceof OpencodeApiError && error.status === 404)) throw error
        this.sessionId = undefined
      }
    }
    if (!this.sessionId) {
      // A prompt and an attach may both get here first; they must end up in one session.
      this.creating ??= client.createSession(this.directory, { title: this.agent.name, permission: ASK_RULES }).then((s) => s.id)
      try {
        const id = await this.creating
        if (!this.sessionId) {
          this.sessionId = id
          this.rulesSet = true
          this.server.route(id, this)
          this.events.resumable({ sessionId: id })
        }
      } finally {
        this.creating = undefined
      }
    }
    return { client, sessionId: this.sessionId! }
  }
}

function newTurn(): Turn {
  const [begun, over] = [Promise.withResolvers<void>(), Promise.withResolvers<void>()]
  return { started: false, begun, over, aborted: false, replied: false, abort: false, endOnIdle: false, sending: false }
}

function realDirectory(directory: string): string {
  try {
    return realpathSync(directory)
  } catch {
    throw new Error(`the working directory ${directory} does not exist`)
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
