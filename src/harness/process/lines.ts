// A harness process spoken to in JSON lines (Claude Code's stream-json, Pi's RPC mode), from
// spawn to exit: messages in on a stdin pipe that stays open, lines out on stdout, stderr into
// the session's log file with its tail kept to say why the process died. It runs in its own
// process group, so stopping it takes along the commands its tools started, and a Ctrl-C meant
// for a foreground daemon does not reach it.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { within } from "../../os/process.ts"
import type { ProcessExit } from "./exit.ts"
import { killTree } from "./tree.ts"

export interface LineProcessOptions {
  argv: string[]
  cwd: string
  /** The complete environment of the process. */
  env: Record<string, string | undefined>
  logFile: string
  /** each line of stdout that is not blank, without its line ending */
  onLine: (line: string) => void
  /** the line of stderr's tail that says why it exited; its last line by default */
  said?: (tail: string) => string | undefined
}

const TAIL_CHARS = 4_000

const lastLine = (tail: string) => tail.trim().split("\n").at(-1)?.trim() || undefined

export class LineProcess {
  readonly exited: Promise<ProcessExit>
  readonly #child: Bun.Subprocess<"pipe", "pipe", "pipe">
  readonly #log: number
  #logOpen = true
  #inputOpen = true

  /** Throws when the binary cannot be started at all (no such file, not executable). */
  constructor(options: LineProcessOptions) {
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
    this.#child = child
    this.#log = log
    let tail = ""
    const stderr = (async () => {
      const decoder = new TextDecoder()
      for await (const chunk of child.stderr) {
        writeSync(log, chunk)
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS)
      }
    })()
    const stdout = readLines(child.stdout, options.onLine)
    const output = Promise.all([stdout, stderr]).catch(() => undefined)
    this.exited = child.exited.then(async () => {
      this.#inputOpen = false
      // A tool's command that inherited the pipes must not hold up the news of the exit.
      await within(output, 1_000)
      this.#logOpen = false
      closeSync(log)
      const signal = child.signalCode === null ? null : String(child.signalCode)
      return { code: child.exitCode, signal, said: (options.said ?? lastLine)(tail) }
    })
  }

  get pid(): number {
    return this.#child.pid
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Sends one JSON line; false when its stdin is closed already. */
  send(message: unknown): boolean {
    if (!this.#inputOpen || !this.running) return false
    try {
      this.#child.stdin.write(`${JSON.stringify(message)}\n`)
      void this.#child.stdin.flush()
      return true
    } catch {
      return false
    }
  }

  /** Closes stdin: a harness that reads it to the end finishes what it is doing and exits. */
  endInput(): void {
    if (!this.#inputOpen) return
    this.#inputOpen = false
    try {
      void this.#child.stdin.end()
    } catch {
      // it is gone already
    }
  }

  /** Adds a line to the process's log file (while it is open). */
  note(text: string): void {
    if (this.#logOpen) writeSync(this.#log, `${text}\n`)
  }

  /** Stops it and everything it started; resolves once it has exited. */
  async kill(): Promise<ProcessExit> {
    // Once it has exited, its pid may already belong to someone else.
    if (this.running) await killTree(this.#child.pid, this.exited)
    return this.exited
  }
}

// Split on "\n" bytes, not on decoded text: an event may be megabytes (Pi's agent_end carries
// every message of its run), and decoding only whole lines keeps that linear.
async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  const emit = (bytes: Uint8Array) => {
    const line = decoder.decode(bytes).replace(/\r$/, "")
    if (line.trim()) onLine(line)
  }
  let pending: Uint8Array[] = []
  const take = (last: Uint8Array) => {
    pending.push(last)
    const bytes = pending.length === 1 ? pending[0]! : new Uint8Array(Bun.concatArrayBuffers(pending))
    pending = []
    return bytes
  }
  for await (const chunk of stream) {
    let start = 0
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      emit(take(chunk.subarray(start, end)))
      start = end + 1
    }
    // The stream may reuse its buffer for the next chunk: keep a copy of the unfinished line.
    if (start < chunk.length) pending.push(chunk.slice(start))
  }
  if (pending.length > 0) emit(take(new Uint8Array(0)))
}
