// The one `opencode serve` the daemon runs for every directory, and the one subscription to its
// events (`/global/event`, which carries every directory's events), shared by the sessions of all
// agents: each native event goes to the session it belongs to (a subagent's session counts as its
// parent's). Server-wide events (plugins, file watching) belong to no session and go nowhere.
// When the process dies, every session that used it hears of the crash, and the supervisor
// starts it again. A directory nobody used for a while has its project unloaded (opencode keeps
// one per directory it serves, tens of MiB each); the next call about it loads it again.
import { mkdirSync } from "node:fs"
import type { OpencodeClient } from "./client.ts"
import { type OpencodeEvent, sessionIdOf } from "./events.ts"
import { type OpencodeCrash, OpencodeSupervisor, type SupervisorOptions } from "./supervisor.ts"

/** What the server tells a session that uses it. */
export interface ServerListener {
  /** the real path of the session's directory */
  readonly directory: string
  /** a turn runs: the directory's project must stay loaded */
  readonly busy: boolean
  event(event: OpencodeEvent): void
  crash(crash: OpencodeCrash): void
  processStarted(pid: number): void
  processExited(pid: number): void
}

export interface ServerOptions extends Omit<SupervisorOptions, "onCrash" | "onStart" | "onExit"> {
  /** unload a directory's project after this long without use; never when absent */
  idleMs?: number
}

/** Pause before reconnecting the event stream, so a dying server is not polled in a tight loop. */
const RECONNECT_DELAY_MS = 250

export class OpencodeServer {
  readonly binary: string
  private readonly supervisor: OpencodeSupervisor
  /** session id → the session it belongs to (itself, or the parent of a subagent's session) */
  private readonly routes = new Map<string, ServerListener>()
  /** the sessions that used this server since it was made */
  private readonly members = new Set<ServerListener>()
  private listening: AbortController | undefined
  private connected = false
  private waiting: PromiseWithResolvers<void> | undefined
  private readonly stopping = new AbortController()
  private readonly idleMs: number | undefined
  /** directory → when its project is unloaded */
  private readonly unloads = new Map<string, Timer>()
  /** directories whose project stays loaded: a TUI is attached to one of their sessions */
  private readonly pinned = new Set<string>()

  constructor(options: ServerOptions) {
    this.binary = options.binary
    this.idleMs = options.idleMs
    mkdirSync(options.cwd, { recursive: true })
    this.supervisor = new OpencodeSupervisor({
      ...options,
      onCrash: (crash) => this.crashed(crash),
      onStart: (pid) => this.members.forEach((m) => m.processStarted(pid)),
      onExit: (pid) => this.members.forEach((m) => m.processExited(pid)),
    })
  }

  get credentials() {
    return this.supervisor.credentials
  }

  get logFile(): string {
    return this.supervisor.logFile
  }

  /** The running server's process id; undefined while none is up. */
  get pid(): number | undefined {
    return this.supervisor.pid
  }

  /** `listener` uses this server from now on: it hears of crashes and of the processes started. */
  join(listener: ServerListener): void {
    this.members.add(listener)
  }

  /** Events of `sessionId` (and of the subagent sessions it starts) go to `listener`. */
  route(sessionId: string, listener: ServerListener): void {
    this.routes.set(sessionId, listener)
  }

  /** `directory` was used just now: its project is unloaded once nobody has used it for a while. */
  used(directory: string): void {
    if (!this.idleMs || this.pinned.has(directory)) return
    clearTimeout(this.unloads.get(directory))
    this.unloads.set(directory, setTimeout(() => void this.unload(directory), this.idleMs).unref())
  }

  /** Keeps `directory`'s project loaded from now on (a TUI attached to it would lose it). */
  pin(directory: string): void {
    this.pinned.add(directory)
    clearTimeout(this.unloads.get(directory))
    this.unloads.delete(directory)
  }

  /** `listener` is done with this server: its sessions' events go nowhere. */
  leave(listener: ServerListener): void {
    this.members.delete(listener)
    for (const [id, routed] of this.routes) if (routed === listener) this.routes.delete(id)
  }

  /**
   * A client for the running server once its event stream is connected, starting opencode if
   * needed, so that nothing a call made after this causes can be missed. Rejects when opencode
   * cannot be started.
   */
  async client(): Promise<OpencodeClient> {
    if (!this.connected) {
      this.waiting ??= Promise.withResolvers<void>()
      const { promise } = this.waiting
      if (!this.listening) this.subscribe()
      await promise
    }
    return this.supervisor.ready()
  }

  /** Stops the server and everything it started; nothing starts it again. */
  async stop(): Promise<void> {
    this.stopping.abort()
    for (const timer of this.unloads.values()) clearTimeout(timer)
    await this.supervisor.stop()
  }

  private crashed(crash: OpencodeCrash): void {
    // The stream is not trusted again before the restarted server connects it.
    this.connected = false
    const next = crash.restartInMs === undefined ? "given up on until the next prompt" : `restarting in ${crash.restartInMs} ms`
    console.warn(`opencode serve (pid ${crash.pid ?? "-"}) ${crash.reason}; ${next} (log: ${crash.logFile})`)
    for (const member of this.members) member.crash(crash)
  }

  private async unload(directory: string): Promise<void> {
    this.unloads.delete(directory)
    if ([...this.members].some((m) => m.directory === directory && m.busy)) return this.used(directory)
    // A server that is down has nothing loaded; one that restarts loads a project on its first use.
    if (!this.connected) return
    try {
      await (await this.supervisor.ready()).dispose(directory)
    } catch (error) {
      console.warn(`opencode could not unload ${directory}: ${(error as Error).message}`)
    }
  }

  private settle(error?: unknown): void {
    const waiting = this.waiting
    this.waiting = undefined
    if (error === undefined) waiting?.resolve()
    else waiting?.reject(error)
  }

  private subscribe(): void {
    const listening = new AbortController()
    this.listening = listening
    const until = AbortSignal.any([listening.signal, this.stopping.signal])
    void (async () => {
      let failure: unknown = new Error("the opencode server is stopped")
      try {
        while (!until.aborted) {
          const client = await this.supervisor.ready()
          try {
            for await (const { payload } of client.events(until)) this.dispatch(payload)
          } catch {
            // The connection broke, almost always because the server died; the supervisor restarts it.
          }
          this.connected = false
          if (!until.aborted) await Bun.sleep(RECONNECT_DELAY_MS)
        }
      } catch (error) {
        // opencode cannot be started (again): whoever waits hears why; the next client() retries.
        failure = error
      }
      this.connected = false
      if (this.listening === listening) this.listening = undefined
      this.settle(failure)
    })()
  }

  private dispatch(event: OpencodeEvent): void {
    if (event.type === "server.connected") {
      this.connected = true
      this.settle()
      return
    }
    // An unloaded project is news for the sessions in its directory (and shows on their streams).
    if (event.type === "server.instance.disposed") {
      const directory = event.properties?.directory
      for (const member of this.members) if (member.directory === directory) member.event(event)
      return
    }
    const sessionId = sessionIdOf(event)
    if (!sessionId) return
    if (event.type === "session.created") {
      const parent = (event.properties?.info as { parentID?: unknown } | undefined)?.parentID
      const owner = typeof parent === "string" ? this.routes.get(parent) : undefined
      if (owner) this.routes.set(sessionId, owner)
    }
    const listener = this.routes.get(sessionId)
    if (!listener) return
    this.used(listener.directory)
    listener.event(event)
  }
}
