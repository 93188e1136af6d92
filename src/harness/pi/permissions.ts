// A Pi tool call as a permission request: what kind of thing it does (for the agent's policy) and
// one line for a person. Pi's built-in tools and their inputs: read {path, offset?, limit?},
// write {path, content}, edit {path, edits: [{oldText, newText}]}, bash {command, timeout?},
// ls {path?}, grep {pattern, path?}, find {pattern, path?}; extensions may add any other.
import type { PermissionKind } from "../../protocol/agent-events.ts"
import { dict, str } from "../../protocol/json.ts"

const KINDS: Record<string, PermissionKind> = {
  edit: "edit",
  write: "edit",
  bash: "command",
  read: "read",
  ls: "read",
  grep: "read",
  find: "read",
}

export const toolKind = (tool: string): PermissionKind => KINDS[tool] ?? "other"

const MAX_SUMMARY = 120

export function toolSummary(tool: string, input: unknown): string {
  const args = dict(input) ?? {}
  const field = (key: string) => str(args[key])
  let line: string
  if (tool === "bash") line = `run \`${field("command") ?? ""}\``
  else if (tool === "write" || tool === "edit" || tool === "read") line = `${tool} ${field("path") ?? ""}`
  else if (tool === "ls") line = `list ${field("path") ?? "."}`
  else if (tool === "grep" || tool === "find") line = `${tool} ${field("pattern") ?? ""}${field("path") ? ` in ${field("path")}` : ""}`
  else line = `${tool} ${JSON.stringify(input) ?? ""}`
  line = line.replace(/\s*\n\s*/g, " ").trim()
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line
}
