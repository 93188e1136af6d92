// The adapter of one agent, the same for every harness. It reads the agent's stream in order from
// the offset it stored and carries out each action: a prompt goes to the harness session, an
// abort stops its turn, a permission reply answers the request it names. What the session reports
// goes back onto the stream: its native events unchanged, its crashes, the agent's status as
// turns start and end, and the permission requests it asks, decided by the agent's policy when
// that can, otherwise left for anyone to answer. Progress (the last action handled, what the
// session resumes from, each request and its answer) is stored before the action is carried out:
// a daemon that dies mid-action does not repeat the prompt on restart, it reports the turn as
// interrupted instead. The store is async, so what the session reports is handled one report
// at a time, in order. Harness output is appended with the agent's lease fence: once another node
// has taken the agent over, the append is refused and the adapter stops at once. Each turn's native
// events are folded as they come (usage/turn.ts): its end records what the harness reported it
// spent in the agent's ledger and on the stream; a prompt to an agent that has spent its budget
// is refused. Before each turn's prompt goes to the harness, the agent's files are snapshotted (in
// a git repository), and a worktree agent's setup command runs first if it has not succeeded yet
// (src/agents/work): the same for every harness.
import type { Harness, HarnessEvents, HarnessResume, HarnessSession, PermissionAnswer, PermissionAsk, TurnEnd } from "../harness/harness.ts"
import {
  AGENT_EVENT,
  type CrashPayload,
  type ErrorPayload,
  harnessCrashType,
  harnessEventType,
  type PermissionDecision,
  type PermissionPolicy,
  type PermissionReplyPayload,
  type PermissionRequestedPayload,
  type PermissionWithdrawnPayload,
  type PromptPayload,
  type StatusPayload,
} from "../protocol/agent-events.ts"
import { within } from "../os/process.ts"
import type { EventInput, LinkedInput, StreamEvent } from "../streams/events.ts"
import { type AppendFence, FencedError } from "../streams/store.ts"
import { matchKey, newPermissionId, policyDecision } from "./policy.ts"
import type { AgentRecord, AgentStore, AgentWorktree } from "./store.ts"
import type { AgentStreams } from "./stream.ts"
import { budgetProblem } from "./usage/budget.ts"
import { TurnUsage } from "./usage/turn.ts"
import { runWorktreeScript } from "./work/scripts.ts"
import { snapshotTo, turnRef } from "./work/snapshots.ts"

export interface AdapterContext {
  store: AgentStore
  streams: AgentStreams
  harness: Harness
  /** the lease this node holds the agent under, on a shared store: every harness append carries it */
  fence?: AppendFence
  /** an append was fenced off: another node holds the agent now */
  lost?: (reason: string) => void
  /** the environment a worktree's setup command starts from */
  env?: Record<string, string | undefined>
}

export const INTERRUPTED = "the daemon stopped during the turn"

// How long stop() waits for the session's reports so far to be handled, and then for their events
// to be stored: only a store that does not answer takes that long.
const REPORTS_GRACE_MS = 5_000

const DECISIONS: readonly string[] = ["allow", "always", "deny"] satisfies PermissionDecision[]

export class AgentAdapter implements HarnessEvents {
  private session: HarnessSession | undefined
  /** the turn the harness works on: the offset of its latest prompt, and what it spent so far */
  private turn: { prompt: string; usage: TurnUsage } | undefined
  /** requests the harness waits on right now: iterate's id → the harness's */
  private readonly live = new Map<string, string>()
  private pending: EventInput[] = []
  private flushTimer: ReturnType<typeof setImmediate> | undefined
  private stopped = false
  private appended = true
  private wake: (() => void) | undefined
  private unsubscribe: () => void = () => {}
  /** the session's reports not handled yet, in order */
  private reports: Promise<void> = Promise.resolve()
  /** the worktree's setup command while it runs: what went wrong, when it failed */
  private setup: Promise<string | undefined> | undefined
  /** aborted when the adapter stops: a setup command that runs stops with it */
  private readonly halted = new AbortController()
  /** the last batch handed to the store, settled once it committed (or failed) */
  private appending: Promise<unknown> = Promise.resolve()

