// Claude Code's can_use_tool requests as iterate's permission asks, and iterate's answers as
// claude's control responses. AskUserQuestion is a question to the person: allowing it with a
// message answers every question with that message (claude reads answers from updatedInput).
import type { PermissionKind } from "../../protocol/agent-events.ts"
import { str } from "../../protocol/json.ts"
import type { PermissionAnswer } from "../harness.ts"
import { type CanUseToolRequest, EDIT_TOOLS } from "./protocol.ts"

const READ_TOOLS = new Set(["Read", "Glob", "Grep", "LS"])

export function permissionKind(tool: string): PermissionKind {
  if (EDIT_TOOLS.has(tool)) return "edit"
  if (tool === "Bash") return "command"
  if (READ_TOOLS.has(tool)) return "read"
  if (tool === "AskUserQuestion") return "question"
  return "other"
}

/** One line for a person: "write hello.txt", "run `npm test`", the question asked. */
export function permissionSummary(request: CanUseToolRequest, directory: string): string {
  const input = request.input ?? {}
  const field = (key: string) => str(input[key])
  const path = field("file_path") ?? field("notebook_path") ?? field("path")
  const shown = path ? relative(path, directory) : undefined
  const tool = request.tool_name
  let summary: string | undefined
  if (tool === "Write") summary = shown && `write ${shown}`
  else if (EDIT_TOOLS.has(tool)) summary = shown && `edit ${shown}`
  else if (tool === "Bash") summary = field("command") && `run \`${field("command")}\``
  else if (tool === "Read") summary = shown && `read ${shown}`
  else if (tool === "Glob" || tool === "Grep") summary = field("pattern") && `search ${field("pattern")}${shown ? ` in ${shown}` : ""}`
  else if (tool === "AskUserQuestion") summary = questions(input).join(" ") || undefined
  summary ??= request.description ? `${tool}: ${request.description}` : tool
  return summary.replace(/\s*\n\s*/g, " ")
}

/** The control response body claude expects for `answer` to `request`. */
export function permissionResponse(request: CanUseToolRequest, answer: PermissionAnswer): Record<string, unknown> {
  if (answer.decision === "deny") return { behavior: "deny", message: answer.message || "The user refused this tool call." }
  let updatedInput = request.input
  if (request.tool_name === "AskUserQuestion" && answer.message)
    updatedInput = { ...request.input, answers: Object.fromEntries(questions(request.input).map((q) => [q, answer.message])) }
  return { behavior: "allow", updatedInput }
}

function questions(input: Record<string, unknown>): string[] {
  const list = Array.isArray(input.questions) ? input.questions : []
  return list.map((q) => (typeof q?.question === "string" ? q.question : "")).filter(Boolean)
}

function relative(path: string, directory: string): string {
  const base = directory.endsWith("/") ? directory : `${directory}/`
  return path.startsWith(base) ? path.slice(base.length) : path
}
