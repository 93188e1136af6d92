// Codex's approval requests as iterate's permission asks, and iterate's answers as Codex's
// decisions. A command is asked as the tool `shell` (kind command, or read when codex reads it as
// one that only reads), a patch as `apply_patch` (kind edit); allow is `accept`, always is `acceptForSession` where Codex offers it (iterate
// remembers the tool for the agent either way), deny is `decline`: the model is told and the turn
// goes on; the words are the transcript's (transcript.ts).
import type { PermissionAnswer, PermissionAsk } from "../harness.ts"
import { type CodexEvent, type CommandApprovalDecision, type CommandApprovalParams, type FileUpdateChange, SERVER_REQUEST } from "./protocol.ts"
import { onlyReads, patchSummary, shellScript } from "./transcript.ts"

const MAX_SUMMARY = 120

const oneLine = (text: string) => {
  const line = text.replace(/\s*\n\s*/g, " ").trim()
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line
}

/** The ask for a request of Codex's; `changes` are those of the file change item it is about. */
export function permissionAsk(nativeId: string, request: CodexEvent, changes: FileUpdateChange[] | undefined, cwd: string | undefined): PermissionAsk {
  if (request.method === SERVER_REQUEST.fileChangeApproval) {
    const input = { changes: changes ?? [] }
    const summary = changes?.length ? patchSummary(changes, cwd) : `apply a patch${request.params.reason ? `: ${request.params.reason}` : ""}`
    return { nativeId, tool: "apply_patch", kind: "edit", summary: oneLine(summary), request, input }
  }
  const params = request.params as unknown as CommandApprovalParams
  const script = shellScript(params.command ?? "")
  const input = { command: script, ...(params.cwd && params.cwd !== cwd && { cwd: params.cwd }) }
  return { nativeId, tool: "shell", kind: onlyReads(params.commandActions) ? "read" : "command", summary: oneLine(`run \`${script}\``), request, input }
}

/** What Codex is answered for iterate's decision. */
export function codexDecision(request: CodexEvent, answer: PermissionAnswer): CommandApprovalDecision {
  if (answer.decision === "deny") return "decline"
  if (answer.decision === "allow") return "accept"
  // File changes always offer it; a command says what it offers (under `untrusted`, not this).
  const offered = (request.params as unknown as CommandApprovalParams).availableDecisions
  return !Array.isArray(offered) || offered.includes("acceptForSession") ? "acceptForSession" : "accept"
}