  constructor(
    private agent: AgentRecord,
    private readonly ctx: AdapterContext,
  ) {}

  /** The harness session, opened on first use; throws HarnessUnavailableError when the harness cannot run. */
  open(): HarnessSession {
    const { id, name, directory, model, resume } = this.agent
    return (this.session ??= this.ctx.harness.open({ id, name, directory, ...(model !== undefined && { model }), ...(resume && { resume }) }, this))
  }

  /** Resumes from the stored offset; a turn the previous daemon (or node) left running is reported `interrupted`. */
  start(interrupted = INTERRUPTED): void {
    this.unsubscribe = this.ctx.streams.subscribe(this.agent.stream, () => {
      this.appended = true
      this.wake?.()
    })
    this.run(this.agent.consumed, interrupted).catch((error) => {
      if (!this.stopped) console.error(`agent ${this.agent.id}: its adapter stopped:`, error)
    })
    // A new worktree is set up at once, so that it is ready (or nearly) when the first prompt comes.
    if (this.agent.worktree?.setup === "pending") this.setup = this.runSetup(this.agent.worktree)
  }

  /** A permission request of the running turn waits for an answer. */
  get waiting(): boolean {
    return this.turn !== undefined && this.live.size > 0
  }

  /** A harness waits on the request `id` right now. */
  isLive(id: string): boolean {
    return this.live.has(id)
  }

  get busy(): boolean {
    return this.turn !== undefined
  }

  async setPolicy(policy: PermissionPolicy): Promise<void> {
    await this.ctx.store.setPolicy(this.agent.id, policy)
    this.agent = { ...this.agent, permissions: policy }
  }

  /** Appends actions after everything the adapter has to append already, so a reply follows its request. */
  append(events: LinkedInput[]): Promise<StreamEvent[] | undefined> {
    this.flush()
    return this.ctx.streams.append(this.agent.stream, events)
  }

  /** Ends a running turn as failed, e.g. because the daemon stops. */
  async interrupt(reason: string): Promise<void> {
    if (this.turn) await this.endTurn({ status: "error", error: reason })
    this.flush()
  }

  /**
   * Stops reading and writing once the session's reports so far are handled and their events
   * stored; then the session is closed, which stops its processes. Whatever the session reported
   * before is on the stream.
   */
  async stop(): Promise<void> {
    await within(this.reports, REPORTS_GRACE_MS)
    this.flush()
    this.halt()
    // Batches commit in order: once the last one has, the stores may be closed.
    await within(this.appending, REPORTS_GRACE_MS)
    await this.session?.close()
  }

  /** Stops at once, appending nothing more: another node holds the agent now. Its harness's turn is aborted. */
  async abandon(): Promise<void> {
    const busy = this.turn !== undefined
    this.pending = []
    this.halt()
    if (busy) await this.session?.abort().catch(() => {})
    await this.session?.close()
  }

  private halt(): void {
    this.stopped = true
    this.halted.abort()
    this.unsubscribe()
    this.wake?.()
  }

  // ---- HarnessEvents: what the session reports

  event(native: unknown): void {
    this.report(() => {
      this.turn?.usage.push(native)
      this.emit({ type: harnessEventType(this.ctx.harness.name), payload: native })
    })
  }

  turnEnded(end: TurnEnd): void {
    this.report(async () => {
      if (this.turn) await this.endTurn({ status: end.status, ...(end.error !== undefined && { error: end.error }), ...(end.aborted && { aborted: true }) })
    })
  }

  permission(ask: PermissionAsk): void {
    this.report(() => this.ask(ask))
  }

  permissionWithdrawn(nativeId: string): void {
    this.report(async () => {
      for (const [id, native] of this.live) {
        if (native !== nativeId) continue
        this.live.delete(id)
        await this.withdraw(id, `${this.ctx.harness.name} stopped waiting for an answer`)
      }
    })
  }

  warn(message: string): void {
    this.report(() => this.error({ message }))
  }

  crashed(crash: CrashPayload): void {
    this.report(() => {
      this.emit({ type: harnessCrashType(this.ctx.harness.name), payload: crash })
      // Its requests died with it; they stay answerable for when the respawned harness asks again.
      this.live.clear()
    })
  }

