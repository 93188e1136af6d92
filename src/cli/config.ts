import type { Command } from "commander"
import { findTrustedDaemon } from "../discovery/health.ts"
import { type Paths, resolvePaths } from "../paths/index.ts"
import { knownKeys } from "../config/keys.ts"
import { CliError, EXIT } from "../errors.ts"
import type { Output } from "../client/output.ts"

// The editing code (and zod, for the schema) loads only when a config command runs.
const edit = () => import("../config/edit.ts")

/** A change reaches the daemon when it starts: say how, when one runs. */
async function restartHint(io: Output, paths: Paths): Promise<void> {
  if (await findTrustedDaemon(paths.daemonRecord)) io.hint("the daemon reads config.json when it starts; apply this with: iterate server restart")
}

export async function get(io: Output, paths: Paths, key: string): Promise<void> {
  io.out((await edit()).getValue(paths.configFile, key))
}

export async function set(io: Output, paths: Paths, key: string, value: string): Promise<void> {
  const { unknown } = (await edit()).setValue(paths.configFile, key, value)
  if (unknown) io.note(`note: ${key} is not a setting iterate knows; it was set all the same (see: iterate config --help)`)
  await restartHint(io, paths)
}

export async function unset(io: Output, paths: Paths, key: string): Promise<void> {
  if (!(await edit()).unsetValue(paths.configFile, key)) return io.note(`${key} was not set`)
  await restartHint(io, paths)
}

export async function list(io: Output, paths: Paths, options: { json?: boolean }): Promise<void> {
  const config = await edit()
  if (options.json) return io.printJson(config.readConfigFile(paths.configFile))
  for (const line of config.listValues(paths.configFile)) io.out(line)
}

async function editFile(io: Output, paths: Paths): Promise<void> {
  const config = await edit()
  const path = paths.configFile
  if (config.ensureFile(path)) io.note(`created ${path}`)
  const editor = process.env.VISUAL || process.env.EDITOR || (process.platform === "win32" ? "notepad" : "vi")
  // Through the shell, as git does, so an editor with arguments (`code --wait`) works.
  const command = process.platform === "win32" ? ["cmd", "/c", `${editor} "${path}"`] : ["sh", "-c", `${editor} "$1"`, editor, path]
  const code = await Bun.spawn(command, { stdio: ["inherit", "inherit", "inherit"] }).exited
  if (code !== 0) throw new CliError(`the editor (${editor}) exited with ${code}`)
  const problem = config.fileProblem(path)
  if (problem) throw new CliError(`${problem}; run iterate config edit again to fix it`, EXIT.usage)
  await restartHint(io, paths)
}

const keyHelp = () =>
  `
Settings (the file is JSON with comments; keys iterate does not know are allowed and kept):
${knownKeys()
  .map((k) => `  ${k.key.padEnd(26)} ${k.type.padEnd(7)} ${k.description}`)
  .join("\n")}

A change reaches the daemon when it starts (iterate server restart).

Examples:
  iterate config set harnesses.opencode.binary /opt/opencode/bin/opencode
  iterate config get harnesses.opencode.binary
  iterate config set web.roots '["/home/me/src"]'
  iterate config unset harnesses.opencode.binary
  iterate config edit`

export function registerConfig(program: Command, io: Output): void {
  const config = program
    .command("config")
    .description("read and change config.json by key: comments and unknown keys are kept, values checked against its schema")
    .addHelpText("after", keyHelp)

  config
    .command("get")
    .argument("<key>", "a key such as harnesses.opencode.binary")
    .description("print a value: a string as it is, anything else as JSON (exit 1 when it is not set)")
    .addHelpText("after", "\nExamples:\n  iterate config get harnesses.opencode.binary\n  iterate config get web.roots | jq -r '.[]'")
    .action((key) => get(io, resolvePaths(), key))
  config
    .command("set")
    .argument("<key>", "a key such as harnesses.opencode.binary")
    .argument("<value>", "the value: taken as it is for a string setting, else read as JSON")
    .description("set a value, changing only its place in the file; a value the schema refuses is one line and exit 2")
    .addHelpText("after", "\nExamples:\n  iterate config set harnesses.opencode.binary /opt/opencode/bin/opencode\n  iterate config set web.roots '[\"/home/me/src\"]'")
    .action((key, value) => set(io, resolvePaths(), key, value))
  config
    .command("unset")
    .argument("<key>", "a key such as harnesses.opencode.binary")
    .description("remove a value (and the objects it leaves empty)")
    .addHelpText("after", "\nExamples:\n  iterate config unset harnesses.opencode.binary")
    .action((key) => unset(io, resolvePaths(), key))
  config
    .command("list", { isDefault: true })
    .description("every value set, as key=value lines")
    .option("--json", "print the whole file as JSON (without its comments)")
    .addHelpText("after", "\nExamples:\n  iterate config list\n  iterate config list --json | jq .harnesses")
    .action((options) => list(io, resolvePaths(), options))
  config
    .command("path")
    .description("print where config.json is")
    .addHelpText("after", '\nExamples:\n  iterate config path\n  code "$(iterate config path)"')
    .action(() => io.out(resolvePaths().configFile))
  config
    .command("edit")
    .description("open config.json in $VISUAL or $EDITOR (creating it with its $schema), then check it")
    .addHelpText("after", "\nExamples:\n  iterate config edit\n  EDITOR='code --wait' iterate config edit")
    .action(() => editFile(io, resolvePaths()))
}
