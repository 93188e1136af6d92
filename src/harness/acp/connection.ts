// iterate's end of an Agent Client Protocol connection to one agent process: the ACP library's
// client app (requests out and their responses, the agent's requests in, params checked against
// ACP's schemas) over the agent's stdio. Two things are read off the wire before the library sees
// them, in the order the agent wrote them: each session/update notification and each session/prompt
// result go to `onNative` unchanged. So a turn's last update is reported before the result that ends
// it (the library would hand a notification to its handlers a few ticks after a response that came
// later), and an update the library's schema refuses (an agent's newer or looser variant: Claude's
// usage_update with `used: null`) is still reported rather than dropped.
import { type AnyMessage, client, type RequestPermissionRequest, type RequestPermissionResponse, type ReadTextFileRequest, type ReadTextFileResponse, type WriteTextFileRequest } from "@agentclientprotocol/sdk"
import { dict } from "../../protocol/json.ts"
import { describeExit, type ProcessExit } from "../process/exit.ts"
import { LineProcess } from "../process/lines.ts"

/** An agent's half of the wire: its messages, its exit, and how to stop it. */
export interface AgentPeer {
  readonly pid: number
  /** resolves when the agent has exited (a process) or gone away */
  readonly exited: Promise<ProcessExit>
  /** false once it has exited */
  readonly running: boolean
  /** each JSON value the agent writes, in order (a line that is none as NotJson) */
  onMessage(listener: (message: unknown) => void): void
  /** false once the agent can no longer read */
  send(message: AnyMessage): boolean
  /** closes its input: an ACP agent takes that as the end of the connection */
  endInput(): void
  /** stops it and what it started; resolves once it has exited */
  kill(): Promise<ProcessExit>
  /** once it has exited: stops what it left running (its children are of its process group) */
  killLeftovers(): void
  /** something its output said that is not ACP, to put in the agent's log */
  note(line: string): void
}

// How long what an agent left running has to stop on SIGTERM before SIGKILL.
const LEFTOVER_GRACE_MS = 500

/** A line of the agent's stdout that is no JSON at all. */
export class NotJson {
  constructor(readonly line: string) {}
}

/** An agent process started with `argv`, spoken to in JSON lines on stdio (stderr goes to `logFile`). */
export function spawnAgent(options: { argv: string[]; cwd: string; env: Record<string, string | undefined>; logFile: string }): AgentPeer {
  const listeners: Array<(message: unknown) => void> = []
  const lines: LineProcess = new LineProcess({
    ...options,
    // Agents log to stderr (stack traces, JSON): its last line that says something in words.
    said: (tail) => tail.split("\n").map((line) => line.trim()).findLast((line) => /[a-z]{2}/i.test(line)),
    onLine: (line) => {
      let message: unknown
      try {
        message = JSON.parse(line)
      } catch {
        message = new NotJson(line)
      }
      for (const listener of listeners) listener(message)
    },
  })
  return {
    pid: lines.pid,
    // Killed by a signal, an agent did not say why on stderr: its last lines there are its logs.
    exited: lines.exited.then((exit) => (exit.signal ? { ...exit, said: undefined } : exit)),
    get running() {
      return lines.running
    },
    onMessage: (listener) => void listeners.push(listener),
    send: (message) => lines.send(message),
    endInput: () => lines.endInput(),
    kill: () => lines.kill(),
    killLeftovers: () => {
      if (process.platform === "win32") return
      // It led its process group (a detached spawn): the group outlives it only in what it started.
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(-lines.pid, name)
        } catch {
          // nothing left
        }
      }
      signal("SIGTERM")
      setTimeout(() => signal("SIGKILL"), LEFTOVER_GRACE_MS).unref()
    },
    note: (line) => lines.note(line),
  }
}

export interface ClientHandlers {
  /** a session/update notification's params or a session/prompt result, as the agent sent it */
  onNative(native: Record<string, unknown>): void
  /** what the agent wrote that is no JSON-RPC message: the first such line says what it speaks instead */
  onForeign(line: string): void
  requestPermission(params: RequestPermissionRequest, signal: AbortSignal): Promise<RequestPermissionResponse>
  readTextFile(params: ReadTextFileRequest): Promise<ReadTextFileResponse>
  writeTextFile(params: WriteTextFileRequest): Promise<void>
}

