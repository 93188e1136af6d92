import type { Command } from "commander"
import { transcriptFor } from "../harness/transcripts.ts"
import type { AgentStreamEvent } from "../transcript/types.ts"
import { agentFor } from "../client/agents.ts"
import { connectFor } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { TranscriptPrinter } from "./render.ts"
import { usageLine } from "../transcript/describe.ts"
import { readStreamFrom } from "../client/stream-reader.ts"
import { read, readOptions } from "./streams.ts"

interface EventsOptions {
  offset: string
  follow?: boolean
  format: "text" | "json"
  raw?: boolean
}

async function events(io: Output, ref: string, options: EventsOptions, command: Command) {
  const agent = await agentFor(await connectFor(io, command), ref)
  if (options.format === "json" || options.raw) return read(io, agent.stream, options, command)
  const transcript = transcriptFor(agent.harness)
  const printer = new TranscriptPrinter({ text: io.write, line: io.out }, io, true)
  await readStreamFrom(io, command, agent.stream, {
    offset: options.offset,
    follow: options.follow ?? false,
    onMessages: (messages) => {
      transcript.pushAll(messages as AgentStreamEvent[])
      printer.update(transcript.transcript)
    },
  })
  printer.endLine()
  const usage = usageLine(transcript.transcript.usage)
  if (usage) io.out(io.dim(usage))
}

export function registerEvents(program: Command, io: Output): void {
  readOptions(
    program
      .command("events")
      .argument("<agent>", "agent id or name")
      .description("the agent's transcript: prompts, replies, tool calls, permissions; or its raw stream of events"),
  )
    .option("--raw", "one line per event (offset, time, type, payload) instead of the transcript")
    .addHelpText(
      "after",
      `
The transcript is read from the stream the same way for every harness; --format json prints
the events themselves (the actions, the harness's own events wrapped, the status), one per line.

Examples:
  iterate events app
  iterate events app --offset now --follow
  iterate events app --raw
  iterate events app --format json | jq -c 'select(.type == "iterate:agent:status:changed") | .payload'`,
    )
    .action((ref, options, command) => events(io, ref, options, command))
}