  resumable(resume: HarnessResume): void {
    this.report(async () => {
      if (this.stopped) return
      this.agent = { ...this.agent, resume }
      await this.ctx.store.setResume(this.agent.id, resume)
    })
  }

  processStarted(pid: number): void {
    this.report(() => this.ctx.store.addProcess(pid, this.ctx.harness.name))
  }

  processExited(pid: number): void {
    this.report(() => this.ctx.store.removeProcess(pid))
  }

  // One report after the other, native events included, so the stream keeps the session's order.
  private report(work: () => void | Promise<void>): void {
    this.reports = this.reports.then(work).catch((error) => {
      if (!this.stopped) console.error(`agent ${this.agent.id}: ${message(error)}`)
    })
  }

  private async ask(ask: PermissionAsk): Promise<void> {
    if (this.stopped) return
    const { store } = this.ctx
    // The policy may have been changed on another node.
    const current = await store.find(this.agent.id)
    if (current) this.agent = { ...this.agent, permissions: current.permissions, allowedTools: current.allowedTools }
    const key = matchKey(ask)
    // The same call asked again by a respawned harness: what was asked of the one that died.
    const earlier = (await store.openPermissions(this.agent.id)).find((p) => p.key === key && !this.live.has(p.id))
    const id = newPermissionId()
    await store.addPermission({ id, agentId: this.agent.id, tool: ask.tool, kind: ask.kind, summary: ask.summary, request: ask.request, key, createdAt: new Date().toISOString() })
    let answer: (PermissionAnswer & { by: "policy" | "user" }) | undefined
    if (earlier?.state === "held") answer = { decision: earlier.decision!, ...(earlier.message !== undefined && { message: earlier.message }), by: "user" }
    else {
      const decision = policyDecision(this.agent.permissions, this.agent.allowedTools, ask)
      if (decision) answer = { decision, by: "policy" }
    }
    if (earlier?.state === "pending") await store.settlePermission(earlier.id, "withdrawn")
    if (earlier?.state === "held") await store.settlePermission(earlier.id, "answered")
    if (answer) await store.settlePermission(id, "answered", answer)
    // Live before anyone can read the request, so that no reply finds it without its harness.
    else this.live.set(id, ask.nativeId)
    // Stored first, appended together: a reader sees the request with its answer, not waiting for one.
    const requested: PermissionRequestedPayload = { id, tool: ask.tool, kind: ask.kind, summary: ask.summary, request: ask.request }
    this.emit({ type: AGENT_EVENT.permissionRequested, payload: requested })
    if (earlier?.state === "pending") this.emit(withdrawn(earlier.id, `asked again as ${id}`))
    if (!answer) return
    const reply: PermissionReplyPayload = { id, ...answer }
    this.emit({ type: AGENT_EVENT.permissionReply, payload: reply })
    this.deliver(ask.nativeId, answer)
  }

  // ---- actions

