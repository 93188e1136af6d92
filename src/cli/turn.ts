// Following one turn of an agent on its stream, for `prompt` and `run`: from the prompt action
// until the agent's status says the turn it started is over. Text mode prints the reply as it
// streams (tool calls as one line each on stderr); json mode prints every event as a line.
import { homedir } from "node:os"
import type { Command } from "commander"
import type { Connection } from "../daemon/connect.ts"
import { finishedTool, type OpencodeEvent, ReplyText, sessionIdOf } from "../harness/opencode/events.ts"
import { AGENT_EVENT, type ErrorPayload, harnessEventType, type StatusPayload } from "../protocol/agent-events.ts"
import { abortAgent, getAgent } from "../sdk/sdk.gen.ts"
import type { StreamEvent } from "../sdk/types.gen.ts"
import { CliError, EXIT } from "./errors.ts"
import { dim, note, out } from "./output.ts"
import { type Spinner, spin, spinnerAllowed } from "./spinner.ts"
import { readStreamFrom } from "./stream-reader.ts"

const OPENCODE_EVENT = harnessEventType("opencode")

/** Prints the reply text of an agent's harness events as it streams. */
class ReplyPrinter {
  private reply: ReplyText | undefined
  private lastPart: string | undefined
  private atLineStart = true

  /** `beforeOutput` runs before anything is printed (it clears the spinner). */
  constructor(private readonly beforeOutput: () => void = () => {}) {}

  push(event: StreamEvent): void {
    if (event.type !== OPENCODE_EVENT) return
    const native = event.payload as OpencodeEvent
    const sessionId = sessionIdOf(native)
    if (!sessionId) return
    // An agent's stream holds its one session's events, so the first one names it.
    this.reply ??= new ReplyText(sessionId)
    const piece = this.reply.push(native)
    if (piece) {
      if (this.lastPart !== undefined && piece.partId !== this.lastPart) this.endLine()
      this.lastPart = piece.partId
      this.write(piece.text)
    }
    const tool = finishedTool(native)
    if (tool) {
      this.beforeOutput()
      this.endLine()
      note(dim(`${tool.failed ? "✗" : "✓"} ${tool.tool} ${tool.title}`))
    }
  }

  endLine(): void {
    if (!this.atLineStart) this.write("\n")
  }

  private write(text: string): void {
    if (!text) return
    this.beforeOutput()
    process.stdout.write(text)
    this.atLineStart = text.endsWith("\n")
  }
}

/**
 * Whether `event` ends the turn of the prompt at `prompt`: its status once the adapter took the
 * prompt (busy with that offset), or the adapter's refusal of the prompt itself.
 */
class TurnWatch {
  taken = false
  end: StatusPayload | undefined

  constructor(private readonly prompt: string) {}

  push(event: StreamEvent): void {
    if (event.type === AGENT_EVENT.status) {
      const status = event.payload as StatusPayload
      if (status.status === "busy") this.taken ||= status.prompt === this.prompt
      else if (this.taken || status.prompt === this.prompt) this.end = status
    } else if (event.type === AGENT_EVENT.error && !this.taken) {
      const error = event.payload as ErrorPayload
      if (error.action === this.prompt) this.end = { status: "error", error: error.message }
    }
  }
}

/** First Ctrl-C: abort the agent's turn, then exit 130; a second one exits at once. */
function abortOnInterrupt(connection: Connection, agent: string): () => void {
  let interrupted = false
  const handler = () => {
    if (interrupted) process.exit(EXIT.interrupted)
    interrupted = true
    note("aborting the turn (Ctrl-C again to leave it running)")
    void abortAgent({ client: connection.client, path: { agent } }).finally(() => process.exit(EXIT.interrupted))
  }
  process.on("SIGINT", handler)
  return () => process.off("SIGINT", handler)
}

export interface FollowOptions {
  connection: Connection
  /** the agent id or name, for the abort */
  agent: string
  /** the prompt action as the daemon stored it */
  prompt: StreamEvent
  format: "text" | "json"
}

/** On a terminal, "waiting for opencode in ~/src/app…" until the reply starts: the harness may be starting. */
async function waitingSpinner(connection: Connection, agent: string): Promise<Spinner> {
  if (!spinnerAllowed()) return { stop() {} }
  const { data } = await getAgent({ client: connection.client, path: { agent } })
  const home = homedir()
  const directory = data?.directory.startsWith(home + "/") ? `~${data.directory.slice(home.length)}` : data?.directory
  return spin(data ? `waiting for ${data.harness} in ${directory}…` : "waiting for the agent…")
}

/** Follows the turn the prompt starts until it is over; throws a CliError when it fails or was aborted. */
export async function followTurn(command: Command, options: FollowOptions): Promise<void> {
  const { prompt, format } = options
  const watch = new TurnWatch(prompt.offset)
  const spinner = format === "text" ? await waitingSpinner(options.connection, options.agent) : { stop() {} }
  const printer = new ReplyPrinter(() => spinner.stop())
  if (format === "json") out(JSON.stringify(prompt))
  const release = abortOnInterrupt(options.connection, options.agent)
  try {
    await readStreamFrom(command, prompt.streamId, {
      offset: prompt.offset,
      follow: true,
      until: () => watch.end !== undefined,
      onMessages: (messages) => {
        const lines: string[] = []
        for (const event of messages as StreamEvent[]) {
          if (format === "json") lines.push(JSON.stringify(event) + "\n")
          else printer.push(event)
          watch.push(event)
          // What follows the end belongs to later turns.
          if (watch.end) break
        }
        if (lines.length) process.stdout.write(lines.join(""))
      },
    })
  } finally {
    spinner.stop()
    release()
  }
  printer.endLine()
  const end = watch.end!
  if (end.status === "error") throw new CliError(end.error ?? "the turn failed")
  if (end.aborted) throw new CliError("the turn was aborted")
}
