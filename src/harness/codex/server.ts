// The one `codex app-server` the daemon runs for every Codex agent: each agent is a thread on it,
// in the agent's directory. One process holds the threads of many agents (measured: ten idle
// agents in ten directories take ~165 MB on one process, ~1.5 GB on ten), so it is shared the way
// `opencode serve` is. It starts with the first prompt that needs it, stops once no agent has used
// it for idleTimeoutMs, and starts again on the next prompt; every message about a thread goes to
// the agent whose thread it is. When it dies on its own, each agent with a thread on it hears of
// the crash; the next prompt starts another and resumes the agent's thread there.
import { mkdirSync } from "node:fs"
import type { CrashPayload } from "../../protocol/agent-events.ts"
import { describeExit } from "../process/exit.ts"
import { AppServer } from "./app-server.ts"
import { type ServerMessage, threadOf } from "./protocol.ts"

/** Set in the environment of the app-server the daemon starts: a later daemon knows its orphan by it. */
export const SERVER_ENV = "ITERATE_CODEX_SERVER"

/** A user of the server: one agent's session. */
export interface ServerMember {
  /** a turn runs or a request waits: the process must stay up */
  readonly busy: boolean
  /** a notification or a request of the server's about the member's thread */
  message(server: AppServer, message: ServerMessage & { method: string }): void
  /** the process its thread was loaded in died on its own */
  crashed(server: AppServer, crash: CrashPayload): void
  processStarted(pid: number): void
  processExited(pid: number): void
}

export interface CodexServerOptions {
  binary: string
  /** where the process runs (its threads each name their own directory) */
  cwd: string
  env: Record<string, string | undefined>
  logFile: string
  version: string
  idleTimeoutMs: number
  startTimeoutMs: number
}

// A thread an agent lets go of (`thread/unsubscribe`, before `iterate attach` hands its rollout to
// Codex's TUI) is unloaded at once rather than after Codex's default 30 minutes, so the next
// `thread/resume` reads back from disk what happened meanwhile.
const ARGS = ["-c", "thread_unload_delay_secs=0"]

export class CodexServer {
  /** the process being started, while it is */
  #starting: Promise<AppServer> | undefined
  #running: AppServer | undefined
  /** processes stopped on purpose: their exit is no crash */
  readonly #stopping = new WeakSet<AppServer>()
  /** thread id → the member whose thread it is */
  readonly #routes = new Map<string, ServerMember>()
  readonly #members = new Set<ServerMember>()
  #idle: Timer | undefined
  #stopped = false

  constructor(private readonly options: CodexServerOptions) {}

  get logFile(): string {
    return this.options.logFile
  }

  /** The running process, started now if there is none; rejects when codex cannot be started. */
  ready(): Promise<AppServer> {
    if (this.#stopped) return Promise.reject(new Error("the codex app-server is stopped"))
    const running = this.#running
    if (running?.running) return Promise.resolve(running)
    this.#starting ??= this.#launch().finally(() => (this.#starting = undefined))
    return this.#starting
  }

  /** `member` uses this server from now on: it hears of the processes started and stopped. */
  join(member: ServerMember): void {
    this.#members.add(member)
  }

  leave(member: ServerMember): void {
    this.#members.delete(member)
    for (const [thread, routed] of this.#routes) if (routed === member) this.#routes.delete(thread)
    this.activity()
  }

  /** Messages about `threadId` go to `member`. */
  route(threadId: string, member: ServerMember): void {
    this.#routes.set(threadId, member)
  }

  unroute(threadId: string): void {
    this.#routes.delete(threadId)
  }

  /** A member's turn started or ended: the process stops once nobody has been busy for a while. */
  activity(): void {
    clearTimeout(this.#idle)
    this.#idle = undefined
    const running = this.#running
    if (!running || [...this.#members].some((m) => m.busy)) return
    this.#idle = setTimeout(() => {
      if (this.#running === running && ![...this.#members].some((m) => m.busy)) void this.#stop(running)
    }, this.options.idleTimeoutMs)
    this.#idle.unref?.()
  }

  /** Stops the process and whatever it runs; nothing starts it again. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#idle)
    const running = this.#running ?? (await this.#starting?.catch(() => undefined))
    if (running) await this.#stop(running)
  }

  async #stop(server: AppServer): Promise<void> {
    this.#stopping.add(server)
    if (this.#running === server) this.#running = undefined
    await server.kill()
  }

  async #launch(): Promise<AppServer> {
    const { binary, cwd, env, logFile, version, startTimeoutMs } = this.options
    mkdirSync(cwd, { recursive: true })
    let server: AppServer
    try {
      server = await AppServer.start({
        binary,
        args: ARGS,
        cwd,
        env: { ...env, [SERVER_ENV]: cwd },
        logFile,
        clientInfo: { name: "iterate", title: "iterate", version },
        startTimeoutMs,
        onMessage: (from, message) => this.#dispatch(from, message),
      })
    } catch (error) {
      throw new Error((error as Error).message.startsWith("codex") ? (error as Error).message : `cannot start codex app-server: ${(error as Error).message}`)
    }
    if (this.#stopped) {
      await server.kill()
      throw new Error("the codex app-server is stopped")
    }
    this.#running = server
    for (const member of this.#members) member.processStarted(server.pid)
    void server.exited.then((exit) => {
      if (this.#running === server) this.#running = undefined
      for (const member of this.#members) member.processExited(server.pid)
      if (this.#stopping.has(server)) return
      const reason = `exited (${describeExit(exit)})`
      console.warn(`codex app-server (pid ${server.pid}) ${reason}; started again by the next prompt (log: ${logFile})`)
      const crash: CrashPayload = { pid: server.pid, reason, logFile }
      for (const member of new Set(this.#routes.values())) member.crashed(server, crash)
    })
    this.activity()
    return server
  }

  #dispatch(server: AppServer, message: ServerMessage & { method: string }): void {
    const thread = threadOf(message)
    const member = thread === undefined ? undefined : this.#routes.get(thread)
    if (member) return member.message(server, message)
    // A request about no thread of ours (a login refresh, an attestation): nobody here can answer it.
    if (message.id !== undefined) server.refuse(message.id, `iterate does not handle ${message.method}`)
  }
}
