import type { Command } from "commander"
import { listHarnesses } from "../sdk/sdk.gen.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"

async function harnesses(io: Output, options: { json?: boolean }, command: Command) {
  const connection = await connectFor(io, command)
  const { harnesses } = unwrap(connection, await listHarnesses({ client: connection.client }))
  if (options.json) return io.printJson(harnesses)
  io.printTable(
    ["NAME", "VERSION", "STATUS"],
    harnesses.map((h) => [h.name, h.version ?? "-", h.available ? `available (${h.binary})` : "unavailable"]),
  )
  for (const h of harnesses) for (const { problem, fix } of h.problems) io.out(`\n${h.name}: ${problem}\n  ${io.dim("fix:")} ${fix}`)
}

export function registerHarnesses(program: Command, io: Output): void {
  program
    .command("harnesses")
    .description("which harnesses are available here, with versions, and the command that fixes what is missing")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Each harness's binary is found on PATH, or set in ~/.config/iterate/config.json (read when the daemon starts):
  iterate config set harnesses.opencode.binary /opt/opencode/bin/opencode
  iterate config set harnesses.opencode.idleTimeoutMs 300000   # before an unused directory's project is unloaded; 0 never

Any Agent Client Protocol agent is a harness by its command line (gemini and qwen are built in):
  iterate config set harnesses.qwen.acp "qwen --acp"
  iterate config set harnesses.my-agent.acp '["/opt/agent/bin/agent", "--acp"]'
  iterate run --harness my-agent "add a README section"

Examples:
  iterate harnesses
  iterate harnesses --json | jq -r '.[] | select(.available) | .name'`,
    )
    .action((options, command) => harnesses(io, options, command))
}
