// Printing an agent's transcript as it grows, the same for every harness: the reply's text as it
// streams, and one line for each thing that is over (a tool call with its outcome, a permission
// with its answer). `run` and `prompt` print the reply; `iterate events` prints the whole
// transcript (prompts, reasoning, diffs, errors too).
import type { ActivityPart, FileEditPart, Message, Part, PermissionPart, ToolPart, Transcript } from "../transcript/types.ts"
import type { Output } from "../client/output.ts"
import { editOf } from "../transcript/describe.ts"

/** How lines are styled: an Output, whose colour follows its stdout. */
export type Style = Pick<Output, "dim" | "bold">

export interface PrintSink {
  /** a piece of streamed text */
  text(chunk: string): void
  /** one whole line */
  line(line: string): void
}

export class TranscriptPrinter {
  /** text and reasoning parts → how many characters of them are printed */
  private readonly printed = new Map<string, number>()
  /** parts and messages whose line is printed */
  private readonly done = new Set<string>()
  /** the part the text at the end of the output belongs to */
  private streaming: string | undefined
  private atLineStart = true

  /** `full`: the whole transcript (user prompts, reasoning, requests, diffs, errors), not just the reply. */
  constructor(
    private readonly sink: PrintSink,
    private readonly style: Style,
    private readonly full: boolean,
  ) {}

  /** Prints what changed since the last call. */
  update(transcript: Transcript): void {
    for (const message of transcript.messages) {
      if (message.role === "user") {
        if (this.full && this.once(message.id)) this.line(this.style.bold(`> ${textOf(message)}`))
        continue
      }
      message.parts.forEach((part, at) => this.part(message, part, at))
      if (message.aborted && this.full && this.once(`${message.id}:aborted`)) this.line(this.style.dim("(aborted)"))
    }
  }

  /** Ends a line of streamed text, so that what follows starts on its own. */
  endLine(): void {
    if (!this.atLineStart) this.sink.text("\n")
    this.atLineStart = true
    this.streaming = undefined
  }

  private part(message: Message, part: Part, at: number): void {
    switch (part.kind) {
      case "text":
        return this.stream(part.id, part.text, (t) => t)
      case "reasoning":
        if (this.full) this.stream(part.id, part.text, this.style.dim, this.style.dim("thinking: "))
        return
      case "tool":
        if ((part.status !== "completed" && part.status !== "error") || !this.once(part.id)) return
        // A harness asks while its tool call runs, so the request comes after the call's part;
        // what it was asked and answered goes before the call's outcome.
        for (const later of message.parts.slice(at + 1)) {
          if (later.kind === "tool") break
          if (later.kind === "permission") this.permission(later)
        }
        this.line(toolLine(this.style, part, editOf(message, part)))
        return
      case "file-edit":
        if (this.full && this.once(part.id)) for (const line of part.diff.replace(/\n$/, "").split("\n")) this.line(this.style.dim(`  ${line}`))
        return
      case "permission":
        return this.permission(part)
      case "error":
        if (this.full && this.once(part.id)) this.line(`! ${part.message}`)
        return
      case "activity":
        return this.activity(part)
    }
  }

  /** What iterate did: a line when it starts, a command's output line by line, a line when it ends. */
  private activity(part: ActivityPart): void {
    const command = part.activity === "setup" || part.activity === "archive"
    if (command && this.once(`${part.id}:started`)) this.line(`⚙ ${part.title}`)
    const output = part.output ?? ""
    const done = this.printed.get(part.id) ?? 0
    // Whole lines as they come; the rest once the command is over.
    const upTo = part.state === "running" ? output.lastIndexOf("\n") + 1 : output.length
    if (upTo > done) {
      for (const line of output.slice(done, upTo).replace(/\n$/, "").split("\n")) this.line(this.style.dim(`  ${line}`))
      this.printed.set(part.id, upTo)
    }
    if (part.state === "running" || !this.once(part.id)) return
    const mark = part.state === "failed" ? "✗" : "✓"
    this.line(command ? `${mark} ${part.activity}: ${part.detail ?? part.state}` : `${mark} ${part.title}`)
    if (!command && part.detail) for (const line of part.detail.split("\n")) this.line(this.style.dim(`  ${line}`))
  }

  private permission(part: PermissionPart): void {
    if (this.full && this.once(`${part.id}:asked`)) this.line(`? ${part.summary} — asks for permission (${part.id})`)
    if (part.decision && this.once(part.id)) {
      const verdict = part.decision === "deny" ? "✗ denied" : part.decision === "always" ? `✓ always allowed ${part.tool}` : "✓ allowed"
      const by = part.by === "policy" ? " (by the agent's policy)" : ""
      this.line(this.style.dim(`${verdict}: ${part.summary}${by}${part.message ? ` — ${part.message}` : ""}`))
    } else if (part.withdrawn && this.full && this.once(part.id)) this.line(this.style.dim(`- withdrawn: ${part.summary} (${part.withdrawn})`))
  }

  private stream(id: string, text: string, style: (s: string) => string, prefix = ""): void {
    const done = this.printed.get(id) ?? 0
    if (text.length <= done) return
    if (this.streaming !== id) {
      this.endLine()
      if (prefix) this.sink.text(prefix)
    }
    const chunk = text.slice(done)
    this.printed.set(id, text.length)
    this.streaming = id
    this.sink.text(style(chunk))
    this.atLineStart = chunk.endsWith("\n")
  }

  private line(text: string): void {
    this.endLine()
    this.sink.line(text)
  }

  /** True the first time it is asked about `key`. */
  private once(key: string): boolean {
    if (this.done.has(key)) return false
    this.done.add(key)
    return true
  }
}

const textOf = (message: Message) =>
  message.parts
    .filter((p) => p.kind === "text")
    .map((p) => p.text)
    .join("\n")


/** `✓ write hello.txt (+1 −0)`, `✗ bash npm test: exit code 1` */
function toolLine(style: Style, tool: ToolPart, edit: FileEditPart | undefined): string {
  const what = [tool.tool, tool.title].filter(Boolean).join(" ")
  if (tool.status === "error") return style.dim(`✗ ${what}: ${(tool.error ?? "failed").split("\n")[0]}`)
  return style.dim(`✓ ${what}${edit ? ` (+${edit.additions} −${edit.deletions})` : ""}`)
}
