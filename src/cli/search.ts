// `iterate search`: full-text search over every agent's transcript (archived ones too), best
// matches first; each hit names the agent and the offset `iterate events A --offset` opens it at.
import { type Command, InvalidArgumentError } from "commander"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { parseSince, SINCE_FORMS } from "../protocol/since.ts"
import { searchTranscripts } from "../sdk/sdk.gen.ts"
import type { SearchHit } from "../sdk/types.gen.ts"
import { timeOf } from "../transcript/describe.ts"
import { integer } from "./options.ts"

interface SearchOptions {
  agent?: string
  harness?: string
  since?: Date
  limit?: number
  json?: boolean
}

/** The snippet with each match marked: bold on a terminal, «like this» in a pipe. */
export function marked(hit: Pick<SearchHit, "snippet" | "highlights">, mark: (text: string) => string): string {
  let text = ""
  let at = 0
  for (const [start, end] of hit.highlights) {
    text += hit.snippet.slice(at, start) + mark(hit.snippet.slice(start, end))
    at = end
  }
  return text + hit.snippet.slice(at)
}

function since(value: string): Date {
  const at = parseSince(value)
  if (!at) throw new InvalidArgumentError(`--since must be ${SINCE_FORMS}`)
  return at
}

async function search(io: Output, words: string[], options: SearchOptions, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const query = { q: words.join(" "), agent: options.agent, harness: options.harness, since: options.since?.toISOString(), limit: options.limit }
  const { hits } = unwrap(connection, await searchTranscripts({ client: connection.client, query }))
  if (options.json) return io.printJson(hits)
  if (hits.length === 0) return io.note("no matches")
  for (const hit of hits) {
    const where = `${hit.agentName} (${hit.agent})${hit.archived ? ", archived" : ""} · ${timeOf(hit.createdAt)} · ${hit.kind} · --offset ${hit.offset}`
    io.out(io.dim(where))
    io.out(`  ${marked(hit, io.color ? io.bold : (text) => `«${text}»`)}`)
  }
  const [first] = hits
  io.hint(`open one with: iterate events ${first!.agentName} --offset ${first!.offset}`)
}

export function registerSearch(program: Command, io: Output): void {
  program
    .command("search")
    .argument("<query...>", "words to find (all of them); \"quoted words\" in a row; word* for every word it begins")
    .description("full-text search over every agent's transcript: prompts, replies, thinking, tool calls and output, file paths and diffs")
    .option("--agent <agent>", "only this agent (id or name)")
    .option("--harness <name>", "only agents of this harness")
    .option("--since <when>", `only messages from then on: ${SINCE_FORMS}`, since)
    .option("--limit <n>", "at most this many hits (default 20, at most 100)", integer("--limit", 1, 100))
    .option("--json", "print JSON: each hit with its agent, offset, time and snippet (highlights as [start, end))")
    .addHelpText(
      "after",
      `
The best matches come first, the newest first among equals; one hit per message. Archived
agents are searched too. A turn's replies are found once the turn is over; its prompt and
finished tool calls at once.

Examples:
  iterate search flaky retry
  iterate search '"connection reset"' --since 7d
  iterate search src/app/retry.ts --agent app
  iterate search retr* --harness claude --json | jq -r '.[] | "\\(.agent) \\(.offset)"'`,
    )
    .action((words, options, command) => search(io, words, options, command))
}
