// Claude Code's stream-json lines folded into the transcript (see src/transcript). Pure and
// import-free of runtime code: the CLI and the browser run it. What claude sends is described in
// protocol.ts; here:
//   stream_event message_start            → the assistant message (its id is the API message's)
//   stream_event content_block_delta      → streamed text (text_delta) and reasoning (thinking_delta)
//   stream_event content_block_start tool_use → a pending tool part
//   assistant {content:[block]}           → the finished block: its final text, or the tool's input
//   user {tool_result}                    → the tool's output or error; Edit, Write, MultiEdit (and
//                                           NotebookEdit) that succeeded get a file-edit part
//   result                                → the turn's usage and cost (its figures per model, else
//                                           `usage`); its error when it failed
//   system api_retry                      → a retry note while claude waits to try again
// Parts of an API message are named by block index, `<message id>:<index>`; tool parts by their
// tool_use id, which the tool_result names. User text (the prompt, "[Request interrupted by user]")
// is left out: the prompt is iterate's own action. Lines of a subagent (parent_tool_use_id set)
// are left out too; the Task tool's part shows what it returned.
import type { Draft } from "../../transcript/build.ts"
import { unifiedDiff } from "../../transcript/diff.ts"
import type { Usage } from "../../transcript/types.ts"
import { type Dict, dict, list, num, str } from "../../protocol/json.ts"
import { EDIT_TOOLS, type ResultLine, resultError } from "./protocol.ts"


interface Block {
  /** index of the block being streamed, from content_block_start */
  started?: number
  /** assistant lines seen for the message: the next block's index when nothing streamed */
  seen: number
}

interface Tool {
  messageId: string
  tool: string
  input: Dict
}

interface State {
  /** the API message streaming now */
  streaming?: string
  blocks: Map<string, Block>
  tools: Map<string, Tool>
  cwd?: string
}

function state(draft: Draft): State {
  return ((draft.state.claude as State | undefined) ??= { blocks: new Map(), tools: new Map() })
}

function block(s: State, messageId: string): Block {
  let b = s.blocks.get(messageId)
  if (!b) s.blocks.set(messageId, (b = { seen: 0 }))
  return b
}

const partId = (messageId: string, index: number) => `${messageId}:${index}`

export function foldClaude(draft: Draft, native: unknown): void {
  const line = dict(native)
  if (!line || line.parent_tool_use_id) return
  const s = state(draft)
  switch (line.type) {
    case "system":
      if (line.subtype === "init") s.cwd = str(line.cwd)
      else if (line.subtype === "api_retry") draft.setTurnError(retryNote(line))
      return
    case "stream_event":
      return foldStreamEvent(draft, s, dict(line.event) ?? {})
    case "assistant":
      return foldAssistant(draft, s, line)
    case "user":
      if (!line.isReplay) for (const item of list(dict(line.message)?.content)) foldToolResult(draft, s, dict(item) ?? {}, dict(line.tool_use_result))
      return
    case "result":
      return foldResult(draft, line as unknown as ResultLine)
  }
}

function foldStreamEvent(draft: Draft, s: State, event: Dict): void {
  if (event.type === "message_start") {
    const message = dict(event.message)
    const id = str(message?.id)
    if (!id) return
    s.streaming = id
    draft.assistant(id, { model: str(message?.model) })
    if (draft.transcript.error) draft.setTurnError(undefined)
    return
  }
  const id = s.streaming
  const index = num(event.index)
  if (!id || index === undefined) return
  if (event.type === "content_block_start") {
    block(s, id).started = index
    const content = dict(event.content_block)
    if (content?.type === "tool_use") putTool(draft, s, id, content, "pending")
  } else if (event.type === "content_block_delta") {
    const delta = dict(event.delta)
    if (delta?.type === "text_delta" && str(delta.text)) draft.appendText(id, partId(id, index), "text", delta.text as string)
    else if (delta?.type === "thinking_delta" && str(delta.thinking)) draft.appendText(id, partId(id, index), "reasoning", delta.thinking as string)
  }
}

function foldAssistant(draft: Draft, s: State, line: Dict): void {
  const message = dict(line.message) ?? {}
  const content = list(message.content).map((c) => dict(c) ?? {})
  // An API error, dressed as a message by claude: the result that follows fails the turn with it.
  if (line.is_api_error_message || message.model === "<synthetic>") {
    const text = content.map((c) => str(c.text) ?? "").join("")
    if (text) draft.error(text.split("\n")[0]!)
    return
  }
  const id = str(message.id)
  if (!id) return
  draft.assistant(id, { model: str(message.model) })
  const b = block(s, id)
  for (const item of content) {
    const index = content.length === 1 && b.started !== undefined ? b.started : b.seen
    b.seen = index + 1
    if (item.type === "text" && str(item.text)) draft.setText(id, partId(id, index), "text", item.text as string)
    else if (item.type === "thinking" && str(item.thinking)) draft.setText(id, partId(id, index), "reasoning", item.thinking as string)
    else if (item.type === "tool_use") putTool(draft, s, id, item, "running")
  }
}

function putTool(draft: Draft, s: State, messageId: string, use: Dict, status: "pending" | "running"): void {
  const id = str(use.id)
  if (!id) return
  const tool = str(use.name) ?? "tool"
  const input = dict(use.input) ?? {}
  s.tools.set(id, { messageId, tool, input })
  const existing = draft.part<"tool">(messageId, id)
  // A tool already finished (its result came first) keeps its state.
  if (existing && existing.status !== "pending" && existing.status !== "running") return
  draft.putPart(messageId, { kind: "tool", id, tool, title: toolTitle(input, s.cwd), input, status })
}

