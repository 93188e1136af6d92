// Following one turn of an agent on its stream, for `prompt` and `run`: from the prompt action
// until the agent's status says the turn it started is over. Text mode prints the reply as it
// streams, folded through the harness's transcript reducer (tool calls as one line each on
// stderr); json mode prints every event as a line. Permission requests of the turn are asked or
// pointed out (turn-permissions.ts).
import { homedir } from "node:os"
import type { Command } from "commander"
import type { Connection } from "../client/connect.ts"
import { abortAgent } from "../sdk/sdk.gen.ts"
import type { StreamEvent } from "../sdk/types.gen.ts"
import { transcriptFor } from "../harness/transcripts.ts"
import { CliError, EXIT } from "../errors.ts"
import type { Output } from "../client/output.ts"
import { TranscriptPrinter } from "./render.ts"
import { type Spinner, spin, spinnerAllowed } from "../client/spinner.ts"
import { readStreamFrom } from "../client/stream-reader.ts"
import { type OnPermission, TurnPermissions } from "./turn-permissions.ts"
import { TurnWatch } from "../client/turn-watch.ts"

/** First Ctrl-C: abort the agent's turn, then exit 130; a second one exits at once. */
function abortOnInterrupt(io: Output, connection: Connection, agent: string): () => void {
  let interrupted = false
  const handler = () => {
    if (interrupted) process.exit(EXIT.interrupted)
    interrupted = true
    io.note("aborting the turn (Ctrl-C again to leave it running)")
    void abortAgent({ client: connection.client, path: { agent } }).finally(() => process.exit(EXIT.interrupted))
  }
  process.on("SIGINT", handler)
  return () => process.off("SIGINT", handler)
}

export interface FollowOptions {
  connection: Connection
  /** the agent id or name, for the abort and the permission answers */
  agent: string
  /** the agent's harness, whose reducer reads its events */
  harness: string
  /** the agent's working directory, for the spinner */
  directory: string
  /** the prompt action as the daemon stored it */
  prompt: StreamEvent
  format: "text" | "json"
  /** what to answer permission requests the agent's policy leaves to a person; ask (or point out) when absent */
  onPermission?: OnPermission
  /** text mode: show the stream from this offset on (what came before the prompt too), not from the prompt */
  since?: string
}

/** On a terminal, "waiting for opencode in ~/src/app…" until the reply starts: the harness may be starting. */
function waitingSpinner(io: Output, harness: string, directory: string): Spinner {
  if (!spinnerAllowed(io)) return { stop() {} }
  const home = homedir()
  return spin(io, `waiting for ${harness} in ${directory.startsWith(home + "/") ? `~${directory.slice(home.length)}` : directory}…`)
}

/** Follows the turn the prompt starts until it is over; throws a CliError when it fails or was aborted. */
export async function followTurn(io: Output, command: Command, options: FollowOptions): Promise<void> {
  const { prompt, format } = options
  const watch = new TurnWatch(prompt.offset)
  const spinner = format === "text" ? waitingSpinner(io, options.harness, options.directory) : { stop() {} }
  const transcript = transcriptFor(options.harness)
  const printer = new TranscriptPrinter(
    {
      text: (chunk) => (spinner.stop(), io.write(chunk)),
      line: (line) => (spinner.stop(), io.note(line)),
    },
    io,
    false,
  )
  const permissions = new TurnPermissions(io, options.connection, options.agent, prompt.offset, options.onPermission, process.stdin.isTTY === true)
  if (format === "json") io.out(JSON.stringify(prompt))
  const release = abortOnInterrupt(io, options.connection, options.agent)
  try {
    await readStreamFrom(io, command, prompt.streamId, {
      offset: format === "text" && options.since !== undefined ? options.since : prompt.offset,
      follow: true,
      until: () => watch.end !== undefined,
      onMessages: async (messages) => {
        const lines: string[] = []
        for (const event of messages as StreamEvent[]) {
          if (format === "json") lines.push(JSON.stringify(event) + "\n")
          transcript.push(event)
          watch.push(event)
          // What follows the end belongs to later turns.
          if (watch.end) break
        }
        if (format === "json") io.write(lines.join(""))
        else printer.update(transcript.transcript)
        if (!watch.end) await permissions.update(transcript.transcript)
      },
    })
  } finally {
    spinner.stop()
    permissions.close()
    release()
  }
  printer.endLine()
  const end = watch.end!
  if (permissions.failure) throw new CliError(permissions.failure)
  if (end.status === "error") throw new CliError(end.error ?? "the turn failed")
  if (end.aborted) throw new CliError("the turn was aborted")
}
