import { Command, CommanderError } from "commander"
import { VERSION } from "../version.ts"
import { CliError, EXIT } from "./errors.ts"
import { registerUpgrade } from "./upgrade.ts"

// Each command group lives in its own file and registers itself here; none of them may import
// server, SQLite or harness code at the top level, so the client path stays fast.
const groups: Array<(program: Command) => void> = [registerUpgrade]

export function buildProgram(): Command {
  const program = new Command("iterate")
    .description("Run and orchestrate AI coding agents from the terminal, scripts, a web page or a remote machine")
    .version(VERSION, "-v, --version", "print the version")
    // Options after a command name belong to that command, so `upgrade --version X` is not the program's --version.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
  for (const register of groups) register(program)
  return program
}

export async function run(args: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(args, { from: "user" })
  } catch (error) {
    process.exitCode = report(error)
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its message; help and version are successes.
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help")
      return EXIT.ok
    return EXIT.usage
  }
  if (error instanceof CliError) {
    process.stderr.write(`iterate: ${error.message}\n`)
    return error.code
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`iterate: ${message}\n`)
  return EXIT.failure
}
