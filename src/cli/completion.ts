import { Argument, type Command } from "commander"
import type { Output } from "../client/output.ts"
import { SCRIPTS, SHELLS, type Shell } from "./completion/scripts.ts"

async function candidates(io: Output, program: Command, before: string, words: string[]): Promise<void> {
  const { complete, completionLines } = await import("./completion/complete.ts")
  const { names } = await import("./completion/names.ts")
  const count = Number(before)
  const typed = [...words.slice(0, count), words[count] ?? ""]
  const lines = completionLines(await complete(program, typed, { names }))
  io.write(lines.map((line) => line + "\n").join(""))
}

export function registerCompletion(program: Command, io: Output): void {
  program
    .command("completion")
    .addArgument(new Argument("<shell>", "the shell to complete in").choices(SHELLS))
    .description("print the script that makes a shell complete iterate's commands, options and names")
    .addHelpText(
      "after",
      `
Agent, stream and harness names come from the running daemon (or the server --server names);
none is started for a tab press. install.sh and Homebrew install the scripts for you.

Examples:
  iterate completion bash > ~/.local/share/bash-completion/completions/iterate
  iterate completion zsh > ~/.local/share/zsh/site-functions/_iterate   # a folder on your fpath
  iterate completion fish > ~/.config/fish/completions/iterate.fish
  iterate completion powershell >> $PROFILE`,
    )
    .action((shell: Shell) => io.write(SCRIPTS[shell]))
  // What the scripts call: the words typed so far in, candidates out (src/cli/completion).
  program
    .command("__complete", { hidden: true })
    .argument("<before>", "how many of the words come before the one being typed")
    .argument("[words...]")
    .helpOption(false)
    .allowUnknownOption()
    .action((before: string, words: string[]) => candidates(io, program, before, words))
}
