// Folds an agent's stream into a Transcript. iterate's own events (prompts, statuses, permission
// requests and replies, errors, crashes) are folded here, the same for every harness; each
// harness's native events go to its reducer (src/harness/<name>/transcript.ts), which edits the
// transcript only through a Draft. Parts and messages are replaced, never mutated, so a renderer
// can tell by identity what changed; the messages array itself is updated in place.
import {
  AGENT_EVENT,
  HARNESS_CRASH,
  HARNESS_EVENT,
  type CrashPayload,
  type ErrorPayload,
  type MergedPayload,
  type PushedPayload,
  type RevertedPayload,
  type ScriptEndedPayload,
  type ScriptOutputPayload,
  type ScriptStartedPayload,
  type WorktreeCreatedPayload,
  type WorktreeRemovedPayload,
  type PermissionReplyPayload,
  type PermissionRequestedPayload,
  type PermissionWithdrawnPayload,
  type PromptPayload,
  type StatusPayload,
  type TurnStatus,
} from "../protocol/agent-events.ts"
import { foldTodos, isTodoTool } from "./todos.ts"
import type { ActivityPart, AgentStreamEvent, Message, Part, PermissionPart, ToolPart, Transcript, Usage } from "./types.ts"

/** A harness's reducer: folds one of its native events (the payload, unchanged) into the transcript. */
export type HarnessReducer = (draft: Draft, native: unknown, event: AgentStreamEvent) => void

const USAGE_KEYS = ["inputTokens", "outputTokens", "reasoningTokens", "cacheReadTokens", "cacheWriteTokens", "costUsd"] as const

/** The edits a harness reducer may make. Every edit bumps the transcript's revision. */
export class Draft {
  /** where each message is in transcript.messages */
  readonly #index = new Map<string, number>()
  /** the newest prompt's user message: assistant output after it belongs to its turn */
  #turn: string | undefined
  /** harness reducers keep their own bookkeeping here (e.g. which native message is which) */
  readonly state: Record<string, unknown> = {}

  constructor(readonly transcript: Transcript) {}

  /** The event being folded. */
  event: AgentStreamEvent = { offset: "", type: "" }

  message(id: string): Message | undefined {
    const at = this.#index.get(id)
    return at === undefined ? undefined : this.transcript.messages[at]
  }

  /** The assistant message `id`, made at the end of the transcript if it is new. */
  assistant(id: string, init: Partial<Pick<Message, "model" | "createdAt">> = {}): Message {
    const existing = this.message(id)
    if (existing) return existing
    return this.#put({ id, role: "assistant", parts: [], offset: this.event.offset, createdAt: this.event.createdAt, ...init })
  }

  /**
   * The assistant message of the running turn for output that names no message of its own
   * (an error, a permission request): the last message if it is the assistant's, else a new one.
   */
  currentAssistant(): Message {
    const last = this.transcript.messages.at(-1)
    if (last?.role === "assistant") return last
    return this.assistant(`turn:${this.#turn ?? this.event.offset}:${this.event.offset}`)
  }

  /** Merges fields into a message (model, usage, aborted). */
  updateMessage(id: string, patch: Partial<Omit<Message, "id" | "role" | "parts">>): void {
    const message = this.message(id)
    if (!message) return
    if (patch.usage) this.#addUsage(message.usage, -1)
    const next = { ...message, ...patch }
    this.#replace(next)
    if (patch.usage) this.#addUsage(patch.usage, 1)
  }

  part<K extends Part["kind"]>(messageId: string, partId: string): Extract<Part, { kind: K }> | undefined {
    return this.message(messageId)?.parts.find((p) => p.id === partId) as Extract<Part, { kind: K }> | undefined
  }

  /** Adds the part to the message, or replaces the part with the same id (keeping its place). */
  putPart(messageId: string, part: Part): void {
    const message = this.message(messageId) ?? this.assistant(messageId)
    const at = message.parts.findIndex((p) => p.id === part.id)
    const parts = at < 0 ? [...message.parts, part] : message.parts.map((p, i) => (i === at ? part : p))
    this.#replace({ ...message, parts })
    if (part.kind === "tool") this.#todos(messageId, part)
  }

