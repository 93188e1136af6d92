// One `pi --mode rpc` process: commands go in as JSON lines on a stdin pipe that stays open (Pi
// shuts down when it closes), events and responses come out as JSON lines on stdout (see
// ../process/lines.ts), and a command sent with request() resolves with the response to its id.
import { describeExit, type ProcessExit } from "../process/exit.ts"
import { LineProcess, type LineProcessOptions } from "../process/lines.ts"
import { dict } from "../../protocol/json.ts"
import type { PiEvent } from "./events.ts"

export type PiExit = ProcessExit
export { describeExit }

export interface PiProcessOptions extends Omit<LineProcessOptions, "onLine" | "said"> {
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

export class PiProcess {
  readonly exited: Promise<PiExit>
  readonly #lines: LineProcess
  #waiting = new Map<string, { resolve: (response: Response) => void; reject: (error: Error) => void }>()
  #nextId = 0

  /** Throws when the runtime cannot be started at all (no such file, not executable). */
  constructor(private readonly options: PiProcessOptions) {
    this.#lines = new LineProcess({ ...options, onLine: (line) => this.#line(line), said: lastError })
    this.exited = this.#lines.exited.then((exit) => {
      const error = new Error(`pi exited (${describeExit(exit)})`)
      for (const waiter of this.#waiting.values()) waiter.reject(error)
      this.#waiting.clear()
      return exit
    })
  }

  get pid(): number {
    return this.#lines.pid
  }

  get running(): boolean {
    return this.#lines.running
  }

  /** Writes one command; false when the process is gone. */
  send(command: Record<string, unknown>): boolean {
    return this.#lines.send(command)
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
    await this.#lines.kill()
    return this.exited
  }

  #line(line: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      this.#lines.note(`stdout: ${line}`)
      return
    }
    const event = dict(parsed) as PiEvent | undefined
    if (typeof event?.type !== "string") return
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
