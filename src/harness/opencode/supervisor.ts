// Keeps one `opencode serve` alive: started on the first request, health-checked while it runs,
// restarted with exponential backoff when it dies (each crash is reported), given up on after
// too many failures in a row (until the next request), stopped on demand. The password stays the
// same across restarts, so clients and `attach` keep working.
import { type Credentials, generatePassword, OpencodeClient } from "./client.ts"
import { describeExit } from "../process/exit.ts"
import { ServeProcess } from "./serve-process.ts"

export interface SupervisorOptions {
  binary: string
  /** Where the process runs; every API call names the directory it is about, so this matters little. */
  cwd: string
  /** Appended across restarts. */
  logFile: string
  /** The environment opencode starts from; this process's by default. */
  env?: Record<string, string | undefined>
  /** Default: user "opencode" with a generated password. */
  credentials?: Credentials
  /** Default 60 s: a cold start on a slow machine takes several seconds. */
  startTimeoutMs?: number
  /** Delay before restart n is firstMs·2^(n-1), at most maxMs. Default 500 ms … 30 s. */
  backoff?: { firstMs: number; maxMs: number }
  /** Crashes in a row before giving up until the next request. Default 5. */
  maxRestarts?: number
  /** Default 10 s; each check has as long to answer. Three failed checks in a row count as a crash. */
  healthIntervalMs?: number
  onCrash?: (crash: OpencodeCrash) => void
  /** A process was started and listens (its pid, so a later daemon can stop it if this one is killed). */
  onStart?: (pid: number) => void
  /** A process that was started has exited. */
  onExit?: (pid: number) => void
}

export interface OpencodeCrash {
  /** The process that died; undefined when a restart failed before it listened. */
  pid: number | undefined
  /** One line: how it died, e.g. "exited (signal SIGKILL)". */
  reason: string
  /** When the next start is due; undefined when the supervisor gave up. */
  restartInMs: number | undefined
  logFile: string
}

const UNHEALTHY_CHECKS = 3

// Every agent's calls go to the one server, many at once when many agents run; a pool without a
// limit keeps a connection for each of the most ever made at once, idle for minutes (fetch's
// default), so the daemon's descriptors would follow its busiest moment. A few are enough to reuse.
const IDLE_CONNECTIONS = 4

export class OpencodeSupervisor {
  readonly credentials: Credentials
  readonly logFile: string
  private current: Promise<ServeProcess> | undefined
  private running: ServeProcess | undefined
  private failures = 0
  private stopped = false
  private readonly stopping = new AbortController()
  private readonly connections = new Bun.FetchSession({ keepAlive: { maxIdleSockets: IDLE_CONNECTIONS } })

  constructor(private readonly options: SupervisorOptions) {
    this.credentials = options.credentials ?? { username: "opencode", password: generatePassword() }
    this.logFile = options.logFile
  }

  /** The running server's process id, if one is up. */
  get pid(): number | undefined {
    return this.running?.pid
  }

  /** A client for the running server: starts it if needed, waits out a restart in progress. */
  async ready(): Promise<OpencodeClient> {
    if (this.stopped) throw this.stoppedError()
    if (!this.current) {
      const launch = this.launch()
      this.current = launch
      launch.catch(() => this.current === launch && (this.current = undefined))
    }
    return this.clientFor(await this.current)
  }

  /** Stops the server and everything it started; it is not restarted after this. */
  async stop(): Promise<void> {
    this.stopped = true
    this.stopping.abort()
    const server = await this.current?.catch(() => undefined)
    await server?.kill()
    this.connections.close()
  }

  private stoppedError(): Error {
    return new Error("the opencode server is stopped")
  }

  private clientFor(server: ServeProcess): OpencodeClient {
    return new OpencodeClient(server.url, this.credentials, this.connections.fetch as typeof fetch)
  }

  private async launch(): Promise<ServeProcess> {
    const server = await ServeProcess.start({
      binary: this.options.binary,
      cwd: this.options.cwd,
      logFile: this.logFile,
      env: {
        ...(this.options.env ?? process.env),
        OPENCODE_SERVER_USERNAME: this.credentials.username,
        OPENCODE_SERVER_PASSWORD: this.credentials.password,
      },
      startTimeoutMs: this.options.startTimeoutMs ?? 60_000,
    })
    try {
      await this.clientFor(server).health(10_000)
    } catch (error) {
      await server.kill()
      throw new Error(`opencode serve listens at ${server.url} but fails its health check: ${message(error)}`)
    }
    if (this.stopped) {
      await server.kill()
      throw this.stoppedError()
    }
    this.running = server
    this.options.onStart?.(server.pid)
    const watch = this.watchHealth(server)
    void server.exited.then((exit) => {
      clearInterval(watch.timer)
      this.options.onExit?.(server.pid)
      this.exitedUnexpectedly(server, watch.unhealthy ? "stopped answering health checks" : `exited (${describeExit(exit)})`)
    })
    return server
  }

  private watchHealth(server: ServeProcess) {
    const watch = { timer: undefined as Timer | undefined, unhealthy: false }
    const interval = this.options.healthIntervalMs ?? 10_000
    let misses = 0
    watch.timer = setInterval(async () => {
      try {
        // Busy with 20 agents on a loaded machine, opencode took over 2 s to answer three times in a
        // row (the soak): a shorter timeout kills a server that works, and every turn on it.
        await this.clientFor(server).health(interval)
        misses = 0
        // Healthy for a whole interval: earlier crashes no longer count toward giving up.
        this.failures = 0
      } catch (error) {
        if (watch.unhealthy) return
        console.warn(`opencode serve (pid ${server.pid}) failed a health check (${++misses} in a row): ${message(error)}`)
        if (misses < UNHEALTHY_CHECKS) return
        watch.unhealthy = true
        await server.kill()
      }
    }, interval)
    return watch
  }

  private exitedUnexpectedly(server: ServeProcess, reason: string): void {
    if (this.running === server) this.running = undefined
    if (this.stopped) return
    const restart = this.restart(server.pid, reason)
    this.current = restart
    restart.catch(() => this.current === restart && (this.current = undefined))
  }

  private async restart(pid: number | undefined, reason: string): Promise<ServeProcess> {
    for (;;) {
      this.failures++
      const { firstMs, maxMs } = this.options.backoff ?? { firstMs: 500, maxMs: 30_000 }
      const giveUp = this.failures > (this.options.maxRestarts ?? 5)
      const restartInMs = giveUp ? undefined : Math.min(maxMs, firstMs * 2 ** (this.failures - 1))
      this.options.onCrash?.({ pid, reason, restartInMs, logFile: this.logFile })
      if (restartInMs === undefined) {
        this.failures = 0
        throw new Error(`opencode serve keeps crashing (${reason}); see ${this.logFile}`)
      }
      await sleep(restartInMs, this.stopping.signal)
      if (this.stopped) throw this.stoppedError()
      try {
        return await this.launch()
      } catch (error) {
        pid = undefined
        reason = message(error)
      }
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true })
  })
}
