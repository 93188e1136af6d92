// A transcript as a Markdown document a person reads (`iterate export`): each prompt, then the
// reply with its thinking, its tool calls (their input and output shortened), the changes they
// made as diff blocks, the permission requests with their answers, and errors.
import { agentFacts, type DocumentAgent, editOf, permissionOutcome, shorten, timeOf, readingOrder, toolHeading, toolInput } from "./describe.ts"
import type { Message, Part, Transcript } from "./types.ts"

/** A fenced block whose fence is longer than any run of backticks inside it. */
export function fenced(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = "`".repeat(longest + 1)
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`
}

/** Bold text that stays bold whatever it holds (a `*` or `_` of its own is escaped). */
const strong = (text: string) => `**${text.replace(/[*_]/g, "\\$&")}**`

/** Every line quoted. */
const quoted = (text: string) =>
  text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => (line ? `> ${line}` : ">"))
    .join("\n")

/** Inline code that holds any text (a span with a backtick inside gets a longer delimiter). */
const code = (text: string) => {
  const ticks = "`".repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length)) + 1)
  return ticks.length > 1 || text.startsWith(" ") || text.endsWith(" ") ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`
}

function part(message: Message, p: Part): string | undefined {
  switch (p.kind) {
    case "text":
      return message.role === "user" ? quoted(p.text) : p.text.trim()
    case "reasoning":
      return quoted(`*Thinking:* ${p.text.trim()}`)
    case "tool": {
      const blocks = [strong(toolHeading(p))]
      // A file tool's change shows as its diff; its input would say the same again.
      const input = editOf(message, p) ? undefined : toolInput(p.input)
      if (input) blocks.push(fenced(shorten(input), typeof p.input === "string" ? "" : "json"))
      if (p.output) blocks.push(fenced(shorten(p.output)))
      if (p.error) blocks.push(fenced(shorten(p.error)))
      return blocks.join("\n\n")
    }
    case "file-edit":
      return `${code(p.path)} (+${p.additions} −${p.deletions})\n\n${fenced(p.diff, "diff")}`
    case "permission":
      return quoted(`**Permission** (${p.tool}): ${p.summary} — ${permissionOutcome(p)}`)
    case "error":
      return quoted(`**Error:** ${p.message}`)
    case "activity": {
      const blocks = [`${strong(`⚙ ${p.title}`)} — ${p.state}${p.detail ? `: ${p.detail}` : ""}`]
      if (p.output) blocks.push(fenced(shorten(p.output)))
      return blocks.join("\n\n")
    }
  }
}

function heading(message: Message, transcript: Transcript): string {
  const when = message.createdAt ? ` · ${timeOf(message.createdAt)}` : ""
  if (message.role === "user") return `## Prompt${when}`
  return `### ${transcript.harness}${message.model ? ` · ${message.model}` : ""}${when}${message.aborted ? " · aborted" : ""}`
}

/** The whole document. */
export function transcriptMarkdown(agent: DocumentAgent, transcript: Transcript): string {
  const blocks = [`# ${agent.name}`, agentFacts(agent, transcript).map((line) => `- ${line}`).join("\n")]
  for (const message of transcript.messages) {
    const parts = readingOrder(message.parts).map((p) => part(message, p)).filter((text): text is string => text !== undefined && text !== "")
    if (parts.length === 0 && !message.aborted) continue
    blocks.push(heading(message, transcript), ...parts)
  }
  return `${blocks.join("\n\n")}\n`
}
