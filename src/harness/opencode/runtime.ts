// One working directory's opencode, as the agents layer sees it: sessions, prompts, aborts and a
// never-ending stream of native events that survives restarts of the server behind it.
import { type AttachCommand, attachCommand } from "./attach.ts"
import { findOpencodeBinary } from "./binary.ts"
import type { Credentials, OpencodeSession, PromptInput } from "./client.ts"
import type { OpencodeEvent } from "./events.ts"
import { OpencodeSupervisor, type SupervisorOptions } from "./supervisor.ts"

export interface OpencodeRuntimeOptions extends Omit<SupervisorOptions, "binary"> {
  /** The opencode executable (config `harnesses.opencode.binary`); by default `opencode` on PATH (see findOpencodeBinary). */
  binary?: string
}

/** Pause before reconnecting the event stream, so a dying server is not polled in a tight loop. */
const RECONNECT_DELAY_MS = 250

export class OpencodeRuntime {
  readonly directory: string
  readonly binary: string
  private readonly supervisor: OpencodeSupervisor
  private readonly stopping = new AbortController()

  /** Throws OpencodeNotFoundError, with how to install it, when there is no opencode (or `binary` is not one). */
  constructor(options: OpencodeRuntimeOptions) {
    this.directory = options.directory
    this.binary = findOpencodeBinary(options.binary)
    this.supervisor = new OpencodeSupervisor({ ...options, binary: this.binary })
  }

  get credentials(): Credentials {
    return this.supervisor.credentials
  }

  get logFile(): string {
    return this.supervisor.logFile
  }

  /** The running server's process id; undefined while none is up. */
  get pid(): number | undefined {
    return this.supervisor.pid
  }

  /** Starts the server if it is not running and waits until it answers; returns its URL. */
  async start(): Promise<string> {
    return (await this.supervisor.ready()).url
  }

  async session(title?: string): Promise<OpencodeSession> {
    return (await this.supervisor.ready()).createSession(title)
  }

  /** Starts a turn; its progress and end arrive on events(). */
  async prompt(sessionId: string, input: PromptInput): Promise<void> {
    await (await this.supervisor.ready()).prompt(sessionId, input)
  }

  /** Ends the session's current turn; false when it had none. */
  async abort(sessionId: string): Promise<boolean> {
    return (await this.supervisor.ready()).abort(sessionId)
  }

  /**
   * Every native event of this directory's opencode, unchanged, until `signal` aborts or the
   * runtime stops. Across a server restart it reconnects by itself; each connection opens with a
   * `server.connected` event, and events from the gap are not replayed. It ends with an error
   * only when opencode cannot be started again.
   */
  async *events(signal: AbortSignal): AsyncGenerator<OpencodeEvent> {
    const until = AbortSignal.any([signal, this.stopping.signal])
    while (!until.aborted) {
      let client
      try {
        client = await this.supervisor.ready()
      } catch (error) {
        if (until.aborted) return
        throw error
      }
      try {
        yield* client.events(until)
      } catch {
        // The connection broke, almost always because the server died; the supervisor restarts it.
      }
      if (!until.aborted) await Bun.sleep(RECONNECT_DELAY_MS)
    }
  }

  /** The `opencode attach` command for a session of this directory's server. */
  async attach(sessionId: string): Promise<AttachCommand> {
    const url = await this.start()
    return attachCommand(this.binary, { url, directory: this.directory, credentials: this.credentials }, sessionId)
  }

  /** Stops the server and everything it started, and ends every events() stream. */
  async stop(): Promise<void> {
    this.stopping.abort()
    await this.supervisor.stop()
  }
}