  private async run(from: string | undefined, interrupted: string): Promise<void> {
    if (this.agent.status === "busy") {
      if (this.agent.consumed !== undefined) this.turn = await this.interruptedTurn(this.agent.consumed)
      await this.endTurn({ status: "error", error: interrupted })
    }
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
        // History a person ran outside iterate (`iterate import`): it happened already.
        if (event.metadata?.imported) continue
        if (event.type === AGENT_EVENT.prompt) await this.prompt(event)
        else if (event.type === AGENT_EVENT.abort) await this.abort(event)
        else if (event.type === AGENT_EVENT.permissionReply) await this.reply(event)
      }
    }
  }

  private async prompt(action: StreamEvent): Promise<void> {
    const payload = action.payload as Partial<PromptPayload> | undefined
    if (typeof payload?.text !== "string" || payload.text.trim() === "") {
      await this.ctx.store.setConsumed(this.agent.id, action.offset)
      return this.error({ message: "a prompt needs a non-empty text", action: action.offset })
    }
    // The budget may have been raised, or spent, on another node.
    const current = await this.ctx.store.find(this.agent.id)
    const overBudget = current && budgetProblem(current)
    if (overBudget) {
      await this.ctx.store.setConsumed(this.agent.id, action.offset)
      return this.error({ message: overBudget, action: action.offset })
    }
    const starts = this.turn === undefined
    const turn = (this.turn ??= { prompt: action.offset, usage: new TurnUsage(this.ctx.harness.name) })
    turn.prompt = action.offset
    await this.setStatus({ status: "busy", prompt: action.offset }, action.offset)
    if (this.stopped) return
    if (starts) {
      const problem = await this.prepare(action.offset)
      if (this.stopped) return
      if (problem) return this.fail(new Error(problem), action.offset)
    }
    try {
      await this.open().prompt({ text: payload.text, ...(typeof payload.model === "string" && { model: payload.model }) })
    } catch (error) {
      await this.fail(error, action.offset)
    }
  }

  /** Before a turn: the worktree's setup, until it succeeds; then a snapshot of the agent's files. */
  private async prepare(prompt: string): Promise<string | undefined> {
    const { id, worktree, directory } = this.agent
    if (worktree && worktree.setup !== "done") {
      const problem = await (this.setup ??= this.runSetup(worktree))
      this.setup = undefined
      if (problem) return `${problem}; the next prompt runs it again`
    }
    await snapshotTo(directory, turnRef(id, prompt), `iterate: agent ${id} before the turn of prompt ${prompt}`).catch((error) =>
      console.error(`agent ${id}: no snapshot of its files before the turn: ${message(error)}`),
    )
    return undefined
  }

  private async runSetup(worktree: AgentWorktree): Promise<string | undefined> {
    const outcome = await runWorktreeScript({ ...this.agent, worktree }, "setup", (event) => this.emit(event), this.ctx.env, this.halted.signal).catch(
      (error): { ok: false; problem: string } => ({ ok: false, problem: `the worktree's setup failed: ${message(error)}` }),
    )
    // Cut short by a stop, it stays pending: the next daemon runs it again.
    if (this.stopped) return "the daemon stopped during the worktree's setup"
    const failed = outcome !== undefined && !outcome.ok
    const next: AgentWorktree = { ...worktree, setup: failed ? "failed" : "done" }
    this.agent = { ...this.agent, worktree: next }
    await this.ctx.store.setWorktree(this.agent.id, next).catch((error) => console.error(`agent ${this.agent.id}: could not record its setup: ${message(error)}`))
    return failed ? outcome.problem : undefined
  }

  private async abort(action: StreamEvent): Promise<void> {
    await this.ctx.store.setConsumed(this.agent.id, action.offset)
    if (!this.turn) return
    try {
      await this.open().abort()
    } catch (error) {
      this.error({ message: message(error), action: action.offset })
    }
  }

  private async reply(action: StreamEvent): Promise<void> {
    const { store } = this.ctx
    const payload = action.payload as Partial<PermissionReplyPayload> | undefined
    const request = typeof payload?.id === "string" ? await store.permission(payload.id) : undefined
    if (!request || request.agentId !== this.agent.id || !DECISIONS.includes(payload?.decision as string)) {
      await store.setConsumed(this.agent.id, action.offset)
      const problem = request ? `decision must be one of ${DECISIONS.join(", ")}` : `no permission request ${JSON.stringify(payload?.id)}`
      return this.error({ message: `cannot answer: ${problem}`, action: action.offset })
    }
    // Answered already: by the policy (the adapter's own reply, read back), twice, or withdrawn.
    if (request.state !== "pending") return
    const answer: PermissionAnswer = { decision: payload!.decision!, ...(typeof payload!.message === "string" && { message: payload!.message }) }
    const native = this.live.get(request.id)
    this.live.delete(request.id)
    const allowedTools = answer.decision === "always" && !this.agent.allowedTools.includes(request.tool) ? [...this.agent.allowedTools, request.tool] : undefined
    await store.settleReply(this.agent.id, { permission: request.id, state: native ? "answered" : "held", answer, allowedTools, consumed: action.offset })
    if (allowedTools) this.agent = { ...this.agent, allowedTools }
    if (native === undefined) return
    this.deliver(native, answer)
    if (answer.decision === "always") await this.answerByPolicy()
  }

  /** Requests waiting now that the policy answers since a tool was allowed. */
  private async answerByPolicy(): Promise<void> {
    for (const [id, native] of [...this.live]) {
      const request = await this.ctx.store.permission(id)
      if (!request || !this.live.has(id) || !policyDecision(this.agent.permissions, this.agent.allowedTools, request)) continue
      this.live.delete(id)
      await this.ctx.store.settlePermission(id, "answered", { decision: "allow" })
      this.emit({ type: AGENT_EVENT.permissionReply, payload: { id, decision: "allow", by: "policy" } satisfies PermissionReplyPayload })
      this.deliver(native, { decision: "allow" })
    }
  }

  private deliver(nativeId: string, answer: PermissionAnswer): void {
    this.session?.answer(nativeId, answer).catch((error) => this.error({ message: `could not pass the answer on: ${message(error)}` }))
  }

  private async withdraw(id: string, reason: string): Promise<void> {
    await this.ctx.store.settlePermission(id, "withdrawn")
    this.emit(withdrawn(id, reason))
  }

  private async fail(error: unknown, action: string): Promise<void> {
    const text = message(error)
    this.error({ message: text, action })
    if (this.turn) await this.endTurn({ status: "error", error: text })
  }

  private error(payload: ErrorPayload): void {
    this.emit({ type: AGENT_EVENT.error, payload })
  }

  private async endTurn(payload: Omit<StatusPayload, "prompt">): Promise<void> {
    const turn = this.turn
    const prompt = turn?.prompt
    this.turn = undefined
    // A turn that is over asks nothing any more. One cut short (a crash, the daemon stopping)
    // keeps its requests: the harness may ask them again once it runs again.
    if (payload.status === "idle") {
      this.live.clear()
      for (const request of await this.ctx.store.openPermissions(this.agent.id))
        if (request.state === "pending") await this.withdraw(request.id, "its turn is over")
      await this.ctx.store.lapseHeld(this.agent.id)
    }
    if (turn) await this.recordUsage(turn.prompt, turn.usage)
    await this.setStatus({ ...payload, prompt })
  }

  /**
   * The turn's spend in the ledger (stored first, like progress), then on the stream ahead of its
   * end. A ledger that cannot be written leaves both out; the turn still ends.
   */
  private async recordUsage(prompt: string, usage: TurnUsage): Promise<void> {
    const entries = usage.entries(prompt, this.agent.model)
    if (this.stopped || entries.length === 0) return
    try {
      await this.ctx.store.usage.record([{ agentId: this.agent.id, at: new Date().toISOString(), entries }])
    } catch (error) {
      console.error(`agent ${this.agent.id}: could not record the turn's usage: ${message(error)}`)
      return
    }
    for (const entry of entries) this.emit({ type: AGENT_EVENT.usage, payload: entry })
  }

  /** The turn a previous daemon (or node) left running: what its harness reported after its prompt, from the stream. */
  private async interruptedTurn(prompt: string): Promise<{ prompt: string; usage: TurnUsage }> {
    const usage = new TurnUsage(this.ctx.harness.name)
    const native = harnessEventType(this.ctx.harness.name)
    let cursor = prompt
    for (let events = await this.ctx.streams.read(this.agent.stream, cursor); events?.length; events = await this.ctx.streams.read(this.agent.stream, cursor)) {
      for (const event of events) if (event.type === native) usage.push(event.payload)
      cursor = events.at(-1)!.offset
    }
    return { prompt, usage }
  }

  private async setStatus(payload: StatusPayload, consumed?: string): Promise<void> {
    if (this.stopped) return
    await this.ctx.store.setProgress(this.agent.id, { status: payload.status, error: payload.error, consumed })
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
    this.appending = this.ctx.streams.append(this.agent.stream, events, this.ctx.fence).catch((error) => {
      if (error instanceof FencedError) return this.fenced(error)
      console.error(`agent ${this.agent.id}: could not append to ${this.agent.stream}: ${message(error)}`)
    })
  }

  private fenced(error: FencedError): void {
    if (this.stopped) return
    this.halt()
    this.ctx.lost?.(`its lease moved on (epoch ${error.epoch ?? "none"}, this node had ${error.fence.epoch})`)
  }
}

const withdrawn = (id: string, reason: string): EventInput => ({ type: AGENT_EVENT.permissionWithdrawn, payload: { id, reason } satisfies PermissionWithdrawnPayload })

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
