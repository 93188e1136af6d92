// Runs a command on a pseudo-terminal (Bun's own), for what iterate does only on a terminal:
// no-echo password prompts, spinners, the dim line naming a remote server. stdout and stderr both
// reach the terminal, so they arrive as one stream, with CRLF line ends.

export interface TerminalRun {
  /** everything the terminal showed, \r\n turned into \n */
  output: string
  code: number
}

/** Runs `argv` to its end on a terminal; each answer is typed once `after` has appeared. */
export async function runInTerminal(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string; answers?: { after: string; type: string }[] },
): Promise<TerminalRun> {
  let output = ""
  const decoder = new TextDecoder()
  const child = Bun.spawn(argv, {
    env: options.env,
    cwd: options.cwd,
    terminal: { cols: 200, rows: 30, data: (_, bytes) => (output += decoder.decode(bytes, { stream: true })) },
  })
  for (const answer of options.answers ?? []) {
    while (!output.includes(answer.after) && child.exitCode === null) await Bun.sleep(20)
    child.terminal!.write(answer.type)
  }
  const code = await child.exited
  // What the program wrote last may still be on its way through the terminal.
  await Bun.sleep(50)
  child.terminal?.close()
  return { output: output.replaceAll("\r\n", "\n"), code }
}
