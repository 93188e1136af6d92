// Pi's RPC events folded into the transcript (see src/transcript). Pure and free of runtime code:
// the CLI and the browser run it. What Pi 0.73 sends is described in events.ts; here:
//   message_start (assistant)        → an assistant message (Pi's messages have no id: the event's
//                                      offset names it), with its provider/model
//   message_update text_/thinking_   → streamed text and reasoning parts, one per contentIndex
//   message_update toolcall_end      → a tool part with its input, pending
//   tool_execution_start/update/end  → that part running, its output so far, completed or error
//   a finished edit or write         → a file-edit part with its diff (edit: from Pi's numbered
//                                      diff; write: from what our extension saw before it)
//   message_end (assistant)          → usage and cost; stopReason "error" → an error part
//   auto_retry_start                 → that error is marked as retried, and the turn says so
//   extension_error                  → an error part
// User messages come from iterate's prompt actions, so Pi's echo of them is skipped.
import type { Draft } from "../../transcript/build.ts"
import { unifiedDiff } from "../../transcript/diff.ts"
import type { Usage } from "../../transcript/types.ts"
import { unifiedFromPi } from "./edit-diff.ts"
import { firstLine, type PiAssistantMessage, type PiEvent, type PiUsage, type WriteDetails } from "./events.ts"
import { type Dict, dict, str } from "../../protocol/json.ts"


interface PiState {
  /** the assistant message being streamed */
  message?: string
  /** tool call id → the message holding its part */
  tools: Map<string, { messageId: string; tool: string; input: unknown }>
  /** the error part of the last failed model call, to mark when Pi retries it */
  failed?: { messageId: string; partId: string; message: string }
}

const stateOf = (draft: Draft) => ((draft.state.pi as PiState | undefined) ??= { tools: new Map() }) as PiState

function usageOf(usage: PiUsage | undefined): Usage | undefined {
  if (!usage) return undefined
  return {
    inputTokens: usage.input,
    outputTokens: usage.output,
    cacheReadTokens: usage.cacheRead,
    cacheWriteTokens: usage.cacheWrite,
    costUsd: usage.cost?.total,
  }
}

function modelOf(message: Dict | undefined): string | undefined {
  const provider = str(message?.provider)
  const model = str(message?.model)
  return provider && model ? `${provider}/${model}` : model
}

function title(input: unknown): string | undefined {
  const args = dict(input)
  const line = str(args?.path) ?? str(args?.command) ?? str(args?.pattern)
  return line ? firstLine(line) : undefined
}

/** Text of a tool result's content blocks. */
function resultText(result: unknown): string {
  const content = dict(result)?.content
  if (!Array.isArray(content)) return ""
  return content
    .map((block) => str(dict(block)?.text))
    .filter((text) => text !== undefined)
    .join("\n")
}

/** The message streaming now, made if an update arrives without its start. */
function current(draft: Draft, state: PiState): string {
  return (state.message ??= draft.assistant(`pi:${draft.event.offset}`).id)
}

function foldUpdate(draft: Draft, state: PiState, update: Dict): void {
  const messageId = current(draft, state)
  const partId = `${messageId}:${update.contentIndex}`
  switch (update.type) {
    case "text_delta":
    case "thinking_delta": {
      const delta = str(update.delta)
      if (delta) draft.appendText(messageId, partId, update.type === "text_delta" ? "text" : "reasoning", delta)
      return
    }
    case "text_end":
    case "thinking_end": {
      const text = str(update.content)
      if (text) draft.setText(messageId, partId, update.type === "text_end" ? "text" : "reasoning", text)
      return
    }
    case "toolcall_end": {
      const call = dict(update.toolCall)
      const id = str(call?.id)
      const tool = str(call?.name) ?? "tool"
      if (!id) return
      state.tools.set(id, { messageId, tool, input: call?.arguments })
      draft.putPart(messageId, { kind: "tool", id, tool, title: title(call?.arguments), input: call?.arguments, status: "pending" })
      return
    }
  }
}

