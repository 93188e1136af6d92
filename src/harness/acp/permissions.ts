// An ACP agent's session/request_permission as iterate's permission ask, and iterate's answer as
// the option the agent offered. ACP names no tools, only a tool call's kind (read, edit, delete,
// move, search, execute, think, fetch, switch_mode, other): the kind is the tool an `always` answer
// allows from then on. Options are picked by their kind, never by id or wording: allow → allow_once,
// always → allow_always, deny → reject_once (each falling back to its sibling when the agent offers
// only that one). ACP has no way to tell the model why a call was refused: a deny's message stays
// on iterate's stream.
import type { PermissionOption, PermissionOptionKind, RequestPermissionResponse } from "@agentclientprotocol/sdk"
import type { PermissionKind } from "../../protocol/agent-events.ts"
import { type Dict, dict, list, str as anyStr } from "../../protocol/json.ts"
import type { PermissionAnswer } from "../harness.ts"

/** A string with something in it. */
const str = (value: unknown): string | undefined => anyStr(value) || undefined

/** A tool call as the agent has described it so far: its tool_call, updates and the request merged. */
export type ToolCallFields = Dict & { toolCallId: string }

const KINDS: Record<string, PermissionKind> = { edit: "edit", delete: "edit", move: "edit", execute: "command", read: "read", search: "read" }

export const permissionKind = (toolKind: string): PermissionKind => KINDS[toolKind] ?? "other"

/** The tool an `always` answer allows: the call's ACP kind. */
export const toolOf = (call: Dict): string => str(call.kind) ?? "other"

/** The file a tool call is about: its first location, else the first diff, else a path in its input. */
export function pathOf(call: Dict): string | undefined {
  const location = dict(list(call.locations)[0])
  const diff = list(call.content).map(dict).find((c) => c?.type === "diff")
  const input = dict(call.rawInput)
  return str(location?.path) ?? str(diff?.path) ?? str(input?.file_path) ?? str(input?.path) ?? str(input?.filePath)
}

/** One line for a person: "write notes.txt", "run `npm test`"; the agent's title otherwise. */
export function permissionSummary(call: Dict, directory: string): string {
  const kind = toolOf(call)
  const path = pathOf(call)
  const shown = path && relative(path, directory)
  const diffs = list(call.content).map(dict).filter((c) => c?.type === "diff")
  // An execute call's title is its command line where its input does not say (Gemini CLI sends none).
  const command = str(dict(call.rawInput)?.command) ?? str(call.title)
  let summary: string | undefined
  // A diff from nothing (no old text: Claude's null, Gemini's "") makes a file.
  if (kind === "edit" && shown) summary = diffs.length > 0 && diffs.every((d) => !d!.oldText) ? `write ${shown}` : `edit ${shown}`
  else if ((kind === "delete" || kind === "move" || kind === "read") && shown) summary = `${kind} ${shown}`
  else if (kind === "execute" && command) summary = `run \`${command}\``
  summary ??= str(call.title) ?? kind
  return summary.replace(/\s*\n\s*/g, " ")
}

const PREFERENCE: Record<PermissionAnswer["decision"], PermissionOptionKind[]> = {
  allow: ["allow_once", "allow_always"],
  always: ["allow_always", "allow_once"],
  deny: ["reject_once", "reject_always"],
}

/** The agent's option for `answer`; "cancelled" when it offered none that fits. */
export function permissionResponse(options: readonly PermissionOption[], answer: PermissionAnswer): RequestPermissionResponse {
  for (const kind of PREFERENCE[answer.decision]) {
    const option = options.find((o) => o.kind === kind)
    if (option) return { outcome: { outcome: "selected", optionId: option.optionId } }
  }
  return { outcome: { outcome: "cancelled" } }
}

export function relative(path: string, directory: string): string {
  const base = directory.endsWith("/") ? directory : `${directory}/`
  return path.startsWith(base) ? path.slice(base.length) : path
}
