// Runs a command on a real pseudo-terminal (util-linux `script`), for what iterate does only on a
// terminal: no-echo password prompts, spinners, dim context lines. Output and input go through the
// terminal, so stdout and stderr arrive as one stream with CRLF line ends.
import { findTool } from "./tools.ts"

export const scriptTool = findTool("script")

export interface TerminalRun {
  /** everything the terminal showed, with \r\n turned into \n */
  output: string
  code: number
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

/** Runs `argv` on a terminal; each answer is typed once `after` has appeared in the output. */
export async function runInTerminal(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string; answers?: { after: string; type: string }[] },
): Promise<TerminalRun> {
  const child = Bun.spawn([scriptTool!, "-qec", argv.map(quote).join(" "), "/dev/null"], {
    env: options.env,
    cwd: options.cwd,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  })
  let output = ""
  const reading = (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of child.stdout) output += decoder.decode(chunk, { stream: true })
  })()
  for (const answer of options.answers ?? []) {
    while (!output.includes(answer.after) && child.exitCode === null) await Bun.sleep(20)
    child.stdin.write(answer.type)
    child.stdin.flush()
  }
  const code = await child.exited
  await reading
  return { output: output.replaceAll("\r\n", "\n"), code }
}