function foldMessageEnd(draft: Draft, state: PiState, message: PiAssistantMessage): void {
  const messageId = current(draft, state)
  state.message = undefined
  const usage = usageOf(message.usage)
  if (usage) draft.updateMessage(messageId, { usage })
  if (message.stopReason !== "error") return
  const error = firstLine(message.errorMessage ?? "the model call failed")
  draft.error(error)
  state.failed = { messageId, partId: `error:${draft.event.offset}`, message: error }
}

/** The tool part for a tool event, made in the streaming message if its call was not seen. */
function toolOf(draft: Draft, state: PiState, event: PiEvent) {
  const id = String(event.toolCallId)
  let known = state.tools.get(id)
  if (!known) {
    known = { messageId: draft.currentAssistant().id, tool: str(event.toolName) ?? "tool", input: event.args }
    state.tools.set(id, known)
    draft.putPart(known.messageId, { kind: "tool", id, tool: known.tool, title: title(event.args), input: event.args, status: "pending" })
  }
  return { id, ...known }
}

function foldToolEnd(draft: Draft, state: PiState, event: PiEvent): void {
  const { id, messageId, tool, input } = toolOf(draft, state, event)
  const output = resultText(event.result)
  if (event.isError) {
    draft.patchPart(messageId, id, { status: "error", error: output || "the tool failed" })
    return
  }
  draft.patchPart(messageId, id, { status: "completed", output })
  const path = str(dict(input)?.path)
  if (!path) return
  const details = dict(dict(event.result)?.details)
  let change
  if (tool === "edit" && str(details?.diff)) change = unifiedFromPi(path, str(details?.diff)!)
  else if (tool === "write") {
    const before = (details as WriteDetails | undefined)?.iterate
    const content = str(dict(input)?.content)
    if (before && content !== undefined && (!before.existed || before.before !== undefined))
      change = unifiedDiff(path, before.before ?? "", content)
  }
  if (change) draft.putPart(messageId, { kind: "file-edit", id: `${id}:edit`, toolPartId: id, path, ...change })
}

export function foldPi(draft: Draft, native: unknown): void {
  const event = native as PiEvent
  if (typeof event?.type !== "string") return
  const state = stateOf(draft)
  switch (event.type) {
    case "message_start": {
      const message = dict(event.message)
      if (message?.role !== "assistant") return
      state.message = draft.assistant(`pi:${draft.event.offset}`, { model: modelOf(message) }).id
      return
    }
    case "message_update": {
      const update = dict(event.assistantMessageEvent)
      if (update) foldUpdate(draft, state, update)
      return
    }
    case "message_end": {
      const message = dict(event.message)
      if (message?.role === "assistant") foldMessageEnd(draft, state, message as unknown as PiAssistantMessage)
      return
    }
    case "tool_execution_start": {
      const { id, messageId } = toolOf(draft, state, event)
      draft.patchPart(messageId, id, { status: "running" })
      return
    }
    case "tool_execution_update": {
      const { id, messageId } = toolOf(draft, state, event)
      draft.patchPart(messageId, id, { status: "running", output: resultText(event.partialResult) })
      return
    }
    case "tool_execution_end":
      foldToolEnd(draft, state, event)
      return
    case "auto_retry_start": {
      const failed = state.failed
      const note = `retrying (attempt ${event.attempt} of ${event.maxAttempts})`
      if (failed) draft.patchPart(failed.messageId, failed.partId, { message: `${failed.message} — ${note}` })
      state.failed = undefined
      draft.setTurnError(`${firstLine(str(event.errorMessage) ?? "the model call failed")} — ${note}`)
      return
    }
    case "auto_retry_end":
      if (event.success) draft.setTurnError(undefined)
      return
    case "extension_error": {
      const extension = str(event.extensionPath)?.split(/[\\/]/).at(-1) ?? "an extension"
      draft.error(`${extension} failed in ${str(event.event) ?? "an event"}: ${firstLine(str(event.error) ?? "")}`)
      return
    }
  }
}
