// An ACP agent's native events folded into the transcript (see src/transcript): the params of each
// session/update notification ({ sessionId, update }) and the result of each session/prompt
// ({ stopReason, usage? }), as the harness appends them. Pure and import-free of runtime code: the
// CLI and the browser run it, for every harness that is an ACP agent (the registry falls back to
// it for any harness it does not know by name).
//   agent_message_chunk / agent_thought_chunk   text and reasoning, streamed onto the turn's
//                                               assistant message (a new part after anything else)
//   tool_call, tool_call_update                 a tool part named by the call's kind (edit,
//                                               execute, read, …), its title, input, status, output;
//                                               its diffs become file-edit parts once it completed
//   plan                                        the agent's plan as a todo list (a `todowrite` part,
//                                               as opencode and Claude Code keep theirs)
//   usage_update                                the session's cost so far: the turn's share
//   notice (warning, error)                     an error part
//   a session/prompt result                     the prompt's token counts; the calls it left
//                                               unfinished (a cancelled turn's) failed
// ACP messages have no ids: a turn's output is one assistant message, the one after its prompt.
import type { Draft } from "../../transcript/build.ts"
import { unifiedDiff } from "../../transcript/diff.ts"
import type { ToolPart, ToolStatus, Usage } from "../../transcript/types.ts"
import { type Dict, dict, list, num, str } from "../../protocol/json.ts"

interface State {
  /** the text or reasoning part the next chunk of its kind goes on, while nothing came after it */
  streaming?: { messageId: string; partId: string; kind: "text" | "reasoning" }
  /** each tool call's message and everything said about it, merged */
  tools: Map<string, { messageId: string; fields: Dict }>
  /** the session's cost as last reported, in US dollars */
  cost?: number
}

function state(draft: Draft): State {
  return ((draft.state.acp as State | undefined) ??= { tools: new Map() })
}

const STATUS: Record<string, ToolStatus> = { pending: "pending", in_progress: "running", completed: "completed", failed: "error" }

export function foldAcp(draft: Draft, native: unknown): void {
  const event = dict(native)
  if (!event) return
  const s = state(draft)
  if (typeof event.stopReason === "string") {
    endCalls(draft, s, event.stopReason)
    return foldUsage(draft, dict(event.usage))
  }
  const update = dict(event.update)
  switch (update?.sessionUpdate) {
    case "agent_message_chunk":
      return stream(draft, s, "text", contentText(update.content))
    case "agent_thought_chunk":
      return stream(draft, s, "reasoning", contentText(update.content))
    case "tool_call":
    case "tool_call_update":
      return foldTool(draft, s, update)
    case "plan":
      return foldPlan(draft, s, update)
    case "usage_update":
      return foldCost(draft, s, dict(update.cost))
    case "notice":
      if (update.severity === "error" || update.severity === "warning") draft.error([str(update.title), str(update.description)].filter(Boolean).join(": "))
      return
  }
}

function stream(draft: Draft, s: State, kind: "text" | "reasoning", text: string): void {
  if (!text) return
  const message = draft.currentAssistant()
  const last = message.parts.at(-1)
  let part = s.streaming
  if (!part || part.messageId !== message.id || part.kind !== kind || last?.id !== part.partId)
    part = s.streaming = { messageId: message.id, partId: `${message.id}:${draft.event.offset}`, kind }
  draft.appendText(message.id, part.partId, kind, text)
}

/** What a content block says as text: its text, a link's name and address; nothing for media. */
function contentText(content: unknown): string {
  const block = dict(content)
  if (block?.type === "text") return str(block.text) ?? ""
  if (block?.type === "resource_link") return `[${str(block.title) ?? str(block.name) ?? ""}](${str(block.uri) ?? ""})`
  if (block?.type === "resource") return str(dict(block.resource)?.text) ?? ""
  return ""
}

