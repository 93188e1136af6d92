// One `claude -p` stream-json process, from spawn to exit: JSON lines in on stdin, lines out on
// stdout, stderr into the session's log file (its tail kept to say why it died). It runs in its
// own process group, so stopping it takes along the shells its Bash tool started.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { killTree } from "../opencode/process-tree.ts"

export interface ClaudeProcessOptions {
  argv: string[]
  cwd: string
  env: Record<string, string | undefined>
  logFile: string
  /** each stdout line, without its newline */
  onLine: (line: string) => void
}

export interface ClaudeExit {
  code: number | null
  signal: string | null
  /** the last thing it said on stderr */
  said: string | undefined
}

const TAIL_CHARS = 2_000

export class ClaudeProcess {
  readonly exited: Promise<ClaudeExit>
  private readonly child: Bun.Subprocess<"pipe", "pipe", "pipe">
  private inputOpen = true

  /** Throws when the binary cannot be started at all. */
  constructor(options: ClaudeProcessOptions) {
    mkdirSync(dirname(options.logFile), { recursive: true })
    const log = openSync(options.logFile, "a")
    writeSync(log, `--- ${new Date().toISOString()} ${options.argv.join(" ")} in ${options.cwd}\n`)
    let child: Bun.Subprocess<"pipe", "pipe", "pipe">
    try {
      child = Bun.spawn(options.argv, { cwd: options.cwd, env: options.env, stdin: "pipe", stdout: "pipe", stderr: "pipe", detached: true })
    } catch (error) {
      closeSync(log)
      throw new Error(`cannot run ${options.argv[0]} in ${options.cwd}: ${(error as Error).message}`)
    }
    this.child = child
    let tail = ""
    const stderr = (async () => {
      const decoder = new TextDecoder()
      for await (const chunk of child.stderr) {
        writeSync(log, chunk)
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS)
      }
    })()
    const stdout = readLines(child.stdout, options.onLine)
    const output = Promise.all([stderr, stdout]).catch(() => undefined)
    this.exited = child.exited.then(async () => {
      this.inputOpen = false
      // A tool's shell that inherited the pipes must not hold up the news of the exit.
      await Promise.race([output, Bun.sleep(1_000)])
      closeSync(log)
      const said = tail.trim().split("\n").at(-1)?.trim() || undefined
      return { code: child.exitCode, signal: child.signalCode === null ? null : String(child.signalCode), said }
    })
  }

  get pid(): number {
    return this.child.pid
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** Sends one JSON line; false when its stdin is closed already. */
  send(message: unknown): boolean {
    if (!this.inputOpen || !this.running) return false
    try {
      this.child.stdin.write(`${JSON.stringify(message)}\n`)
      void this.child.stdin.flush()
      return true
    } catch {
      return false
    }
  }

  /** Closes stdin: claude finishes what it is doing and exits. */
  endInput(): void {
    if (!this.inputOpen) return
    this.inputOpen = false
    try {
      void this.child.stdin.end()
    } catch {
      // it is gone already
    }
  }

  /** Stops it and everything it started; resolves once it has exited. */
  async kill(): Promise<ClaudeExit> {
    // Once it has exited, its pid may already belong to someone else.
    if (this.running) await killTree(this.child.pid, this.exited)
    return this.exited
  }
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  let buffer = ""
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + 1)
      if (line.trim()) onLine(line)
    }
  }
  if (buffer.trim()) onLine(buffer)
}

/** e.g. "code 1: No conversation found with session ID: …" or "signal SIGKILL". */
export function describeExit(exit: ClaudeExit): string {
  return `${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}${exit.said ? `: ${exit.said}` : ""}`
}
