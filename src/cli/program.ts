import { Command, CommanderError, Option } from "commander"
import { type Output, systemOutput } from "../client/output.ts"
import { VERSION } from "../version.ts"
import { registerAcp } from "./acp.ts"
import { registerAgents } from "./agents.ts"
import { registerAttach } from "./attach.ts"
import { registerBatch } from "./batch.ts"
import { registerCompletion } from "./completion.ts"
import { registerConfig } from "./config.ts"
import { registerDiff } from "./diff.ts"
import { registerDoctor } from "./doctor.ts"
import { CliError, EXIT } from "../errors.ts"
import { registerEvents } from "./events.ts"
import { registerExport } from "./export.ts"
import { registerHarnesses } from "./harnesses.ts"
import { registerImport } from "./import.ts"
import { registerNodes } from "./nodes.ts"
import { registerPermissions } from "./permissions.ts"
import { registerPrompt } from "./prompt.ts"
import { registerRemote } from "./remote.ts"
import { registerRun } from "./run.ts"
import { registerSearch } from "./search.ts"
import { registerServe } from "./serve.ts"
import { registerServer } from "./server.ts"
import { registerService } from "./service.ts"
import { registerStreams } from "./streams.ts"
import { registerTodos } from "./todos.ts"
import { registerUpgrade } from "./upgrade.ts"
import { registerUsage } from "./usage.ts"
import { registerWeb } from "./web.ts"
import { registerWork } from "./work.ts"

const serverOption = () =>
  new Option("--server <url|name>", "talk to this iterate server (a URL, or a name from: iterate remote) instead of the local daemon").env(
    "ITERATE_SERVER_URL",
  )

// Commands that act on this machine only and so take no --server.
const LOCAL = new Set(["serve", "server", "service", "upgrade", "uninstall", "remote", "config", "completion", "__complete", "doctor"])

/** The whole CLI; its commands write to `io`. */
export function buildProgram(io: Output = systemOutput()): Command {
  const program = new Command("iterate")
    // Set before the commands are added: each copies it.
    .configureOutput({ writeOut: io.write, writeErr: (text) => io.stderr.write(text) })
    .description("Run and orchestrate AI coding agents from the terminal, scripts, a web page or a remote machine")
    .version(VERSION, "-v, --version", "print the version")
    // Options after a command name belong to that command, so `upgrade --version X` is not the program's --version.
    .enablePositionalOptions()
    .addOption(serverOption())
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  iterate run "why does the build fail?"
  iterate agents new --dir ~/src/app --name app && iterate prompt app "add a --verbose flag"
  iterate events app --follow
  iterate run --worktree "add a --verbose flag" && iterate diff verbose-flag && iterate merge verbose-flag
  iterate streams read agents/k3x9qa --format json
  iterate server status`,
    )
  registerRun(program, io)
  registerAgents(program, io)
  registerPrompt(program, io)
  registerEvents(program, io)
  registerSearch(program, io)
  registerExport(program, io)
  registerDiff(program, io)
  registerWork(program, io)
  registerBatch(program, io)
  registerTodos(program, io)
  registerAttach(program, io)
  registerHarnesses(program, io)
  registerImport(program, io)
  registerPermissions(program, io)
  registerNodes(program, io)
  registerUsage(program, io)
  registerStreams(program, io)
  registerWeb(program, io)
  registerAcp(program, io)
  registerServe(program, io)
  registerServer(program, io)
  registerService(program, io)
  registerUpgrade(program, io)
  registerRemote(program, io)
  registerConfig(program, io)
  registerDoctor(program, io)
  registerCompletion(program, io)

  // Across the tree: exitOverride is not inherited by subcommands, and with positional options a
  // program-level --server only counts before the command name, so every command that talks to a
  // daemon takes it too (`iterate streams list --server URL`).
  const configure = (command: Command, local: boolean) => {
    command.exitOverride()
    if (command.commands.length === 0 && command !== program && !local) command.addOption(serverOption())
    for (const sub of command.commands) configure(sub, local || LOCAL.has(sub.name()))
  }
  configure(program, false)
  return program
}

export async function run(args: string[], io: Output = systemOutput()): Promise<void> {
  // A closed pipe (`| head`) is the reader being done, not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.ok)
  })
  try {
    await buildProgram(io).parseAsync(args, { from: "user" })
  } catch (error) {
    process.exitCode = report(io, error)
  }
}

function report(io: Output, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its message; help and version are successes.
    if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code)) return EXIT.ok
    return EXIT.usage
  }
  const message = error instanceof Error ? error.message : String(error)
  io.note(`iterate: ${message}`)
  return error instanceof CliError ? error.code : EXIT.failure
}
