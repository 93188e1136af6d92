// What opencode's native events mean for a turn. The agents layer stores these events verbatim;
// these functions only read them. The file imports nothing but the import-free JSON readers, so the
// transcript reducer (and any renderer) may import it without pulling in the harness runtime.
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
//
// An abort that stops the model mid-reply reports MessageAbortedError as a session.error; one that
// lands before the reply streams marks only the assistant message (info.error), and one that lands
// before the step made a message reports nothing but the idle. opencode's abort ends whatever runs
// in the session when it arrives, and one sent while nothing runs reports an idle of its own.
import { dict } from "../../protocol/json.ts"

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
  const type = dict(event.properties?.status)?.type
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
  const error = dict(event.properties?.error)
  const name = typeof error?.name === "string" ? error.name : "UnknownError"
  const data = dict(error?.data)
  const message = typeof data?.message === "string" ? data.message : name
  return { name, message: message.split("\n")[0]!, aborted: name === "MessageAbortedError" }
}

export interface AssistantUpdate {
  /** the message was cut short by an abort */
  aborted: boolean
  /** a complete final reply: the model finished without asking for tools */
  final: boolean
}

/** What a `message.updated` of an assistant message says about the turn. */
export function assistantUpdate(event: OpencodeEvent): AssistantUpdate | undefined {
  if (event.type !== "message.updated") return undefined
  const info = dict(event.properties?.info)
  if (info?.role !== "assistant") return undefined
  const error = dict(info.error)
  const completed = dict(info.time)?.completed !== undefined
  return {
    aborted: error?.name === "MessageAbortedError",
    final: completed && error === undefined && typeof info.finish === "string" && !["tool-calls", "unknown"].includes(info.finish),
  }
}
