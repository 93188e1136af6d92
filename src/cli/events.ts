import type { Command } from "commander"
import { agentFor } from "./agents.ts"
import { connectFor } from "./connection.ts"
import { read, readOptions } from "./streams.ts"

async function events(ref: string, options: { offset: string; follow?: boolean; format: "text" | "json" }, command: Command) {
  const agent = await agentFor(await connectFor(command), ref)
  await read(agent.stream, options, command)
}

export function registerEvents(program: Command): void {
  readOptions(
    program
      .command("events")
      .argument("<agent>", "agent id or name")
      .description("print the agent's stream: the actions sent to it, the harness's own events (wrapped), its status"),
  )
    .addHelpText(
      "after",
      `
Examples:
  iterate events app
  iterate events app --offset now --follow
  iterate events app --format json | jq -c 'select(.type == "iterate:agent:status:changed") | .payload'`,
    )
    .action(events)
}