  /** The todo list, folded again from the todo calls whenever one of them changes. */
  #todos(messageId: string, part: ToolPart): void {
    if (!isTodoTool(part)) return
    this.#todoCalls.set(`${messageId}\n${part.id}`, part)
    this.transcript.todos = foldTodos(this.#todoCalls.values())
  }

  /** the calls that keep the todo list, in the order they were first seen */
  readonly #todoCalls = new Map<string, ToolPart>()

  /** Merges fields into an existing part; nothing when there is no such part. */
  patchPart(messageId: string, partId: string, patch: Partial<Part>): void {
    const part = this.part(messageId, partId)
    if (part) this.putPart(messageId, { ...part, ...patch } as Part)
  }

  /** Streams text onto a text or reasoning part, making the part on the first piece. */
  appendText(messageId: string, partId: string, kind: "text" | "reasoning", delta: string): void {
    const part = this.part<"text" | "reasoning">(messageId, partId)
    this.putPart(messageId, { kind, id: partId, text: (part?.text ?? "") + delta })
  }

  /** Sets the whole text of a text or reasoning part (text that arrives whole, or a final version). */
  setText(messageId: string, partId: string, kind: "text" | "reasoning", text: string): void {
    const part = this.part<"text" | "reasoning">(messageId, partId)
    if (part?.text !== text || part.kind !== kind) this.putPart(messageId, { kind, id: partId, text })
  }

  /** An error of the running turn, shown once even when several events report it. */
  error(message: string): void {
    const turn = this.currentAssistant()
    if (turn.parts.some((p) => p.kind === "error" && p.message === message)) return
    this.putPart(turn.id, { kind: "error", id: `error:${this.event.offset}`, message })
  }

  /** Harness-wide status for the running turn, e.g. a retry note; folded into transcript.error. */
  setTurnError(error: string | undefined): void {
    this.transcript.error = error
    this.transcript.revision++
  }

  // ---- iterate's own events (used by fold below)

  prompt(payload: PromptPayload): void {
    const id = `prompt:${this.event.offset}`
    this.#turn = id
    this.#put({ id, role: "user", parts: [{ kind: "text", id: `${id}:text`, text: payload.text }], offset: this.event.offset, createdAt: this.event.createdAt, ...(payload.model && { model: payload.model }) })
  }

  status(payload: StatusPayload): void {
    const t = this.transcript
    // A request left from an earlier turn (cut off by a crash or a restart) stays answerable, but
    // only a request of the turn that runs now makes it wait.
    if (payload.status === "busy" && this.#turnStatus !== "busy") this.#turnStart = this.event.offset
    this.#turnStatus = payload.status
    this.#settle()
    t.error = payload.status === "error" ? payload.error : undefined
    if (payload.status === "error" && payload.error) this.error(payload.error)
    if (payload.aborted) {
      const last = t.messages.at(-1)
      if (last?.role === "assistant") this.updateMessage(last.id, { aborted: true })
    }
    t.revision++
  }

  permissionRequested(payload: PermissionRequestedPayload): void {
    const part: PermissionPart = {
      kind: "permission",
      id: payload.id,
      tool: payload.tool,
      permissionKind: payload.kind,
      summary: payload.summary,
      offset: this.event.offset,
    }
    this.putPart(this.currentAssistant().id, part)
    const t = this.transcript
    t.pending = [...t.pending.filter((p) => p.id !== part.id), part]
    this.#settle()
    this.#permissions.set(part.id, this.currentAssistant().id)
  }

  permissionReply(payload: PermissionReplyPayload): void {
    this.#closePermission(payload.id, { decision: payload.decision, by: payload.by ?? "user", ...(payload.message && { message: payload.message }) })
  }

  permissionWithdrawn(payload: PermissionWithdrawnPayload): void {
    this.#closePermission(payload.id, { withdrawn: payload.reason })
  }

  #closePermission(id: string, patch: Partial<PermissionPart>): void {
    const messageId = this.#permissions.get(id)
    if (messageId) this.patchPart(messageId, id, patch)
    const t = this.transcript
    t.pending = t.pending.filter((p) => p.id !== id)
    this.#settle()
    t.revision++
  }

