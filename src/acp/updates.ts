// An agent's transcript as ACP `session/update` notifications, the same for every harness: each
// call to next() returns what changed since the last one. Text streams as agent_message_chunk,
// reasoning as agent_thought_chunk, prompts (on a replay, or from another client) as
// user_message_chunk; a tool part is a tool_call, then a tool_call_update whenever its status,
// title, input or content changes (its output, and its file edits as diffs); a todo tool's list is
// a plan; an error is a message chunk. Pure: the unit tests fold recorded streams through it.
import { isAbsolute, resolve } from "node:path"
import type { PlanEntry, SessionUpdate, ToolCallContent, ToolCallLocation, ToolCallStatus, ToolKind } from "@agentclientprotocol/sdk"
import type { PermissionKind } from "../protocol/agent-events.ts"
import { isTodoTool } from "../transcript/todos.ts"
import type { FileEditPart, Message, PermissionPart, Todo, TodoStatus, ToolPart, ToolStatus, Transcript } from "../transcript/types.ts"
import { dict, str } from "../protocol/json.ts"


const STATUS: Record<ToolStatus, ToolCallStatus> = { pending: "pending", running: "in_progress", completed: "completed", error: "failed" }

// The harnesses' tool names (opencode, Claude Code, Pi), lower-cased; an ACP agent's tool parts
// are named by their ACP kind already.
const KINDS: Record<string, ToolKind> = {
  execute: "execute",
  search: "search",
  fetch: "fetch",
  delete: "delete",
  move: "move",
  think: "think",
  read: "read",
  notebookread: "read",
  edit: "edit",
  multiedit: "edit",
  write: "edit",
  patch: "edit",
  apply_patch: "edit",
  notebookedit: "edit",
  bash: "execute",
  shell: "execute",
  grep: "search",
  glob: "search",
  find: "search",
  ls: "search",
  list: "search",
  codesearch: "search",
  webfetch: "fetch",
  websearch: "fetch",
}

export const toolKind = (tool: string): ToolKind => KINDS[tool.toLowerCase()] ?? "other"

const PERMISSION_KINDS: Record<PermissionKind, ToolKind> = { edit: "edit", command: "execute", read: "read", question: "other", other: "other" }

export const permissionToolKind = (kind: PermissionKind): ToolKind => PERMISSION_KINDS[kind]

const PLAN_STATUS: Record<TodoStatus, PlanEntry["status"] | undefined> = { pending: "pending", in_progress: "in_progress", completed: "completed", cancelled: undefined }
const PRIORITIES = new Set(["high", "medium", "low"])

/** The agent's todo list (src/transcript/todos.ts) as an ACP plan. Cancelled items are left out. */
export function planOf(todos: Todo[]): PlanEntry[] {
  return todos.flatMap((todo) => {
    const status = PLAN_STATUS[todo.status]
    if (!status) return []
    const priority = PRIORITIES.has(todo.priority ?? "") ? (todo.priority as PlanEntry["priority"]) : "medium"
    return [{ content: todo.content, status, priority }]
  })
}

/**
 * A unified diff as ACP diff contents, one per hunk: the hunk's lines before and after (context
 * included), since ACP wants texts to compare rather than a patch. A new file has no oldText.
 */
export function diffContents(path: string, diff: string): ToolCallContent[] {
  const lines = diff.split("\n")
  const created = lines.some((line) => line === "--- /dev/null")
  const hunks: Array<{ old: string[]; new: string[] }> = []
  for (const line of lines) {
    if (line.startsWith("@@")) hunks.push({ old: [], new: [] })
    const hunk = hunks.at(-1)
    if (!hunk || line.startsWith("@@") || line.startsWith("\\")) continue
    if (line.startsWith(" ") || line.startsWith("-")) hunk.old.push(line.slice(1))
    if (line.startsWith(" ") || line.startsWith("+")) hunk.new.push(line.slice(1))
  }
  const text = (list: string[]) => (list.length ? list.join("\n") + "\n" : "")
  return hunks.map((hunk) => ({ type: "diff", path, ...(!created && { oldText: text(hunk.old) }), newText: text(hunk.new) }))
}

/** A code block around `text` whose fence no run of backticks inside it can close. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = "`".repeat(longest + 1)
  return `${fence}\n${text.replace(/\n$/, "")}\n${fence}`
}

// Output that is no prose (a command's, a file's, a search's) keeps its lines in a code block.
const VERBATIM = new Set<ToolKind>(["execute", "read", "search", "fetch"])

const textContent = (text: string): ToolCallContent => ({ type: "content", content: { type: "text", text } })

/** The fields of a tool call that ACP updates; each is compared as JSON to tell what changed. */
type ToolFields = {
  title: string
  kind: ToolKind
  status: ToolCallStatus
  rawInput?: unknown
  content: ToolCallContent[]
  locations: ToolCallLocation[]
}

export class SessionUpdates {
  /** text and reasoning parts → characters sent */
  private readonly sent = new Map<string, number>()
  /** user messages and error parts sent (or skipped) */
  private readonly done = new Set<string>()
  /** tool parts → each field as last sent, as JSON */
  private readonly tools = new Map<string, Record<string, string>>()
  /** the plan as last sent, as JSON: none until the agent keeps a todo list */
  private plan = "[]"

  /** `directory`: the agent's, which relative paths in the transcript are relative to. */
  constructor(private readonly directory: string) {}