function foldTool(draft: Draft, s: State, update: Dict): void {
  const id = str(update.toolCallId)
  if (!id) return
  s.streaming = undefined
  const known = s.tools.get(id)
  const changed = Object.fromEntries(Object.entries(update).filter(([key, value]) => key !== "sessionUpdate" && value !== undefined && value !== null))
  const fields = { ...known?.fields, ...changed }
  const messageId = known?.messageId ?? draft.currentAssistant().id
  s.tools.set(id, { messageId, fields })
  const status = STATUS[str(fields.status) ?? "pending"] ?? "pending"
  const said = output(fields)
  const part: ToolPart = {
    kind: "tool",
    id,
    tool: str(fields.kind) ?? "other",
    ...(str(fields.title) && { title: str(fields.title)!.split("\n")[0] }),
    ...(fields.rawInput !== undefined && { input: fields.rawInput }),
    status,
    ...(status === "completed" && said && { output: said }),
    ...(status === "error" && { error: said || "failed" }),
  }
  draft.putPart(messageId, part)
  if (status !== "completed") return
  list(fields.content).forEach((item, index) => {
    const diff = dict(item)
    const path = str(diff?.path)
    if (diff?.type !== "diff" || !path || typeof diff.newText !== "string") return
    draft.putPart(messageId, { kind: "file-edit", id: `${id}:edit:${index}`, toolPartId: id, path, ...unifiedDiff(path, str(diff.oldText) ?? "", diff.newText) })
  })
}

/**
 * A prompt's result comes after every update of its turn (ACP says so): a tool call still pending
 * or running then never finished, such as one the turn was cancelled in.
 */
function endCalls(draft: Draft, s: State, stopReason: string): void {
  for (const [id, { messageId }] of s.tools) {
    const part = draft.part<"tool">(messageId, id)
    if (part && (part.status === "pending" || part.status === "running")) draft.patchPart(messageId, id, { status: "error", error: stopReason === "cancelled" ? "cancelled" : "it did not finish" })
  }
  s.tools.clear()
}

/** A finished call's output: the text of its content blocks, else its raw output. */
function output(fields: Dict): string | undefined {
  const texts = list(fields.content)
    .map(dict)
    .filter((c) => c?.type === "content")
    .map((c) => contentText(c!.content))
    .filter(Boolean)
  if (texts.length) return texts.join("\n")
  const raw = fields.rawOutput
  if (raw === undefined || raw === null) return undefined
  return typeof raw === "string" ? raw : JSON.stringify(raw)
}

function foldPlan(draft: Draft, s: State, update: Dict): void {
  s.streaming = undefined
  const todos = list(update.entries).map((entry) => {
    const e = dict(entry) ?? {}
    return { content: str(e.content) ?? "", status: str(e.status) ?? "pending", priority: str(e.priority) ?? "medium" }
  })
  const done = todos.filter((t) => t.status === "completed").length
  const message = draft.currentAssistant()
  draft.putPart(message.id, { kind: "tool", id: `plan:${draft.event.offset}`, tool: "todowrite", title: `plan: ${done} of ${todos.length} done`, input: { todos }, status: "completed" })
}

function foldCost(draft: Draft, s: State, cost: Dict | undefined): void {
  const amount = num(cost?.amount)
  if (amount === undefined || cost?.currency !== "USD") return
  // The session's total so far; one that went down is a new process counting from zero.
  const turn = s.cost !== undefined && amount >= s.cost ? amount - s.cost : amount
  s.cost = amount
  if (turn > 0) addUsage(draft, { costUsd: turn })
}

function foldUsage(draft: Draft, usage: Dict | undefined): void {
  if (!usage) return
  const tokens: Usage = {
    inputTokens: num(usage.inputTokens),
    outputTokens: num(usage.outputTokens),
    reasoningTokens: num(usage.thoughtTokens) || undefined,
    cacheReadTokens: num(usage.cachedReadTokens),
    cacheWriteTokens: num(usage.cachedWriteTokens),
  }
  if (Object.values(tokens).some((v) => v !== undefined)) addUsage(draft, tokens)
}

function addUsage(draft: Draft, usage: Usage): void {
  const message = draft.currentAssistant()
  const sum: Usage = { ...message.usage }
  for (const [key, value] of Object.entries(usage) as Array<[keyof Usage, number | undefined]>) if (value !== undefined) sum[key] = (sum[key] ?? 0) + value
  draft.updateMessage(message.id, { usage: sum })
}
