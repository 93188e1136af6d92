// An Output whose stdout and stderr are strings, for running a command's work in process.
import { Output, type Writer } from "../../src/client/output.ts"

export interface Captured {
  io: Output
  stdout: () => string
  stderr: () => string
}

/** `tty`: both streams claim to be terminals (colour, hints in dim type), with the environment `env`. */
export function captureOutput(options: { tty?: boolean; env?: Record<string, string | undefined> } = {}): Captured {
  const decoder = new TextDecoder()
  const buffer = (): Writer & { text: string } => ({
    text: "",
    isTTY: options.tty ?? false,
    write(chunk, done) {
      this.text += typeof chunk === "string" ? chunk : decoder.decode(chunk)
      done?.()
      return true
    },
  })
  const stdout = buffer()
  const stderr = buffer()
  return { io: new Output(stdout, stderr, options.env ?? {}), stdout: () => stdout.text, stderr: () => stderr.text }
}
