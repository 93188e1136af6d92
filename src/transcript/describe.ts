// Words for parts of a transcript that every renderer says the same way: the CLI, the web page and
// the exported documents (markdown.ts, html.ts).
import type { PermissionDecision } from "../protocol/agent-events.ts"
import type { FileEditPart, Message, Part, PermissionPart, ToolPart, Transcript, Usage } from "./types.ts"

const DECISION: Record<PermissionDecision, string> = { allow: "allowed once", always: "always allowed", deny: "denied" }
const BY_POLICY: Record<PermissionDecision, string> = { allow: "allowed by the agent's policy", always: "allowed by the agent's policy", deny: "denied by the agent's policy" }

/** What became of a request: its answer, its withdrawal, or that it still waits. */
export function permissionOutcome(part: PermissionPart): string {
  if (part.decision) return (part.by === "policy" ? BY_POLICY : DECISION)[part.decision] + (part.message ? `: ${part.message}` : "")
  if (part.withdrawn) return `withdrawn: ${part.withdrawn}`
  return "waiting for an answer"
}

/** One line of token counts and cost, or undefined when the harness reported none. */
export function usageLine(usage: Usage): string | undefined {
  const parts = [
    usage.inputTokens !== undefined && `${usage.inputTokens} in`,
    usage.outputTokens !== undefined && `${usage.outputTokens} out`,
    usage.reasoningTokens && `${usage.reasoningTokens} reasoning`,
    usage.cacheReadTokens && `${usage.cacheReadTokens} cached`,
  ].filter(Boolean)
  if (parts.length === 0 && usage.costUsd === undefined) return undefined
  return `tokens: ${parts.join(", ")}${usage.costUsd !== undefined ? `; cost $${usage.costUsd.toFixed(4)}` : ""}`
}

/** `2026-12-01 14:31:20 UTC`: the same wherever it is rendered. */
export const timeOf = (iso: string) => iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC")

/** The first `lines` lines (and at most `chars` characters) of a long text, with a note of how much was left out. */
export function shorten(text: string, lines = 20, chars = 2000): string {
  const whole = text.replace(/\n+$/, "")
  const all = whole.split("\n")
  const kept = all.slice(0, lines).join("\n")
  if (kept.length > chars) return `${whole.slice(0, chars)}\n… (${whole.length - chars} more characters)`
  const more = all.length - lines
  return more > 0 ? `${kept}\n… (${more} more line${more === 1 ? "" : "s"})` : whole
}

/** What an exported document says about its agent, above the transcript. */
export interface DocumentAgent {
  id: string
  name: string
  harness: string
  directory: string
  model?: string
  createdAt: string
  archivedAt?: string
}

/** `✓ write hello.txt`, `✗ bash npm test`, `… read notes.md` while it runs. */
export function toolHeading(tool: ToolPart): string {
  const mark = tool.status === "completed" ? "✓" : tool.status === "error" ? "✗" : "…"
  return [mark, tool.tool, tool.title].filter(Boolean).join(" ")
}

/** A tool's input as text to show: a string as it is, anything else as indented JSON; nothing when it is empty. */
export function toolInput(input: unknown): string | undefined {
  if (input === undefined || input === null) return undefined
  if (typeof input === "string") return input
  if (typeof input === "object" && Object.keys(input).length === 0) return undefined
  return JSON.stringify(input, null, 2)
}

/**
 * A message's parts in the order a reader follows them: a harness asks for permission while its
 * tool call runs, so the request comes after the call's part; it is put before it.
 */
export function readingOrder(parts: Part[]): Part[] {
  const ordered: Part[] = []
  let tool = -1
  for (const part of parts) {
    if (part.kind === "permission" && tool >= 0) ordered.splice(tool++, 0, part)
    else {
      if (part.kind === "tool") tool = ordered.length
      ordered.push(part)
    }
  }
  return ordered
}

/** The edit a tool part made, if it made one. */
export const editOf = (message: Message, tool: ToolPart) => message.parts.find((p): p is FileEditPart => p.kind === "file-edit" && p.toolPartId === tool.id)

/** The lines about the agent at the top of a document. */
export function agentFacts(agent: DocumentAgent, transcript: Transcript): string[] {
  return [
    `agent ${agent.id} · ${agent.harness}${agent.model ? ` · ${agent.model}` : ""}`,
    `directory ${agent.directory}`,
    `created ${timeOf(agent.createdAt)}${agent.archivedAt ? ` · archived ${timeOf(agent.archivedAt)}` : ""}`,
    usageLine(transcript.usage),
  ].filter((line): line is string => line !== undefined)
}
