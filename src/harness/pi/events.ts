// What Pi's RPC output means. Import-free, so renderers on the CLI client path may read it.
//
// Pi 0.73 in `pi --mode rpc` reads one JSON command per line on stdin and writes one JSON object
// per line on stdout (split on "\n" only: U+2028 may sit inside a string). Responses to commands
// carry `type: "response"`, the command's `id`, `success` and `data`/`error`; everything else is an
// event. A prompt, as Pi reports it:
//   response {command:"prompt", success}        the prompt was taken (false: refused, with `error`,
//                                               e.g. no API key) — it comes once Pi has started up,
//                                               so commands may be written right after the spawn
//   agent_start / turn_start                    one agent run; a turn is one model call + its tools
//   message_start/end {message}                 user, assistant and toolResult messages; the
//                                               assistant's message_end holds its usage, cost,
//                                               stopReason ("stop"|"toolUse"|"error"|"aborted")
//                                               and errorMessage
//   message_update {assistantMessageEvent}      text_/thinking_/toolcall_ start|delta|end by
//                                               contentIndex; toolcall_end carries the whole
//                                               toolCall {id, name, arguments}
//   tool_execution_start|update|end {toolCallId, toolName, args | partialResult | result, isError}
//   extension_ui_request {id, method, …}        an extension asks (confirm/select/input/editor:
//                                               answered with extension_ui_response {id, …}) or
//                                               tells (notify, setStatus, …: no answer)
//   agent_end {messages}                        the run is over …
//   auto_retry_start {attempt, delayMs}         … unless this follows it: Pi retries a transient
//                                               failure (429, 5xx) with a new agent_start …
//                                               agent_end, and auto_retry_end {success, finalError}
//                                               ends the retries (also when an abort cancels one)
//   compaction_start/end {reason, willRetry}    reason "overflow" after a context-overflow error:
//                                               willRetry means another run follows
// Both follow agent_end in the same tick of Pi's event loop, so a command sent after seeing
// agent_end is answered after them: the session uses a get_state as that barrier.
//
// message_update carries two snapshots of the whole message so far (`message` and
// `assistantMessageEvent.partial`), serialised after later deltas have already changed them, so
// they are neither small (a long reply costs its length squared) nor accurate. slim() drops them;
// the deltas, toolcall_end and message_end carry everything.

export interface PiEvent {
  type: string
  [key: string]: unknown
}

export type StopReason = "stop" | "length" | "toolUse" | "error" | "aborted"

export interface PiUsage {
  input?: number
  output?: number
  cacheRead?: number
  cacheWrite?: number
  totalTokens?: number
  cost?: { total?: number }
}

export interface PiAssistantMessage {
  role: "assistant"
  content: Array<{ type: string; text?: string; thinking?: string; id?: string; name?: string; arguments?: unknown }>
  provider?: string
  model?: string
  usage?: PiUsage
  stopReason?: StopReason
  errorMessage?: string
}

/** The title of the confirm dialog our permission extension opens; its message is a PermissionRequestBody as JSON. */
export const PERMISSION_TITLE = "iterate:permission"

export interface PermissionRequestBody {
  toolCallId: string
  toolName: string
  input: unknown
}

/** Where our extension puts a write's previous content (the model never sees `details`). */
export interface WriteDetails {
  iterate?: { existed: boolean; before?: string }
}

/** The event as the stream keeps it: message_update without its two snapshots. */
export function slim(event: PiEvent): PiEvent {
  if (event.type !== "message_update") return event
  const { message: _message, assistantMessageEvent, ...rest } = event
  const { partial: _partial, ...delta } = (assistantMessageEvent ?? {}) as Record<string, unknown>
  return { ...rest, assistantMessageEvent: delta }
}

/** The last assistant message of an agent_end, which says how the run ended. */
export function lastAssistant(event: PiEvent): PiAssistantMessage | undefined {
  const messages = Array.isArray(event.messages) ? (event.messages as Array<{ role?: string }>) : []
  return messages.findLast((m) => m?.role === "assistant") as PiAssistantMessage | undefined
}

/** The request our extension made in an extension_ui_request, if it is one. */
export function permissionRequest(event: PiEvent): PermissionRequestBody | undefined {
  if (event.type !== "extension_ui_request" || event.method !== "confirm" || event.title !== PERMISSION_TITLE) return undefined
  try {
    const body = JSON.parse(String(event.message)) as PermissionRequestBody
    return typeof body.toolCallId === "string" && typeof body.toolName === "string" ? body : undefined
  } catch {
    return undefined
  }
}

/** The first line of an error Pi reports (they may carry a whole response body). */
export const firstLine = (text: string) => text.split("\n")[0]!.trim()
