// One key from the person at the terminal, for a question that something else may answer first.
import type { Output } from "../client/output.ts"

export interface KeyQuestion {
  /** the key pressed (one of `keys`), or undefined when the question was cancelled */
  answer: Promise<string | undefined>
  cancel(): void
}

/** Writes `question` on stderr and waits for one of `keys` on stdin (a terminal). Ctrl-C is an interrupt. */
export function askKey(io: Output, question: string, keys: string[]): KeyQuestion {
  const stdin = process.stdin
  const { promise, resolve } = Promise.withResolvers<string | undefined>()
  let open = true
  const finish = (key: string | undefined) => {
    if (!open) return
    open = false
    stdin.off("data", onData)
    stdin.setRawMode(false)
    stdin.pause()
    io.note(key ?? "")
    resolve(key)
  }
  const onData = (data: Buffer) => {
    const key = data.toString("utf8").toLowerCase()
    // In raw mode the terminal no longer turns Ctrl-C into SIGINT: do it here, so it aborts the turn.
    if (key.startsWith("\x03")) {
      finish(undefined)
      process.emit("SIGINT")
    } else if (keys.includes(key[0]!)) finish(key[0])
  }
  io.stderr.write(question)
  stdin.setRawMode(true)
  stdin.on("data", onData)
  stdin.resume()
  return { answer: promise, cancel: () => finish(undefined) }
}
