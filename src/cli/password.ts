// Reading a secret: from a terminal without echoing it, or all of stdin (--password-stdin).
import type { Output } from "../client/output.ts"
import { CliError, EXIT } from "../errors.ts"

/** All of stdin with one trailing newline removed (what `echo "$PW" |` or a file adds). */
export async function secretFromStdin(): Promise<string> {
  return (await Bun.stdin.text()).replace(/\r?\n$/, "")
}

/**
 * Asks on stderr and reads one line from the terminal in raw mode, so nothing typed is echoed.
 * Backspace edits; Ctrl-C exits 130; Ctrl-D on an empty line gives up.
 */
export function secretFromTerminal(io: Output, prompt: string): Promise<string> {
  const stdin = process.stdin
  io.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  return new Promise((resolve, reject) => {
    let typed = ""
    const finish = (end: () => void) => {
      stdin.off("data", onData)
      stdin.setRawMode(false)
      stdin.pause()
      io.note("")
      end()
    }
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish(() => resolve(typed))
        if (char === "\x03") return finish(() => process.exit(EXIT.interrupted))
        if (char === "\x04" && typed === "") return finish(() => reject(new CliError("no password given", EXIT.usage)))
        if (char === "\x7f" || char === "\b") typed = [...typed].slice(0, -1).join("")
        else if (char >= " ") typed += char
      }
    }
    stdin.on("data", onData)
  })
}
