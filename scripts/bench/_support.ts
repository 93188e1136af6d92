// Shared by the benchmarks: timing whole processes, medians, throwaway XDG homes, tables, memory.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { descendants } from "../../src/harness/process/tree.ts"

export const ROOT = new URL("../..", import.meta.url).pathname
export const BINARY = join(ROOT, "dist", "iterate")

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export class Home {
  readonly dir = mkdtempSync(join(tmpdir(), "iterate-bench-"))
  readonly env = {
    ...process.env,
    HOME: this.dir,
    XDG_STATE_HOME: join(this.dir, "state"),
    XDG_DATA_HOME: join(this.dir, "data"),
    XDG_CONFIG_HOME: join(this.dir, "config"),
    XDG_CACHE_HOME: join(this.dir, "cache"),
  }

  record(): { pid: number; url: string; token: string } {
    return JSON.parse(readFileSync(join(this.dir, "state", "iterate", "daemon.json"), "utf8"))
  }

  /** Runs a command to completion and returns its wall time in ms. */
  time(cmd: string[]): number {
    const start = performance.now()
    const result = Bun.spawnSync(cmd, { env: this.env, stdout: "ignore", stderr: "pipe" })
    const ms = performance.now() - start
    if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${result.stderr.toString()}`)
    return ms
  }

  close(): void {
    try {
      process.kill(this.record().pid, "SIGKILL")
    } catch {
      // no daemon
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * Wall time of one process, from spawn to exit, in ms, with stdin closed (an idle pipe there makes
 * some CLIs wait for input); fails with its stderr when it does not succeed. Never spawnSync: a
 * stub answering the process's model calls may live in this process's event loop.
 */
export async function timedProcess(argv: string[], options: { cwd: string; env: Record<string, string | undefined> }): Promise<number> {
  const start = performance.now()
  const child = Bun.spawn(argv, { ...options, stdin: "ignore", stdout: "ignore", stderr: "pipe" })
  const code = await child.exited
  const elapsed = performance.now() - start
  if (code !== 0) throw new Error(`${argv.slice(0, 4).join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`)
  return elapsed
}

export function timeRuns(home: Home, cmd: string[], runs: number, warmup = 3): number[] {
  for (let i = 0; i < warmup; i++) home.time(cmd)
  return Array.from({ length: runs }, () => home.time(cmd))
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n")
}

export const ms = (value: number) => `${value.toFixed(1)} ms`

/** Resident memory of a process in MiB (Linux), 0 once it has gone. */
export function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** Resident memory of a process and everything below it, in MiB (Linux). */
export const treeMiB = (pid: number) => [pid, ...descendants(pid).map((d) => d.pid)].reduce((sum, p) => sum + rssMiB(p), 0)
