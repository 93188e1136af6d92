// What opencode's native events mean for a turn. The agents layer stores these events verbatim;
// these functions only read them. The file imports nothing, so the transcript reducer (and any
// renderer) may import it without pulling in the harness runtime.
//
// A turn, as opencode 1.18 reports it (every session-scoped event carries `properties.sessionID`):
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

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined
}