  // ---- what iterate did with the agent's files: a message of its own each

  /** A new activity message, or (with `key`) the one of a command that runs: setup and archive report in pieces. */
  activity(part: Omit<ActivityPart, "kind" | "id">, key?: string): void {
    const id = `iterate:${this.event.offset}`
    if (key) this.#commands.set(key, id)
    this.#put({ id, role: "iterate", parts: [{ kind: "activity", id: `${id}:activity`, ...part }], offset: this.event.offset, createdAt: this.event.createdAt })
  }

  scriptStarted(payload: ScriptStartedPayload): void {
    // One that never ended was cut short (the daemon stopped); it runs again now.
    if (this.#commands.has(payload.script)) this.#patchCommand(payload.script, () => ({ state: "failed", detail: "interrupted" }))
    this.activity({ activity: payload.script, title: `${payload.script}: ${payload.command}`, state: "running" }, payload.script)
  }

  scriptOutput(payload: ScriptOutputPayload): void {
    this.#patchCommand(payload.script, (part) => ({ output: (part.output ?? "") + payload.text }))
  }

  scriptEnded(payload: ScriptEndedPayload): void {
    const took = `${(payload.durationMs / 1000).toFixed(1)} s`
    const detail = payload.exitCode === null ? `could not start (${took})` : `exit ${payload.exitCode} after ${took}`
    this.#patchCommand(payload.script, () => ({ state: payload.exitCode === 0 ? "done" : "failed", detail }))
    this.#commands.delete(payload.script)
  }

  /** A command's part, made when its start is not in what was read (a reader that began mid-command). */
  #patchCommand(script: ScriptStartedPayload["script"], patch: (part: ActivityPart) => Partial<ActivityPart>): void {
    if (!this.#commands.has(script)) this.activity({ activity: script, title: script, state: "running" }, script)
    const id = this.#commands.get(script)!
    const part = this.part<"activity">(id, `${id}:activity`)!
    this.putPart(id, { ...part, ...patch(part) })
  }

  readonly #commands = new Map<string, string>()

  #turnStatus: TurnStatus = "idle"
  /** offset of the status that started the running turn */
  #turnStart = ""

  #settle(): void {
    const t = this.transcript
    const waiting = this.#turnStatus === "busy" && t.pending.some((p) => p.offset > this.#turnStart)
    t.status = waiting ? "waiting" : this.#turnStatus
  }

  readonly #permissions = new Map<string, string>()

