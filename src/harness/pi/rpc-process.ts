// One `pi --mode rpc` process, from spawn to exit: commands go in as JSON lines on a stdin pipe
// that stays open (Pi shuts down when it closes), events and responses come out as JSON lines on
// stdout, stderr goes to the session's log file and its tail says why the process died. Lines are
// split on "\n" only (events may be megabytes: an agent_end carries every message of its run).
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { describeExit, type ServeExit } from "../opencode/serve-process.ts"
import { killTree } from "../opencode/process-tree.ts"
import type { PiEvent } from "./events.ts"

export type PiExit = ServeExit
export { describeExit }

export interface PiProcessOptions {
  argv: string[]
  cwd: string
  /** The complete environment of the process. */
  env: Record<string, string | undefined>
  logFile: string
  /** every line of stdout that is a JSON object, responses included, in order */
  onLine: (event: PiEvent) => void
}

interface Response {
  type: "response"
  id?: string
  command: string
  success: boolean
  data?: unknown
  error?: string
}

const TAIL_CHARS = 4_000

export class PiProcess {
  readonly exited: Promise<PiExit>
  #child: Bun.Subprocess<"pipe", "pipe", "pipe">
  #waiting = new Map<string, { resolve: (response: Response) => void; reject: (error: Error) => void }>()
  #nextId = 0
  #exit: PiExit | undefined

  /** Throws when the runtime cannot be started at all (no such file, not executable). */
  constructor(private readonly options: PiProcessOptions) {
    mkdirSync(dirname(options.logFile), { recursive: true })
    const log = openSync(options.logFile, "a")
    writeSync(log, `--- ${new Date().toISOString()} ${options.argv.join(" ")} (in ${options.cwd})\n`)
    let child: Bun.Subprocess<"pipe", "pipe", "pipe">
    try {
      child = Bun.spawn(options.argv, {
        cwd: options.cwd,
        env: options.env,
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        // Its own process group: stopping it takes the tool commands it started along, and a
        // Ctrl-C meant for a foreground daemon does not reach it.
        detached: true,
      })
    } catch (error) {
      closeSync(log)
      throw new Error(`cannot run ${options.argv[0]}: ${(error as Error).message}`)
    }
    this.#child = child
    let tail = ""
    const stderr = (async () => {
      const decoder = new TextDecoder()
      for await (const chunk of child.stderr) {
        writeSync(log, chunk)
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS)
      }
    })()
    const stdout = this.#readLines(log)
    const output = Promise.all([stdout, stderr]).catch(() => {})
    this.exited = child.exited.then(async () => {
      // A tool command that inherited the pipes must not hold up the news of the exit.
      await Promise.race([output, Bun.sleep(1_000)])
      closeSync(log)
      const signal = child.signalCode === null ? null : String(child.signalCode)
      this.#exit = { code: child.exitCode, signal, said: lastError(tail) }
      const error = new Error(`pi exited (${describeExit(this.#exit)})`)
      for (const waiter of this.#waiting.values()) waiter.reject(error)
      this.#waiting.clear()
      return this.#exit
    })
  }

  get pid(): number {
    return this.#child.pid
  }

  get running(): boolean {
    return this.#exit === undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Writes one command; false when the process is gone. */
  send(command: Record<string, unknown>): boolean {
    if (!this.running) return false
    try {
      this.#child.stdin.write(`${JSON.stringify(command)}\n`)
      this.#child.stdin.flush()
      return true
    } catch {
      return false
    }
  }

  /** Sends a command and resolves with its response; rejects when the process exits first. */
  request(command: Record<string, unknown>): Promise<Response> {
    const id = `iterate-${++this.#nextId}`
    const answer = new Promise<Response>((resolve, reject) => this.#waiting.set(id, { resolve, reject }))
    if (!this.send({ ...command, id })) {
      this.#waiting.delete(id)
      return this.exited.then((exit) => Promise.reject(new Error(`pi exited (${describeExit(exit)})`)))
    }
    return answer
  }

  /** Stops it and everything it started; resolves once it has exited. */
  async kill(): Promise<PiExit> {
    if (this.running) await killTree(this.#child.pid, this.exited)
    return this.exited
  }

  async #readLines(log: number): Promise<void> {
    const decoder = new TextDecoder()
    let pending: Uint8Array[] = []
    for await (const chunk of this.#child.stdout) {
      let start = 0
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, end))
        const bytes = pending.length === 1 ? pending[0]! : new Uint8Array(Bun.concatArrayBuffers(pending))
        pending = []
        start = end + 1
        this.#line(decoder.decode(bytes).replace(/\r$/, ""), log)
      }
      // The stream may reuse its buffer for the next chunk: keep a copy of the unfinished line.
      if (start < chunk.length) pending.push(chunk.slice(start))
    }
  }

  #line(line: string, log: number): void {
    if (line === "") return
    let event: PiEvent
    try {
      event = JSON.parse(line)
    } catch {
      writeSync(log, `stdout: ${line}\n`)
      return
    }
    if (typeof event !== "object" || event === null || typeof event.type !== "string") return
    if (event.type === "response" && typeof event.id === "string") {
      const waiter = this.#waiting.get(event.id)
      if (waiter) {
        this.#waiting.delete(event.id)
        waiter.resolve(event as unknown as Response)
      }
    }
    this.options.onLine(event)
  }
}

// Pi writes nothing to stderr unless something is wrong; an exit prints the error last.
function lastError(output: string): string | undefined {
  // Colours, in case FORCE_COLOR reached it.
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((line) => line.trim()).filter(Boolean)
  return lines.findLast((line) => /error/i.test(line)) ?? lines.at(-1)
}
