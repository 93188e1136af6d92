import type { Command } from "commander"
import { abortAgent, promptAgent } from "../sdk/sdk.gen.ts"
import { noAgent } from "./agents.ts"
import { connectFor, unwrap } from "./connection.ts"
import { format } from "./options.ts"
import { note, out } from "./output.ts"
import { followTurn } from "./turn.ts"

async function prompt(ref: string, words: string[], options: { wait: boolean; format: "text" | "json" }, command: Command) {
  const connection = await connectFor(command)
  const result = await promptAgent({ client: connection.client, path: { agent: ref }, body: { text: words.join(" ") } })
  const { event } = unwrap(connection, result, { notFound: noAgent(ref) })
  if (!options.wait) return out(event.offset)
  await followTurn(command, { connection, agent: ref, prompt: event, format: options.format })
}

async function abort(ref: string, _: unknown, command: Command) {
  const connection = await connectFor(command)
  const { status } = unwrap(connection, await abortAgent({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
  note(status === "busy" ? `aborting the turn of ${ref}` : `${ref} was not running a turn`)
}

export function registerPrompt(program: Command): void {
  program
    .command("prompt")
    .argument("<agent>", "agent id or name")
    .argument("<message...>", "what to ask; the words are joined with spaces")
    .description("send a prompt; prints the reply as it streams and returns when the agent is idle")
    .option("--no-wait", "return at once, printing the offset of the prompt on the agent's stream")
    .option("--format <format>", "text (the reply), or json for every event as one line", format, "text")
    .addHelpText(
      "after",
      `
Ctrl-C aborts the turn (exit 130). A failed turn prints its error and exits 1.

Examples:
  iterate prompt app "add a --verbose flag"
  iterate prompt app --no-wait "run the tests" && iterate events app --follow
  iterate prompt app --format json "list the files" | jq -c .type`,
    )
    .action(prompt)
  program
    .command("abort")
    .argument("<agent>", "agent id or name")
    .description("stop the agent's current turn")
    .addHelpText("after", "\nExamples:\n  iterate abort app")
    .action(abort)
}
