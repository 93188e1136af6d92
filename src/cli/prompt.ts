import type { Command } from "commander"
import { abortAgent, promptAgent } from "../sdk/sdk.gen.ts"
import { agentFor, noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { format, onPermission } from "./options.ts"
import type { Output } from "../client/output.ts"
import { followTurn } from "./turn.ts"
import type { OnPermission } from "./turn-permissions.ts"

interface PromptOptions {
  wait: boolean
  format: "text" | "json"
  onPermission?: OnPermission
}

async function prompt(io: Output, ref: string, words: string[], options: PromptOptions, command: Command) {
  const connection = await connectFor(io, command)
  const result = await promptAgent({ client: connection.client, path: { agent: ref }, body: { text: words.join(" ") } })
  const { event } = unwrap(connection, result, { notFound: noAgent(ref) })
  if (!options.wait) return io.out(event.offset)
  const { harness, directory, status, node } = await agentFor(connection, ref)
  if (status === "orphaned") io.note(`no node runs ${ref} now (its node ${node} is gone, and no other reaches ${directory}): the prompt waits for one that does`)
  await followTurn(io, command, { connection, agent: ref, harness, directory, prompt: event, format: options.format, onPermission: options.onPermission })
}

async function abort(io: Output, ref: string, command: Command) {
  const connection = await connectFor(io, command)
  const { status } = unwrap(connection, await abortAgent({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
  io.note(status === "busy" ? `aborting the turn of ${ref}` : `${ref} was not running a turn`)
}

export function registerPrompt(program: Command, io: Output): void {
  program
    .command("prompt")
    .argument("<agent>", "agent id or name")
    .argument("<message...>", "what to ask; the words are joined with spaces")
    .description("send a prompt; prints the reply as it streams and returns when the agent is idle")
    .option("--no-wait", "return at once, printing the offset of the prompt on the agent's stream")
    .option("--on-permission <what>", "answer requests the policy leaves open yourself: deny, or fail (abort the turn, exit 1)", onPermission)
    .option("--format <format>", "text (the reply), or json for every event as one line", format, "text")
    .addHelpText(
      "after",
      `
Ctrl-C aborts the turn (exit 130). A failed turn prints its error and exits 1.
When the harness asks for permission, a terminal asks you (y once, a always, n no); otherwise
the command that answers it is printed and the prompt waits (see: iterate permit).

Examples:
  iterate prompt app "add a --verbose flag"
  iterate prompt app --no-wait "run the tests" && iterate events app --follow
  iterate prompt app --format json "list the files" | jq -c .type`,
    )
    .action((ref, words, options, command) => prompt(io, ref, words, options, command))
  program
    .command("abort")
    .argument("<agent>", "agent id or name")
    .description("stop the agent's current turn")
    .addHelpText("after", "\nExamples:\n  iterate abort app")
    .action((ref, _, command) => abort(io, ref, command))
}
