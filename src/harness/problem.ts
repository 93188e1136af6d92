// What keeps a harness from running, said two ways: as a problem and the command that fixes it
// (what `iterate harnesses` and doctor list, the fix to paste), and as one line for the CLI's error
// (the message, which may say both).
import type { HarnessProblem } from "./harness.ts"

export class HarnessProblemError extends Error implements HarnessProblem {
  constructor(
    readonly problem: string,
    readonly fix: string,
    message = problem,
  ) {
    super(message)
  }
}

/** A path as one word of a shell command, for a fix to paste. */
export const shellWord = (path: string) => (/^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`)