  /**
   * What changed in `transcript` since the last call. `skipUser` names user messages the client
   * shows itself (the prompts it sent): they are never sent back.
   */
  next(transcript: Transcript, skipUser: (message: Message) => boolean = () => false): SessionUpdate[] {
    const updates: SessionUpdate[] = []
    for (const message of transcript.messages) {
      if (message.role === "user") {
        if (this.done.has(message.id)) continue
        this.done.add(message.id)
        const text = message.parts.flatMap((p) => (p.kind === "text" ? [p.text] : [])).join("\n")
        if (!skipUser(message)) updates.push({ sessionUpdate: "user_message_chunk", content: { type: "text", text } })
        continue
      }
      for (const part of message.parts) {
        if (part.kind === "text" || part.kind === "reasoning") {
          const sent = this.sent.get(part.id) ?? 0
          if (part.text.length <= sent) continue
          this.sent.set(part.id, part.text.length)
          const content = { type: "text" as const, text: part.text.slice(sent) }
          updates.push(part.kind === "text" ? { sessionUpdate: "agent_message_chunk", content } : { sessionUpdate: "agent_thought_chunk", content })
        } else if (part.kind === "tool" && !isTodoTool(part)) {
          const update = this.toolUpdate(part, edits(message, part))
          if (update) updates.push(update)
        } else if (part.kind === "error" && !this.done.has(part.id)) {
          this.done.add(part.id)
          updates.push({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: `\n\n**Error:** ${part.message}\n\n` } })
        }
      }
    }
    // The plan is the todo list; the client replaces the whole plan with each one.
    const plan = planOf(transcript.todos)
    const json = JSON.stringify(plan)
    if (json !== this.plan) {
      this.plan = json
      updates.push({ sessionUpdate: "plan", entries: plan })
    }
    return updates
  }

  /**
   * The tool call a permission request is about, when the client has been told of it: the last
   * tool call before the request in its message that has not finished (harnesses ask while the
   * call runs). Undefined for a request no tool call shows.
   */
  toolCallOf(transcript: Transcript, request: PermissionPart): string | undefined {
    for (const message of transcript.messages) {
      const at = message.parts.findIndex((p) => p.kind === "permission" && p.id === request.id)
      if (at < 0) continue
      const tool = message.parts
        .slice(0, at)
        .findLast((p): p is ToolPart => p.kind === "tool" && !isTodoTool(p) && (p.status === "pending" || p.status === "running"))
      return tool && this.tools.has(tool.id) ? tool.id : undefined
    }
    return undefined
  }

  private toolUpdate(tool: ToolPart, fileEdits: FileEditPart[]): SessionUpdate | undefined {
    const fields = this.fields(tool, fileEdits)
    const json = Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, JSON.stringify(value)]))
    const last = this.tools.get(tool.id)
    this.tools.set(tool.id, json)
    if (!last) return { sessionUpdate: "tool_call", toolCallId: tool.id, ...fields }
    const changed = Object.keys(json).filter((key) => json[key] !== last[key])
    if (changed.length === 0) return undefined
    return { sessionUpdate: "tool_call_update", toolCallId: tool.id, ...Object.fromEntries(changed.map((key) => [key, fields[key as keyof ToolFields]])) }
  }

  private fields(tool: ToolPart, fileEdits: FileEditPart[]): ToolFields {
    const kind = toolKind(tool.tool)
    const content: ToolCallContent[] = fileEdits.length
      ? fileEdits.flatMap((edit) => diffContents(this.absolute(edit.path), edit.diff))
      : tool.status === "pending" || tool.status === "running"
        ? this.proposedEdit(tool.input)
        : []
    const said = tool.status === "error" ? tool.error : tool.output
    if (said) content.push(textContent(VERBATIM.has(kind) ? fenced(said) : said))
    const path = pathOf(tool.input)
    return {
      title: [tool.tool, tool.title].filter(Boolean).join(" "),
      kind,
      status: STATUS[tool.status],
      ...(tool.input !== undefined && { rawInput: tool.input }),
      content,
      locations: path ? [{ path: this.absolute(path) }] : [],
    }
  }

  /**
   * What an edit tool is about to change, from its input (opencode's oldString/newString, Claude
   * Code's old_string/new_string, Pi's oldText/newText; a list of them under `edits` for Claude
   * Code's MultiEdit and Pi), so the client can show it while it asks for permission. A write has
   * no old text to show it against, so it waits for the file edit.
   */
  private proposedEdit(input: unknown): ToolCallContent[] {
    const args = dict(input)
    const path = pathOf(input)
    if (!args || !path) return []
    const changes = Array.isArray(args.edits) ? args.edits.map(dict) : [args]
    return changes.flatMap((change) => {
      const oldText = change?.oldString ?? change?.old_string ?? change?.oldText
      const newText = change?.newString ?? change?.new_string ?? change?.newText
      if (typeof oldText !== "string" || typeof newText !== "string") return []
      return [{ type: "diff" as const, path: this.absolute(path), oldText, newText }]
    })
  }

  private absolute(path: string): string {
    return isAbsolute(path) ? path : resolve(this.directory, path)
  }
}

/** The file a tool's input names (each harness spells it its own way). */
function pathOf(input: unknown): string | undefined {
  const args = dict(input)
  return str(args?.filePath) || str(args?.file_path) || str(args?.notebook_path) || str(args?.path) || undefined
}

const edits = (message: Message, tool: ToolPart) => message.parts.filter((p): p is FileEditPart => p.kind === "file-edit" && p.toolPartId === tool.id)
