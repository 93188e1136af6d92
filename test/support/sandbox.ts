import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Result, run } from "./run-process.ts"
import { isAlive } from "./wait.ts"

export type { Result }

export const ROOT = new URL("../..", import.meta.url).pathname
export const BINARY = join(ROOT, "dist", "iterate")

export interface DaemonRecord {
  pid: number
  port: number
  url: string
  version: string
  instanceId: string
  token: string
}

/**
 * A throwaway home for one test: its own XDG folders, so each test gets its own daemon. `close`
 * kills every daemon recorded there, so nothing outlives the test.
 */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), "iterate-test-"))
  readonly env: Record<string, string>
  readonly #pids = new Set<number>()

  constructor(extraEnv: Record<string, string> = {}) {
    this.env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: this.dir,
      XDG_STATE_HOME: join(this.dir, "state"),
      XDG_DATA_HOME: join(this.dir, "data"),
      XDG_CONFIG_HOME: join(this.dir, "config"),
      XDG_CACHE_HOME: join(this.dir, "cache"),
      NO_COLOR: "1",
      ...extraEnv,
    }
  }

  get recordPath() {
    return join(this.dir, "state", "iterate", "daemon.json")
  }

  get logPath() {
    return join(this.dir, "state", "iterate", "log", "daemon.log")
  }

  record(): DaemonRecord | undefined {
    try {
      const record = JSON.parse(readFileSync(this.recordPath, "utf8")) as DaemonRecord
      this.#pids.add(record.pid)
      return record
    } catch {
      return undefined
    }
  }

  /** Runs the binary (or another one) to completion. */
  async run(args: string[], options: { stdin?: string; binary?: string; env?: Record<string, string> } = {}): Promise<Result> {
    const result = await run([options.binary ?? BINARY, ...args], { env: { ...this.env, ...options.env }, cwd: this.dir, stdin: options.stdin })
    this.record()
    return result
  }

  /** Starts a long-running command (serve, read --follow) and returns the process. */
  spawn(args: string[], options: { env?: Record<string, string> } = {}) {
    const child = Bun.spawn([BINARY, ...args], {
      env: { ...this.env, ...options.env },
      cwd: this.dir,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    })
    this.#pids.add(child.pid)
    return child
  }

  /** Authenticated fetch against the recorded daemon. */
  async api(path: string, init: RequestInit = {}): Promise<Response> {
    const record = this.record()
    if (!record) throw new Error("no daemon recorded")
    const headers = new Headers(init.headers)
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${record.token}`)
    return fetch(record.url + path, { ...init, headers })
  }

  track(pid: number) {
    this.#pids.add(pid)
  }

  close() {
    this.record()
    for (const pid of this.#pids) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Every iterate daemon process whose XDG_STATE_HOME is inside `dir` (from /proc). */
export function daemonsIn(dir: string): number[] {
  const pids: number[] = []
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (!cmdline.includes("serve")) continue
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8")
      if (environ.includes(`XDG_STATE_HOME=${join(dir, "state")}\0`) && isAlive(Number(entry))) pids.push(Number(entry))
    } catch {
      // process ended while we looked
    }
  }
  return pids
}