  #put(message: Message): Message {
    this.#index.set(message.id, this.transcript.messages.length)
    this.transcript.messages.push(message)
    if (message.usage) this.#addUsage(message.usage, 1)
    this.transcript.revision++
    return message
  }

  #replace(message: Message): void {
    this.transcript.messages[this.#index.get(message.id)!] = message
    this.transcript.revision++
  }

  #addUsage(usage: Usage | undefined, sign: 1 | -1): void {
    if (!usage) return
    const total = this.transcript.usage
    for (const key of USAGE_KEYS) {
      const value = usage[key]
      if (value !== undefined) total[key] = (total[key] ?? 0) + sign * value
    }
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`

/** iterate's own events about the agent's files. */
function foldWork(draft: Draft, type: string, payload: never): void {
  if (type === AGENT_EVENT.scriptStarted) draft.scriptStarted(payload as ScriptStartedPayload)
  else if (type === AGENT_EVENT.scriptOutput) draft.scriptOutput(payload as ScriptOutputPayload)
  else if (type === AGENT_EVENT.scriptEnded) draft.scriptEnded(payload as ScriptEndedPayload)
  else if (type === AGENT_EVENT.worktreeCreated) {
    const p = payload as WorktreeCreatedPayload
    draft.activity({ activity: "worktree", title: `worktree on branch ${p.branch} from ${p.base}`, state: "done", detail: p.path })
  } else if (type === AGENT_EVENT.merged) {
    const p = payload as MergedPayload
    const how = p.squash ? ", squashed" : p.fastForward ? ", fast-forward" : ""
    draft.activity({ activity: "merge", title: `merged ${p.branch} into ${p.base} (${plural(p.files, "file")}${how})`, state: "done", detail: `${p.base} is at ${p.commit.slice(0, 12)}` })
  } else if (type === AGENT_EVENT.pushed) {
    const p = payload as PushedPayload
    draft.activity({ activity: "push", title: `pushed ${p.branch} to ${p.remote}${p.pr ? `: ${p.pr}` : ""}`, state: "done" })
  } else if (type === AGENT_EVENT.reverted) {
    const p = payload as RevertedPayload
    const files = p.files.map((f) => `${f.status === "added" ? "restored" : f.status === "deleted" ? "removed" : "reverted"} ${f.path}`).join("\n")
    draft.activity({ activity: "revert", title: `files put back as they were at the start of turn ${p.turn} (${plural(p.files.length, "file")})`, state: "done", ...(files && { detail: files }) })
  } else if (type === AGENT_EVENT.worktreeRemoved) {
    const p = payload as WorktreeRemovedPayload
    draft.activity({ activity: "removed", title: `worktree and branch ${p.branch} removed`, state: "done", ...(p.final && { detail: `its last state is kept as ${p.final}` }) })
  }
}

export function emptyTranscript(harness: string): Transcript {
  return { harness, messages: [], status: "idle", pending: [], usage: {}, todos: [], revision: 0 }
}

/**
 * Builds a transcript event by event. `reducerOf` names a harness's reducer (renderers pass the
 * registry's, src/harness/transcripts.ts); native events of a harness without one are skipped.
 */
export class TranscriptBuilder {
  readonly draft: Draft

  constructor(
    harness: string,
    private readonly reducerOf: (harness: string) => HarnessReducer | undefined,
  ) {
    this.draft = new Draft(emptyTranscript(harness))
  }

  get transcript(): Transcript {
    return this.draft.transcript
  }

  /** Folds the next event of the agent's stream (in offset order; an offset seen already is skipped). */
  push(event: AgentStreamEvent): void {
    const t = this.transcript
    if (t.offset !== undefined && event.offset <= t.offset) return
    const draft = this.draft
    // An imported event happened when its turn did (`at`), not when it was imported.
    const at = event.metadata?.imported ? event.metadata.at : undefined
    draft.event = typeof at === "string" ? { ...event, createdAt: at } : event
    const type = event.type
    const payload = event.payload as never
    if (type === AGENT_EVENT.prompt) draft.prompt(payload as PromptPayload)
    else if (type === AGENT_EVENT.status) draft.status(payload as StatusPayload)
    else if (type === AGENT_EVENT.permissionRequested) draft.permissionRequested(payload as PermissionRequestedPayload)
    else if (type === AGENT_EVENT.permissionReply) draft.permissionReply(payload as PermissionReplyPayload)
    else if (type === AGENT_EVENT.permissionWithdrawn) draft.permissionWithdrawn(payload as PermissionWithdrawnPayload)
    else if (type === AGENT_EVENT.error) draft.error((payload as ErrorPayload).message)
    else if (type.startsWith("iterate:agent:worktree:") || type === AGENT_EVENT.reverted) foldWork(draft, type, payload)
    else {
      const harness = HARNESS_EVENT.exec(type)?.[1]
      if (harness !== undefined) this.reducerOf(harness)?.(draft, event.payload, event)
      else {
        const crashed = HARNESS_CRASH.exec(type)?.[1]
        if (crashed !== undefined) draft.error(`${crashed} ${(payload as CrashPayload).reason}`)
      }
    }
    t.offset = event.offset
    t.revision++
  }

  pushAll(events: Iterable<AgentStreamEvent>): this {
    for (const event of events) this.push(event)
    return this
  }
}