/** A request the agent answered with a JSON-RPC error, or that it could not answer (it exited). */
export class AgentRequestError extends Error {
  constructor(
    message: string,
    /** the JSON-RPC error code, when the agent answered with one */
    readonly code?: number,
  ) {
    super(message)
  }
}

export class AcpClient {
  readonly #connection
  readonly #gone: Promise<never>
  /** a message could not be written: the agent is gone or going */
  #unwritable = false

  constructor(
    readonly peer: AgentPeer,
    handlers: ClientHandlers,
  ) {
    let deliver: ReadableStreamDefaultController<AnyMessage>
    const readable = new ReadableStream<AnyMessage>({ start: (controller) => void (deliver = controller) })
    peer.onMessage((message) => {
      const record = dict(message)
      if (record?.jsonrpc !== "2.0") {
        const line = message instanceof NotJson ? message.line : JSON.stringify(message)
        peer.note(`not ACP: ${line}`)
        return handlers.onForeign(line)
      }
      if (record.method === "session/update" && record.id === undefined) return handlers.onNative(record.params as Record<string, unknown>)
      const result = record.result as Record<string, unknown> | undefined
      // Of the responses, only session/prompt's says why a turn stopped.
      if (record.method === undefined && typeof result?.stopReason === "string") handlers.onNative(result)
      try {
        deliver.enqueue(record as AnyMessage)
      } catch {
        // The library closed the connection: nothing reads any more.
      }
    })
    const writable = new WritableStream<AnyMessage>({
      write: (message) => {
        if (peer.send(message)) return
        this.#unwritable = true
        throw new AgentRequestError("the agent has exited")
      },
    })
    this.#gone = peer.exited.then((exit) => {
      try {
        deliver.close()
      } catch {
        // closed already, by the library
      }
      throw new AgentRequestError(`it exited (${describeExit(exit)})`)
    })
    this.#gone.catch(() => {})
    const app = client({ name: "iterate" })
      .onRequest("session/request_permission", ({ params, signal }) => handlers.requestPermission(params, signal))
      .onRequest("fs/read_text_file", ({ params }) => handlers.readTextFile(params))
      .onRequest("fs/write_text_file", ({ params }) => handlers.writeTextFile(params))
    this.#connection = app.connect({ readable, writable })
  }

  /**
   * Sends a request and resolves with the agent's result; rejects with an AgentRequestError when
   * the agent answers with an error, exits first, or (with `timeoutMs`) takes longer than that.
   */
  async request<T>(method: string, params: unknown, timeoutMs?: number): Promise<T> {
    let timer: Timer | undefined
    const late = timeoutMs
      ? new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AgentRequestError(`it did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)))
      : undefined
    try {
      const answer = this.#connection.agent.request<T>(method, params).catch((error: unknown) => {
        // A request to an agent that died fails however the library puts it: its exit says why.
        if (this.#unwritable || !this.peer.running) return this.#gone
        const code = typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : undefined
        throw new AgentRequestError(errorText(error), code)
      })
      return await Promise.race([answer, this.#gone, ...(late ? [late] : [])])
    } finally {
      clearTimeout(timer)
    }
  }

  notify(method: string, params: unknown): void {
    this.#connection.agent.notify(method, params).catch(() => {})
  }

  close(): void {
    this.#connection.close()
  }
}

/** A JSON-RPC error as one line: its message, with the detail an agent puts in `data`. */
function errorText(error: unknown): string {
  const { message, data } = error as { message?: unknown; data?: unknown }
  const detail = typeof data === "string" ? data : typeof (data as { details?: unknown })?.details === "string" ? (data as { details: string }).details : undefined
  const text = [typeof message === "string" ? message : String(error), detail].filter(Boolean).join(": ")
  return text.split("\n")[0]!
}
