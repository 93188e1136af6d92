// The OpenCode harness, for the registry (../index.ts): one supervised `opencode serve` for every
// agent, whatever its directory (opencode's API names the directory of each call and loads that
// project's configuration), and one session on it per agent. Daemon code only: the CLI client path
// must not import this; renderers use transcript.ts (and events.ts), which import no runtime.
//
//   index.ts        the Harness: check (binary, version, provider), modelProblem, open, orphans
//   server.ts       the one supervised `opencode serve` for every directory, and its event stream
//   session.ts      one agent's opencode session: prompts, aborts, permission answers, turn ends
//   permissions.ts  opencode's permission requests as iterate asks them, and the rules that make it ask
//   supervisor.ts, serve-process.ts, orphans.ts   the process and its restarts (../process: trees, exits)
//   client.ts       the slice of opencode's HTTP API used; binary.ts finds the executable
//   events.ts       what opencode's native events mean for a turn; transcript.ts folds them
//   import.ts       sessions run with opencode directly, read from its database
//
// Config `harnesses.opencode`:
//   binary       the executable; `opencode` on PATH otherwise
//   idleTimeoutMs  milliseconds after which a directory nobody used has its project unloaded
//                  (default 300000; 0 keeps every project loaded)
import { homedir } from "node:os"
import { join } from "node:path"
import {
  type Harness,
  type HarnessAgent,
  type HarnessCheck,
  type HarnessContext,
  type HarnessEvents,
  type HarnessFactory,
  type HarnessImporter,
  type HarnessSession,
  HarnessUnavailableError,
} from "../harness.ts"
import { findOpencodeBinary, OpencodeNotFoundError, opencodeVersion } from "./binary.ts"
import { opencodeImporter } from "./import.ts"
import { stopOrphanedServer } from "./orphans.ts"
import { providerProblem } from "./providers.ts"
import { OpencodeServer } from "./server.ts"
import { OpencodeSession } from "./session.ts"

const MODEL = /^[^/\s]+\/\S+$/
const IDLE_TIMEOUT_MS = 300_000

// opencode runs on Bun, whose JavaScript heap grows with the machine's memory before it collects
// in earnest. One process holds a project per directory it serves, so idle agents in ten
// directories sat on a gigabyte; sizing the heap for a 768 MiB machine makes it collect sooner
// (scripts/bench/harness-rss.ts: ~650 instead of ~1000 MiB for ten; a warm turn is as fast,
// loading a project takes a little longer). 512 MiB makes it collect so much that a busy machine
// misses its health checks. The user's own setting wins.
const HEAP_HINT = { BUN_JSC_forceRAMSize: String(768 * 1024 * 1024) }

class OpencodeHarness implements Harness {
  readonly name = "opencode"
  private server: OpencodeServer | undefined
  // `opencode --version` takes a second: asked once per binary.
  private readonly versions = new Map<string, Promise<string>>()

  constructor(private readonly context: HarnessContext) {}

  async check(): Promise<HarnessCheck> {
    let binary: string
    try {
      binary = this.binary()
      this.idleMs()
    } catch (error) {
      const { problem, fix } = error instanceof OpencodeNotFoundError ? error : { problem: (error as Error).message, fix: "see iterate harnesses --help" }
      return { name: this.name, available: false, problems: [{ problem, fix }] }
    }
    let version = this.versions.get(binary)
    if (!version) this.versions.set(binary, (version = opencodeVersion(binary)))
    try {
      const problems = [providerProblem(this.context.env)].filter((p) => p !== undefined)
      return { name: this.name, available: true, binary, version: await version, problems }
    } catch (error) {
      this.versions.delete(binary)
      return { name: this.name, available: false, binary, problems: [{ problem: (error as Error).message, fix: "reinstall it: npm i -g opencode-ai" }] }
    }
  }

  /** Sessions run with opencode directly, from the data folder the daemon's opencode uses: those it can resume. */
  get importer(): HarnessImporter {
    const env = this.context.env
    return opencodeImporter(join(env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share"), "opencode"))
  }

  modelProblem(model: string): string | undefined {
    return MODEL.test(model) ? undefined : `model ${JSON.stringify(model)} is not in the form provider/model`
  }

  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession {
    let binary: string
    try {
      binary = this.binary()
    } catch (error) {
      throw new HarnessUnavailableError((error as Error).message)
    }
    this.server ??= new OpencodeServer({
      binary,
      idleMs: this.idleMs(),
      cwd: this.context.dataDir,
      logFile: join(this.context.logDir, "opencode.log"),
      env: { ...HEAP_HINT, ...this.context.env },
    })
    return new OpencodeSession(this.server, agent, events)
  }

  stopOrphan(pid: number): Promise<boolean> {
    return stopOrphanedServer(pid)
  }

  async stop(): Promise<void> {
    await this.server?.stop()
  }

  private idleMs(): number {
    const idle = this.context.config.idleTimeoutMs ?? IDLE_TIMEOUT_MS
    if (typeof idle !== "number" || !(idle >= 0))
      throw new HarnessUnavailableError("harnesses.opencode.idleTimeoutMs in config.json must be a number of milliseconds")
    return idle
  }

  /** The executable to run; throws OpencodeNotFoundError (or Error for a bad setting) saying how to get one. */
  private binary(): string {
    const configured = this.context.config.binary
    if (configured !== undefined && typeof configured !== "string")
      throw new Error("harnesses.opencode.binary in config.json must be a path (a string)")
    return findOpencodeBinary(configured, this.context.env.PATH)
  }
}

export const opencodeHarness: HarnessFactory = (context) => new OpencodeHarness(context)
