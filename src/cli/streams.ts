import type { Command } from "commander"
import { appendEvents, createStream, deleteStream, listStreams } from "../sdk/sdk.gen.ts"
import type { Connection } from "../client/connect.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { CliError } from "../errors.ts"
import { dict } from "../protocol/json.ts"
import { format } from "./options.ts"
import type { Output } from "../client/output.ts"
import { readStreamFrom } from "../client/stream-reader.ts"

const noStream = (name: string) => `no stream named ${name} (create it with: iterate streams create ${name})`

async function list(io: Output, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { streams } = unwrap(connection, await listStreams({ client: connection.client }))
  if (options.json) return io.printJson(streams)
  if (streams.length === 0) return io.note("no streams yet (create one with: iterate streams create NAME)")
  io.printTable(
    ["NAME", "MESSAGES", "BYTES", "NEXT OFFSET", "CONTENT TYPE", "CREATED"],
    streams.map((s) => [s.name, String(s.messages), String(s.bytes), s.nextOffset, s.contentType, s.createdAt]),
  )
}

async function create(io: Output, name: string, options: { contentType: string }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const result = await createStream({
    client: connection.client,
    path: { name },
    headers: { "Content-Type": options.contentType },
    // The generated client drops Content-Type when there is no body; an empty one keeps it.
    body: new Uint8Array(0),
    bodySerializer: null,
  })
  unwrap(connection, result)
  io.note(result.response!.status === 201 ? `created stream ${name}` : `stream ${name} already exists`)
}

async function remove(io: Output, name: string, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  unwrap(connection, await deleteStream({ client: connection.client, path: { name } }), { notFound: noStream(name) })
  io.note(`deleted stream ${name}`)
}

type EventInput = { type: string; payload?: unknown; metadata?: Record<string, unknown> }

async function send(io: Output, connection: Connection, name: string, events: EventInput[]): Promise<void> {
  const result = await appendEvents({ client: connection.client, path: { name }, body: events })
  const { events: stored } = unwrap(connection, result, { notFound: noStream(name) })
  for (const event of stored) io.out(event.offset)
}

function parseEvent(text: string, where: string): EventInput | EventInput[] {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new CliError(`${where} is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * JSON lines from stdin. Each chunk's complete lines go out as one request, so a file is sent in
 * few requests while a slow producer (tail -f) still sees each line appended promptly. A bad line
 * stops the command; the lines before it are appended.
 */
async function appendLines(io: Output, connection: Connection, name: string): Promise<void> {
  const decoder = new TextDecoder()
  let rest = ""
  let lineNumber = 0
  const flush = async (lines: string[]) => {
    const events: EventInput[] = []
    for (const line of lines) {
      lineNumber++
      if (line.trim() === "") continue
      try {
        events.push(...[parseEvent(line, `line ${lineNumber}`)].flat())
      } catch (error) {
        if (events.length) await send(io, connection, name, events)
        throw error
      }
    }
    if (events.length) await send(io, connection, name, events)
  }
  for await (const chunk of Bun.stdin.stream()) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n")
    rest = lines.pop()!
    await flush(lines)
  }
  await flush([rest + decoder.decode()])
}

async function append(io: Output, name: string, json: string | undefined, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  if (json === undefined || json === "-") return appendLines(io, connection, name)
  await send(io, connection, name, [parseEvent(json, "the event")].flat())
}

function isEnvelope(value: unknown): value is { offset: string; createdAt: string; type: string; payload?: unknown } {
  const v = dict(value)
  return typeof v?.offset === "string" && typeof v.type === "string"
}

/** One line per event: offset, time, type and payload on a terminal-friendly line, or the JSON itself. */
export function formatEventLine(io: Output, value: unknown, as: "text" | "json"): string {
  if (as === "json" || !isEnvelope(value)) return JSON.stringify(value)
  const payload = value.payload === undefined ? "" : `  ${JSON.stringify(value.payload)}`
  return `${io.dim(value.offset)}  ${io.dim(value.createdAt)}  ${value.type}${payload}`
}

/** Prints a stream's events from an offset, one per line; with follow, keeps printing new ones. */
export async function read(io: Output, name: string, options: ReadFormat & { offset: string; follow?: boolean }, command: Command) {
  await readStreamFrom(io, command, name, {
    offset: options.offset,
    follow: options.follow ?? false,
    onMessages: (messages) => printEvents(io, messages, options),
  })
}

interface ReadFormat {
  format: "text" | "json"
}

/** A batch a read delivers: a JSON stream's messages one per line, any other stream's bytes as they are. */
export function printEvents(io: Output, messages: unknown[] | Uint8Array, options: ReadFormat): void {
  if (messages instanceof Uint8Array) return io.write(messages)
  io.write(messages.map((m) => formatEventLine(io, m, options.format) + "\n").join(""))
}

/** The options of `read`, for every command that prints a stream with it. */
export function readOptions(command: Command): Command {
  return command
    .option("--offset <offset>", "start after this offset (-1: from the beginning, now: only new events)", "-1")
    .option("-f, --follow", "keep reading live events")
    .option("--format <format>", "text, or json for one event per line", format, "text")
}

export function registerStreams(program: Command, io: Output): void {
  const streams = program
    .command("streams")
    .description("durable event streams: list, create, remove, append, read")
    .addHelpText(
      "after",
      `
Examples:
  iterate streams create demo
  iterate streams append demo '{"type":"note","payload":{"text":"hello"}}'
  iterate streams read demo --follow`,
    )

  streams
    .command("list", { isDefault: true })
    .description("list streams")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  iterate streams\n  iterate streams list --json")
    .action((options, command) => list(io, options, command))
  streams
    .command("create")
    .argument("<name>", "stream name: letters, digits, . _ ~ - and / between segments")
    .description("create a stream (nothing happens if it exists with the same content type)")
    .option("--content-type <type>", "what the stream holds; JSON streams hold events", "application/json")
    .addHelpText("after", "\nExamples:\n  iterate streams create demo\n  iterate streams create logs/build --content-type text/plain")
    .action((name, options, command) => create(io, name, options, command))
  streams
    .command("rm")
    .argument("<stream>", "stream name")
    .description("delete a stream and its history")
    .addHelpText("after", "\nExamples:\n  iterate streams rm demo")
    .action((name, _, command) => remove(io, name, command))
  streams
    .command("append")
    .argument("<stream>", "stream name")
    .argument("[json]", "one event as JSON ({\"type\":…,\"payload\":…}), or - to read JSON lines from stdin (the default)")
    .description("append events; prints the offset of each one")
    .addHelpText(
      "after",
      `
The daemon stamps offset, version, createdAt and streamId on each event.

Examples:
  iterate streams append demo '{"type":"note","payload":{"text":"hello"}}'
  printf '%s\\n' '{"type":"a"}' '{"type":"b"}' | iterate streams append demo -`,
    )
    .action((name, json, _, command) => append(io, name, json, command))
  readOptions(
    streams
      .command("read")
      .argument("<stream>", "stream name")
      .description("print events from an offset; --follow keeps printing new ones"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  iterate streams read demo\n  iterate streams read demo --offset now --follow --format json | jq .type",
    )
    .action((name, options, command) => read(io, name, options, command))
}
