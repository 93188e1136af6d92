// One `codex app-server` process spoken to in JSON-RPC over JSON lines on stdio (protocol.ts):
// requests with a promise for their answer, notifications both ways, and the server's own
// requests handed on with the id to answer them by. It is ready once it answered `initialize`
// (and was sent `initialized`); one that does not answer in time is stopped. Closing its stdin
// makes codex exit, taking the commands it runs along: so does the daemon's death.
import { describeExit, type ProcessExit } from "../process/exit.ts"
import { LineProcess } from "../process/lines.ts"
import type { InitializeParams, RequestId, ServerMessage } from "./protocol.ts"

export interface AppServerOptions {
  binary: string
  /** arguments after `app-server` */
  args: string[]
  cwd: string
  env: Record<string, string | undefined>
  logFile: string
  clientInfo: InitializeParams["clientInfo"]
  /** how long `initialize` may take */
  startTimeoutMs: number
  /** a notification, or a request of the server's (it has an id then) */
  onMessage: (server: AppServer, message: ServerMessage & { method: string }) => void
}

/** A request codex answered with an error. */
export class CodexRequestError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

interface Waiter {
  method: string
  resolve: (result: unknown) => void
  reject: (error: Error) => void
}

export class AppServer {
  readonly exited: Promise<ProcessExit>
  readonly #process: LineProcess
  readonly #waiting = new Map<RequestId, Waiter>()
  #nextId = 0

  /** Throws when the binary cannot be started at all. */
  private constructor(private readonly options: AppServerOptions) {
    this.#process = new LineProcess({
      argv: [options.binary, "app-server", ...options.args],
      cwd: options.cwd,
      env: options.env,
      logFile: options.logFile,
      onLine: (line) => this.#line(line),
      said: lastError,
    })
    this.exited = this.#process.exited.then((exit) => {
      const error = new Error(`codex app-server exited (${describeExit(exit)})`)
      for (const waiter of this.#waiting.values()) waiter.reject(error)
      this.#waiting.clear()
      return exit
    })
  }

  /** A server that answered `initialize`; rejects (with the process stopped) when it did not in time or exited. */
  static async start(options: AppServerOptions): Promise<AppServer> {
    const server = new AppServer(options)
    const seconds = Math.round(options.startTimeoutMs / 100) / 10
    const timeout = Promise.withResolvers<never>()
    const timer = setTimeout(() => timeout.reject(new Error(`codex app-server did not answer initialize within ${seconds} s (see ${options.logFile})`)), options.startTimeoutMs)
    try {
      const params: InitializeParams = { clientInfo: options.clientInfo, capabilities: { experimentalApi: false, requestAttestation: false } }
      await Promise.race([server.request("initialize", params), timeout.promise])
    } catch (error) {
      await server.kill()
      throw error
    } finally {
      clearTimeout(timer)
    }
    server.notify("initialized")
    return server
  }

  get pid(): number {
    return this.#process.pid
  }

  get running(): boolean {
    return this.#process.running
  }

  /**
   * Sends a request; resolves with its result, rejects with CodexRequestError or when the process
   * exits first. `taken` sees the result before the lines after it are read, so that notifications
   * that follow the answer in the same read can already be routed by what it says.
   */
  request<T = unknown>(method: string, params: unknown, taken?: (result: T) => void): Promise<T> {
    const id = ++this.#nextId
    const answer = new Promise<T>((resolve, reject) =>
      this.#waiting.set(id, {
        method,
        resolve: (result) => {
          taken?.(result as T)
          resolve(result as T)
        },
        reject,
      }),
    )
    if (!this.#process.send({ id, method, params })) {
      this.#waiting.delete(id)
      return this.exited.then((exit) => Promise.reject(new Error(`codex app-server exited (${describeExit(exit)})`)))
    }
    return answer
  }

  notify(method: string, params?: unknown): void {
    this.#process.send(params === undefined ? { method } : { method, params })
  }

  /** Answers a request of the server's. */
  respond(id: RequestId, result: unknown): boolean {
    return this.#process.send({ id, result })
  }

  /** Refuses a request of the server's. */
  refuse(id: RequestId, message: string): boolean {
    return this.#process.send({ id, error: { code: -32601, message } })
  }

  /** Stops it and everything it started; resolves once it has exited. */
  async kill(): Promise<ProcessExit> {
    await this.#process.kill()
    return this.exited
  }

  #line(line: string): void {
    let message: ServerMessage
    try {
      message = JSON.parse(line)
    } catch {
      this.#process.note(`stdout: ${line}`)
      return
    }
    if (typeof message !== "object" || message === null) return
    if (typeof message.method === "string") {
      this.options.onMessage(this, message as ServerMessage & { method: string })
      return
    }
    const waiter = message.id === undefined ? undefined : this.#waiting.get(message.id)
    if (!waiter) return
    this.#waiting.delete(message.id!)
    if (message.error) waiter.reject(new CodexRequestError(waiter.method, message.error.code, message.error.message))
    else waiter.resolve(message.result)
  }
}

// codex logs to stderr as it works (tracing's lines: a timestamp, a level, a message), errors it
// recovers from too; one that cannot go on prints `Error: …` last, as a Rust program does.
function lastError(output: string): string | undefined {
  const lines = output
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .map((line) => line.trim())
  return lines.findLast((line) => line.startsWith("Error: "))?.slice("Error: ".length)
}
