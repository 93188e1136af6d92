// One `opencode serve` process, from spawn to exit. It binds 127.0.0.1 on a port it picks
// (`--port 0` means "4096 if free, else any"), and says where on stdout:
//   opencode server listening on http://127.0.0.1:4096
// All of its output goes to a log file; the tail is kept to say why it died.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs"
import { dirname } from "node:path"
import { within } from "../../os/process.ts"
import { describeExit, type ProcessExit } from "../process/exit.ts"
import { killTree } from "../process/tree.ts"

export interface ServeOptions {
  binary: string
  cwd: string
  logFile: string
  /** The complete environment of the process. */
  env: Record<string, string | undefined>
  startTimeoutMs: number
}

const LISTENING = /listening on (https?:\/\/\S+)/
const TAIL_CHARS = 2_000

export class ServeProcess {
  private constructor(
    private readonly child: Bun.Subprocess,
    readonly url: string,
    /** Resolves when the process has exited and its output is in the log. */
    readonly exited: Promise<ProcessExit>,
  ) {}

  get pid(): number {
    return this.child.pid
  }

  /** Spawns the server and resolves once it listens; kills it and rejects if it does not. */
  static async start(options: ServeOptions): Promise<ServeProcess> {
    mkdirSync(dirname(options.logFile), { recursive: true })
    const log = openSync(options.logFile, "a")
    writeSync(log, `--- ${new Date().toISOString()} opencode serve\n`)
    let child: Bun.Subprocess<"ignore", "pipe", "pipe">
    try {
      child = Bun.spawn([options.binary, "serve", "--hostname", "127.0.0.1", "--port", "0"], {
        cwd: options.cwd,
        env: options.env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        // Its own process group, so stopping it can take the whole tree along.
        detached: true,
      })
    } catch (error) {
      closeSync(log)
      throw new Error(`cannot run ${options.binary} in ${options.cwd}: ${(error as Error).message}`)
    }
    // What the process said lately; cleared once it listens, so it only holds later trouble.
    let tail = ""
    let announce: (url: string) => void = () => {}
    const listening = new Promise<string>((resolve) => (announce = resolve))
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder()
      for await (const chunk of stream) {
        writeSync(log, chunk)
        tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_CHARS)
        const match = LISTENING.exec(tail)
        if (match) {
          announce(match[1]!)
          tail = ""
        }
      }
    }
    const output = Promise.all([copy(child.stdout), copy(child.stderr)]).finally(() => closeSync(log))
    const exited = child.exited.then(async () => {
      // A descendant that inherited the pipes must not hold up the news of the exit.
      await within(output, 1_000)
      const signal = child.signalCode === null ? null : String(child.signalCode)
      return { code: child.exitCode, signal, said: errorLine(tail) }
    })
    let timer: Timer | undefined
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, options.startTimeoutMs, "timeout")))
    const outcome = await Promise.race([listening, exited, timeout])
    clearTimeout(timer)
    if (typeof outcome === "string" && outcome !== "timeout") return new ServeProcess(child, outcome, exited)

    if (outcome === "timeout") await killTree(child.pid, exited)
    const exit = await exited
    const why = outcome === "timeout" ? `did not listen within ${options.startTimeoutMs} ms` : "exited before listening"
    throw new Error(`opencode serve ${why} (${describeExit(exit)}) (log: ${options.logFile})`)
  }

  /** Stops the server and everything it started; resolves once it has exited. */
  async kill(): Promise<ProcessExit> {
    // Once it has exited, its pid may already belong to someone else.
    if (this.child.exitCode === null && this.child.signalCode === null) await killTree(this.child.pid, this.exited)
    return this.exited
  }
}

// opencode prints nothing but the listening line unless something is wrong, and a crash dump
// starts with the error and ends with the runtime's version, so the first error-ish line wins.
function errorLine(output: string): string | undefined {
  const lines = output.split("\n").map((line) => line.trim()).filter(Boolean)
  return lines.find((line) => /error|^E[A-Z]+:/i.test(line)) ?? lines[0]
}
