// opencode's native events folded into the transcript (see src/transcript). Pure and import-free
// of runtime code: the CLI and the browser run it. What opencode 1.18 sends for a turn is
// described in events.ts; here:
//   message.updated (assistant)      → an assistant message, its model and token usage
//   message.part.updated text|reasoning|tool  → that part (tools with input, status, output)
//   message.part.delta               → streamed text of a text or reasoning part
//   a finished edit/write tool       → a file-edit part with its diff
//   session.error                    → an error part (not for an abort)
// User messages come from iterate's prompt actions, so opencode's echo of them is skipped.
import type { Draft } from "../../transcript/build.ts"
import { countChanges, unifiedDiff } from "../../transcript/diff.ts"
import type { ToolStatus, Usage } from "../../transcript/types.ts"
import { type Dict, dict, num, str } from "../../protocol/json.ts"
import type { OpencodeEvent } from "./events.ts"

/** part id → its kind and message, for deltas, which name neither */
type Parts = Map<string, { kind: "text" | "reasoning"; messageId: string }>

function parts(draft: Draft): Parts {
  return ((draft.state.opencodeParts as Parts | undefined) ??= new Map()) as Parts
}

function usageOf(info: Dict): Usage | undefined {
  const tokens = dict(info.tokens)
  if (!tokens) return undefined
  const cache = dict(tokens.cache)
  return {
    inputTokens: num(tokens.input),
    outputTokens: num(tokens.output),
    reasoningTokens: num(tokens.reasoning),
    cacheReadTokens: num(cache?.read),
    cacheWriteTokens: num(cache?.write),
    costUsd: num(info.cost),
  }
}

const TOOL_STATUS: Record<string, ToolStatus> = { pending: "pending", running: "running", completed: "completed", error: "error" }

function foldTool(draft: Draft, messageId: string, part: Dict): void {
  const state = dict(part.state) ?? {}
  const status = TOOL_STATUS[str(state.status) ?? ""] ?? "pending"
  const id = String(part.id)
  const tool = str(part.tool) ?? "tool"
  const input = dict(state.input)
  draft.putPart(messageId, {
    kind: "tool",
    id,
    tool,
    title: str(state.title) ?? (str(input?.filePath) || str(input?.command) || undefined),
    input: state.input,
    status,
    ...(status === "completed" && { output: str(state.output) ?? "" }),
    ...(status === "error" && { error: str(state.error) ?? "failed" }),
  })
  if (status === "completed") foldEdit(draft, messageId, id, tool, input, dict(state.metadata))
}

/** The file a finished edit or write tool changed, with the diff opencode sent or one made from the write. */
function foldEdit(draft: Draft, messageId: string, toolPartId: string, tool: string, input: Dict | undefined, metadata: Dict | undefined): void {
  const path = str(input?.filePath) ?? str(metadata?.filepath)
  if (!path) return
  let change: { diff: string; additions: number; deletions: number } | undefined
  // opencode's diff opens with an `Index:` line and a rule above the usual `---`/`+++` header.
  const ready = str(metadata?.diff)?.replace(/^(?:(?!--- ).*\n)*/, "")
  if (ready) change = { diff: ready, ...countChanges(ready) }
  else if (tool === "write" && metadata?.exists === false && typeof input?.content === "string") change = unifiedDiff(path, "", input.content)
  if (change) draft.putPart(messageId, { kind: "file-edit", id: `${toolPartId}:edit`, toolPartId, path, ...change })
}

export function foldOpencode(draft: Draft, native: unknown): void {
  const event = native as OpencodeEvent
  const props = dict(event.properties)
  if (!props) return
  switch (event.type) {
    case "message.updated": {
      const info = dict(props.info)
      if (info?.role !== "assistant" || typeof info.id !== "string") return
      const provider = str(info.providerID)
      const model = str(info.modelID)
      draft.assistant(info.id, { model: provider && model ? `${provider}/${model}` : model })
      const usage = usageOf(info)
      if (usage) draft.updateMessage(info.id, { usage })
      return
    }
    case "message.part.updated": {
      const part = dict(props.part)
      const messageId = str(part?.messageID)
      // Only parts of assistant messages: the user's own prompt is iterate's prompt action.
      if (!part || !messageId || !draft.message(messageId)) return
      if (part.type === "text" || part.type === "reasoning") {
        parts(draft).set(String(part.id), { kind: part.type, messageId })
        const text = str(part.text) ?? ""
        // An empty part announces the deltas to come; it shows once they do.
        if (text !== "" || draft.part(messageId, String(part.id))) draft.setText(messageId, String(part.id), part.type, text)
      } else if (part.type === "tool") foldTool(draft, messageId, part)
      return
    }
    case "message.part.delta": {
      const known = parts(draft).get(String(props.partID))
      const delta = str(props.delta)
      if (known && props.field === "text" && delta) draft.appendText(known.messageId, String(props.partID), known.kind, delta)
      return
    }
    case "session.error": {
      const error = dict(props.error)
      if (error?.name === "MessageAbortedError") return
      const message = str(dict(error?.data)?.message) ?? str(error?.name) ?? "the turn failed"
      draft.error(message.split("\n")[0]!)
      return
    }
  }
}
