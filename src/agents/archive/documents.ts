// The searchable text of a transcript: one document per part of each message (a prompt, a reply,
// a thought, a tool call with its input and output, a file edit with its path and diff, a
// permission request, an error, what iterate did with the agent's files: a worktree's setup and
// its output, a merge, a revert). Taken from the transcript model that every harness's reducer
// builds (src/transcript), so a harness with a reducer is searchable without anything here
// knowing it.
import { formatOffset, parseOffset } from "../../streams/offsets.ts"
import type { Message, Part } from "../../transcript/types.ts"

export type DocumentKind = "prompt" | "reply" | "thought" | "tool" | "file" | "permission" | "error" | "activity"

export interface ArchiveDocument {
  /** the message's id and the part's: what a later version of the same part replaces */
  key: string
  kind: DocumentKind
  /** the offset `iterate events A --offset` opens the message at: just before the event that began it */
  offset: string
  createdAt: string
  text: string
}

/** A tool's output may be a whole file or a build log: its first part is what is searched. */
export const MAX_TEXT = 32_768

/** Every string and number in a tool's input, one a line: its paths, commands, patterns, contents. */
function leaves(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value)
  else if (typeof value === "number" || typeof value === "boolean") into.push(String(value))
  else if (Array.isArray(value)) for (const item of value) leaves(item, into)
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) leaves(item, into)
  return into
}

function textOf(part: Part, role: Message["role"]): { kind: DocumentKind; text: string } | undefined {
  switch (part.kind) {
    case "text":
      return { kind: role === "user" ? "prompt" : "reply", text: part.text }
    case "reasoning":
      return { kind: "thought", text: part.text }
    case "tool": {
      const input = leaves(part.input).filter((line) => line !== part.title)
      return { kind: "tool", text: [part.tool, part.title, ...input, part.output, part.error].filter((line) => line).join("\n") }
    }
    case "file-edit":
      return { kind: "file", text: `${part.path}\n${part.diff}` }
    case "permission":
      return { kind: "permission", text: [part.tool, part.summary, part.message, part.withdrawn].filter((line) => line).join("\n") }
    case "error":
      return { kind: "error", text: part.message }
    case "activity":
      return { kind: "activity", text: [part.title, part.output, part.detail].filter((line) => line).join("\n") }
  }
}

/** Where `events --offset` shows `message` from. */
export function openingOffset(message: Pick<Message, "offset">): string {
  const seq = parseOffset(message.offset)
  return formatOffset(seq === undefined || seq === 0 ? 0 : seq - 1)
}

/**
 * Whether a part of a running turn will not change any more: a prompt, a finished tool call and
 * its edit, an answered permission request, an error. Text and thinking may still grow.
 */
export function settledPart(part: Part, role: Message["role"]): boolean {
  if (role === "user" || part.kind === "file-edit" || part.kind === "error") return true
  if (part.kind === "tool") return part.status === "completed" || part.status === "error"
  if (part.kind === "permission") return part.decision !== undefined || part.withdrawn !== undefined
  if (part.kind === "activity") return part.state !== "running"
  return false
}

/**
 * The documents of these messages, their parts' text as it stands (only the settled parts with
 * `settledOnly`); `now` dates a message that has no time.
 */
export function documentsOf(messages: Message[], now: string, settledOnly = false): ArchiveDocument[] {
  const documents: ArchiveDocument[] = []
  for (const message of messages) {
    const offset = openingOffset(message)
    for (const part of message.parts) {
      if (settledOnly && !settledPart(part, message.role)) continue
      const found = textOf(part, message.role)
      // PostgreSQL's text holds no NUL, and nobody searches for one.
      const text = found?.text.replaceAll("\0", "").trim()
      if (!found || !text) continue
      documents.push({ key: `${message.id}/${part.id}`, kind: found.kind, offset, createdAt: message.createdAt ?? now, text: text.slice(0, MAX_TEXT) })
    }
  }
  return documents
}
