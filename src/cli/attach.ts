import type { Command } from "commander"
import { attachAgent } from "../sdk/sdk.gen.ts"
import { noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { CliError } from "../errors.ts"
import type { Output } from "../client/output.ts"

async function attach(io: Output, ref: string, command: Command) {
  const connection = await connectFor(io, command)
  // The harness listens on the daemon's loopback: its TUI can only run on the daemon's machine.
  if (!connection.record) throw new CliError("iterate attach opens the harness's TUI next to the daemon; it works with the local daemon only")
  const { argv, env, cwd } = unwrap(connection, await attachAgent({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
  // The TUI handles Ctrl-C itself; this process only waits for it to finish.
  process.on("SIGINT", () => {})
  const child = Bun.spawn(argv, { env: { ...process.env, ...env }, cwd, stdio: ["inherit", "inherit", "inherit"] })
  process.exitCode = await child.exited
}

export function registerAttach(program: Command, io: Output): void {
  program
    .command("attach")
    .argument("<agent>", "agent id or name")
    .description("open the harness's own TUI (opencode attach) on the agent's session")
    .addHelpText("after", "\nWhat you do there lands on the agent's stream too.\n\nExamples:\n  iterate attach app")
    .action((ref, _, command) => attach(io, ref, command))
}
