// Claude Code's stream-json protocol, as 2.1.332 speaks it (verified against the real binary with
// test/support/anthropic-stub.ts). Import-free, so the transcript reducer and renderers can use it.
//
// One long-lived process per session:
//   claude -p --input-format stream-json --output-format stream-json --verbose
//          --include-partial-messages --permission-prompt-tool stdio --permission-mode default
//          (--session-id <uuid> | --resume <uuid>) [--model <m>]
// It reads one JSON object per line on stdin and writes one per line on stdout. It may be written
// to at once: lines sent before it is ready wait. Closing stdin makes it exit once it is idle.
//
// stdin (ours):
//   {type:"user", uuid, message:{role:"user", content:"text"}}      a prompt. With a uuid, claude
//       reports it on stdout as command_lifecycle queued → started → completed | cancelled; a prompt
//       sent while a turn runs waits (queued), and several waiting ones are merged into one turn.
//   {type:"control_request", request_id, request:{subtype:"interrupt", cancel_queued:true}}
//       stops the running turn and drops the waiting prompts; the process stays up
//   {type:"control_request", request_id, request:{subtype:"set_model", model?}}  for later requests;
//       without a model: claude's default (not the --model it was started with)
//   {type:"control_response", response:{subtype:"success", request_id, response:{behavior:"allow",
//       updatedInput} | {behavior:"deny", message}}}    the answer to a can_use_tool request
// stdout (claude's):
//   command_lifecycle {command_uuid, state}            see above
//   system init {session_id, model, cwd, tools, capabilities…}   at the start of every turn
//   system status {status:"requesting"}                a model request goes out
//   stream_event {event}                               the Messages API's SSE events as they arrive
//       (message_start, content_block_start/delta/stop, message_delta, message_stop); the deltas
//       are text_delta, thinking_delta, signature_delta and input_json_delta
//   assistant {message:{id, model, content:[one block]}}   each finished content block, right
//       before its content_block_stop; the blocks of one API message share its id. An API error
//       comes as an assistant message with model "<synthetic>" and is_api_error_message
//   user {message:{content:[tool_result…]}, tool_use_result}   tool results (tool_use_result is
//       claude's own account: for Edit and Write it holds originalFile and a structuredPatch);
//       also "[Request interrupted by user]" texts after an interrupt
//   control_request {request_id, request:{subtype:"can_use_tool", tool_name, input, tool_use_id,
//       description?, permission_suggestions?, blocked_path?}}  waits for our control_response
//   control_cancel_request {request_id}                that request is void (the turn was interrupted)
//   control_response {response:{subtype:"success"|"error", request_id, response?|error?}}
//   result {subtype, is_error, terminal_reason, result, usage, total_cost_usd,
//       model_usage_since_last_result, user_message_uuids}   the end of one of claude's turns.
//       An API error (a 529 included) ends as subtype "success" with is_error: true, terminal_reason
//       "api_error" and the message in `result`; an interrupt ends as "error_during_execution",
//       is_error: true, terminal_reason "aborted_streaming" (or "aborted_tools"). usage is this
//       turn's; total_cost_usd adds up over the process's life, model_usage_since_last_result
//       holds this turn's tokens and costUSD per model (counting what an interrupt cut short,
//       which usage leaves at 0).
//
// Reads inside the working directory are allowed without asking in the default mode; edits,
// commands and questions (AskUserQuestion, answered through updatedInput.answers, keyed by the
// question's text) come as can_use_tool. A `--resume` of an id with no conversation fails ("No
// conversation found"), and a `--session-id` of one that has one fails ("already in use").

export type ClaudeLine = Record<string, unknown> & { type?: string }

export interface CanUseToolRequest {
  subtype: "can_use_tool"
  tool_name: string
  input: Record<string, unknown>
  tool_use_id?: string
  description?: string
  blocked_path?: string
}

export interface ResultLine {
  type: "result"
  subtype: string
  is_error: boolean
  terminal_reason?: string
  result?: string
  errors?: string[]
  user_message_uuids?: string[]
  total_cost_usd?: number
  usage?: Record<string, unknown>
  model_usage_since_last_result?: Record<string, { costUSD?: number; inputTokens?: number; outputTokens?: number; cacheReadInputTokens?: number; cacheCreationInputTokens?: number; thinkingTokens?: number }>
}

/** The turn was stopped by an interrupt rather than having failed. */
export const isAborted = (result: ResultLine) => result.terminal_reason?.startsWith("aborted") === true

/** Why a result failed, in one line; undefined when it did not (an abort is no failure). */
export function resultError(result: ResultLine): string | undefined {
  if (!result.is_error || isAborted(result)) return undefined
  const text = typeof result.result === "string" && result.result ? result.result : (result.errors?.[0] ?? `claude ended the turn with ${result.subtype}`)
  return text.split("\n")[0]!
}

/** The tools whose calls change files, and what they change. */
export const EDIT_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit"])
