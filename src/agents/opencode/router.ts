// One subscription to a directory's opencode events, shared by the agents working there: each
// native event goes to the agent whose session it belongs to. Server-wide events (heartbeats,
// plugins, file watching) belong to no agent and go nowhere.
import { type OpencodeCrash, type OpencodeEvent, type OpencodeRuntime, sessionIdOf } from "../../harness/opencode/index.ts"

export interface SessionListener {
  event(event: OpencodeEvent): void
  crash(crash: OpencodeCrash): void
}

export interface RouterHooks {
  /** A server (re)started and its event stream is connected. */
  serverUp(pid: number): void
}

export class SessionRouter {
  private readonly listeners = new Map<string, SessionListener>()
  private listening: AbortController | undefined
  private connected = false
  private waiting: PromiseWithResolvers<void> | undefined

  constructor(
    readonly runtime: OpencodeRuntime,
    private readonly hooks: RouterHooks,
  ) {}

  listen(sessionId: string, listener: SessionListener): void {
    this.listeners.set(sessionId, listener)
  }

  forget(sessionId: string): void {
    this.listeners.delete(sessionId)
  }

  /**
   * Resolves once the event stream is connected, starting opencode if needed, so that nothing a
   * prompt sent after this causes can be missed. Rejects when opencode cannot be started.
   */
  ready(): Promise<void> {
    if (this.connected) return Promise.resolve()
    this.waiting ??= Promise.withResolvers<void>()
    const { promise } = this.waiting
    if (!this.listening) this.subscribe()
    return promise
  }

  /** The server died: the stream is not trusted again before the restarted server connects it. */
  crashed(crash: OpencodeCrash): void {
    this.connected = false
    for (const listener of this.listeners.values()) listener.crash(crash)
  }

  stop(): void {
    this.listening?.abort()
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
    void (async () => {
      let failure: unknown = new Error(`the opencode server for ${this.runtime.directory} is stopped`)
      try {
        for await (const event of this.runtime.events(listening.signal)) {
          if (event.type === "server.connected") {
            const pid = this.runtime.pid
            if (pid !== undefined) this.hooks.serverUp(pid)
            this.connected = true
            this.settle()
            continue
          }
          const sessionId = sessionIdOf(event)
          if (sessionId) this.listeners.get(sessionId)?.event(event)
        }
      } catch (error) {
        // opencode cannot be started (again): whoever waits hears why; the next ready() retries.
        failure = error
      }
      this.connected = false
      if (this.listening === listening) this.listening = undefined
      this.settle(failure)
    })()
  }
}
