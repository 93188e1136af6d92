import { Command, CommanderError } from "commander"
import { VERSION } from "../version.ts"
import { registerAgents } from "./agents.ts"
import { registerAttach } from "./attach.ts"
import { CliError, EXIT } from "./errors.ts"
import { registerEvents } from "./events.ts"
import { registerHarnesses } from "./harnesses.ts"
import { registerPrompt } from "./prompt.ts"
import { registerRun } from "./run.ts"
import { registerServe } from "./serve.ts"
import { registerServer } from "./server.ts"
import { registerStreams } from "./streams.ts"

export function buildProgram(): Command {
  const program = new Command("iterate")
    .description("Run and orchestrate AI coding agents from the terminal, scripts, a web page or a remote machine")
    .version(VERSION, "-v, --version", "print the version")
    .option("--server <url>", "talk to this iterate server instead of the local daemon (env: ITERATE_SERVER_URL)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  iterate run "why does the build fail?"
  iterate agents new --dir ~/src/app --name app && iterate prompt app "add a --verbose flag"
  iterate events app --follow
  iterate streams read agents/k3x9qa --format json
  iterate server status`,
    )
  // Subcommands inherit exitOverride only when it is set on them; apply it across the tree.
  registerRun(program)
  registerAgents(program)
  registerPrompt(program)
  registerEvents(program)
  registerAttach(program)
  registerHarnesses(program)
  registerStreams(program)
  registerServe(program)
  registerServer(program)
  const applyExitOverride = (command: Command) => {
    command.exitOverride()
    command.commands.forEach(applyExitOverride)
  }
  applyExitOverride(program)
  return program
}

export async function run(args: string[]): Promise<void> {
  // A closed pipe (`| head`) is the reader being done, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.ok)
  })
  try {
    await buildProgram().parseAsync(args, { from: "user" })
  } catch (error) {
    process.exitCode = report(error)
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its message; help and version are successes.
    if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)) return EXIT.ok
    return EXIT.usage
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`iterate: ${message}\n`)
  return error instanceof CliError ? error.code : EXIT.failure
}
