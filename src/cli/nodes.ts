import type { Command } from "commander"
import { listNodes } from "../sdk/sdk.gen.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { duration } from "../client/output.ts"

async function nodes(io: Output, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { nodes } = unwrap(connection, await listNodes({ client: connection.client }))
  if (options.json) return io.printJson(nodes)
  io.printTable(
    ["ID", "URL", "STATUS", "HEARTBEAT", "AGENTS"],
    nodes.map((n) => [
      `${n.id}${n.self ? " *" : ""}`,
      n.url,
      n.alive ? "alive" : "gone",
      `${duration(Math.max(0, Date.now() - Date.parse(n.heartbeatAt)))} ago`,
      n.agents.length ? n.agents.join(",") : "-",
    ]),
  )
}

export function registerNodes(program: Command, io: Output): void {
  program
    .command("nodes")
    .description("the nodes sharing this server's PostgreSQL store: URL, last heartbeat, the agents each runs (* the one answering)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
A daemon on SQLite is a fleet of one and lists itself. With a shared store, a node whose
heartbeat stopped is "gone": its agents are taken over by a node that reaches their directory.

Examples:
  iterate nodes
  iterate nodes --json | jq -r '.[] | select(.alive) | .url'
  iterate agents new --node build-2-k3x9 --dir /srv/src/app`,
    )
    .action((options, command) => nodes(io, options, command))
}
