// Shell completion computed from commander's own command tree, so a new command, option or
// choice completes without touching the shell scripts: they pass the words typed so far to
// `iterate __complete` and show what it prints.
import type { Argument, Command, Option } from "commander"

export interface Candidate {
  value: string
  description?: string
}

/** What a value is, where it has to come from outside the tree (the daemon, the remotes file). */
export type Source = "agents" | "streams" | "harnesses" | "remotes" | "remotes-and-local" | "config-keys"

export interface Completion {
  candidates: Candidate[]
  /** the shell should also offer paths */
  paths?: "files" | "dirs"
}

export interface CompleteContext {
  /** names from the daemon or the remotes file; nothing when they cannot be had quickly */
  names(source: Source, server: string | undefined): Promise<Candidate[]>
}

// Values named by the option's long name or the argument's name anywhere in the tree.
const OPTION_VALUES: Record<string, Source | "files" | "dirs" | string[]> = {
  agent: "agents",
  server: "remotes",
  harness: "harnesses",
  dir: "dirs",
  logFile: "files",
  format: ["text", "json"],
}
const ARGUMENT_VALUES: Record<string, Source | "files"> = { agent: "agents", stream: "streams", key: "config-keys", remote: "remotes", file: "files" }

const visible = (command: Command) => command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
const defaultSub = (command: Command) =>
  command.commands.find((c) => c.name() === (command as unknown as { _defaultCommandName?: string })._defaultCommandName)
const takesValue = (option: Option) => option.required || option.optional

/** The options a word may name here: the command's and its default subcommand's (`iterate agents --json`). */
const optionsOf = (command: Command) => [...command.options, ...(defaultSub(command)?.options ?? [])]

const matching = (prefix: string, candidates: Candidate[]) => candidates.filter((c) => c.value.startsWith(prefix))

async function valuesOf(spec: Source | "files" | "dirs" | readonly string[] | undefined, server: string | undefined, context: CompleteContext, prefix: string): Promise<Completion> {
  if (spec === undefined) return { candidates: [] }
  if (spec === "files" || spec === "dirs") return { candidates: [], paths: spec }
  if (Array.isArray(spec)) return { candidates: matching(prefix, spec.map((value) => ({ value }))) }
  return { candidates: matching(prefix, await context.names(spec as Source, server)) }
}

function argumentSpec(command: Command, argument: Argument | undefined): Source | "files" | readonly string[] | undefined {
  if (!argument) return undefined
  const choices = (argument as unknown as { argChoices?: string[] }).argChoices
  if (choices) return choices
  // `remote use` also takes "local", the local daemon.
  if (argument.name() === "remote" && command.name() === "use") return "remotes-and-local"
  return ARGUMENT_VALUES[argument.name()]
}

/**
 * The candidates for the last of `words` (the word being typed, "" after a space), given the
 * words before it, all after the program's name.
 */
export async function complete(program: Command, words: string[], context: CompleteContext): Promise<Completion> {
  const before = words.slice(0, -1)
  const current = words.at(-1) ?? ""
  let command = program
  let positional = 0
  let pending: Option | undefined
  let operandsOnly = false
  let server: string | undefined
  for (const word of before) {
    if (pending) {
      if (pending.attributeName() === "server") server = word
      pending = undefined
    } else if (!operandsOnly && word === "--") operandsOnly = true
    else if (!operandsOnly && word.startsWith("-") && word.length > 1) {
      const [flag, inline] = word.split("=", 2)
      const option = optionsOf(command).find((o) => o.long === flag || o.short === flag)
      if (option?.attributeName() === "server" && inline !== undefined) server = inline
      if (option && takesValue(option) && inline === undefined) pending = option
    } else {
      const sub = positional === 0 && !operandsOnly ? command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined
      if (sub) command = sub
      else positional++
    }
  }

  if (pending) {
    const choices = (pending as unknown as { argChoices?: string[] }).argChoices
    return valuesOf(choices ?? OPTION_VALUES[pending.attributeName()], server, context, current)
  }
  if (!operandsOnly && current.startsWith("-")) {
    const options = optionsOf(command).filter((o) => !o.hidden && o.long)
    const candidates = [...options.map((o) => ({ value: o.long!, description: o.description })), { value: "--help", description: "show help" }]
    return { candidates: matching(current, candidates) }
  }
  const subcommands = positional === 0 ? visible(command).map((c) => ({ value: c.name(), description: c.description() })) : []
  const args = command.registeredArguments
  const argument = args[positional] ?? (args.at(-1)?.variadic ? args.at(-1) : undefined)
  const values = await valuesOf(argumentSpec(command, argument), server, context, current)
  return { candidates: [...matching(current, subcommands), ...values.candidates], paths: values.paths }
}

/** The lines `iterate __complete` prints: `value<TAB>description`, then `:files` or `:dirs` when paths fit too. */
export function completionLines(completion: Completion): string[] {
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim()
  const lines = completion.candidates
    .filter((c) => c.value && !c.value.startsWith(":") && !/[\t\n]/.test(c.value))
    .map((c) => (c.description ? `${c.value}\t${oneLine(c.description)}` : c.value))
  if (completion.paths) lines.push(`:${completion.paths}`)
  return lines
}
