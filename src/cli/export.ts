// `iterate export`: an agent's transcript as a document (Markdown by default, one self-contained
// HTML file, or its raw events as JSON lines), to stdout or a file; --all writes every agent's,
// archived ones too, into a folder.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Command, InvalidArgumentError } from "commander"
import type { Connection } from "../client/connect.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { noAgent } from "../client/agents.ts"
import type { Output } from "../client/output.ts"
import { CliError, EXIT } from "../errors.ts"
import { exportAgent, listAgents } from "../sdk/sdk.gen.ts"

const FORMATS = ["md", "html", "jsonl"] as const
type Format = (typeof FORMATS)[number]

interface ExportOptions {
  format: Format
  output?: string
  all?: string
}

function format(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--format must be one of ${FORMATS.join(", ")}`)
  return value as Format
}

/** Writes the agent's document to `file`, or stdout as it arrives. */
async function write(io: Output, connection: Connection, ref: string, options: { format: Format; file?: string }): Promise<void> {
  const document = unwrap(connection, await exportAgent({ client: connection.client, path: { agent: ref }, query: { format: options.format }, parseAs: "stream" }), {
    notFound: noAgent(ref),
  }) as unknown as ReadableStream<Uint8Array>
  if (options.file !== undefined) return void (await Bun.write(options.file, new Response(document)))
  for await (const chunk of document) await new Promise((written) => io.stdout.write(chunk, written))
}

async function exportCommand(io: Output, ref: string | undefined, options: ExportOptions, command: Command): Promise<void> {
  if (options.all !== undefined && (ref !== undefined || options.output !== undefined))
    throw new CliError("--all DIR writes every agent's file into DIR: give no agent and no -o with it", EXIT.usage)
  if (options.all === undefined && ref === undefined) throw new CliError("name the agent to export (or --all DIR for every agent)", EXIT.usage)
  const connection = await connectFor(io, command)
  if (ref !== undefined) {
    await write(io, connection, ref, { format: options.format, file: options.output })
    if (options.output !== undefined) io.note(`wrote ${options.output}`)
    return
  }
  const { agents } = unwrap(connection, await listAgents({ client: connection.client, query: { all: "true" } }))
  mkdirSync(options.all!, { recursive: true })
  for (const agent of agents) {
    const file = join(options.all!, `${agent.name.replace(/[^\w.-]+/g, "_")}.${options.format}`)
    await write(io, connection, agent.id, { format: options.format, file })
    io.note(`wrote ${file}`)
  }
  if (agents.length === 0) io.note("no agents to export")
}

export function registerExport(program: Command, io: Output): void {
  program
    .command("export")
    .argument("[agent]", "agent id or name (archived ones too)")
    .description("an agent's transcript as a document: Markdown (default), self-contained HTML, or its raw events as JSON lines")
    .option("--format <format>", "md, html or jsonl", format, "md")
    .option("-o, --output <file>", "write it to this file instead of stdout")
    .option("--all <dir>", "write every agent's (archived ones too) into this folder, one file each, named after the agent")
    .addHelpText(
      "after",
      `
Markdown has each prompt and reply, the thinking, each tool call with its input and output
shortened, file changes as diff blocks, and the answers to permission requests. The HTML file
needs nothing else: no script, nothing fetched. jsonl is the agent's stream, one event a line.

Examples:
  iterate export app > app.md
  iterate export app --format html -o app.html
  iterate export app --format jsonl | jq -c 'select(.type == "iterate:agent:action:prompt:called")'
  iterate export --all ~/transcripts`,
    )
    .action((ref, options, command) => exportCommand(io, ref, options, command))
}
