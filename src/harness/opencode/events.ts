// What opencode's native `/event` objects mean for a turn. The agents layer stores these events
// verbatim; these functions only read them. The file imports nothing, so a renderer on the CLI
// client path may import it directly without pulling in the harness runtime.
//
// A turn, as opencode 1.18 reports it on `/event` (every session-scoped event carries
// `properties.sessionID`):
//   session.status {status:{type:"busy"}}           the turn started (repeats for every step)
//   message.updated {info:{role:"assistant"}}       an assistant message exists
//   message.part.updated {part:{type:"text"|"reasoning"|"tool"|...}}   a part appeared or changed
//   message.part.delta {partID, field:"text", delta}  streamed text of a part; reasoning parts
//                                                     stream the same way, so the part type decides
//   session.status {status:{type:"retry", message}} the model call failed and will be retried
//   session.error {error:{name, data:{message}}}    the turn failed (MessageAbortedError on abort)
//   session.status {status:{type:"idle"}} + session.idle   the turn is over (may arrive twice)

export interface OpencodeEvent {
  type: string
  properties?: Record<string, unknown>
  [key: string]: unknown
}

export type TurnStatus = "busy" | "idle" | "retry"

/** The session an event belongs to; undefined for server-wide events (heartbeat, plugins, files). */
export function sessionIdOf(event: OpencodeEvent): string | undefined {
  const id = event.properties?.sessionID
  return typeof id === "string" ? id : undefined
}

/** busy when a turn runs, retry while a failed model call waits to be retried, idle when it is over. */
export function turnStatus(event: OpencodeEvent): TurnStatus | undefined {
  if (event.type === "session.idle") return "idle"
  if (event.type !== "session.status") return undefined
  const type = record(event.properties?.status)?.type
  return type === "busy" || type === "idle" || type === "retry" ? type : undefined
}

export interface TurnError {
  name: string
  message: string
  /** The user asked for it (an abort), rather than something going wrong. */
  aborted: boolean
}

/** The error a `session.error` event reports, in one line. */
export function turnError(event: OpencodeEvent): TurnError | undefined {
  if (event.type !== "session.error") return undefined
  const error = record(event.properties?.error)
  const name = typeof error?.name === "string" ? error.name : "UnknownError"
  const data = record(error?.data)
  const message = typeof data?.message === "string" ? data.message : name
  return { name, message: message.split("\n")[0]!, aborted: name === "MessageAbortedError" }
}

export interface FinishedTool {
  /** the tool's name, e.g. `write` or `bash` */
  tool: string
  /** opencode's one-line description of the call, e.g. the file written */
  title: string
  failed: boolean
}

/** The tool call an event reports finished (completed or failed), if it does. */
export function finishedTool(event: OpencodeEvent): FinishedTool | undefined {
  if (event.type !== "message.part.updated") return undefined
  const part = record(event.properties?.part)
  const state = record(part?.state)
  if (part?.type !== "tool" || (state?.status !== "completed" && state?.status !== "error")) return undefined
  const failed = state.status === "error"
  const title = failed ? state.error : state.title
  return { tool: String(part.tool), title: typeof title === "string" ? title.split("\n")[0]! : "", failed }
}

/**
 * Follows one session's events and hands out the assistant's reply text as it streams, leaving
 * out the user's own prompt, reasoning and tool parts. Text that arrives whole (no deltas) is
 * handed out when its part is updated, so nothing is lost or printed twice.
 */
export class ReplyText {
  private readonly assistantMessages = new Set<string>()
  /** Text parts of assistant messages → how many characters were handed out. */
  private readonly emitted = new Map<string, number>()

  constructor(private readonly sessionId: string) {}

  /** The new reply text this event carries, if any, with the part it belongs to. */
  push(event: OpencodeEvent): { partId: string; text: string } | undefined {
    if (sessionIdOf(event) !== this.sessionId) return undefined
    const props = event.properties!
    if (event.type === "message.updated") {
      const info = record(props.info)
      if (info?.role === "assistant" && typeof info.id === "string") this.assistantMessages.add(info.id)
      return undefined
    }
    if (event.type === "message.part.updated") {
      const part = record(props.part)
      if (part?.type !== "text" || typeof part.id !== "string" || typeof part.text !== "string") return undefined
      if (!this.assistantMessages.has(String(part.messageID))) return undefined
      return this.advance(part.id, part.text)
    }
    if (event.type === "message.part.delta" && props.field === "text" && typeof props.delta === "string") {
      const partId = String(props.partID)
      const done = this.emitted.get(partId)
      if (done === undefined) return undefined
      this.emitted.set(partId, done + props.delta.length)
      return props.delta ? { partId, text: props.delta } : undefined
    }
    return undefined
  }

  private advance(partId: string, full: string) {
    const done = this.emitted.get(partId) ?? 0
    this.emitted.set(partId, Math.max(done, full.length))
    return full.length > done ? { partId, text: full.slice(done) } : undefined
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined
}