function toolTitle(input: Dict, cwd: string | undefined): string | undefined {
  const path = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path)
  const title = (path && shortPath(path, cwd)) || str(input.description) || str(input.command) || str(input.pattern) || str(input.url)
  return title?.split("\n")[0]
}

function foldToolResult(draft: Draft, s: State, item: Dict, claudeResult: Dict | undefined): void {
  if (item.type !== "tool_result") return
  const id = str(item.tool_use_id)
  const tool = id ? s.tools.get(id) : undefined
  if (!id || !tool) return
  const text = resultText(item.content)
  if (item.is_error) {
    draft.patchPart(tool.messageId, id, { status: "error", error: text || "failed" })
    return
  }
  draft.patchPart(tool.messageId, id, { status: "completed", output: text })
  if (EDIT_TOOLS.has(tool.tool)) foldEdit(draft, s, id, tool, claudeResult)
}

/** A tool result's content: a string, or blocks of which the text ones count. */
function resultText(content: unknown): string {
  if (typeof content === "string") return content
  return list(content)
    .map((c) => (dict(c)?.type === "text" ? (str(dict(c)?.text) ?? "") : ""))
    .join("")
}

/**
 * The change an edit tool made, as a diff of the whole file when claude says what the file held
 * before (tool_use_result.originalFile), else of the edited text alone.
 */
function foldEdit(draft: Draft, s: State, toolPartId: string, tool: Tool, claudeResult: Dict | undefined): void {
  const input = tool.input
  const file = str(input.file_path) ?? str(input.notebook_path)
  if (!file) return
  const original = str(claudeResult?.originalFile)
  const edits: Array<{ old: string; new: string; all: boolean }> =
    tool.tool === "MultiEdit"
      ? list(input.edits).map((e) => ({ old: str(dict(e)?.old_string) ?? "", new: str(dict(e)?.new_string) ?? "", all: dict(e)?.replace_all === true }))
      : tool.tool === "Edit"
        ? [{ old: str(input.old_string) ?? "", new: str(input.new_string) ?? "", all: input.replace_all === true }]
        : []
  let before: string
  let after: string
  if (tool.tool === "Write") {
    before = original ?? ""
    after = str(input.content) ?? ""
  } else if (edits.length > 0 && original !== undefined) {
    before = original
    after = edits.reduce((text, e) => (e.all ? text.split(e.old).join(e.new) : text.replace(e.old, () => e.new)), original)
  } else if (edits.length > 0) {
    before = edits.map((e) => e.old).join("\n")
    after = edits.map((e) => e.new).join("\n")
  } else return // NotebookEdit: its cells are no text file
  const path = shortPath(file, s.cwd)
  draft.putPart(tool.messageId, { kind: "file-edit", id: `${toolPartId}:edit`, toolPartId, path, ...unifiedDiff(path, before, after) })
}

function foldResult(draft: Draft, result: ResultLine): void {
  const usage = usageOf(result)
  if (usage) {
    const message = draft.currentAssistant()
    draft.updateMessage(message.id, { usage: add(message.usage, usage) })
  }
  const error = resultError(result)
  if (error) draft.error(error)
  if (draft.transcript.error && !error) draft.setTurnError(undefined)
}

function usageOf(result: ResultLine): Usage | undefined {
  const perModel = Object.values(dict(result.model_usage_since_last_result) ?? {}).map((m) => dict(m) ?? {})
  // This turn's figures per model count what an interrupt cut short too, where `usage` says 0;
  // total_cost_usd adds up over the process's life. Older claudes send only `usage`.
  const usage: Usage =
    perModel.length > 0
      ? {
          inputTokens: total(perModel, "inputTokens"),
          outputTokens: total(perModel, "outputTokens"),
          reasoningTokens: total(perModel, "thinkingTokens") || undefined,
          cacheReadTokens: total(perModel, "cacheReadInputTokens"),
          cacheWriteTokens: total(perModel, "cacheCreationInputTokens"),
          costUsd: total(perModel, "costUSD"),
        }
      : fromUsage(dict(result.usage) ?? {}, num(result.total_cost_usd))
  return Object.values(usage).some((v) => v) ? usage : undefined
}

const total = (models: Dict[], key: string) => models.reduce((sum, m) => sum + (num(m[key]) ?? 0), 0)

const fromUsage = (u: Dict, cost: number | undefined): Usage => ({
  inputTokens: num(u.input_tokens),
  outputTokens: num(u.output_tokens),
  reasoningTokens: num(dict(u.output_tokens_details)?.thinking_tokens) || undefined,
  cacheReadTokens: num(u.cache_read_input_tokens),
  cacheWriteTokens: num(u.cache_creation_input_tokens),
  costUsd: cost,
})

function add(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b
  const sum: Usage = {}
  for (const key of Object.keys({ ...a, ...b }) as Array<keyof Usage>) sum[key] = (a[key] ?? 0) + (b[key] ?? 0)
  return sum
}

function retryNote(line: Dict): string {
  const status = num(line.error_status)
  const attempt = num(line.attempt)
  const max = num(line.max_retries)
  const what = status ? `the model API answered ${status}` : "the model API did not answer"
  return `${what}; retrying${attempt && max ? ` (${attempt} of ${max})` : ""}`
}

function shortPath(path: string, cwd: string | undefined): string {
  if (!cwd) return path
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`
  return path.startsWith(base) ? path.slice(base.length) : path
}
